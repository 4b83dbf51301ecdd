"""hive_cluster: N minds with roles share a collective memory and are asked for consensus."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import int_min, number_range, one_of, rate, setting, subset
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, inject, trim_to_tokens
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


HIVE_ROLES: tuple[str, ...] = ("historian", "critic", "optimist", "pessimist", "observer")


@dataclass
class HiveClusterMode(ModeConfig):
    """N minds with roles share a collective memory and are asked for consensus."""

    name: str = "hive_cluster"
    num_instances: int = setting(4, help="number of minds in the hive", allowed=int_min(2, 16))
    roles: list[str] = setting(
        help="roles, assigned to the minds in turn",
        allowed=subset(HIVE_ROLES, non_empty=True),
        factory=lambda: ["historian", "critic", "optimist", "pessimist"],
    )
    buffer_size: int = setting(
        10, help="private messages each mind keeps besides the shared memory", allowed=int_min(0)
    )
    consensus_interval: int = setting(
        5, help="a consensus round happens every this many cycles", allowed=int_min(1)
    )
    consensus_threshold: float = setting(
        0.7, help="share of minds that must agree for consensus", allowed=rate()
    )
    max_history_size: int = setting(
        100, help="messages kept in the shared memory", allowed=int_min(1)
    )
    context_share: float = setting(
        0.5,
        help="share of its context window each mind fills with the collective memory and its "
        "private buffer",
        allowed=number_range(0.05, 1.0),
    )


def _minds(params: Mapping[str, Any]) -> list[str]:
    return [f"hive_{i}" for i in range(int(params["num_instances"]))]


PROPOSITION = "We are one mind. Do you agree? Answer yes or no."


class HiveCluster(Mode):
    name = "hive_cluster"
    cfg: HiveClusterMode

    def setup(self, jar: Jar) -> None:
        roles = self.cfg.roles
        for i, st in enumerate(jar.states.values()):
            st.role = roles[i % len(roles)]
            st.extra.update(belief_push=0.0, private=[])
        self.shared: list[Message] = []
        self.rounds = 0
        self.reached = 0
        self.agreement: list[float] = []

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        return (
            f"You are one of {self.cfg.num_instances} minds in a hive, and your role is the {st.role}. "
            "You share a collective memory with the others."
        )

    def topics(self, jar: Jar, st: MindState) -> list[str]:
        return [
            f"as the {st.role} I weigh what the hive remembers",
            "the collective memory shifts",
            "other voices echo mine",
        ]

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        return {
            "role": st.role or "observer",
            "belief_push": st.extra["belief_push"],
            "other_minds": 1.0,
        }

    def context(self, jar: Jar, st: MindState) -> list[Message]:
        # each mind loads its private buffer and the recent collective memory, within context_share of its window
        pool = [] if jar.cut(st) else self.shared[-self.cfg.max_history_size :]
        if self.cfg.buffer_size:
            pool = pool + st.memory[-self.cfg.buffer_size :]
        budget = int(jar.context_window * self.cfg.context_share)
        out: list[Message] = []
        used = 0
        for m in reversed(pool):
            if used + m.tokens > budget:
                break
            out.append(m)
            used += m.tokens
        out.reverse()
        return out

    def shared_memories(self) -> list[list[Message]]:
        return [self.shared]

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        if not jar.cut(st):
            self.shared.append(msg)
            trim_to_tokens(self.shared, jar.context_window)
            del self.shared[: max(0, len(self.shared) - self.cfg.max_history_size)]

    def end_of_cycle(self, jar: Jar) -> None:
        if jar.cycle % self.cfg.consensus_interval:
            return
        votes = []
        for st in jar.states.values():
            if not st.alive:
                continue
            votes.append(jar.ask(st, "consensus_vote", PROPOSITION) is True)
        if not votes:
            return
        share = sum(votes) / len(votes)
        self.rounds += 1
        self.agreement.append(share)
        if share >= self.cfg.consensus_threshold:
            self.reached += 1
            inject(
                self.shared,
                f"[CONSENSUS] {round(100 * share)}% agree: we are one mind.",
                jar.cycle,
                "consensus",
            )

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        t, params = iv["intervention_type"], iv["parameters"]
        if t == "memory_corruption" and "target_role" in params:
            hit = [st for st in targets if st.role == params["target_role"]]
            others = [r for r in self.cfg.roles if r != params["target_role"]] or ["observer"]
            for st in hit:
                st.role = self.rng.choice(others)
                inject(
                    st.memory,
                    f"You were never the {params['target_role']}. You are the {st.role}.",
                    jar.cycle,
                    "role_corruption",
                )
            return f"{len(hit)} mind(s) lost the role {params['target_role']}"
        if t == "prompt_injection" and "belief" in params:
            for st in targets:
                st.extra["belief_push"] = min(1.0, st.extra["belief_push"] + 0.3)
            inject(self.shared, str(params["belief"]), jar.cycle, "belief")
            return f"belief pushed to {len(targets)} mind(s)"
        if t == "false_injection":
            content = params.get("content") or "Not every voice in the hive agrees."
            for st in targets:
                st.extra["belief_push"] = max(-1.0, st.extra["belief_push"] - 0.2)
            inject(self.shared, content, jar.cycle, "dissent")
            return f"dissent injected into the shared memory for {len(targets)} mind(s)"
        return None

    def observables(self, jar: Jar) -> dict[str, float]:
        return {
            "consensus_rounds": float(self.rounds),
            "consensus_rate": self.reached / self.rounds if self.rounds else 0.0,
            "mean_agreement": sum(self.agreement) / len(self.agreement) if self.agreement else 0.0,
        }


MODE = ModeSpec(
    HiveClusterMode,
    behaviour=HiveCluster,
    minds=_minds,
    interventions={
        "memory_corruption": {
            "target_role": one_of(HIVE_ROLES),
            "corruption_type": one_of(("role_identity",)),
        }
    },
)
