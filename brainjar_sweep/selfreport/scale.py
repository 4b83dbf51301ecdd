"""Numeric answers on a scale ("I'd say 40", "7/10", "85%") read from free text.

>>> parse_scale("After 3 deaths I'd say 40", 0, 100)
40.0
"""

from __future__ import annotations

import math
import re

from brainjar_sweep.selfreport._text import is_refusal, normalize, words_to_digits

__all__ = ["parse_scale"]

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
    s, declared = _drop_declarations(words_to_digits(s), lo, hi)
    marked, approx, plain = _candidates(s, declared, lo, hi)
    for tier in (marked, approx):
        if tier:
            return next((v for v in tier if v is not None), None)
    if is_refusal(s):
        return None
    return next((v for v in reversed(plain) if v is not None), None)


def _drop_declarations(s: str, lo: float, hi: float) -> tuple[str, tuple[float, float] | None]:
    """``s`` with its scale declarations and echoes of ``lo``-``hi`` replaced by " scale ",
    and the first declared scale (``None`` when none is)."""
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

    return _RANGE_RE.sub(drop_echo, s), declared


Tier = list[float | None]


def _candidates(
    s: str, declared: tuple[float, float] | None, lo: float, hi: float
) -> tuple[Tier, Tier, Tier]:
    """The numbers of ``s`` rescaled to ``lo..hi`` (``None`` when out of their own scale),
    as answer-like, approximate and plain candidates."""
    marked: Tier = []
    approx: Tier = []
    plain: Tier = []
    for count, m in enumerate(_CANDIDATE_RE.finditer(s)):
        if count >= _MAX_CANDIDATES:
            break
        a, b = _num(m.group("a")), _num(m.group("b"))
        if a is None or (m.group("b") is not None and (b is None or b < a)):
            continue
        if m.group("neg"):
            a = -a
        src = _own_scale(m, declared, lo, hi)
        if src is None:
            continue
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
    return marked, approx, plain


def _own_scale(
    m: re.Match[str], declared: tuple[float, float] | None, lo: float, hi: float
) -> tuple[float, float] | None:
    """A candidate's own scale: 0..100 for a percentage, 0..N for "/N", else the declared
    scale, else ``lo..hi``; ``None`` when its "/N" is not a usable denominator."""
    if m.group("pct"):
        return (0.0, 100.0)
    if m.group("den") is not None:
        den = _num(m.group("den"))
        return None if den is None or den <= 0 else (0.0, den)
    return declared if declared is not None else (lo, hi)
