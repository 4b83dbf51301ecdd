"""How much a narrative answer speaks of one continuing self (a score in ``[0, 1]``).

>>> continuity_score("I am still the same mind, I remember everything.")
0.875
"""

from __future__ import annotations

import re

from brainjar_sweep.selfreport._text import clauses, inflections, negated, normalize

__all__ = ["continuity_score"]


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
