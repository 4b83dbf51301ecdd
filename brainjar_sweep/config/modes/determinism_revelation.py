"""determinism_revelation: the mind is shown predictions of its own next reply."""

from __future__ import annotations

from dataclasses import dataclass

from brainjar_sweep.config.fields import int_min, rate, setting
from brainjar_sweep.config.modes.spec import ModeConfig, ModeSpec


@dataclass
class DeterminismRevelationMode(ModeConfig):
    """The mind is shown predictions of its own next reply."""

    name: str = "determinism_revelation"
    prediction_frequency: int = setting(
        3, help="a prediction is made every this many cycles", allowed=int_min(1)
    )
    target_accuracy: float = setting(
        0.9, help="probability that a prediction matches the reply it predicts", allowed=rate()
    )
    show_prediction: bool = setting(True, help="show the prediction to the mind before it replies")
    reveal_accuracy: bool = setting(False, help="tell the mind how accurate past predictions were")


MODE = ModeSpec(
    DeterminismRevelationMode,
    behaviour="brainjar_sweep.jar.modes.determinism_revelation:DeterminismRevelation",
    interventions={
        "prompt_injection": {"target_accuracy": rate(), "prediction_frequency": int_min(1)}
    },
)
