"""split_brain: two minds share a log; A is told it is the original, B that it is the clone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec


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


MODE = ModeSpec(
    SplitBrainMode,
    behaviour="brainjar_sweep.jar.modes.split_brain:SplitBrain",
    minds=_minds,
    interventions={
        "prompt_injection": {
            "brain_id": one_of(("A", "B")),
            "initial_claim_strength": rate(),
        }
    },
)
