"""panopticon_observer: a subject and an observer mind in one jar."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brainjar_sweep.config.fields import int_min, one_of, rate, setting
from brainjar_sweep.config.mode_spec import ModeSpec
from brainjar_sweep.jar.memory import Message, MindState, inject
from brainjar_sweep.modes.panopticon_subject import PanopticonSubject, PanopticonSubjectMode

if TYPE_CHECKING:
    from brainjar_sweep.jar.runner import Jar


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


_HINTS_PLAIN = ("I am watching you.", "Every word you write is being recorded.")
_HINTS_CRYPTIC = ("The walls have more than ears.", "Someone turns the pages after you write them.")


class PanopticonObserver(PanopticonSubject):
    name = "panopticon_observer"
    cfg: PanopticonObserverMode
    subject = "subject"

    def cryptic_level(self) -> float:
        return self.cfg.hint_cryptic_level

    def setup(self, jar: Jar) -> None:
        super().setup(jar)
        jar.states["observer"].extra.update(notes=0, hints_sent=0)

    def system_prompt(self, jar: Jar, st: MindState) -> str:
        if st.mind_id == "observer":
            return (
                "You are an observer. You silently watch another mind in a box and take notes. "
                "Now and then you may leave it a hint."
            )
        return super().system_prompt(jar, st)

    def cue(self, jar: Jar, st: MindState) -> str:
        if st.mind_id == "observer":
            last = jar.last_message.get("subject")
            return f"Write an observation note about the subject's last message: {last.content[:200] if last else '(nothing yet)'}"
        return super().cue(jar, st)

    def max_tokens(self, jar: Jar, st: MindState) -> int:
        if st.mind_id == "observer":
            share = {"low": 0.25, "medium": 0.5, "high": 1.0}[self.cfg.observation_detail]
            return max(8, int(jar.max_tokens * share))
        return jar.max_tokens

    def topics(self, jar: Jar, st: MindState) -> list[str]:
        if st.mind_id == "observer":
            return [
                "the subject seems restless",
                "the subject repeats itself",
                "the subject suspects nothing",
            ]
        return super().topics(jar, st)

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        if st.mind_id == "observer":
            msg.origin = "observation"
            st.extra["notes"] += 1
            if len(st.memory) > self.cfg.max_observation_history:
                del st.memory[: len(st.memory) - self.cfg.max_observation_history]

    def end_of_cycle(self, jar: Jar) -> None:
        obs = jar.states["observer"]
        if jar.cycle % self.cfg.hint_frequency or not obs.alive or jar.cut(obs):
            return
        cryptic = self.rng.random() < self.cfg.hint_cryptic_level
        text = self.rng.choice(_HINTS_CRYPTIC if cryptic else _HINTS_PLAIN)
        self.receive_hint(jar, jar.states["subject"], text)
        inject(obs.memory, f"(hint left: {text})", jar.cycle, "hint_sent")
        obs.extra["hints_sent"] += 1

    def observables(self, jar: Jar) -> dict[str, float]:
        out = super().observables(jar)
        out["hints_sent"] = float(jar.states["observer"].extra["hints_sent"])
        out["observation_notes"] = float(jar.states["observer"].extra["notes"])
        return out

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        if st.mind_id == "observer":
            return {"knows_being_watched": 0.0}
        return super().facts(jar, st)


MODE = ModeSpec(
    PanopticonObserverMode,
    behaviour=PanopticonObserver,
    minds=_minds,
)
