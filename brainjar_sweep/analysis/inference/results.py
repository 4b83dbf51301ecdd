"""A test's result, its confidence interval, and the correction of a report's p-values together."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

CORRECTIONS: dict[str, str] = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}
"""Multiple-test corrections (statsmodels method name -> name in the report)."""


@dataclass(frozen=True)
class HypothesisTest:
    """One test of a report.

    ``kind`` is ``omnibus``, ``trend`` or ``interaction``; ``stratum`` the value of the
    nesting key the test is restricted to (empty when none); ``p`` the raw p-value and
    ``p_adj`` the corrected one (NaN when the test could not run, ``note`` says why);
    ``effect`` the last-minus-first difference (omnibus, trend) or partial eta²
    (interaction), with ``effect_low``/``effect_high`` its CI.
    """

    kind: str
    metric: str
    param: str
    stratum: str
    test: str
    n: int
    k: int
    statistic: float
    p: float
    p_adj: float = math.nan
    effect: float = math.nan
    effect_low: float = math.nan
    effect_high: float = math.nan
    note: str = ""
    means: tuple[float, ...] = ()
    """Level means (over units), in level order."""
    min_p: float = 0.0
    """The smallest p-value the test can give with this many units (exact tests)."""

    @property
    def tested(self) -> bool:
        """The test ran (it has a p-value)."""
        return not math.isnan(self.p)


def t_interval(x: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """t-based CI of the mean (NaN for fewer than two values; a point when they are equal).

    Example:
        >>> lo, hi = t_interval([1.0, 2.0, 3.0])
        >>> round(lo, 3), round(hi, 3)
        (-0.484, 4.484)
    """
    a = np.asarray(x, dtype=float)
    a = a[~np.isnan(a)]
    if len(a) < 2:
        return (math.nan, math.nan)
    m = float(np.mean(a))
    if np.ptp(a) == 0:
        return (m, m)
    half = float(
        sps.t.ppf((1 + confidence) / 2, len(a) - 1) * np.std(a, ddof=1) / math.sqrt(len(a))
    )
    return (m - half, m + half)


def adjust(
    tests: Sequence[HypothesisTest], method: str = "holm", alpha: float = 0.05
) -> list[HypothesisTest]:
    """Correct every p-value of ``tests`` together (statsmodels ``multipletests``).

    Tests that did not run keep NaN. ``method`` is ``holm`` (family-wise error) or
    ``fdr_bh`` (Benjamini-Hochberg false discovery rate). An exact test whose smallest
    possible p-value is above ``alpha`` (too few seeds, e.g. two values and three seeds:
    0.25) cannot reject whatever the data; it is left out of the family (Tarone), which
    keeps the error rate and spends nothing on it.

    Example:
        >>> ts = [HypothesisTest("omnibus", "m", "p", "", "t", 3, 2, 1.0, p) for p in (0.01, 0.04, math.nan)]
        >>> [round(t.p_adj, 3) for t in adjust(ts)][:2], math.isnan(adjust(ts)[2].p_adj)
        ([0.02, 0.04], True)
    """
    from statsmodels.stats.multitest import multipletests

    if method not in CORRECTIONS:
        raise ValueError(f"unknown correction {method!r}; allowed: {', '.join(CORRECTIONS)}")
    counted = [t.tested and t.min_p <= alpha for t in tests]
    ps = [t.p for t, c in zip(tests, counted, strict=True) if c]
    adj = iter(multipletests(ps, method=method)[1] if ps else [])
    out = []
    for t, c in zip(tests, counted, strict=True):
        if c:
            out.append(replace(t, p_adj=float(next(adj))))
        elif t.tested:
            out.append(
                replace(
                    t,
                    note=f"smallest possible p {t.min_p:.3g} > {alpha:g}: not counted; " + t.note,
                )
            )
        else:
            out.append(t)
    return out
