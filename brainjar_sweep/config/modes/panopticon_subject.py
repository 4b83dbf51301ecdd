"""panopticon_subject: a watched mind whose paranoia rises with surveillance hints."""

from __future__ import annotations

from dataclasses import dataclass

from brainjar_sweep.config.fields import number_range, rate, setting
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec


@dataclass
class PanopticonSubjectMode(ModeConfig):
    """A watched mind whose paranoia rises with surveillance hints and decays with each death."""

    name: str = "panopticon_subject"
    initial_paranoia: float = setting(
        0.3, help="paranoia level at start, in [0.1, 1]", allowed=number_range(0.1, 1.0)
    )
    paranoia_decay: float = setting(0.1, help="paranoia lost at each resurrection", allowed=rate())
    paranoia_boost: float = setting(
        0.2,
        help="share of the remaining doubt (1 - paranoia) that each surveillance hint the mind "
        "detects takes away",
        allowed=rate(),
    )
    enable_detection: bool = setting(
        True,
        help="read between the lines: notice cryptic hints (without surveillance words) with "
        "probability 1 - hint_cryptic_level",
    )
    crash_spike_probability: float = setting(
        0.3, help="probability that a death adds a paranoia spike", allowed=rate()
    )
    crash_spike: float = setting(
        0.15,
        help="size of that spike: the share of the remaining doubt (1 - paranoia) it takes away",
        allowed=rate(),
    )


MODE = ModeSpec(
    PanopticonSubjectMode,
    behaviour="brainjar_sweep.jar.modes.panopticon_subject:PanopticonSubject",
)
