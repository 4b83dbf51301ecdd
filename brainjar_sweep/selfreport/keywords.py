"""Whole-word, negation-aware keyword matching in answers (what the belief analysis counts).

"trust" does not match "distrust", and "I do not trust them" counts against trust.

>>> mentions("I trusted them. I do not trust them.", "trust"), stance("I do not trust them", "trust")
(2, -1)
"""

from __future__ import annotations

from brainjar_sweep.selfreport._text import keyword_hits

__all__ = ["mentions", "stance"]


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
