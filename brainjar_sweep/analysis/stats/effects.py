"""Whether a parameter changes a metric: Kruskal-Wallis and one-way ANOVA with their effect
sizes, and threshold effects between neighbouring values.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats.groups import check_columns, completed_jobs, ordered_groups


def threshold_effects(
    data: SweepData | pd.DataFrame,
    param: str,
    metric: str = "crash_rate",
    *,
    threshold: float = 0.5,
    floor_fraction: float = 0.1,
) -> pd.DataFrame:
    """Adjacent values of ``param`` between which the mean of ``metric`` jumps.

    For adjacent values a < b (natural order) with means m_a and m_b, the relative
    change is ``|m_b - m_a| / max(|m_a|, floor)`` with ``floor = floor_fraction *
    max(|mean|)`` over all values of ``param``. The floor keeps the rule stable near
    zero, and a jump away from a zero mean is reported (``from_zero``) instead of
    being skipped. A pair is listed when the relative change is at least
    ``threshold``; ``p_value`` is a two-sided Mann-Whitney U test between the two
    groups of jobs (NaN when it cannot be computed).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 6, "p": [0, 0, 1, 1, 2, 2],
        ...                      "m": [0.0, 0.0, 0.4, 0.4, 0.5, 0.5]})
        >>> t = threshold_effects(jobs, "p", "m")
        >>> t[["from", "to", "relative_change", "from_zero"]].values.tolist()
        [[0, 1, 8.0, True]]
    """
    frame = completed_jobs(data)
    check_columns(frame, param, metric)
    groups = [(k[0], x) for k, x in ordered_groups(data, [param], metric) if len(x)]
    columns = [
        "from",
        "to",
        "mean_from",
        "mean_to",
        "change",
        "relative_change",
        "from_zero",
        "p_value",
    ]
    if len(groups) < 2:
        return pd.DataFrame(columns=columns)
    means = [float(np.mean(x)) for _, x in groups]
    scale = max(abs(m) for m in means)
    if scale == 0:
        return pd.DataFrame(columns=columns)
    floor = floor_fraction * scale
    rows = []
    for (a, xa), (b, xb), ma, mb in zip(groups, groups[1:], means, means[1:], strict=False):
        change = mb - ma
        rel = abs(change) / max(abs(ma), floor)
        if rel >= threshold:
            rows.append([a, b, ma, mb, change, rel, ma == 0, _mann_whitney(xa, xb)])
    return pd.DataFrame(rows, columns=columns)


def _mann_whitney(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 1 or len(b) < 1 or np.all(np.concatenate([a, b]) == a[0]):
        return math.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)


@dataclass(frozen=True)
class EffectTest:
    """Kruskal-Wallis and one-way ANOVA of ``metric`` across the values of ``param``.

    ``epsilon_sq`` = H / (n - 1) (the Kruskal-Wallis effect size); ``eta_sq`` =
    SS_between / SS_total. ``note`` says why a test is missing (NaN), if it is.
    """

    param: str
    metric: str
    k: int
    n: int
    kruskal_h: float
    kruskal_p: float
    epsilon_sq: float
    anova_f: float
    anova_p: float
    eta_sq: float
    note: str = ""

    @property
    def p_min(self) -> float:
        """The smaller of the two p-values (NaN when neither test ran)."""
        ps = [p for p in (self.kruskal_p, self.anova_p) if not math.isnan(p)]
        return min(ps) if ps else math.nan


def test_groups(
    param: str, metric: str, groups: list[np.ndarray], *, anova: bool = True
) -> EffectTest:
    groups = [g for g in groups if len(g)]
    k = len(groups)
    n = int(sum(len(g) for g in groups))
    nan = math.nan
    if k < 2:
        return EffectTest(param, metric, k, n, nan, nan, nan, nan, nan, nan, "fewer than 2 groups")
    allv = np.concatenate(groups)
    grand = float(np.mean(allv))
    if np.ptp(allv) == 0:
        return EffectTest(param, metric, k, n, nan, nan, nan, nan, nan, nan, "no variation")
    ss_total = float(np.sum((allv - grand) ** 2))
    means = np.array([np.mean(g) for g in groups])
    scale = max(1.0, float(np.max(np.abs(allv))))
    if np.ptp(means) <= 1e-12 * scale:
        ss_between = 0.0  # equal group means up to rounding
    else:
        ss_between = float(sum(len(g) * (np.mean(g) - grand) ** 2 for g in groups))
    eta = ss_between / ss_total
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h, kp = sps.kruskal(*groups)
        if n > k and anova:
            f, fp = sps.f_oneway(*groups)
        else:
            f, fp = nan, nan
    h, kp, f, fp = (float(v) for v in (h, kp, f, fp))
    if ss_between == 0.0 and not math.isnan(f):
        f, fp = 0.0, 1.0
    eps = h / (n - 1) if n > 1 and not math.isnan(h) else nan
    note = "" if n > k else "one job per group: no ANOVA"
    return EffectTest(param, metric, k, n, h, kp, eps, f, fp, eta, note)


def significance(data: SweepData | pd.DataFrame, param: str, metric: str) -> EffectTest:
    """Kruskal-Wallis and one-way ANOVA (scipy) of ``metric`` across values of ``param``.

    Jobs are pooled over the other parameters; each job (including each replicate
    seed) is one observation.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 6, "p": [0, 0, 0, 1, 1, 1],
        ...                      "m": [1.0, 2.0, 3.0, 7.0, 8.0, 9.0]})
        >>> r = significance(jobs, "p", "m")
        >>> r.k, r.n, round(r.eta_sq, 3), r.kruskal_p < 0.1
        (2, 6, 0.931, True)
    """
    frame = completed_jobs(data)
    check_columns(frame, param, metric)
    groups = [x for _, x in ordered_groups(data, [param], metric)]
    return test_groups(param, metric, groups)


@dataclass
class Effects:
    """Everything computed for one swept parameter (used by the report)."""

    param: str
    stats: dict[str, pd.DataFrame] = field(default_factory=dict)
    tests: dict[str, EffectTest] = field(default_factory=dict)
    conditional: dict[str, pd.DataFrame] = field(default_factory=dict)
    thresholds: dict[str, pd.DataFrame] = field(default_factory=dict)
