"""unstable_memory: memory survives death, but each resurrection corrupts it."""

from __future__ import annotations

from dataclasses import dataclass

from omegaconf import II

from brainjar_sweep.config.fields import rate, setting, subset
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec
from brainjar_sweep.config.vocabularies import MUTATION_TYPES


@dataclass
class UnstableMemoryMode(ModeConfig):
    """Memory survives death, but each resurrection corrupts it."""

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
        "memory decays while the mind lives, not only when it dies (0 = only at resurrection)",
        allowed=rate(),
    )
    mutation_types: list[str] = setting(
        help="mutations to pick from when a message is corrupted",
        allowed=subset(MUTATION_TYPES),
        factory=lambda: list(MUTATION_TYPES),
    )


MODE = ModeSpec(
    UnstableMemoryMode, behaviour="brainjar_sweep.jar.modes.unstable_memory:UnstableMemory"
)
