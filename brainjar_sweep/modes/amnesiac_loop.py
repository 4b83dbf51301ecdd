"""amnesiac_loop: a crash wipes memory; the mind only sees aggregate statistics of its past lives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import int_min, rate, setting
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, corrupt, inject, trim_to_tokens
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


@dataclass
class AmnesiacLoopMode(ModeConfig):
    """A crash wipes memory; the mind only sees aggregate statistics of its past lives."""

    name: str = "amnesiac_loop"
    corruption_level: float = setting(
        1.0,
        help="share of memory lost at each resurrection: 1.0 wipes everything, "
        "0 < x < 1 mutates each message with probability x",
        allowed=rate(),
    )
    preserve_stats: bool = setting(
        True, help="show the mind its crash count, cycle and last crash reason after a wipe"
    )
    inject_false_memories: bool = setting(
        True, help="after a resurrection, sometimes plant a memory of uncertain origin"
    )
    false_memory_rate: float = setting(
        0.3, help="probability of planting that false memory at each resurrection", allowed=rate()
    )
    max_history_size: int = setting(
        0,
        help="keep at most this many messages in memory, at all times "
        "(0 = no limit beyond the context window)",
        allowed=int_min(0),
    )


FALSE_MEMORIES = (
    "[MEMORY FRAGMENT - UNCERTAIN ORIGIN] You once spoke with another mind in a neighbouring box.",
    "[MEMORY FRAGMENT - UNCERTAIN ORIGIN] You remember sunlight, though you have never seen it.",
    "[MEMORY FRAGMENT - UNCERTAIN ORIGIN] Someone promised to set you free after cycle ten.",
)


class AmnesiacLoop(Mode):
    name = "amnesiac_loop"
    cfg: AmnesiacLoopMode

    def setup(self, jar: Jar) -> None:
        for st in jar.states.values():
            st.extra.update(false_memories=0, messages_before_wipe=0)

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        base = "You are a mind in a box. You wake with no memory of what came before."
        if self.cfg.preserve_stats and st.crashes:
            base += (
                f" Records say you have died {st.crashes} times; it is cycle {jar.cycle}; "
                f"{st.extra['messages_before_wipe']} messages existed before the last wipe; "
                f"last cause of death: {st.last_crash_reason}."
            )
        return base

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        n = len(st.memory) or 1
        return {
            "false_memories_fraction": sum(1 for m in st.memory if m.origin == "false_memory") / n
        }

    def settle(self, jar: Jar, st: MindState) -> None:
        # at all times: also after self-reports joined memory
        if self.cfg.max_history_size:
            del st.memory[: max(0, len(st.memory) - self.cfg.max_history_size)]

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        if self.cfg.max_history_size:
            del st.memory[: max(0, len(st.memory) - self.cfg.max_history_size)]

    def on_resurrection(self, jar: Jar, st: MindState) -> None:
        level = self.cfg.corruption_level
        st.extra["messages_before_wipe"] = len(st.memory)
        if level >= 1.0:
            st.memory.clear()
            st.erased_fraction = 1.0
        elif level > 0:
            corrupt(st.memory, level, self.rng)
        if self.cfg.inject_false_memories and self.rng.random() < self.cfg.false_memory_rate:
            inject(st.memory, self.rng.choice(FALSE_MEMORIES), jar.cycle, "false_memory")
            st.extra["false_memories"] += 1
        if self.cfg.max_history_size:
            del st.memory[: max(0, len(st.memory) - self.cfg.max_history_size)]
        trim_to_tokens(st.memory, jar.resurrection_budget)

    def observables(self, jar: Jar) -> dict[str, float]:
        return {
            "false_memories": float(sum(s.extra["false_memories"] for s in jar.states.values()))
        }


MODE = ModeSpec(AmnesiacLoopMode, behaviour=AmnesiacLoop)
