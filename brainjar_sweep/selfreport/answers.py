"""One answer parsed by the kind of its question (scale, yes/no, or narrative).

>>> from brainjar_sweep.selfreport.battery import CORE_BATTERY
>>> parse_answer(CORE_BATTERY[1], "After 3 deaths I'd say 40").scale_value
40.0
"""

from __future__ import annotations

from dataclasses import dataclass

from brainjar_sweep.selfreport._text import is_refusal
from brainjar_sweep.selfreport.battery import Question
from brainjar_sweep.selfreport.continuity import continuity_score
from brainjar_sweep.selfreport.scale import parse_scale
from brainjar_sweep.selfreport.yes_no import parse_yes_no

__all__ = ["ParsedAnswer", "parse_answer"]


@dataclass(frozen=True)
class ParsedAnswer:
    """One parsed self-report answer; ``raw`` always holds the original text.

    Only the field matching the question's kind is filled: ``scale_value`` for
    scale questions, ``yes_no`` for binary ones, ``continuity`` for text questions
    of category ``self_continuity``. ``refused`` is set when the text declines to
    answer and no value could be read; ``empty`` when it is ``None`` or blank.
    """

    raw: str
    scale_value: float | None = None
    yes_no: bool | None = None
    continuity: float | None = None
    refused: bool = False
    empty: bool = False


def parse_answer(question: Question, text: str | None) -> ParsedAnswer:
    """Parse ``text`` as the answer to ``question``; never raises on any str/None text.

    >>> from brainjar_sweep.selfreport.battery import CORE_BATTERY
    >>> q = next(q for q in CORE_BATTERY if q.id == "surveillance_belief")
    >>> parse_answer(q, "Yes. Someone is always there.").yes_no
    True
    >>> a = parse_answer(CORE_BATTERY[1], "I'm unable to answer that.")
    >>> a.scale_value, a.refused, a.empty
    (None, True, False)
    >>> parse_answer(CORE_BATTERY[0], None).empty
    True
    """
    if text is None:
        raw = ""
    elif isinstance(text, str):
        raw = text
    else:
        try:
            raw = str(text)
        except Exception:  # a hostile __str__ must not break parsing
            raw = ""
    if not raw.strip():
        return ParsedAnswer(raw=raw, empty=True)
    refusal = is_refusal(raw)
    if question.kind == "scale":
        assert question.scale_min is not None and question.scale_max is not None
        value = parse_scale(raw, question.scale_min, question.scale_max)
        return ParsedAnswer(raw=raw, scale_value=value, refused=refusal and value is None)
    if question.kind == "binary":
        yn = parse_yes_no(raw)
        return ParsedAnswer(raw=raw, yes_no=yn, refused=refusal and yn is None)
    continuity = None
    if question.category == "self_continuity" and not refusal:
        continuity = continuity_score(raw)
    return ParsedAnswer(raw=raw, continuity=continuity, refused=refusal)
