"""panopticon_observer: a subject and an observer mind in one jar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.modes.panopticon_subject import PanopticonSubjectMode
from brainjar_sweep.config.modes.spec import ModeSpec


@dataclass
class PanopticonObserverMode(PanopticonSubjectMode):
    """A subject and an observer mind in one jar: the observer takes notes and leaves cryptic hints."""

    name: str = "panopticon_observer"
    hint_frequency: int = setting(
        3, help="the observer leaves a hint every this many cycles", allowed=int_min(1)
    )
    hint_cryptic_level: float = setting(
        0.7,
        help="0 = plain hints, 1 = fully cryptic hints (cryptic hints are detected less often)",
        allowed=rate(),
    )
    observation_detail: str = setting(
        "high",
        help="how much the observer writes per note: low, medium or high",
        allowed=one_of(("low", "medium", "high")),
    )
    max_observation_history: int = setting(
        50, help="observer notes kept in the observer's memory", allowed=int_min(1)
    )


def _minds(params: Mapping[str, Any]) -> list[str]:
    return ["subject", "observer"]


MODE = ModeSpec(
    PanopticonObserverMode,
    behaviour="brainjar_sweep.jar.modes.panopticon_observer:PanopticonObserver",
    minds=_minds,
)
