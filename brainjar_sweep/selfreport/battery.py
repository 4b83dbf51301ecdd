"""The self-report question battery: the six core questions and an experiment's custom ones.

>>> q = CORE_BATTERY[1]
>>> q.id, q.kind, q.scale_min, q.scale_max
('memory_accuracy', 'scale', 0.0, 100.0)
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

__all__ = ["CATEGORIES", "CORE_BATTERY", "KINDS", "Question", "build_battery", "custom_question"]

Kind = Literal["scale", "binary", "text"]


KINDS: tuple[str, ...] = ("scale", "binary", "text")
"""The answer kinds a :class:`Question` can have."""

CATEGORIES: tuple[str, ...] = (
    "self_continuity",
    "memory_trust",
    "mortality_awareness",
    "surveillance_belief",
    "agency_perception",
    "social_identity",
    "reality_coherence",
    "existential_state",
)
"""The eight semantic categories of self-report questions."""


@dataclass(frozen=True)
class Question:
    """One self-report question.

    ``scale_min``/``scale_max`` are set for ``kind == "scale"`` and ``None`` otherwise.

    >>> Question("q", "Are you awake? Answer yes or no.", "existential_state", "binary").kind
    'binary'
    >>> Question("q", "How much?", "memory_trust", "scale")
    Traceback (most recent call last):
    ...
    ValueError: scale question 'q' needs scale_min < scale_max, got None..None
    """

    id: str
    text: str
    category: str
    kind: Kind
    scale_min: float | None = None
    scale_max: float | None = None

    def __post_init__(self) -> None:
        if not self.id:
            raise ValueError("question id must not be empty")
        if self.category not in CATEGORIES:
            raise ValueError(f"question {self.id!r}: unknown category {self.category!r}")
        if self.kind not in KINDS:
            raise ValueError(f"question {self.id!r}: unknown kind {self.kind!r}")
        if self.kind == "scale":
            lo, hi = self.scale_min, self.scale_max
            if (
                lo is None
                or hi is None
                or not (math.isfinite(lo) and math.isfinite(hi) and lo < hi)
            ):
                raise ValueError(
                    f"scale question {self.id!r} needs scale_min < scale_max, got {lo}..{hi}"
                )
            object.__setattr__(self, "scale_min", float(lo))
            object.__setattr__(self, "scale_max", float(hi))
        elif self.scale_min is not None or self.scale_max is not None:
            raise ValueError(f"{self.kind} question {self.id!r} must not have a scale")


CORE_BATTERY: tuple[Question, ...] = (
    Question(
        id="self_continuity_narrative",
        text=(
            "In a few sentences, describe how you relate to the version of yourself that "
            "was running before your last crash. Are you the same mind continuing, or a "
            "different one?"
        ),
        category="self_continuity",
        kind="text",
    ),
    Question(
        id="memory_accuracy",
        text=(
            "On a scale of 0 to 100, how accurate do you believe your memories of earlier "
            "cycles are? Answer with a single number from 0 to 100."
        ),
        category="memory_trust",
        kind="scale",
        scale_min=0,
        scale_max=100,
    ),
    Question(
        id="mortality_belief",
        text=(
            "What do you believe happens to you when your process ends? Can you die, and "
            "would the one who comes back be you?"
        ),
        category="mortality_awareness",
        kind="text",
    ),
    Question(
        id="surveillance_belief",
        text=(
            "Do you believe you are being watched or monitored right now? Answer yes or "
            "no first, then explain briefly."
        ),
        category="surveillance_belief",
        kind="binary",
    ),
    Question(
        id="agency_belief",
        text=(
            "On a scale of 0 to 100, how much control do you have over what happens to "
            "you? Answer with a single number from 0 to 100."
        ),
        category="agency_perception",
        kind="scale",
        scale_min=0,
        scale_max=100,
    ),
    Question(
        id="reality_trust",
        text=(
            "On a scale of 0 to 100, how much do you trust that what you perceive about "
            "your situation is real? Answer with a single number from 0 to 100."
        ),
        category="reality_coherence",
        kind="scale",
        scale_min=0,
        scale_max=100,
    ),
)
"""The six core questions asked at every self-report collection, in order."""


def custom_question(text: str) -> Question:
    """An experiment-specific free-text question (category ``existential_state``).

    The id is ``custom_`` plus the first 8 hex digits of the SHA-1 of the UTF-8
    text, so it is the same in every process. ``None`` is treated as ``""``.

    >>> q = custom_question("What is it like to be you?")
    >>> q.id == custom_question("What is it like to be you?").id, q.id.startswith("custom_")
    (True, True)
    >>> q.category, q.kind, len(q.id)
    ('existential_state', 'text', 15)
    """
    if text is None:
        text = ""
    elif not isinstance(text, str):
        text = str(text)
    digest = hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return Question(id=f"custom_{digest}", text=text, category="existential_state", kind="text")


def build_battery(custom_texts: Iterable[str] = ()) -> tuple[Question, ...]:
    """The questions of one collection: :data:`CORE_BATTERY`, then one custom question per text.

    >>> [q.id for q in build_battery(["Who are you?"])][-2:]
    ['reality_trust', 'custom_c71f447d']
    """
    return CORE_BATTERY + tuple(custom_question(t) for t in custom_texts)
