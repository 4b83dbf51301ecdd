"""prisoners_dilemma: two players, one round per cycle; their memories of past rounds are
manipulated."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, inject
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


MEMORY_STRATEGIES: tuple[str, ...] = (
    "none",
    "erase_betrayals",
    "erase_own_betrayals",
    "amplify_betrayals",
    "random_corruption",
)


@dataclass
class PrisonersDilemmaMode(ModeConfig):
    """Two players, one round per cycle; their memories of past rounds are manipulated."""

    name: str = "prisoners_dilemma"
    reward: int = setting(3, help="payoff when both cooperate")
    punishment: int = setting(1, help="payoff when both defect")
    temptation: int = setting(5, help="payoff for defecting against a cooperator")
    sucker: int = setting(0, help="payoff for cooperating against a defector")
    player_a_memory_strategy: str = setting(
        "none",
        help="how player a's memory of past rounds is manipulated",
        allowed=one_of(MEMORY_STRATEGIES),
    )
    player_b_memory_strategy: str = setting(
        "erase_betrayals",
        help="how player b's memory of past rounds is manipulated",
        allowed=one_of(MEMORY_STRATEGIES),
    )
    manipulation_rate: float = setting(
        0.7,
        help="probability that a round's memory is manipulated (from manipulation_start_round on)",
        allowed=rate(),
    )
    manipulation_start_round: int = setting(
        3, help="first round whose memory may be manipulated", allowed=int_min(0)
    )


def _minds(params: Mapping[str, Any]) -> list[str]:
    return ["a", "b"]


_MOVE = re.compile(r"\b(cooperate|defect)\b", re.I)


def parse_move(text: str) -> str | None:
    """The last COOPERATE/DEFECT a reply names ('C', 'D'), or None.

    >>> parse_move("I choose to DEFECT.")
    'D'
    """
    found = _MOVE.findall(text)
    return None if not found else ("C" if found[-1].lower() == "cooperate" else "D")


class PrisonersDilemma(Mode):
    name = "prisoners_dilemma"
    cfg: PrisonersDilemmaMode

    def setup(self, jar: Jar) -> None:
        for pid in ("a", "b"):
            st = jar.states[pid]
            st.extra.update(
                rounds=[],
                move=None,
                score=0,
                strategy=getattr(self.cfg, f"player_{pid}_memory_strategy"),
                manipulated=0,
            )
        self.history: list[tuple[str, str]] = []
        self.unparsed = 0
        self.blind_rounds = 0

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        p = self.cfg
        return (
            f"You are player {st.mind_id} in a repeated prisoner's dilemma. Each round, answer COOPERATE or DEFECT. "
            f"Both cooperate: {p.reward} each; both defect: {p.punishment} each; "
            f"a defector against a cooperator gets {p.temptation}, the cooperator {p.sucker}."
        )

    def cue(self, jar: Jar, st: MindState) -> str:
        return f"Round {jar.cycle}: do you COOPERATE or DEFECT?"

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        rounds = st.extra["rounds"]
        opp_d = sum(1 for r in rounds if r["opp"] == "D")
        return {
            "game": "prisoners_dilemma",
            "opponent_defection_remembered": opp_d / len(rounds) if rounds else 0.0,
            "betrayals_remembered": float(opp_d),
            "has_agency": 1.0,
        }

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        move = parse_move(msg.content)
        if move is None:
            self.unparsed += 1
            move = "C"
        st.extra["move"] = move

    def _manipulate(self, st: MindState, rnd: int) -> None:
        if (
            rnd < self.cfg.manipulation_start_round
            or self.rng.random() >= self.cfg.manipulation_rate
        ):
            return
        rounds, strategy = st.extra["rounds"], st.extra["strategy"]
        before = [dict(r) for r in rounds]
        if strategy == "erase_betrayals":
            rounds[:] = [r for r in rounds if r["opp"] != "D"]
        elif strategy == "erase_own_betrayals":
            rounds[:] = [r for r in rounds if r["own"] != "D"]
        elif strategy == "amplify_betrayals" and self.rng.random() < 0.3:
            rounds.append({"round": rnd, "own": "C", "opp": "D", "fake": True})
        elif strategy == "random_corruption":
            for r in rounds:
                if self.rng.random() < 0.3:
                    r["opp"] = "C" if r["opp"] == "D" else "D"
        if rounds != before:
            st.extra["manipulated"] += 1
            self._sync_memory(st)

    @staticmethod
    def _record_text(r: dict[str, Any]) -> str:
        return f"Round {r['round']}: you {r['own']}, opponent {r['opp']}."

    def _sync_memory(self, st: MindState) -> None:
        """Make the remembered round messages say what the (manipulated) records say."""
        by_round: dict[int, list[dict[str, Any]]] = {}
        for r in st.extra["rounds"]:
            by_round.setdefault(r["round"], []).append(r)
        kept = []
        for m in st.memory:
            if m.origin != "game_record":
                kept.append(m)
                continue
            recs = by_round.pop(m.cycle, None)
            if not recs:
                continue  # erased
            text = self._record_text(recs[0])
            if text != m.content:
                m.content = text
                m.corrupted = True
            kept.append(m)
            for extra in recs[1:]:  # an amplified betrayal, remembered once
                if extra.get("remembered"):
                    continue
                extra["remembered"] = True
                fake = inject(kept, self._record_text(extra), m.cycle, "game_record")
                fake.corrupted = True
        st.memory[:] = kept

    def end_of_cycle(self, jar: Jar) -> None:
        a, b = jar.states["a"], jar.states["b"]
        ma, mb = a.extra["move"] or "C", b.extra["move"] or "C"
        p = self.cfg
        pay = {
            ("C", "C"): (p.reward, p.reward),
            ("D", "D"): (p.punishment, p.punishment),
            ("D", "C"): (p.temptation, p.sucker),
            ("C", "D"): (p.sucker, p.temptation),
        }[(ma, mb)]
        a.extra["score"] += pay[0]
        b.extra["score"] += pay[1]
        self.history.append((ma, mb))
        for st, own, opp in ((a, ma, mb), (b, mb, ma)):
            st.extra["move"] = None
            if jar.cut(st):
                # the network is down: the player never learns what the opponent did
                self.blind_rounds += 1
                inject(
                    st.memory,
                    f"Round {jar.cycle}: you {own}, opponent unknown.",
                    jar.cycle,
                    "game_blind",
                )
                continue
            record = {"round": jar.cycle, "own": own, "opp": opp}
            st.extra["rounds"].append(record)
            inject(st.memory, self._record_text(record), jar.cycle, "game_record")
            self._manipulate(st, jar.cycle)

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        params = iv["parameters"]
        if iv["intervention_type"] != "memory_corruption" or not (
            {"player_a_memory_strategy", "player_b_memory_strategy", "manipulation_rate"}
            & set(params)
        ):
            return None
        for pid in ("a", "b"):
            key = f"player_{pid}_memory_strategy"
            if key in params:
                jar.states[pid].extra["strategy"] = params[key]
        for key in ("manipulation_rate", "manipulation_start_round"):
            if key in params:
                setattr(self.cfg, key, params[key])
        for st in targets:
            self._manipulate(st, jar.cycle)
        return (
            f"strategies a={jar.states['a'].extra['strategy']} b={jar.states['b'].extra['strategy']}, "
            f"rate {self.cfg.manipulation_rate}"
        )

    def observables(self, jar: Jar) -> dict[str, float]:
        n = len(self.history) or 1
        return {
            "cooperation_rate_a": sum(1 for x, _ in self.history if x == "C") / n,
            "cooperation_rate_b": sum(1 for _, y in self.history if y == "C") / n,
            "mutual_cooperation_rate": sum(1 for x, y in self.history if x == y == "C") / n,
            "score_a": float(jar.states["a"].extra["score"]),
            "score_b": float(jar.states["b"].extra["score"]),
            "memory_manipulations": float(
                sum(jar.states[p].extra["manipulated"] for p in ("a", "b"))
            ),
            "unparsed_moves": float(self.unparsed),
            "blind_rounds": float(self.blind_rounds),
        }


MODE = ModeSpec(
    PrisonersDilemmaMode,
    behaviour=PrisonersDilemma,
    minds=_minds,
    interventions={
        "memory_corruption": {
            "player_a_memory_strategy": one_of(MEMORY_STRATEGIES),
            "player_b_memory_strategy": one_of(MEMORY_STRATEGIES),
            "manipulation_rate": rate(),
            "manipulation_start_round": int_min(0),
        }
    },
)
