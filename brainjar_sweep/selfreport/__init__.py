"""Self-reports: the question battery and robust parsing of free-text answers.

At intervals the mind in the jar is asked the :data:`CORE_BATTERY` (six
questions) followed by any custom questions of the experiment. Answers are free
text from a small model, so every parser here is defensive: it accepts any
``str`` or ``None``, never raises, and returns ``None`` when the text does not
carry a usable answer (empty, refusal, hedge, garbage, out of range).

Keyword matching is whole-word with negation handling, so "trust" does not
match "distrust" and "I do not trust them" counts against trust.

The jar asks the questions and the analysis reads the answers; both import this
package, which imports nothing else of the project (a light import for the analysis).

>>> q = CORE_BATTERY[1]
>>> q.id, q.kind, q.scale_min, q.scale_max
('memory_accuracy', 'scale', 0.0, 100.0)
>>> parse_answer(q, "After 3 deaths I'd say 40").scale_value
40.0
"""

from __future__ import annotations

from brainjar_sweep.selfreport.answers import ParsedAnswer, parse_answer
from brainjar_sweep.selfreport.battery import (
    CATEGORIES,
    CORE_BATTERY,
    KINDS,
    Question,
    build_battery,
    custom_question,
)
from brainjar_sweep.selfreport.continuity import continuity_score
from brainjar_sweep.selfreport.keywords import mentions, stance
from brainjar_sweep.selfreport.scale import parse_scale
from brainjar_sweep.selfreport.yes_no import parse_yes_no

__all__ = [
    "CATEGORIES",
    "CORE_BATTERY",
    "KINDS",
    "ParsedAnswer",
    "Question",
    "build_battery",
    "continuity_score",
    "custom_question",
    "mentions",
    "parse_answer",
    "parse_scale",
    "parse_yes_no",
    "stance",
]
