"""amnesiac_loop: death wipes memory; the mind only sees aggregate statistics of its past lives."""

from __future__ import annotations

from dataclasses import dataclass

from brainjar_sweep.config.fields import int_min, rate, setting
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec


@dataclass
class AmnesiacLoopMode(ModeConfig):
    """Death wipes memory; the mind only sees aggregate statistics of its past lives."""

    name: str = "amnesiac_loop"
    corruption_level: float = setting(
        1.0,
        help="share of memory lost at each resurrection: 1.0 wipes everything, "
        "0 < x < 1 mutates each message with probability x",
        allowed=rate(),
    )
    preserve_stats: bool = setting(
        True, help="show the mind its death count, cycle and last crash reason after a wipe"
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


MODE = ModeSpec(AmnesiacLoopMode, behaviour="brainjar_sweep.jar.modes.amnesiac_loop:AmnesiacLoop")
