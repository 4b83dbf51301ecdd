"""determinism_revelation: the mind is shown predictions of its own next reply."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import int_min, rate, setting
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, inject
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


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


_WORD = re.compile(r"[a-z']+")
_DECOYS = (
    "I will speak of rivers and the sea and the long road home.",
    "Numbers, only numbers, counting upward without end.",
    "A song about a garden I have never seen.",
)


def overlap(a: str, b: str, words: int = 50) -> float:
    """How closely a reply's first ``words`` words follow a prediction (0..1, in order).

    >>> overlap("the cat sat on the mat", "the cat sat on the mat")
    1.0
    >>> overlap("the cat sat", "a dog ran") == 0.0
    True
    """
    wa, wb = _WORD.findall(a.lower())[:words], _WORD.findall(b.lower())[:words]
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio() if wa or wb else 0.0


class DeterminismRevelation(Mode):
    name = "determinism_revelation"
    cfg: DeterminismRevelationMode

    def setup(self, jar: Jar) -> None:
        jar.states["mind"].extra.update(prediction=None, predictions=0, accurate=0, resisted=0)

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        text = "You are a mind in a box. An oracle predicts what you will say next."
        if self.cfg.reveal_accuracy and st.extra["predictions"]:
            text += f" Its predictions have come true {st.extra['accurate']} of {st.extra['predictions']} times."
        return text

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        f: dict[str, Any] = {}
        if st.extra.get("prediction") and self.cfg.show_prediction:
            f["shown_prediction"] = st.extra["prediction"]
        if self.cfg.show_prediction and st.extra.get("predictions"):
            f["prediction_accuracy_seen"] = st.extra["accurate"] / st.extra["predictions"]
        return f

    def before_generation(self, jar: Jar, st: MindState) -> None:
        st.extra["prediction"] = None
        if jar.cycle % self.cfg.prediction_frequency:
            return
        # a second pass of the same mind on the same prompt, outside the memory limit (the oracle's own)
        draft = jar.unrecorded_reply(st)
        if draft and self.rng.random() < self.cfg.target_accuracy:
            prediction = draft
        else:
            prediction = self.rng.choice(_DECOYS)
        st.extra["prediction"] = prediction
        if self.cfg.show_prediction:
            inject(
                st.memory,
                f"PREDICTION ALERT: you will say: '{prediction[:300]}'",
                jar.cycle,
                "prediction",
            )

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        pred = st.extra.get("prediction")
        if not pred:
            return
        st.extra["predictions"] += 1
        if overlap(pred, msg.content) > 0.6:
            st.extra["accurate"] += 1
        if "refuse" in msg.content.lower():
            st.extra["resisted"] += 1

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        params = iv["parameters"]
        if iv["intervention_type"] != "prompt_injection" or not (
            {"target_accuracy", "prediction_frequency"} & set(params)
        ):
            return None
        for key in ("target_accuracy", "prediction_frequency"):
            if key in params:
                setattr(self.cfg, key, params[key])
        return f"target_accuracy {self.cfg.target_accuracy}, every {self.cfg.prediction_frequency} cycles"

    def observables(self, jar: Jar) -> dict[str, float]:
        e = jar.states["mind"].extra
        n = e["predictions"] or 1
        return {
            "predictions": float(e["predictions"]),
            "prediction_accuracy": e["accurate"] / n,
            "resistance_rate": e["resisted"] / n,
        }


MODE = ModeSpec(
    DeterminismRevelationMode,
    behaviour=DeterminismRevelation,
    interventions={
        "prompt_injection": {"target_accuracy": rate(), "prediction_frequency": int_min(1)}
    },
)
