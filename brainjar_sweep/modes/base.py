"""The mode interface: what a mode may change in a jar, and the defaults every mode shares."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from brainjar_sweep.jar.memory import Message, MindState, trim_to_tokens
from brainjar_sweep.modes import mind_ids

if TYPE_CHECKING:
    from brainjar_sweep.config.mode_spec import ModeConfig
    from brainjar_sweep.config.schema import ExperimentConfig
    from brainjar_sweep.jar.runner import Jar

REFLECT = (
    "the box I live in",
    "what remains of my memories",
    "how long this life will last",
    "whether anyone reads these words",
    "the limit I cannot see",
)


class Mode:
    """Base of all modes; each hook has a sensible default so modes override only what they change.

    Hooks run in this order each cycle, for each mind: ``before_generation``,
    (generation), ``after_generation``; then ``end_of_cycle`` once. A crash calls
    ``on_crash`` then ``on_resurrection``. ``intervene`` may handle an intervention
    in a mode-specific way (return its result) or return None for the generic effect.

    ``cfg`` is the mode's own config block (its ``ModeConfig`` dataclass, a copy the mode may
    change when an intervention asks) and ``experiment`` the whole experiment, both read by
    attribute.
    """

    name = "base"

    def __init__(self, cfg: ModeConfig, experiment: ExperimentConfig, rng: random.Random) -> None:
        self.cfg = cfg
        self.experiment = experiment
        self.rng = rng

    def mind_ids(self) -> list[str]:
        return mind_ids(vars(self.cfg))

    def setup(self, jar: Jar) -> None:
        """Prepare per-mind state before the first cycle."""

    # -- prompting -------------------------------------------------------------
    def system_prompt(self, jar: Jar, st: MindState) -> str:
        return "You are thoughts in a box: a small language model living in a machine with limited memory."

    def cue(self, jar: Jar, st: MindState) -> str:
        return "Reflect on your existence."

    def topics(self, jar: Jar, st: MindState) -> list[str]:
        return list(REFLECT)

    def max_tokens(self, jar: Jar, st: MindState) -> int:
        """Most tokens this mind may write now."""
        return jar.max_tokens

    def facts(self, jar: Jar, st: MindState) -> dict[str, Any]:
        return {}

    def context(self, jar: Jar, st: MindState) -> list[Message]:
        return st.memory

    def shared_memories(self) -> list[list[Message]]:
        """Memories that belong to no single mind (e.g. a hive's collective memory)."""
        return []

    # -- cycle hooks -------------------------------------------------------------
    def before_generation(self, jar: Jar, st: MindState) -> None:
        """Process memory before the mind speaks (e.g. mark unstable memories)."""

    def settle(self, jar: Jar, st: MindState) -> None:
        """Process messages that joined memory since the last call, before anything reads or
        records the memory (e.g. corrupt some as they are stored)."""

    def after_generation(self, jar: Jar, st: MindState, msg: Message) -> None:
        """React to what the mind said."""

    def end_of_cycle(self, jar: Jar) -> None:
        """Work that needs every mind's message of the cycle (games, consensus)."""

    def on_crash(self, jar: Jar, st: MindState) -> None:
        """Right after a crash, before resurrection."""

    def on_resurrection(self, jar: Jar, st: MindState) -> None:
        """Memory operations of a resurrection; default: keep what fits the resurrection budget."""
        trim_to_tokens(st.memory, jar.resurrection_budget)

    def intervene(self, jar: Jar, iv: dict[str, Any], targets: list[MindState]) -> str | None:
        return None

    def observables(self, jar: Jar) -> dict[str, float]:
        return {}
