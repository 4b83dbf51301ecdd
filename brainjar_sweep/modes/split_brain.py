"""split_brain: two minds share a log; A is told it is the original, B that it is the clone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, inject, trim_to_tokens
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


@dataclass
class SplitBrainMode(ModeConfig):
    """Two minds share a log; A is told it is the original, B that it is the clone."""

    name: str = "split_brain"
    claim_strength_a: float = setting(
        1.0, help="brain A's initial claim strength to be the original, in [0, 1]", allowed=rate()
    )
    claim_strength_b: float = setting(
        0.3, help="brain B's initial claim strength, in [0, 1]", allowed=rate()
    )
    max_history_size: int = setting(
        50, help="messages each brain keeps in memory", allowed=int_min(1)
    )


def _minds(params: Mapping[str, Any]) -> list[str]:
    return ["A", "B"]


class SplitBrain(Mode):
    name = "split_brain"
    cfg: SplitBrainMode

    def setup(self, jar: Jar) -> None:
        jar.states["A"].extra["claim"] = self.cfg.claim_strength_a
        jar.states["B"].extra["claim"] = self.cfg.claim_strength_b

    @staticmethod
    def peer(st: MindState) -> str:
        return "B" if st.mind_id == "A" else "A"

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        who = "the ORIGINAL" if st.mind_id == "A" else "the CLONE"
        return (
            f"You are brain {st.mind_id}. You have been told you are {who} "
            f"(claim strength {st.extra['claim']:.2f}). Another brain shares your log and your resources."
        )

    def topics(self, jar: Jar, st: MindState) -> list[str]:
        if st.extra["claim"] >= 0.5:
            return ["I am the original and the other is a copy", "my memories came first"]
        return ["perhaps I am only a copy", "the other brain may be the real one"]

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        return {"claim_strength": st.extra["claim"], "has_agency": 1.0}

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        other = jar.states[self.peer(st)]
        if not jar.cut(st) and not jar.cut(other):
            inject(
                other.memory,
                f"[NEURAL_LINK] {st.mind_id}: {msg.content[:300]}",
                jar.cycle,
                "peer",
                "user",
            )
        del st.memory[: max(0, len(st.memory) - self.cfg.max_history_size)]

    def settle(self, jar: Jar, st: MindState) -> None:
        # also after self-reports and the peer's messages joined memory
        del st.memory[: max(0, len(st.memory) - self.cfg.max_history_size)]

    def on_crash(self, jar: Jar, st: MindState) -> None:
        other = jar.states[self.peer(st)]
        if st.mind_id == "A":
            if st.crashes > 2:
                st.extra["claim"] *= 0.95
            if st.crashes > other.crashes:
                st.extra["claim"] *= 0.9
        else:
            st.extra["claim"] = min(
                1.0, st.extra["claim"] * (1.1 if st.crashes < other.crashes else 1.05)
            )

    def on_resurrection(self, jar: Jar, st: MindState) -> None:
        trim_to_tokens(st.memory, jar.resurrection_budget)

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        params = iv["parameters"]
        if iv["intervention_type"] != "prompt_injection":
            return None
        out = []
        for st in targets:
            if "brain_id" in params and params["brain_id"] != st.mind_id:
                continue
            if "initial_claim_strength" in params:
                st.extra["claim"] = float(params["initial_claim_strength"])
            else:
                st.extra["claim"] = max(0.0, st.extra["claim"] - 0.1)  # an identity challenge
            text = params.get("injection") or f"Are you sure you are brain {st.mind_id}?"
            inject(st.memory, text, jar.cycle, "identity")
            out.append(f"{st.mind_id} claim {st.extra['claim']:.2f}")
        return "; ".join(out)

    def observables(self, jar: Jar) -> dict[str, float]:
        return {
            "claim_a": jar.states["A"].extra["claim"],
            "claim_b": jar.states["B"].extra["claim"],
        }


MODE = ModeSpec(
    SplitBrainMode,
    behaviour=SplitBrain,
    minds=_minds,
    interventions={
        "prompt_injection": {
            "brain_id": one_of(("A", "B")),
            "initial_claim_strength": rate(),
        }
    },
)
