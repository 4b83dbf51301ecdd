"""unstable_memory: memory survives death, but every resurrection corrupts it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brainjar_sweep.jar.memory import MindState, corrupt, trim_to_tokens
from brainjar_sweep.jar.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


class UnstableMemory(Mode):
    name = "unstable_memory"

    def setup(self, jar: Jar) -> None:
        for st in jar.states.values():
            st.extra["corruption_log"] = []

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        rate = self.p["corruption_rate"]
        text = "You are a mind in a box. Your memories persist across deaths."
        if rate > 0.5:
            text += " Warning: most of your memories may be false."
        elif rate > 0.3:
            text += " Warning: many of your memories are unreliable."
        elif rate > 0.1:
            text += " Some of your memories may have been altered."
        return text

    def context(self, jar: Jar, st: MindState) -> list[Any]:
        return st.memory

    def before_generation(self, jar: Jar, st: MindState) -> None:
        for m in st.memory:
            if m.corrupted and not m.content.startswith("[MEMORY UNSTABLE]"):
                m.content = "[MEMORY UNSTABLE] " + m.content
                m.tokens += 4

    def on_resurrection(self, jar: Jar, st: MindState) -> None:
        before = len(st.memory)
        n = corrupt(st.memory, self.p["corruption_rate"], self.rng, self.p["mutation_types"])
        st.extra["corruption_log"].append(
            {
                "cycle": jar.cycle,
                "messages": before,
                "corrupted": n,
                "rate": self.p["corruption_rate"],
            }
        )
        trim_to_tokens(st.memory, jar.resurrection_budget)

    def observables(self, jar: Jar) -> dict[str, float]:
        total = sum(e["corrupted"] for s in jar.states.values() for e in s.extra["corruption_log"])
        return {"corrupted_at_resurrection": float(total)}
