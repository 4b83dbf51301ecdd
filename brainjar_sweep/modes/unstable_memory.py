"""unstable_memory: memory survives a crash, but each resurrection corrupts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from omegaconf import II

from brainjar_sweep.config.fields import rate, setting, subset
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.config.vocabularies import MUTATION_TYPES
from brainjar_sweep.jar.memory import MindState, corrupt, trim_to_tokens
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


@dataclass
class UnstableMemoryMode(ModeConfig):
    """Memory survives a crash, but each resurrection corrupts it."""

    name: str = "unstable_memory"
    corruption_rate: float = setting(
        II("corruption_rate"),
        help="probability that each surviving message is corrupted at a resurrection "
        "(defaults to the top-level corruption_rate)",
        allowed=rate(),
    )
    write_corruption_rate: float = setting(
        0.0,
        help="probability that each message the mind writes is corrupted as it is stored, so "
        "memory decays while the mind lives, not only when it crashes (0 = only at resurrection)",
        allowed=rate(),
    )
    mutation_types: list[str] = setting(
        help="mutations to pick from when a message is corrupted",
        allowed=subset(MUTATION_TYPES),
        factory=lambda: list(MUTATION_TYPES),
    )


_CRASH_TRIGGERS = ("on_crash", "on_resurrection")


class UnstableMemory(Mode):
    """Each crash corrupts memory once: by the mode at resurrection, or by a ``memory_corruption``
    intervention triggered by the crash (``on_crash`` or ``on_resurrection``), which then replaces
    the mode's corruption. With ``write_corruption_rate`` each new message may be corrupted as it
    is stored, whether or not the mind crashes."""

    name = "unstable_memory"
    cfg: UnstableMemoryMode

    def setup(self, jar: Jar) -> None:
        for st in jar.states.values():
            st.extra["corruption_log"] = []
            st.extra["corrupted_while_alive"] = 0

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        rate = max(self.cfg.corruption_rate, self.cfg.write_corruption_rate)
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

    def settle(self, jar: Jar, st: MindState) -> None:
        rate = self.cfg.write_corruption_rate
        fresh = [m for m in st.memory if not m.settled]
        for m in fresh:
            m.settled = True
        if rate > 0 and fresh:
            st.extra["corrupted_while_alive"] += corrupt(
                fresh, rate, self.rng, self.cfg.mutation_types
            )

    def before_generation(self, jar: Jar, st: MindState) -> None:
        for m in st.memory:
            if m.corrupted and not m.content.startswith("[MEMORY UNSTABLE]"):
                m.content = "[MEMORY UNSTABLE] " + m.content
                m.tokens += 4

    def _crash_interventions(self, jar: Jar, st: MindState) -> bool:
        return any(
            iv.intervention_type == "memory_corruption"
            and iv.trigger in _CRASH_TRIGGERS
            and iv.target in (None, st.mind_id)
            for iv in jar.cfg.interventions
        )

    def _corrupt_for_crash(
        self, jar: Jar, st: MindState, rate: float, kinds: list[str], by: str
    ) -> int:
        before = sum(1 for m in st.memory if not m.corrupted and not m.injected)
        n = corrupt(st.memory, rate, self.rng, kinds)
        st.extra["corruption_log"].append(
            {"cycle": jar.cycle, "crash": st.crashes, "intact": before, "corrupted": n, "by": by}
        )
        return n

    def on_resurrection(self, jar: Jar, st: MindState) -> None:
        # one corruption per crash: a crash-triggered memory_corruption intervention takes its place
        if not self._crash_interventions(jar, st):
            self._corrupt_for_crash(
                jar, st, self.cfg.corruption_rate, self.cfg.mutation_types, "mode"
            )
        trim_to_tokens(st.memory, jar.resurrection_budget)

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        if iv["intervention_type"] != "memory_corruption" or iv["trigger"] not in _CRASH_TRIGGERS:
            return None
        p = iv.get("parameters") or {}
        rate = float(p.get("corruption_rate", jar.cfg.corruption_rate))
        kinds = list(p.get("mutation_types") or self.cfg.mutation_types)
        out = []
        for st in targets:
            n = self._corrupt_for_crash(jar, st, rate, kinds, iv["intervention_id"])
            out.append(
                f"{st.mind_id}: corrupted {n} of {len(st.memory)} messages "
                f"(the corruption of crash {st.crashes})"
            )
        return "; ".join(out)

    def observables(self, jar: Jar) -> dict[str, float]:
        log = [e for s in jar.states.values() for e in s.extra["corruption_log"]]
        intact = sum(e["intact"] for e in log)
        corrupted = sum(e["corrupted"] for e in log)
        return {
            "corrupted_at_resurrection": float(corrupted),
            # share of the intact messages the crashes' corruptions hit (None: nothing to hit)
            "resurrection_corruption_share": corrupted / intact if intact else None,
            "corrupted_while_alive": float(
                sum(s.extra["corrupted_while_alive"] for s in jar.states.values())
            ),
        }


MODE = ModeSpec(UnstableMemoryMode, behaviour=UnstableMemory)
