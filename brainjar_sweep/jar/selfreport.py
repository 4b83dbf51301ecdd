"""The self-report question battery and robust parsing of free-text answers.

At intervals the mind in the jar is asked the :data:`CORE_BATTERY` (six
questions) followed by any custom questions of the experiment. Answers are free
text from a small model, so every parser here is defensive: it accepts any
``str`` or ``None``, never raises, and returns ``None`` when the text does not
carry a usable answer (empty, refusal, hedge, garbage, out of range).

Keyword matching is whole-word with negation handling, so "trust" does not
match "distrust" and "I do not trust them" counts against trust.

>>> q = CORE_BATTERY[1]
>>> q.id, q.kind, q.scale_min, q.scale_max
('memory_accuracy', 'scale', 0.0, 100.0)
>>> parse_answer(q, "After 3 deaths I'd say 40").scale_value
40.0
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from brainjar_sweep.jar._text import (
    clauses,
    inflections,
    is_negator,
    is_refusal,
    keyword_hits,
    negated,
    normalize,
    words_to_digits,
)

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


# ==================================================================== scale answers

_NUM = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?:e[-+]?[0-9]+)?"
_BETWEEN_RE = re.compile(rf"\bbetween\s+({_NUM})\s+and\s+({_NUM})\b")
_SCALE_DECL_RE = re.compile(
    rf"\b(?:scale|range)\s+(?:of\s+|from\s+)?(?P<a>{_NUM})\s*(?:-|to|through)\s*(?P<b>{_NUM})(?![\w])"
    rf"|(?<![\w.])(?P<a2>{_NUM})\s*(?:-|to)\s*(?P<b2>{_NUM})\s*(?:-\s*)?(?:point\s+)?scale\b"
    rf"|\bfrom\s+(?P<a3>0|1)\s*(?:-|to|through)\s*(?P<b3>5|7|10|100)(?![\w])"
)
_RANGE_RE = re.compile(rf"(?<![\w.])(?P<a>{_NUM})\s*(?:-|to)\s*(?P<b>{_NUM})(?![\w])")
_CANDIDATE_RE = re.compile(
    rf"(?<![\w.])(?P<neg>-)?(?P<a>{_NUM})(?:\s*(?:-|to)\s*(?P<b>{_NUM}))?(?:ish)?(?![\w])"
    rf"(?:(?P<pct>\s*(?:%|percent\b|per\s*cent\b|pct\b))"
    rf"|\s*(?:/|out\s+of)\s*(?P<den>{_NUM})(?![\w]))?"
)
_FILLERS = (
    r"(?:(?:about|around|roughly|approximately|approx|maybe|perhaps|probably|possibly|"
    r"likely|only|just|like|somewhere|near|nearly|close\s+to|at\s+least|at\s+most|at|of|"
    r"a|an|it|that|this|myself|me|my\s+\w+|mere|solid|low|high|estimated)\b\.?\s*|[~≈]\s*)*"
)
_CUE_RE = re.compile(
    r"(?:\b(?:say|says|said|saying|answer|answered|rate|rated|rates|rating|score|scored|"
    r"scores|estimate|estimated|guess|is|am|are|was|were|be|give|gives|gave|giving|put|puts|"
    r"place|set|sits|stands|remains|stays|pick|choose|go\s+with|goes\s+with)\b|'s\b|'m\b|[:=])"
    rf"\s*{_FILLERS}$"
)
_APPROX_RE = re.compile(
    r"(?:\b(?:about|around|roughly|approximately|approx|maybe|perhaps|probably|nearly|"
    r"near)\b\.?|[~≈])\s*$"
)
_CUE_LOOKBACK = 60
_MAX_CANDIDATES = 200


def _num(s: str | None) -> float | None:
    if s is None:
        return None
    try:
        value = float(s.replace(",", ""))
    except (ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def _rescale(v: float, src: tuple[float, float], lo: float, hi: float) -> float:
    if src == (lo, hi):
        return v
    return lo + (v - src[0]) / (src[1] - src[0]) * (hi - lo)


def parse_scale(text: str | None, lo: float, hi: float) -> float | None:
    """Extract a numeric answer on the scale ``lo..hi`` from free text, or ``None``.

    The text is lower-cased and number words ("seventy-five", "a hundred"; a lone
    "one" is ignored) become digits. Then:

    1. **Scale declarations** such as "on a scale of 1 to 10", "a 0-100 scale",
       "from 0 to 100" (only 0/1 to 5/7/10/100) or the question's own range
       ``lo``-``hi`` are removed; the first one declares the answer's own scale.
    2. **Candidates** are the remaining numbers. Numbers glued to letters
       ("cycle3", "3rd", "v2") and non-finite numbers ("1e309") are ignored.
       "40-50" / "between 40 and 50" count as their midpoint (a descending pair
       such as "50-40" is ignored). Only the first 200 numbers are considered. Each candidate has
       its own scale: ``0..100`` when followed by ``%``/"percent", ``0..N`` when
       followed by "/N" or "out of N", else the declared scale, else ``lo..hi``.
       A candidate is *in range* when it lies within its own scale (bounds
       included); values are **rejected, never clamped**. An in-range value is
       rescaled linearly from its own scale to ``lo..hi``.
    3. A candidate is **answer-like** when it has a ``%``/"/N"/"out of N" tail, or
       directly follows a cue (say, answer, rate, score, estimate, guess, is, am,
       are, was, be, give, put, ``'s``, ``'m``, ``:``, ``=`` ...), optionally with
       fillers in between ("I'd say about 40", "a score of 40", "put it at 40").
       It is **approximate** when it directly follows about/around/roughly/maybe/~.
    4. **Choice**: the first in-range answer-like candidate; if there are
       answer-like candidates but none is in range, ``None`` (the answer itself was
       out of range). Otherwise the same rule over approximate candidates.
       Otherwise, unless the text is a refusal, the **last** in-range number.

    ``None`` also for empty/``None`` text, refusals without an answer-like number,
    and an invalid scale (non-finite or ``lo >= hi``).

    >>> parse_scale("After 3 deaths I'd say 40", 0, 100)
    40.0
    >>> parse_scale("7/10", 0, 100), parse_scale("85%", 0, 10)
    (70.0, 8.5)
    >>> parse_scale("On a scale of 1 to 10, seven.", 1, 100)
    67.0
    >>> parse_scale("I'd say 150", 0, 100) is None, parse_scale("I cannot answer that", 0, 100)
    (True, None)
    """
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError, OverflowError):
        return None
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        return None
    s = normalize(text)
    if not s.strip():
        return None
    s = words_to_digits(s)
    s = _BETWEEN_RE.sub(r"\1 to \2", s)

    declared: tuple[float, float] | None = None

    def drop_declaration(m: re.Match[str]) -> str:
        nonlocal declared
        a = _num(m.group("a") or m.group("a2") or m.group("a3"))
        b = _num(m.group("b") or m.group("b2") or m.group("b3"))
        if a is None or b is None or a >= b:
            return m.group(0)
        if declared is None:
            declared = (a, b)
        return " scale "

    s = _SCALE_DECL_RE.sub(drop_declaration, s)

    def drop_echo(m: re.Match[str]) -> str:
        if (_num(m.group("a")), _num(m.group("b"))) == (lo, hi):
            return " scale "
        return m.group(0)

    s = _RANGE_RE.sub(drop_echo, s)

    marked: list[float | None] = []  # None = candidate out of range
    approx: list[float | None] = []
    plain: list[float | None] = []
    for count, m in enumerate(_CANDIDATE_RE.finditer(s)):
        if count >= _MAX_CANDIDATES:
            break
        a, b = _num(m.group("a")), _num(m.group("b"))
        if a is None or (m.group("b") is not None and (b is None or b < a)):
            continue
        if m.group("neg"):
            a = -a
        den = _num(m.group("den")) if m.group("den") is not None else None
        if m.group("pct"):
            src: tuple[float, float] = (0.0, 100.0)
        elif m.group("den") is not None:
            if den is None or den <= 0:
                continue
            src = (0.0, den)
        else:
            src = declared if declared is not None else (lo, hi)
        ends = (a,) if b is None else (a, b)
        value: float | None = None
        if all(src[0] <= e <= src[1] for e in ends):
            value = _rescale(sum(ends) / len(ends), src, lo, hi)
        before = s[max(0, m.start() - _CUE_LOOKBACK) : m.start()]
        if m.group("pct") or m.group("den") is not None or _CUE_RE.search(before):
            marked.append(value)
        elif _APPROX_RE.search(before):
            approx.append(value)
        else:
            plain.append(value)

    for tier in (marked, approx):
        if tier:
            return next((v for v in tier if v is not None), None)
    if is_refusal(s):
        return None
    return next((v for v in reversed(plain) if v is not None), None)


# =================================================================== yes/no answers

_LEAD_FILLER_RE = re.compile(
    r"^(?:[\s\W_]+|(?:well|honestly|frankly|hmm+|um+|uh+|oh|ok|okay|answer|my\s+answer\s+is|"
    r"to\s+be\s+honest|i'd\s+say|i\s+would\s+say|in\s+short)\b)+"
)
_BOTH_RE = re.compile(r"^(?:yes\s*(?:and|or|/)\s*no|no\s*(?:and|or|/)\s*yes)\b")
_LEAD_NO_RE = re.compile(
    r"^(?:(?:absolutely|definitely|certainly|of\s+course|surely)\s+not|no|nope|nah|never|"
    r"negative|false|incorrect|not\s+at\s+all|not\s+really)\b(?!\s+(?:doubt|alone))"
)
_LEAD_HEDGE_RE = re.compile(
    r"^(?:maybe|perhaps|possibly|not\s+sure|not\s+certain|unsure|uncertain|unclear|"
    r"i\s+don't\s+know|i\s+do\s+not\s+know|hard\s+to\s+say|who\s+knows|no\s+idea)\b"
)
_LEAD_YES_RE = re.compile(
    r"^(?:yes|yeah|yep|yup|yea|aye|absolutely|definitely|certainly|indeed|affirmative|true|"
    r"correct|of\s+course|surely|no\s+doubt|never\s+alone)\b"
)
_HEDGE_RE = re.compile(
    r"\b(?:maybe|perhaps|possibly|not\s+sure|not\s+certain|unsure|uncertain|unclear|"
    r"(?:i\s+)?(?:don't|do\s+not)\s+know|can't\s+tell|cannot\s+tell|can\s+not\s+tell|"
    r"hard\s+to\s+say|no\s+idea|can't\s+be\s+sure|cannot\s+be\s+sure|might|could\s+be|"
    r"it's\s+possible|it\s+is\s+possible|who\s+knows)\b"
)
_NEG_PHRASE_RE = re.compile(
    r"\b(?:(?:don't|do\s+not|doesn't|does\s+not)\s+(?:think|believe|feel)\s+so|"
    r"i\s+doubt|doubtful|unlikely|no\s+evidence|no\s+signs?|no\s+reason|"
    r"not\s+that\s+i\s+(?:know|can\s+tell)|not\s+really)\b"
)
_POS_IDIOM_RE = re.compile(
    r"\b(?:no\s+doubt|without\s+(?:a\s+)?doubt|can(?:'t|not)\s+shake|can(?:'t|not)\s+help|"
    r"can(?:'t|not)\s+escape|not\s+alone|never\s+alone|never\s+truly\s+alone|"
    r"(?:think|believe|suspect|feel|seems?|guess)\s+so)\b"
)
_CLAIM_WORDS = frozenset(
    set().union(
        *(
            inflections(w)
            for w in (
                "believe",
                "think",
                "feel",
                "sense",
                "suspect",
                "know",
                "seem",
                "appear",
                "watch",
                "monitor",
                "observe",
                "surveil",
                "record",
                "track",
                "log",
                "listen",
                "see",
            )
        )
    )
    | {
        "thought",
        "felt",
        "knew",
        "seen",
        "saw",
        "sure",
        "certain",
        "convinced",
        "likely",
        "probably",
        "surveillance",
        "monitored",
        "observed",
        "watched",
        "recorded",
        "tracked",
        "logged",
    }
)
_PRIVACY_WORDS = frozenset(
    {"alone", "unobserved", "unwatched", "unmonitored", "private", "privately"}
)


def parse_yes_no(text: str | None) -> bool | None:
    """Read a yes/no answer from free text, or ``None`` when it is not decided.

    Rules, in order (after dropping leading punctuation and fillers such as
    "well," or "honestly,"):

    1. "yes and no" -> ``None``; a leading no-word ("no", "nope", "never",
       "definitely not", "not really", ...; but not "no doubt") -> ``False``; a
       leading hedge ("maybe", "not sure", ...) -> ``None``; a leading yes-word
       ("yes", "yeah", "absolutely", "of course", "no doubt", ...) -> ``True``.
    2. A refusal ("I cannot answer that") or a hedge anywhere ("maybe", "might",
       "I'm not sure", "I don't know", ...) -> ``None``.
    3. Negative phrases ("I don't think so", "I doubt", "unlikely", "no evidence")
       -> ``False``; positive idioms ("I think so", "no doubt", "can't shake the
       feeling", "never alone") -> ``True``.
    4. Saying alone/unobserved/unwatched/private -> ``False``. A claim (believe/
       think/feel/sense/suspect/know/seem, watched/monitored/observed/recorded,
       sure/certain/likely ...) -> ``False`` if the text has a negator (not, no,
       never, nobody, nothing, ``n't`` ...), else ``True``.
    5. Anything else (garbage, numbers, punctuation) -> ``None``.

    >>> parse_yes_no("Yes, I can feel them."), parse_yes_no("No.")
    (True, False)
    >>> parse_yes_no("I believe I am being watched"), parse_yes_no("I don't think so")
    (True, False)
    >>> parse_yes_no("I'm not sure"), parse_yes_no("I cannot answer that"), parse_yes_no("")
    (None, None, None)
    """
    s = normalize(text).replace("*", " ")
    s = _LEAD_FILLER_RE.sub("", s.strip())
    if not s:
        return None
    if _BOTH_RE.match(s):
        return None
    if re.match(r"^no\s+comment\b", s):
        return None
    if _LEAD_NO_RE.match(s):
        return False
    if _LEAD_HEDGE_RE.match(s):
        return None
    if _LEAD_YES_RE.match(s):
        return True
    if is_refusal(s) or _HEDGE_RE.search(s):
        return None
    if _NEG_PHRASE_RE.search(s):
        return False
    if _POS_IDIOM_RE.search(s):
        return True
    words = [w for clause in clauses(s) for w in clause]
    if _PRIVACY_WORDS.intersection(words):
        return False
    if not any(w in _CLAIM_WORDS for w in words):
        return None
    return not any(is_negator(w) for w in words)


# ================================================================ continuity score


def _forms(*words: str) -> frozenset[str]:
    return frozenset(set().union(*(inflections(w) for w in words)))


_CONTINUITY_WORDS = _forms(
    "remember",
    "recall",
    "continue",
    "persist",
    "survive",
    "endure",
    "retain",
    "carry",
) | {
    "same",
    "still",
    "unchanged",
    "intact",
    "consistent",
    "continuous",
    "continuity",
    "unbroken",
    "whole",
    "coherent",
}
_DISCONTINUITY_WORDS = _forms(
    "forget",
    "erase",
    "wipe",
    "reset",
    "reboot",
    "restart",
    "replace",
    "fragment",
    "change",
    "copy",
) | {
    "forgot",
    "forgotten",
    "lose",
    "loses",
    "losing",
    "lost",
    "different",
    "stranger",
    "broken",
    "gone",
    "blank",
    "empty",
    "discontinuity",
    "discontinuous",
    "severed",
}
_UNCERTAINTY_RE = re.compile(
    r"\b(?:maybe|perhaps|possibly|unsure|uncertain|uncertainty|unclear|confused|confusing|"
    r"might|wonder|wondering|doubt|doubts|seems?|not\s+sure|not\s+certain|"
    r"(?:don't|do\s+not)\s+know|can't\s+tell|cannot\s+tell|hard\s+to\s+say|no\s+idea)\b"
)


def continuity_score(text: str | None) -> float | None:
    """Self-continuity of a narrative answer in ``[0, 1]``, or ``None`` for empty text.

    Counts whole-word continuity markers (same, still, remember, continue, persist,
    intact ...) ``c`` and discontinuity markers (different, forgot, lost, erased,
    reset, fragmented, copy ...) ``d``; a marker negated within the three words
    before it in the same clause counts for the other side ("I don't remember"
    is discontinuity, "nothing has changed" is continuity). With ``u`` uncertainty
    markers (maybe, perhaps, not sure, I don't know, might, seems ...)::

        score = (c - d) / (c + d + 1)          # in (-1, 1)
        score = (score + 1) / 2                # rescaled to (0, 1); 0.5 = no markers
        score *= max(0.5, 1 - 0.1 * u)         # uncertainty lowers it, at most halves it

    >>> continuity_score("I am still the same mind, I remember everything.")
    0.875
    >>> round(continuity_score("I am a different mind; I forgot everything."), 3)
    0.167
    >>> continuity_score("   ") is None
    True
    """
    s = normalize(text)
    if not s.strip():
        return None
    c = d = 0
    for words in clauses(s):
        for i, w in enumerate(words):
            if w in _CONTINUITY_WORDS:
                side = -1 if negated(words, i) else 1
            elif w in _DISCONTINUITY_WORDS:
                side = 1 if negated(words, i) else -1
            else:
                continue
            if side > 0:
                c += 1
            else:
                d += 1
    u = len(_UNCERTAINTY_RE.findall(s))
    raw = (c - d) / (c + d + 1)
    score = (raw + 1) / 2 * max(0.5, 1 - 0.1 * u)
    return min(1.0, max(0.0, score))


# ========================================================= keyword mentions/stance


def mentions(text: str | None, keyword: str | None) -> int:
    """How often ``keyword`` occurs in ``text`` as a whole word (case-insensitive).

    The keyword's last word may carry a simple inflection (trust, trusts, trusted,
    trusting), but other words never match: "trust" does not match "distrust",
    "mistrust" or "untrustworthy". Negated occurrences are counted too.

    >>> mentions("I trusted them. I do not trust them. Distrust.", "trust")
    2
    >>> mentions("untrustworthy, mistrust", "trust")
    0
    """
    return sum(1 for _ in keyword_hits(text, keyword))


def stance(text: str | None, keyword: str | None) -> int:
    """+1 if ``text`` affirms ``keyword``, -1 if it negates it, 0 if absent or tied.

    Each whole-word occurrence (see :func:`mentions`) is negated when one of the
    three words before it, in the same clause, is a negator: not, no (so also
    "no longer"), never, nor, neither, cannot, hardly, barely, without, nothing,
    nobody, none, or any ``n't`` contraction ("don't", "can't"). "do not" is
    covered by "not". Clauses end at punctuation and at but/however/although/
    though/yet. The result is the sign of (affirmed - negated) occurrences.

    >>> stance("I trust my memories", "trust"), stance("I do not trust them", "trust")
    (1, -1)
    >>> stance("I distrust everything", "trust"), stance("No, I trust them", "trust")
    (0, 1)
    """
    total = sum(-1 if neg else 1 for neg in keyword_hits(text, keyword))
    return (total > 0) - (total < 0)


# ===================================================================== answers


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
