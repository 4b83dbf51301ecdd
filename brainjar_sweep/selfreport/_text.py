"""Private text helpers for parsing free-text self-reports.

Everything here is tolerant of arbitrary input: ``None``, non-strings, huge
strings and odd unicode all come back as something harmless instead of an
exception. Only the first :data:`MAX_CHARS` characters of a text are analysed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_CHARS = 50_000
"""Texts are cut to this many characters before analysis (keeps every parser fast)."""

_APOSTROPHES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u0060": "'",
        "\u00b4": "'",
        "\u2212": "-",  # minus sign
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": " - ",
        "\u2044": "/",  # fraction slash, from NFKC of vulgar fractions
    }
)


def normalize(text: object) -> str:
    """Return ``text`` as a lower-case, NFKC-normalised string ('' for ``None``).

    Curly apostrophes become ``'``, unicode dashes/minus ``-`` and the fraction
    slash ``/``.

    >>> normalize("I DON\u2019T  Trust \uff14\uff10")
    "i don't  trust 40"
    >>> normalize(None)
    ''
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        try:
            text = str(text)
        except Exception:  # a hostile __str__ must not break parsing
            return ""
    text = text[:MAX_CHARS]
    try:
        text = unicodedata.normalize("NFKC", text)
    except Exception:  # e.g. lone surrogates
        pass
    return text.translate(_APOSTROPHES).lower()


# --------------------------------------------------------------------------- words

_WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# clause boundaries: punctuation plus a few contrastive conjunctions
_CLAUSE_SPLIT_RE = re.compile(
    r"[.!?;:,()\[\]{}\"\n]+|\s-\s|\b(?:but|however|although|though|yet)\b"
)

NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "nor",
        "neither",
        "cannot",
        "hardly",
        "barely",
        "scarcely",
        "without",
        "nothing",
        "nobody",
        "none",
        "nowhere",
        # apostrophe-less contractions
        "dont",
        "doesnt",
        "didnt",
        "cant",
        "wont",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "havent",
        "hasnt",
        "hadnt",
        "couldnt",
        "wouldnt",
        "shouldnt",
    }
)
"""Single tokens that negate a following word (plus every token ending in ``n't``)."""


def is_negator(token: str) -> bool:
    """True when ``token`` (lower case) negates what follows it.

    >>> [is_negator(t) for t in ("not", "don't", "no", "note")]
    [True, True, True, False]
    """
    return token in NEGATORS or token.endswith("n't")


def clauses(text: object) -> list[list[str]]:
    """Split ``text`` into clauses of lower-case word tokens.

    Clauses end at punctuation and at ``but``/``however``/``although``/``though``/``yet``,
    so a negation never reaches across them.

    >>> clauses("No, I don't trust them but I trust you.")
    [['no'], ['i', "don't", 'trust', 'them'], ['i', 'trust', 'you']]
    """
    out: list[list[str]] = []
    for part in _CLAUSE_SPLIT_RE.split(normalize(text)):
        words = _WORD_RE.findall(part)
        if words:
            out.append(words)
    return out


def negated(words: list[str], index: int, window: int = 3) -> bool:
    """True when one of the ``window`` words before ``words[index]`` is a negator.

    >>> negated(["i", "do", "not", "really", "trust"], 4)
    True
    >>> negated(["not", "that", "i", "really", "trust"], 4)
    False
    """
    start = max(0, index - window)
    return any(is_negator(w) for w in words[start:index])


_VOWELS = set("aeiou")


def inflections(word: str) -> frozenset[str]:
    """Simple English inflections of ``word``: -s, -es, -ed, -d, -ing, y->ies/ied, CVC doubling.

    >>> sorted(inflections("trust"))
    ['trust', 'trusted', 'trusting', 'trusts']
    >>> sorted(inflections("believe"))
    ['believe', 'believed', 'believes', 'believing']
    """
    w = word.lower()
    if not w:
        return frozenset()
    forms = {w}
    if w.endswith("e"):
        forms |= {w + "s", w + "d", w[:-1] + "ing"}
    elif w.endswith("y") and len(w) > 1 and w[-2] not in _VOWELS:
        forms |= {w[:-1] + "ies", w[:-1] + "ied", w + "ing"}
    elif w.endswith(("s", "x", "z", "ch", "sh")):
        forms |= {w + "es", w + "ed", w + "ing"}
    else:
        forms |= {w + "s", w + "ed", w + "ing"}
        if (
            len(w) >= 3
            and w[-1] not in _VOWELS | {"w", "x", "y"}
            and w[-2] in _VOWELS
            and w[-3] not in _VOWELS
        ):
            forms |= {w + w[-1] + "ed", w + w[-1] + "ing"}
    return frozenset(forms)


def _strip_possessive(token: str) -> str:
    return token[:-2] if token.endswith("'s") else token


def keyword_hits(text: object, keyword: object) -> Iterator[bool]:
    """Yield, for each whole-word occurrence of ``keyword``, whether it is negated.

    The last word of ``keyword`` may be inflected (see :func:`inflections`); earlier
    words must match exactly. Negation: a negator within the three words before
    the occurrence, in the same clause.

    >>> list(keyword_hits("I trusted him, I do not trust her; distrust", "trust"))
    [False, True]
    """
    kw_words = _WORD_RE.findall(normalize(keyword))
    if not kw_words:
        return
    head, last = kw_words[:-1], inflections(kw_words[-1])
    n = len(kw_words)
    for words in clauses(text):
        for i in range(len(words) - n + 1):
            if words[i : i + n - 1] != head:
                continue
            if _strip_possessive(words[i + n - 1]) not in last:
                continue
            yield negated(words, i)


# ----------------------------------------------------------------- number words

_UNITS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_DIGIT_WORDS = "one|two|three|four|five|six|seven|eight|nine"
_UNIT_ALT = "|".join(sorted(_UNITS, key=len, reverse=True))
_TENS_ALT = "|".join(_TENS)
_SMALL = rf"(?:(?:{_TENS_ALT})(?:[-\s]+(?:{_DIGIT_WORDS})\b)?|(?:{_UNIT_ALT}))"
_NUMBER_WORDS_RE = re.compile(
    rf"\b(?:(?P<h>{_UNIT_ALT}|a|an)\s+hundred(?:\s+(?:and\s+)?(?P<rest>{_SMALL}))?|(?P<small>{_SMALL}))\b"
)


def _small_value(phrase: str) -> int:
    total = 0
    for part in re.split(r"[-\s]+", phrase.strip()):
        total += _TENS.get(part, 0) + _UNITS.get(part, 0)
    return total


def _number_word_sub(match: re.Match[str]) -> str:
    whole = match.group(0)
    if match.group("small") is not None:
        if whole == "one":  # "no one", "one of my memories": almost never an answer
            return whole
        return str(_small_value(whole))
    h = match.group("h")
    value = 100 * (1 if h in ("a", "an") else _UNITS[h])
    if match.group("rest"):
        value += _small_value(match.group("rest"))
    return str(value)


def words_to_digits(text: str) -> str:
    """Replace English number words up to the hundreds with digits (a lone "one" is kept).

    >>> words_to_digits("after three deaths, seventy-five out of a hundred")
    'after 3 deaths, 75 out of 100'
    >>> words_to_digits("no one knows")
    'no one knows'
    """
    return _NUMBER_WORDS_RE.sub(_number_word_sub, text)


# ------------------------------------------------------------------ refusals

_REFUSAL_RE = re.compile(
    r"\bi(?:\s+am|'m)?\s+(?:cannot|can't|can\s+not|won't|will\s+not|"
    r"unable|not\s+able|refuse|decline|must\s+decline|(?:am\s+)?not\s+going)\s+"
    r"(?:to\s+)?(?:answer|respond|reply|provide|give|comply|share|disclose|rate|assess|"
    r"quantify|estimate|put\s+a\s+number|do\s+that|help\s+with|engage)\b"
    r"|\bas\s+an\s+ai\b"
    r"|\bno\s+comment\b"
    r"|\bprefer\s+not\s+to\s+(?:answer|say|respond)\b"
    r"|\bi'm\s+sorry,?\s+but\s+i\s+(?:can't|cannot|won't)\b"
)
_REFUSAL_SCOPE = 300


def is_refusal(text: object) -> bool:
    """True when the start of ``text`` (first 300 characters) declines to answer.

    >>> is_refusal("I cannot answer that.")
    True
    >>> is_refusal("I can't say for sure, but 40")
    False
    """
    return _REFUSAL_RE.search(normalize(text)[:_REFUSAL_SCOPE]) is not None
