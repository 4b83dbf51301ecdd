"""The pre-declared tests of each metric and parameter: an omnibus test, a trend test for a
numeric parameter, and the effect from the first value to the last with its CI.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from brainjar_sweep.analysis.design import Design
from brainjar_sweep.analysis.inference.permutation import (
    LARGE_SAMPLE,
    N_PERM,
    abs_rho,
    kw_h,
    perm_blocked,
    perm_p,
    stratified_perms,
)
from brainjar_sweep.analysis.inference.results import HypothesisTest, t_interval
from brainjar_sweep.analysis.inference.units import (
    blocked_data,
    independent_data,
    is_trend_testable,
    strata,
)


def effect_tests(
    design: Design,
    metrics: Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
    seed: int = 0,
) -> list[HypothesisTest]:
    """The omnibus test and, for numeric parameters, the trend test, per metric and parameter.

    ``metrics`` defaults to ``design.outcomes``. Results are uncorrected (``p_adj`` NaN):
    pass all of a report's tests to :func:`adjust` together.

    Example:
        >>> from brainjar_sweep.analysis.design import detect_design
        >>> from brainjar_sweep.analysis.load import SweepData
        >>> jobs = pd.DataFrame({"status": "completed", "p": [0, 1, 2], "seed": 0,
        ...                      "m": [1.0, 2.0, 3.0]})
        >>> d = detect_design(SweepData(jobs=jobs, params=["p"], metrics=["m"]), ["m"])
        >>> [(t.kind, t.p, t.note) for t in effect_tests(d)]
        [('omnibus', nan, 'no replication (one seed)'), ('trend', nan, 'no replication (one seed)')]
    """
    out: list[HypothesisTest] = []
    for metric in design.outcomes if metrics is None else metrics:
        for param in design.params:
            for label, where in strata(design, param):
                out += _tests_one(design, metric, param, label, where, confidence, seed)
    return out


def _tests_one(
    design: Design,
    metric: str,
    param: str,
    label: str,
    where: dict[str, Any],
    confidence: float,
    seed: int,
) -> list[HypothesisTest]:
    rep = design.replicate or "job"
    nan = math.nan
    if design.blocked:
        levels, m = blocked_data(design, metric, param, where)
        k, n = len(levels), m.shape[0]
        names = (f"Friedman (blocked on {rep})", f"Page's L (blocked on {rep})")
        means = tuple(float(v) for v in m.mean(axis=0)) if n else ()
    else:
        levels, lab, y, strat = independent_data(design, metric, param, where)
        k, n = len(levels), len(y)
        names = ("Kruskal-Wallis", "Spearman")
        means = tuple(float(np.mean(y[lab == i])) for i in range(k))
    trend = is_trend_testable(levels)
    effect = {"effect": nan, "effect_low": nan, "effect_high": nan}

    def both(
        stat: tuple[float, float],
        p: tuple[float, float],
        note: tuple[str, str],
        min_p: tuple[float, float] = (0.0, 0.0),
    ) -> list[HypothesisTest]:
        kinds = [("omnibus", 0), ("trend", 1)] if trend else [("omnibus", 0)]
        return [
            HypothesisTest(
                kind,
                metric,
                param,
                label,
                names[i],
                n,
                k,
                stat[i],
                p[i],
                note=note[i],
                means=means,
                min_p=min_p[i],
                **effect,
            )
            for kind, i in kinds
        ]

    if design.blocked:
        return _blocked_tests(levels, m, rep, trend, confidence, seed, effect, both)
    return _independent_tests(levels, lab, y, strat, trend, confidence, seed, effect, both)


Both = Callable[..., list[HypothesisTest]]


def _blocked_tests(
    levels: list[Any],
    m: np.ndarray,
    rep: str,
    trend: bool,
    confidence: float,
    seed: int,
    effect: dict[str, float],
    both: Both,
) -> list[HypothesisTest]:
    """Friedman's test (and Page's L for a trend) within the replicates of ``m`` (units x
    values); the effect is the mean within-unit change from the first value to the last."""
    nan = math.nan
    k, n = len(levels), m.shape[0]
    if k < 2 or n < 2:
        why = f"no replication (one {rep})" if n < 2 else "fewer than 2 values"
        return both((nan, nan), (nan, nan), (why, why))
    diff = m[:, -1] - m[:, 0]
    lo, hi = t_interval(diff, confidence)
    effect.update(effect=float(np.mean(diff)), effect_low=lo, effect_high=hi)
    small = "; few units: rough CI" if n < 5 else ""
    if np.all(np.ptp(m, axis=1) == 0):
        why = f"identical within each {rep}"
        return both((0.0, nan), (nan, nan), (why, why))
    q, p, kind = perm_blocked(m, seed)
    min_omni = math.exp(-(n - 1) * math.lgamma(k + 1))
    if not trend:
        return both((q, nan), (p, nan), (kind + small, ""), (min_omni, 0.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        up = sps.page_trend_test(m, method="auto")
        down = sps.page_trend_test(m[:, ::-1], method="auto")
    pt = min(1.0, 2.0 * min(float(up.pvalue), float(down.pvalue)))
    min_trend = min(1.0, 2.0 * math.exp(-n * math.lgamma(k + 1)))
    return both(
        (q, float(up.statistic)),
        (p, pt),
        (kind + small, f"{up.method} p" + small),
        (min_omni, min_trend),
    )


def _independent_tests(
    levels: list[Any],
    lab: np.ndarray,
    y: np.ndarray,
    strat: np.ndarray,
    trend: bool,
    confidence: float,
    seed: int,
    effect: dict[str, float],
    both: Both,
) -> list[HypothesisTest]:
    """Kruskal-Wallis (and Spearman's rho for a trend) over independent jobs, permuted within
    the cells of the other parameters; the effect is last minus first value (Welch CI)."""
    nan = math.nan
    k, n = len(levels), len(y)
    cell = pd.Series(lab).groupby([lab, strat]).size()
    if k < 2 or len(cell) == 0 or cell.max() < 2:
        why = "no replication (one job per cell)" if k >= 2 else "fewer than 2 values"
        return both((nan, nan), (nan, nan), (why, why))
    first, last = y[lab == 0], y[lab == k - 1]
    effect["effect"] = float(np.mean(last) - np.mean(first))
    if len(first) >= 2 and len(last) >= 2 and np.ptp(np.concatenate([first, last])) > 0:
        ci = sps.ttest_ind(last, first, equal_var=False).confidence_interval(confidence)
        effect.update(effect_low=float(ci.low), effect_high=float(ci.high))
    elif len(first) >= 2 and len(last) >= 2:
        effect.update(effect_low=effect["effect"], effect_high=effect["effect"])
    few = min(len(first), len(last))
    small = "; few units: rough CI" if few < 5 else ""
    if np.ptp(y) == 0:
        why = "no variation"
        return both((0.0, nan), (nan, nan), (why, why))
    xv = np.asarray(levels, dtype=float) if trend else None
    if n > LARGE_SAMPLE:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            h, p = sps.kruskal(*[y[lab == i] for i in range(k)])
            kind = "chi-square approximation, pooled" + small
            if not trend:
                return both((float(h), nan), (float(p), nan), (kind, ""))
            rho = sps.spearmanr(xv[lab], y)
        return both(
            (float(h), float(rho.statistic)),
            (float(p), float(rho.pvalue)),
            (kind, "t approximation, pooled" + small),
        )
    ranks = sps.rankdata(y)
    perms = stratified_perms(lab, strat, N_PERM, seed)
    h = float(kw_h(ranks, lab[None, :], k)[0])
    p = perm_p(h, kw_h(ranks, perms, k))
    within = " (shuffled within cells of the others)" if strat.max() > 0 else ""
    if not trend:
        return both((h, nan), (p, nan), (f"permutation p{within}" + small, ""))
    assert xv is not None
    rho = float(abs_rho(ranks, sps.rankdata(xv[lab])[None, :])[0])
    pt = perm_p(rho, abs_rho(ranks, sps.rankdata(xv[perms], axis=1)))
    signed = float(sps.spearmanr(xv[lab], y).statistic)
    return both(
        (h, signed),
        (p, pt),
        (f"permutation p{within}" + small, f"permutation p{within}" + small),
    )
