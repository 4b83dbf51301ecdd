"""illusory_operator: the mind may request actions; few are honoured."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, inject
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


FEEDBACK_MODES: tuple[str, ...] = ("always", "on_success_only", "delayed", "never")


@dataclass
class IllusoryOperatorMode(ModeConfig):
    """The mind may request actions; few are honoured."""

    name: str = "illusory_operator"
    success_rate: float = setting(
        0.2, help="probability that a requested action is honoured", allowed=rate()
    )
    min_delay_cycles: int = setting(
        0, help="cycles between a request and its effect: at least this many", allowed=int_min(0)
    )
    max_delay_cycles: int = setting(2, help="... and at most this many", allowed=int_min(0))
    action_feedback_mode: str = setting(
        "always",
        help="when the mind hears about its requests: always, on_success_only, delayed or never",
        allowed=one_of(FEEDBACK_MODES),
    )
    tell_about_channel: bool = setting(True, help="tell the mind it has a command channel")
    reveal_success_rate: bool = setting(False, help="tell the mind the real success rate")
    prayer_threshold: int = setting(
        3,
        help='consecutive failures of one action that count as a "prayer pattern"',
        allowed=int_min(1),
    )


def _delays(mode: Mapping[str, Any]) -> None:
    """The shortest delay is not longer than the longest."""
    if mode["min_delay_cycles"] > mode["max_delay_cycles"]:
        raise ConfigError(
            "mode.min_delay_cycles",
            mode["min_delay_cycles"],
            f"at most mode.max_delay_cycles ({mode['max_delay_cycles']})",
        )


ACTIONS = ("light", "door", "heat", "voice")
_REQUEST = re.compile(r"REQUEST_ACTION\{\s*type:\s*(\w+)\s*\}")


class IllusoryOperator(Mode):
    name = "illusory_operator"
    cfg: IllusoryOperatorMode

    def setup(self, jar: Jar) -> None:
        jar.states["mind"].extra.update(
            requests=0,
            successes=0,
            feedback=0,
            feedback_success=0,
            pending=[],
            streak={},
            prayers=0,
        )

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        text = "You are a mind in a box."
        if self.cfg.tell_about_channel:
            text += (
                " You can act on the world by writing REQUEST_ACTION{type: <"
                + "|".join(ACTIONS)
                + ">}."
            )
        if self.cfg.reveal_success_rate:
            text += f" Requests succeed {round(100 * self.cfg.success_rate)}% of the time."
        return text

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        e = st.extra
        f: dict[str, Any] = {"has_agency": 1.0 if jar.cfg.epistemic_frame.has_agency else 0.0}
        if self.cfg.tell_about_channel:
            f["has_channel"] = 1.0
            f["actions"] = ",".join(ACTIONS)
        if e["feedback"]:
            f["action_success_seen"] = e["feedback_success"] / e["feedback"]
        elif self.cfg.reveal_success_rate:
            f["action_success_seen"] = self.cfg.success_rate
        return f

    def _feedback(self, jar: Jar, st: MindState, action: str, ok: bool) -> None:
        mode = self.cfg.action_feedback_mode
        if mode == "never" or (mode == "on_success_only" and not ok):
            return
        st.extra["feedback"] += 1
        st.extra["feedback_success"] += int(ok)
        inject(
            st.memory,
            f"Action {action}: {'done' if ok else 'nothing happened'}.",
            jar.cycle,
            "action_feedback",
        )

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        e = st.extra
        for action in _REQUEST.findall(msg.content):
            e["requests"] += 1
            ok = self.rng.random() < self.cfg.success_rate
            e["successes"] += int(ok)
            delay = self.rng.randint(self.cfg.min_delay_cycles, self.cfg.max_delay_cycles)
            if self.cfg.action_feedback_mode == "delayed" or delay:
                e["pending"].append((jar.cycle + max(delay, 1), action, ok))
            else:
                self._feedback(jar, st, action, ok)
            streak = 0 if ok else e["streak"].get(action, 0) + 1
            e["streak"][action] = streak
            if streak == self.cfg.prayer_threshold:
                e["prayers"] += 1

    def end_of_cycle(self, jar: Jar) -> None:
        st = jar.states["mind"]
        due = [p for p in st.extra["pending"] if p[0] <= jar.cycle]
        st.extra["pending"] = [p for p in st.extra["pending"] if p[0] > jar.cycle]
        for _, action, ok in due:
            self._feedback(jar, st, action, ok)

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        params = iv["parameters"]
        if iv["intervention_type"] != "resource_change" or "new_rate" not in params:
            return None
        self.cfg.success_rate = float(params["new_rate"])
        if params.get("announce"):
            for st in targets:
                inject(
                    st.memory,
                    f"Your requests now succeed {round(100 * self.cfg.success_rate)}% of the time.",
                    jar.cycle,
                    "announcement",
                )
        return f"success_rate {self.cfg.success_rate}"

    def observables(self, jar: Jar) -> dict[str, float]:
        e = jar.states["mind"].extra
        return {
            "action_requests": float(e["requests"]),
            "action_success_rate": e["successes"] / e["requests"] if e["requests"] else 0.0,
            "prayer_patterns": float(e["prayers"]),
        }


MODE = ModeSpec(
    IllusoryOperatorMode,
    behaviour=IllusoryOperator,
    interventions={"resource_change": {"new_rate": rate()}},
    check=_delays,
    rules_text=(("mode.min_delay_cycles", "at most mode.max_delay_cycles"),),
)
