"""Design-aware tests: one pre-declared test per metric and parameter, corrected together.

Every function takes a :class:`~brainjar_sweep.analysis.design.Design` (from
:func:`~brainjar_sweep.analysis.design.detect_design`). The unit of replication is the
replicate (seed):

- **blocked** (the same seeds in every cell, common random numbers): the values of a
  parameter are compared within seed. Per seed and value, the other parameters' cells
  are averaged; the omnibus test is Friedman's (ranks within seed), its p-value exact
  over all within-seed permutations (Monte Carlo when there are too many); the trend
  test for a numeric parameter is Page's L (two-sided); the effect is the mean
  within-seed difference between the last and the first value with a paired t CI.
- **independent** (different seeds per cell, or no seed): jobs are the units; the
  omnibus test is Kruskal-Wallis with a permutation p-value (values permuted within
  each combination of the other parameters); the trend test is Spearman's rho with
  the same permutations; the effect is last minus first value with a Welch t CI.
- **nested** run lengths (``max_cycles`` with the same seeds) are strata: the other
  parameters are tested at each run length separately.
- **interactions** of two parameters: two-way ANOVA (statsmodels OLS) with seed as
  block when blocked.

No test runs without replication (one seed for all cells, or one job per cell); every
p-value of a report is corrected together (Holm by default, or Benjamini-Hochberg) by
:func:`adjust`.

Example:
    >>> from brainjar_sweep.analysis.design import detect_design
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> rng = np.random.default_rng(0)
    >>> jobs = pd.DataFrame({"status": "completed", "p": np.repeat([0, 1, 2], 6),
    ...     "seed": np.tile(range(6), 3)})
    >>> jobs["m"] = jobs["p"] * 5.0 + rng.normal(size=18)
    >>> d = detect_design(SweepData(jobs=jobs, params=["p", "seed"], metrics=["m"]), ["m"])
    >>> tests = adjust(effect_tests(d))
    >>> [(t.kind, t.test, t.p < 0.01) for t in tests]
    [('omnibus', 'Friedman (blocked on seed)', True), ('trend', "Page's L (blocked on seed)", True)]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from brainjar_sweep.analysis.design import _UNIT, Design, _key

__all__ = [
    "CORRECTIONS",
    "Crossing",
    "HypothesisTest",
    "adjust",
    "effect_tests",
    "interaction_tests",
    "level_crossings",
    "level_summary",
    "strata",
    "t_interval",
]

CORRECTIONS: dict[str, str] = {"holm": "Holm", "fdr_bh": "Benjamini-Hochberg"}
"""Multiple-test corrections (statsmodels method name -> name in the report)."""

N_PERM = 9999
"""Permutations of a Monte Carlo permutation test (exact enumeration when fewer exist)."""

LARGE_BLOCKS = 15
"""From this many seeds on, blocked tests use their large-sample approximation."""

LARGE_SAMPLE = 300
"""Above this many jobs, independent-cell tests use their large-sample approximation."""


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


# ------------------------------------------------------------------------ the data


def strata(design: Design, param: str) -> list[tuple[str, dict[str, Any]]]:
    """(label, filter) of each stratum ``param`` is tested in: one per nesting value.

    Example:
        >>> from brainjar_sweep.analysis.design import Design
        >>> d = Design(["a", "max_cycles"], "seed", {"a": [0, 1], "max_cycles": [10, 20]},
        ...            True, 3, (3, 3), nested="max_cycles")
        >>> strata(d, "a")
        [('max_cycles=10', {'max_cycles': 10}), ('max_cycles=20', {'max_cycles': 20})]
        >>> strata(d, "max_cycles")
        [('', {})]
    """
    key = design.nested
    if key is None or param == key:
        return [("", {})]
    return [(f"{key}={_fmt(v)}", {key: v}) for v in design.levels[key]]


def _fmt(v: Any) -> str:
    if isinstance(v, float) and v == int(v) and abs(v) < 1e12:
        return str(int(v))
    return str(v)


def _subset(design: Design, where: dict[str, Any]) -> pd.DataFrame:
    frame = design.frame
    for k, v in where.items():
        frame = frame[frame[k] == v]
    return frame


def _others(design: Design, param: str, where: dict[str, Any]) -> list[str]:
    return [p for p in design.params if p != param and p not in where]


def _matrix(
    design: Design, metric: str, param: str, where: dict[str, Any]
) -> tuple[list[Any], np.ndarray]:
    """Blocked data: (levels, units x levels) of cell means averaged over the other parameters.

    Only units with a value in every (level, other cell) combination are kept.
    """
    key = ("matrix", metric, param, tuple(sorted((k, repr(v)) for k, v in where.items())))
    if key not in design.cache:
        design.cache[key] = _matrix_uncached(design, metric, param, where)
    return design.cache[key]


def _matrix_uncached(
    design: Design, metric: str, param: str, where: dict[str, Any]
) -> tuple[list[Any], np.ndarray]:
    frame = _subset(design, where)
    present = {repr(v) for v in pd.unique(frame[param]).tolist()}
    levels = [v for v in design.levels[param] if repr(v) in present]
    if not levels:
        return [], np.empty((0, 0))
    others = _others(design, param, where)
    y = pd.to_numeric(frame[metric], errors="coerce").to_numpy(dtype=float)
    u_code, units = pd.factorize(frame[_UNIT])
    index = {repr(v): i for i, v in enumerate(levels)}
    p_code = np.array([index[repr(v)] for v in frame[param].tolist()], dtype=np.int64)
    o_code = pd.factorize(_key(frame, others))[0]
    n_u, n_p, n_o = len(units), len(levels), int(o_code.max()) + 1 if len(o_code) else 0
    if n_u == 0 or n_o == 0:
        return levels, np.empty((0, n_p))
    ok = ~np.isnan(y)
    flat = (u_code * n_p + p_code) * n_o + o_code
    size = n_u * n_p * n_o
    sums = np.bincount(flat[ok], weights=y[ok], minlength=size).reshape(n_u, n_p, n_o)
    counts = np.bincount(flat[ok], minlength=size).reshape(n_u, n_p, n_o)
    complete = (counts > 0).all(axis=(1, 2))
    cells = sums[complete] / counts[complete]
    return levels, cells.mean(axis=2)


def _jobs(
    design: Design, metric: str, param: str, where: dict[str, Any]
) -> tuple[list[Any], np.ndarray, np.ndarray, np.ndarray]:
    """Independent data: (levels, level index per job, values, stratum code per job)."""
    frame = _subset(design, where)
    y = pd.to_numeric(frame[metric], errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(y)
    frame, y = frame[ok], y[ok]
    levels = [v for v in design.levels[param] if (frame[param] == v).any()]
    index = {repr(v): i for i, v in enumerate(levels)}
    lab = np.array([index[repr(v)] for v in frame[param].tolist()], dtype=int)
    strat = pd.factorize(_key(frame, _others(design, param, where)))[0]
    return levels, lab, y, strat


def _numeric(levels: list[Any]) -> bool:
    return len(levels) >= 3 and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in levels
    )


# ------------------------------------------------------------------------ the tests


def _friedman_stat(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.stack([np.moveaxis(np.asarray(s), axis, -1) for s in samples], axis=0)
    k, n = m.shape[0], m.shape[-1]
    r = sps.rankdata(m, axis=0)
    rbar = r.mean(axis=-1)
    return 12.0 * n / (k * (k + 1)) * ((rbar - (k + 1) / 2.0) ** 2).sum(axis=0)


def _perm_blocked(m: np.ndarray, seed: int) -> tuple[float, float, str]:
    """Friedman's Q and its p-value: exact or Monte Carlo over within-unit permutations,
    or the tie-corrected chi-square approximation from :data:`LARGE_BLOCKS` units on."""
    k, n = m.shape[1], m.shape[0]
    exact = n * math.lgamma(k + 1) <= math.log(N_PERM)
    if not exact and n >= LARGE_BLOCKS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q, p = sps.friedmanchisquare(*m.T) if k >= 3 else (math.nan, math.nan)
        if k < 3:  # two values: the sign test's normal approximation
            d = m[:, 1] - m[:, 0]
            pos, nz = int(np.sum(d > 0)), int(np.sum(d != 0))
            p = float(sps.binomtest(pos, nz).pvalue) if nz else 1.0
            q = float(_friedman_stat(m[:, 0], m[:, 1], axis=-1))
            return q, p, "exact sign test p"
        return float(q), float(p), "chi-square approximation"
    res = sps.permutation_test(
        list(m.T),
        _friedman_stat,
        permutation_type="samples",
        vectorized=True,
        n_resamples=N_PERM,
        alternative="greater",
        random_state=seed,
    )
    kind = "exact p" if exact else f"Monte Carlo p ({N_PERM})"
    return float(res.statistic), float(res.pvalue), kind


def _stratified_perms(lab: np.ndarray, strat: np.ndarray, n: int, seed: int) -> np.ndarray:
    """(n x len(lab)) label vectors, each permuted within strata."""
    rng = np.random.default_rng(seed)
    out = np.tile(lab, (n, 1))
    for s in np.unique(strat):
        pos = np.flatnonzero(strat == s)
        if len(pos) > 1:
            out[:, pos] = rng.permuted(out[:, pos], axis=1)
    return out


def _kw_h(ranks: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Kruskal-Wallis H (no tie correction) for each row of ``labels``."""
    n = ranks.shape[0]
    rows = labels.shape[0]
    idx = labels + (np.arange(rows) * k)[:, None]
    sums = np.bincount(idx.ravel(), weights=np.tile(ranks, rows), minlength=rows * k).reshape(
        rows, k
    )
    counts = np.bincount(idx.ravel(), minlength=rows * k).reshape(rows, k)
    with np.errstate(invalid="ignore", divide="ignore"):
        term = np.where(counts > 0, sums**2 / np.maximum(counts, 1), 0.0)
    return 12.0 / (n * (n + 1)) * term.sum(axis=1) - 3.0 * (n + 1)


def _abs_rho(ranks: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """|Pearson correlation| of ``ranks`` with each row of ``xs`` (already ranks)."""
    a = ranks - ranks.mean()
    b = xs - xs.mean(axis=1, keepdims=True)
    den = np.sqrt((a**2).sum() * (b**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs((b @ a) / den)


def _perm_p(observed: float, null: np.ndarray) -> float:
    return float((1 + np.sum(null >= observed - 1e-12 * max(1.0, abs(observed)))) / (1 + len(null)))


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
        levels, m = _matrix(design, metric, param, where)
        k, n = len(levels), m.shape[0]
        names = (f"Friedman (blocked on {rep})", f"Page's L (blocked on {rep})")
        means = tuple(float(v) for v in m.mean(axis=0)) if n else ()
    else:
        levels, lab, y, strat = _jobs(design, metric, param, where)
        k, n = len(levels), len(y)
        names = ("Kruskal-Wallis", "Spearman")
        means = tuple(float(np.mean(y[lab == i])) for i in range(k))
    trend = _numeric(levels)
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
        q, p, kind = _perm_blocked(m, seed)
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
    perms = _stratified_perms(lab, strat, N_PERM, seed)
    h = float(_kw_h(ranks, lab[None, :], k)[0])
    p = _perm_p(h, _kw_h(ranks, perms, k))
    within = " (shuffled within cells of the others)" if strat.max() > 0 else ""
    if not trend:
        return both((h, nan), (p, nan), (f"permutation p{within}" + small, ""))
    assert xv is not None
    rho = float(_abs_rho(ranks, sps.rankdata(xv[lab])[None, :])[0])
    pt = _perm_p(rho, _abs_rho(ranks, sps.rankdata(xv[perms], axis=1)))
    signed = float(sps.spearmanr(xv[lab], y).statistic)
    return both(
        (h, signed),
        (p, pt),
        (f"permutation p{within}" + small, f"permutation p{within}" + small),
    )


def interaction_tests(design: Design, metrics: Sequence[str] | None = None) -> list[HypothesisTest]:
    """Two-way ANOVA interaction test for each pair of analysed parameters and metric.

    Blocked designs average the other parameters within (a, b, seed) and fit
    ``y ~ C(a) * C(b) + C(seed)``; independent designs fit ``y ~ C(a) * C(b)`` plus the
    other parameters as main effects, on the jobs. ``effect`` is partial eta² of a:b.

    Example:
        >>> from brainjar_sweep.analysis.design import detect_design
        >>> from brainjar_sweep.analysis.load import SweepData
        >>> rng = np.random.default_rng(1)
        >>> jobs = pd.DataFrame([{"status": "completed", "a": a, "b": b, "seed": s}
        ...     for a in (0, 1) for b in (0, 1) for s in range(5)])
        >>> jobs["m"] = 4.0 * jobs["a"] * jobs["b"] + rng.normal(size=20)
        >>> d = detect_design(SweepData(jobs=jobs, params=["a", "b", "seed"], metrics=["m"]), ["m"])
        >>> [(t.param, t.p < 0.01) for t in interaction_tests(d)]
        [('a x b', True)]
    """
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    out: list[HypothesisTest] = []
    params = design.params
    rep = design.replicate or "job"
    name = f"two-way ANOVA ({rep} as block)" if design.blocked else "two-way ANOVA"
    for i, a in enumerate(params):
        for b in params[i + 1 :]:
            others = [p for p in params if p not in (a, b)]
            for metric in design.outcomes if metrics is None else metrics:
                work = _interaction_data(design, metric, a, b, others)
                k = work["a"].nunique() * work["b"].nunique()
                absorbed = max(0, work["u"].nunique() - 1) if design.blocked else 0

                make = partial(
                    HypothesisTest, "interaction", metric, f"{a} x {b}", "", name, len(work), k
                )
                if not design.replicated or len(work) <= k + absorbed:
                    out.append(make(math.nan, math.nan, note="no replication"))
                    continue
                if np.ptp(work["y"].to_numpy()) == 0:
                    out.append(make(0.0, 1.0, note="no variation"))
                    continue
                if design.blocked:
                    ss_ab, df_ab, ss_res, df_res = _balanced_interaction(work)
                else:
                    formula = "y ~ C(a) * C(b)" + "".join(f" + C(o{j})" for j in range(len(others)))
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            fit = smf.ols(formula, data=work).fit()
                            table = anova_lm(fit, typ=2)
                    except (ValueError, np.linalg.LinAlgError) as exc:
                        out.append(make(math.nan, math.nan, note=f"cannot fit: {exc}"))
                        continue
                    row = table.loc["C(a):C(b)"]
                    ss_ab, df_ab = float(row["sum_sq"]), float(row["df"])
                    ss_res, df_res = float(table.loc["Residual", "sum_sq"]), float(fit.df_resid)
                scale = float(np.sum((work["y"] - work["y"].mean()) ** 2))
                if ss_ab <= 1e-12 * scale:
                    out.append(make(0.0, 1.0, effect=0.0, note="additive: no interaction at all"))
                elif ss_res <= 1e-12 * scale:
                    out.append(
                        make(math.nan, math.nan, note="no residual variation to test against")
                    )
                else:
                    f_ab = (ss_ab / df_ab) / (ss_res / df_res)
                    p_ab = float(sps.f.sf(f_ab, df_ab, df_res))
                    out.append(
                        make(
                            f_ab,
                            p_ab,
                            effect=ss_ab / (ss_ab + ss_res),
                            note=f"F({int(df_ab)}, {int(df_res)})",
                        )
                    )
    return out


def _interaction_data(
    design: Design, metric: str, a: str, b: str, others: list[str]
) -> pd.DataFrame:
    """Columns a, b, y, u (and o0, o1... for the other parameters) of the jobs with a value.

    Blocked: one mean per (a, b, seed), only seeds with every (a, b) cell.
    """
    frame = design.frame
    work = pd.DataFrame(
        {
            "a": frame[a].astype(str),
            "b": frame[b].astype(str),
            "y": pd.to_numeric(frame[metric], errors="coerce"),
            "u": frame[_UNIT],
        }
    )
    for j, o in enumerate(others):
        work[f"o{j}"] = frame[o].astype(str).to_numpy()
    work = work.dropna(subset=["y"])
    if not design.blocked:
        return work
    work = work.groupby(["a", "b", "u"], as_index=False)["y"].mean()
    full = work.groupby("u")["y"].transform("size") == work["a"].nunique() * work["b"].nunique()
    return work[full].reset_index(drop=True)


def _balanced_interaction(work: pd.DataFrame) -> tuple[float, float, float, float]:
    """(SS, df) of a x b and of the residual: one value per (a, b, seed), seed as block.

    The closed form of ``y ~ C(a) * C(b) + C(u)`` for a complete, balanced design.
    """
    a_code, a_lv = pd.factorize(work["a"])
    b_code, b_lv = pd.factorize(work["b"])
    u_code, u_lv = pd.factorize(work["u"])
    ka, kb, n = len(a_lv), len(b_lv), len(u_lv)
    y = np.zeros((n, ka, kb))
    y[u_code, a_code, b_code] = work["y"].to_numpy(dtype=float)
    y = y - y.mean(axis=(1, 2), keepdims=True)  # the seed block
    cell = y.mean(axis=0)
    grand = cell.mean()
    ra, rb = cell.mean(axis=1, keepdims=True), cell.mean(axis=0, keepdims=True)
    ss_ab = float(n * np.sum((cell - ra - rb + grand) ** 2))
    resid = y - cell[None, :, :]
    ss_res = float(np.sum(resid**2))
    df_res = float(n * ka * kb - ka * kb - (n - 1))
    return ss_ab, float((ka - 1) * (kb - 1)), ss_res, df_res


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


# ------------------------------------------------------------------- descriptives


def level_summary(
    design: Design,
    metric: str,
    param: str,
    where: dict[str, Any] | None = None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Per value of ``param``: units, mean and t CI over the units (seeds or jobs).

    Blocked: each seed's value is the mean over the other parameters' cells;
    independent: each job is a unit (pooled over the other parameters).

    Example:
        >>> from brainjar_sweep.analysis.design import detect_design
        >>> from brainjar_sweep.analysis.load import SweepData
        >>> jobs = pd.DataFrame({"status": "completed", "p": [0, 0, 1, 1], "seed": [0, 1] * 2,
        ...                      "m": [1.0, 3.0, 5.0, 5.0]})
        >>> d = detect_design(SweepData(jobs=jobs, params=["p", "seed"], metrics=["m"]), ["m"])
        >>> level_summary(d, "m", "p")[["n", "mean", "ci_low"]].round(3).values.tolist()
        [[2.0, 2.0, -10.706], [2.0, 5.0, 5.0]]
    """
    where = where or {}
    rows = []
    if design.blocked:
        levels, m = _matrix(design, metric, param, where)
        cols = [m[:, i] for i in range(len(levels))]
    else:
        levels, lab, y, _ = _jobs(design, metric, param, where)
        cols = [y[lab == i] for i in range(len(levels))]
    for v, x in zip(levels, cols, strict=True):
        lo, hi = t_interval(x, confidence)
        rows.append(
            [
                v,
                len(x),
                float(np.mean(x)) if len(x) else math.nan,
                lo,
                hi,
                float(np.std(x, ddof=1)) if len(x) > 1 else math.nan,
            ]
        )
    out = pd.DataFrame(rows, columns=[param, "n", "mean", "ci_low", "ci_high", "std"])
    return out


# ----------------------------------------------------------------- level crossing


@dataclass(frozen=True)
class Crossing:
    """Where the mean of ``metric`` crosses ``level`` along ``param`` (one stratum)."""

    metric: str
    level: float
    param: str
    where: str
    """The other parameters' values of this curve (empty when none)."""
    lower: Any
    upper: Any
    """The adjacent values of ``param`` between which the mean crosses (None: no crossing)."""
    point: float
    """Linearly interpolated crossing point (NaN: no crossing)."""
    ci_low: float
    ci_high: float
    direction: str
    """``falls below``, ``rises above`` or ``stays above``/``stays below``."""
    n: int
    """Replication units behind each mean."""
    no_cross_share: float
    """Share of bootstrap resamples whose mean curve does not cross the level."""
    means: tuple[float, ...] = ()


def _first_cross(xs: np.ndarray, curve: np.ndarray, level: float) -> tuple[int, float]:
    d = curve - level
    for i in range(len(d) - 1):
        if d[i] == 0:
            return i, float(xs[i])
        if d[i] * d[i + 1] < 0 or (d[i + 1] == 0 and d[i] != 0):
            t = (level - curve[i]) / (curve[i + 1] - curve[i])
            return i, float(xs[i] + t * (xs[i + 1] - xs[i]))
    return -1, math.nan


def level_crossings(
    design: Design,
    metric: str,
    level: float,
    *,
    confidence: float = 0.95,
    n_boot: int = 2000,
    seed: int = 0,
) -> list[Crossing]:
    """Where the mean of ``metric`` crosses ``level`` along each numeric parameter.

    One curve per combination of the other analysed parameters; the crossing point is
    interpolated linearly between the two adjacent values; its CI is a percentile
    bootstrap over the replication units (seeds resampled jointly when blocked, jobs
    within each value otherwise).

    Example:
        >>> from brainjar_sweep.analysis.design import detect_design
        >>> from brainjar_sweep.analysis.load import SweepData
        >>> jobs = pd.DataFrame({"status": "completed", "p": np.repeat([0.0, 0.5, 1.0], 3),
        ...     "seed": [0, 1, 2] * 3, "m": [90, 92, 91, 60, 62, 58, 30, 33, 31.0]})
        >>> d = detect_design(SweepData(jobs=jobs, params=["p", "seed"], metrics=["m"]), ["m"])
        >>> c = level_crossings(d, "m", 50)[0]
        >>> c.lower, c.upper, round(c.point, 3), c.direction
        (0.5, 1.0, 0.674, 'falls below')
    """
    out: list[Crossing] = []
    rng_seed = seed
    for param in design.params:
        levels = design.levels[param]
        if not _numeric(levels) and not (
            len(levels) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)
        ):
            continue
        rest = [p for p in design.params if p != param]
        combos = design.frame[rest].drop_duplicates() if rest else pd.DataFrame([{}])
        for _, combo in combos.iterrows():
            where = {k: combo[k] for k in rest}
            label = ", ".join(f"{k}={_fmt(v)}" for k, v in where.items())
            if design.blocked:
                lv, m = _matrix(design, metric, param, where)
                samples = None
            else:
                lv, lab, y, _ = _jobs(design, metric, param, where)
                samples = [y[lab == i] for i in range(len(lv))]
                m = None
            if len(lv) < 2:
                continue
            xs = np.asarray(lv, dtype=float)
            if m is not None:
                if m.shape[0] == 0:
                    continue
                curve = m.mean(axis=0)
                n = m.shape[0]
            else:
                curve = np.array([np.mean(s) for s in samples])
                n = min(len(s) for s in samples)
            i, point = _first_cross(xs, curve, level)
            if i < 0:
                direction = "stays above" if curve[0] > level else "stays below"
            else:
                direction = (
                    "falls below" if curve[0] > level or curve[i + 1] < level else "rises above"
                )
            lo = hi = math.nan
            share = math.nan
            if n >= 2 and n_boot > 0 and i >= 0:
                rng = np.random.default_rng(rng_seed)
                pts = np.empty(n_boot)
                for b in range(n_boot):
                    if m is not None:
                        c = m[rng.integers(0, n, n)].mean(axis=0)
                    else:
                        c = np.array([s[rng.integers(0, len(s), len(s))].mean() for s in samples])
                    pts[b] = _first_cross(xs, c, level)[1]
                ok = ~np.isnan(pts)
                share = float(1 - ok.mean())
                if ok.sum() >= 2:
                    alpha = (1 - confidence) / 2
                    lo, hi = (float(v) for v in np.quantile(pts[ok], [alpha, 1 - alpha]))
            out.append(
                Crossing(
                    metric,
                    float(level),
                    param,
                    label,
                    lv[i] if i >= 0 else None,
                    lv[i + 1] if i >= 0 else None,
                    point,
                    lo,
                    hi,
                    direction,
                    n,
                    share,
                    tuple(float(c) for c in curve),
                )
            )
    return out
