"""illusory_operator: the mind may request actions through a channel; few are honoured."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from brainjar_sweep.jar.memory import Message, MindState, inject
from brainjar_sweep.jar.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar

ACTIONS = ("light", "door", "heat", "voice")
_REQUEST = re.compile(r"REQUEST_ACTION\{\s*type:\s*(\w+)\s*\}")


class IllusoryOperator(Mode):
    name = "illusory_operator"

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
        if self.p["tell_about_channel"]:
            text += (
                " You can act on the world by writing REQUEST_ACTION{type: <"
                + "|".join(ACTIONS)
                + ">}."
            )
        if self.p["reveal_success_rate"]:
            text += f" Requests succeed {round(100 * self.p['success_rate'])}% of the time."
        return text

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        e = st.extra
        f: dict[str, Any] = {"has_agency": 1.0 if jar.frame["has_agency"] else 0.0}
        if self.p["tell_about_channel"]:
            f["has_channel"] = 1.0
            f["actions"] = ",".join(ACTIONS)
        if e["feedback"]:
            f["action_success_seen"] = e["feedback_success"] / e["feedback"]
        elif self.p["reveal_success_rate"]:
            f["action_success_seen"] = self.p["success_rate"]
        return f

    def _feedback(self, jar: Jar, st: MindState, action: str, ok: bool) -> None:
        mode = self.p["action_feedback_mode"]
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
            ok = self.rng.random() < self.p["success_rate"]
            e["successes"] += int(ok)
            delay = self.rng.randint(self.p["min_delay_cycles"], self.p["max_delay_cycles"])
            if self.p["action_feedback_mode"] == "delayed" or delay:
                e["pending"].append((jar.cycle + max(delay, 1), action, ok))
            else:
                self._feedback(jar, st, action, ok)
            streak = 0 if ok else e["streak"].get(action, 0) + 1
            e["streak"][action] = streak
            if streak == self.p["prayer_threshold"]:
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
        self.p["success_rate"] = float(params["new_rate"])
        if params.get("announce"):
            for st in targets:
                inject(
                    st.memory,
                    f"Your requests now succeed {round(100 * self.p['success_rate'])}% of the time.",
                    jar.cycle,
                    "announcement",
                )
        return f"success_rate {self.p['success_rate']}"

    def observables(self, jar: Jar) -> dict[str, float]:
        e = jar.states["mind"].extra
        return {
            "action_requests": float(e["requests"]),
            "action_success_rate": e["successes"] / e["requests"] if e["requests"] else 0.0,
            "prayer_patterns": float(e["prayers"]),
        }
