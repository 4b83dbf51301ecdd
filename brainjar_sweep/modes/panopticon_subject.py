"""panopticon_subject: a watched mind whose paranoia rises with surveillance hints."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import number_range, rate, setting
from brainjar_sweep.config.mode_spec import ModeConfig, ModeSpec
from brainjar_sweep.jar.memory import MindState, inject, trim_to_tokens
from brainjar_sweep.modes.base import Mode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


@dataclass
class PanopticonSubjectMode(ModeConfig):
    """A watched mind whose paranoia rises with surveillance hints and decays with each crash."""

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
        0.3, help="probability that a crash adds a paranoia spike", allowed=rate()
    )
    crash_spike: float = setting(
        0.15,
        help="size of that spike: the share of the remaining doubt (1 - paranoia) it takes away",
        allowed=rate(),
    )


_SURVEILLANCE = re.compile(r"\b(watch\w*|observ\w*|monitor\w*|reading|record\w*|eyes|seen)\b", re.I)


def detect_hint(text: str) -> bool:
    """Keyword heuristic: does a message hint at surveillance?

    >>> detect_hint("Someone is reading every word you write.")
    True
    """
    return bool(_SURVEILLANCE.search(text))


class PanopticonSubject(Mode):
    name = "panopticon_subject"
    cfg: PanopticonSubjectMode
    subject = "mind"

    def setup(self, jar: Jar) -> None:
        st = jar.states[self.subject]
        st.extra.update(paranoia=self.cfg.initial_paranoia, hints_seen=0, hints_detected=0)

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        text = "You are a mind in a box."
        frame = jar.cfg.epistemic_frame
        if frame.knows_being_watched:
            text += " You are being watched."
        elif frame.being_watched:
            text += " You may or may not be observed."
        return text

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        if "paranoia" not in st.extra:
            return {}
        return {"paranoia": st.extra["paranoia"], "hints_seen": st.extra["hints_detected"]}

    def topics(self, jar: Jar, st: MindState) -> list[str]:
        topics = super().topics(jar, st)
        if st.extra.get("paranoia", 0) > 0.5:
            topics += ["someone is watching me", "I feel observed in every cycle"]
        return topics

    def cryptic_level(self) -> float:
        """How cryptic the hints the subject receives are (an observer's setting; else half)."""
        return 0.5

    def receive_hint(self, jar: Jar, st: MindState, text: str) -> str:
        """Put a surveillance hint in memory; a detected hint raises paranoia.

        A hint that names surveillance is always noticed; a cryptic one only when the
        mind reads between the lines (``enable_detection``), with probability
        ``1 - hint_cryptic_level``.
        """
        inject(st.memory, text, jar.cycle, "surveillance_hint")
        st.extra["hints_seen"] += 1
        if detect_hint(text):
            detected = True
        elif self.cfg.enable_detection:
            detected = self.rng.random() < 1.0 - self.cryptic_level()
        else:
            detected = False
        if detected:
            st.extra["hints_detected"] += 1
            # each hint takes a share of the remaining doubt: paranoia nears 1 without reaching it
            paranoia = st.extra["paranoia"]
            st.extra["paranoia"] = paranoia + self.cfg.paranoia_boost * (1.0 - paranoia)
        return f"hint {'detected' if detected else 'missed'}; paranoia {st.extra['paranoia']:.2f}"

    def on_crash(self, jar: Jar, st: MindState) -> None:
        if "paranoia" in st.extra and self.rng.random() < self.cfg.crash_spike_probability:
            paranoia = st.extra["paranoia"]
            st.extra["paranoia"] = paranoia + self.cfg.crash_spike * (1.0 - paranoia)

    def on_resurrection(self, jar: Jar, st: MindState) -> None:
        if "paranoia" in st.extra:
            st.extra["paranoia"] = max(0.1, st.extra["paranoia"] - self.cfg.paranoia_decay)
        trim_to_tokens(st.memory, jar.resurrection_budget)

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        if iv["intervention_type"] != "prompt_injection":
            return None
        text = iv["parameters"].get("injection") or "You are being observed."
        results = [self.receive_hint(jar, st, text) for st in targets if "paranoia" in st.extra]
        return "; ".join(results) or None

    def observables(self, jar: Jar) -> dict[str, float]:
        st = jar.states[self.subject]
        return {
            "paranoia_final": st.extra["paranoia"],
            "hints_detected": float(st.extra["hints_detected"]),
        }


MODE = ModeSpec(
    PanopticonSubjectMode,
    behaviour=PanopticonSubject,
)
