"""Statistics over a sweep: the original analyses with their bugs fixed, and more.

Every function takes a :class:`~brainjar_sweep.analysis.load.SweepData` or a plain
jobs DataFrame and uses completed jobs only. Fixed bugs of the original analysis:

- parameter values of any type sort (numbers, text, None, lists as text);
- threshold effects use a floor on the denominator (stable near zero) and report
  jumps that start from a zero mean;
- no crash when nothing completed (:func:`optimal_parameters` returns None);
- an experiment counts once (the loader drops duplicates); replicate seeds are not a
  parameter: cells are combinations of the other swept parameters, and cell means
  average their replicates before anything is compared across cells.

Beyond the original: statistics conditioned on the other swept parameters,
Kruskal-Wallis and one-way ANOVA with effect sizes (epsilon squared, eta squared),
seeded bootstrap confidence intervals and two-parameter interaction tables.

Example:
    >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "rate": [0, 0, 1, 1],
    ...                      "crash_rate": [0.1, 0.2, 0.5, 0.7]})
    >>> parameter_statistics(jobs, "rate", "crash_rate")["mean"].round(2).tolist()
    [0.15, 0.6]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from brainjar_sweep.analysis._values import plain_value as _clean
from brainjar_sweep.analysis.load import SweepData, sort_levels
from brainjar_sweep.analysis.metrics import SELF_REPORT_NAMES

__all__ = [
    "DEFAULT_METRICS",
    "MAX_LEVELS",
    "Effects",
    "Optimum",
    "EffectTest",
    "bootstrap_ci",
    "cell_statistics",
    "compare_by_parameter",
    "comparison_table",
    "conditional_statistics",
    "conditional_table",
    "default_metrics",
    "interaction_table",
    "levels",
    "optimal_parameters",
    "parameter_statistics",
    "parameter_statistics_many",
    "replicate_counts",
    "significance",
    "threshold_effects",
]

DEFAULT_METRICS: tuple[str, ...] = (
    "crash_rate",
    "total_cycles",
    "total_crashes",
    "messages_per_cycle",
    "mind_messages_per_cycle",
)
"""The original analysis's metrics (``messages_per_cycle`` counts injected messages too) and what
the mind itself said per cycle; :func:`default_metrics` adds self-report scores."""

MAX_LEVELS = 12
"""A numeric parameter with more distinct values than this is binned (Optuna sweeps)."""

_BINS = 8
N_BOOT = 2000
"""Default number of bootstrap resamples."""


# ---------------------------------------------------------------------------- inputs


def _completed(data: SweepData | pd.DataFrame) -> pd.DataFrame:
    if isinstance(data, SweepData):
        return data.completed
    if "status" in data:
        return data[data["status"] == "completed"]
    return data


def _swept(data: SweepData | pd.DataFrame, params: Sequence[str] | None) -> list[str]:
    if params is not None:
        return list(params)
    if isinstance(data, SweepData):
        return data.swept
    raise ValueError("params= is needed with a plain DataFrame")


def _check(frame: pd.DataFrame, *columns: str) -> None:
    for c in columns:
        if c not in frame.columns:
            raise KeyError(f"unknown column {c!r}")


def default_metrics(data: SweepData) -> list[str]:
    """The default metrics plus the self-report scores, as present in ``data``.

    Self-report scores are the DB's, for the attempt each job reported, under their
    ``result.json`` names; without a DB the means ``result.json`` recorded.

    Example:
        >>> d = SweepData(jobs=pd.DataFrame({"status": ["completed"], "crash_rate": [0.0],
        ...     "memory_accuracy_mean": [90.0]}), metrics=["crash_rate", "memory_accuracy_mean"])
        >>> default_metrics(d)
        ['crash_rate', 'memory_accuracy_mean']
    """
    out = [m for m in DEFAULT_METRICS if m in data.metrics]
    out += [m for m in SELF_REPORT_NAMES.values() if m in data.metrics]
    return out + [m for m in data.metrics if m.startswith("sr_")]


def levels(values: pd.Series | Sequence[Any]) -> list[Any]:
    """Distinct values in a safe, natural order (missing, booleans, numbers, text).

    Example:
        >>> levels(pd.Series([1.0, 0.5, None, 1.0]))
        [None, 0.5, 1.0]
    """
    out = []
    for v in pd.unique(pd.Series(values, dtype=object)):
        if v is None or (isinstance(v, float) and math.isnan(v)):
            out.append(None)
        else:
            out.append(v.item() if isinstance(v, np.generic) else v)
    return sort_levels(out)


def _group_labels(series: pd.Series) -> pd.Series:
    """The column itself, or bins of it when a numeric parameter has too many values."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        if series.nunique() > MAX_LEVELS:
            binned = pd.qcut(series, q=_BINS, duplicates="drop")
            return binned.map(lambda iv: f"[{iv.left:.4g}, {iv.right:.4g}]").astype(object)
    return series


def _grouping(
    data: SweepData | pd.DataFrame, keys: Sequence[str]
) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """(key tuple, row positions in the completed jobs) per group, in natural key order."""

    def compute() -> list[tuple[tuple[Any, ...], np.ndarray]]:
        frame = _completed(data)
        if frame.empty:
            return []
        work = pd.DataFrame(
            {f"_k{i}": _group_labels(frame[k]).to_numpy() for i, k in enumerate(keys)}
        )
        indices = work.groupby(list(work.columns), dropna=False, sort=False).indices
        out = []
        for key, pos in indices.items():
            key_t = key if isinstance(key, tuple) else (key,)
            out.append((tuple(_clean(k) for k in key_t), np.asarray(pos)))
        order = {}
        for i in range(len(keys)):
            order[i] = {_level_id(v): j for j, v in enumerate(sort_levels([k[i] for k, _ in out]))}
        out.sort(key=lambda kv: tuple(order[i][_level_id(kv[0][i])] for i in range(len(keys))))
        return out

    if isinstance(data, SweepData):
        return data._memo(("groups", tuple(keys)), compute)
    return compute()


def _metric_values(data: SweepData | pd.DataFrame, metric: str) -> np.ndarray:
    def compute() -> np.ndarray:
        column = _completed(data)[metric]
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)

    if isinstance(data, SweepData):
        return data._memo(("values", metric), compute)
    return compute()


def _ordered_groups(
    data: SweepData | pd.DataFrame, keys: Sequence[str], metric: str
) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """(key tuple, metric values without NaN) per group, in natural key order."""
    values = _metric_values(data, metric)
    out = []
    for key, pos in _grouping(data, keys):
        x = values[pos]
        out.append((key, x[~np.isnan(x)]))
    return out


def _level_id(value: Any) -> Any:
    if value is None:
        return ("none",)
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("num", float(value))
    return ("text", str(value))


# -------------------------------------------------------------------------- bootstrap


@lru_cache(maxsize=16)
def _resample_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot x n) resample counts divided by n: row b @ x is the mean of resample b."""
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    counts = np.bincount((idx + np.arange(n_boot)[:, None] * n).ravel(), minlength=n_boot * n)
    weights = counts.reshape(n_boot, n).astype(np.float64) / n
    weights.flags.writeable = False
    return weights


def _boot_means(x: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    n = len(x)
    if n * n_boot <= 4_000_000:
        return _resample_weights(n, n_boot, seed) @ x
    rng = np.random.default_rng(seed)
    out = np.empty(n_boot)
    step = max(1, 4_000_000 // n)
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        idx = rng.integers(0, n, size=(stop - start, n))
        out[start:stop] = x[idx].mean(axis=1)
    return out


def bootstrap_ci(
    values: Sequence[float] | np.ndarray,
    *,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap confidence interval of the mean (seeded, reproducible).

    Resample ``b`` takes ``numpy.random.default_rng(seed).integers(0, n, (n_boot, n))[b]``
    as indices; the interval is the ``(1 - confidence) / 2`` and ``(1 + confidence) / 2``
    quantiles (linear interpolation) of the resample means. NaNs are dropped; fewer
    than two values give ``(nan, nan)``.

    Example:
        >>> lo, hi = bootstrap_ci([1.0, 2.0, 3.0, 4.0], seed=0)
        >>> 1.0 <= lo < 2.5 < hi <= 4.0
        True
        >>> bootstrap_ci([5.0])
        (nan, nan)
    """
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    if len(x) < 2 or n_boot <= 0:
        return (math.nan, math.nan)
    if np.all(x == x[0]):
        return (float(x[0]), float(x[0]))
    means = _boot_means(x, n_boot, seed)
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(means, [alpha, 1.0 - alpha])
    return (float(lo), float(hi))


# -------------------------------------------------------------- the original's analyses


def compare_by_parameter(
    data: SweepData | pd.DataFrame, param: str, metric: str = "crash_rate"
) -> dict[Any, list[float]]:
    """``{parameter value: [metric of each completed job]}``, missing metrics left out.

    Values are pooled over the other parameters (see :func:`conditional_statistics`
    for the conditioned view).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed", "completed", "failed"],
        ...                      "p": [1, 2, 2], "m": [0.5, 0.7, 0.9]})
        >>> compare_by_parameter(jobs, "p", "m")
        {1: [0.5], 2: [0.7]}
    """
    frame = _completed(data)
    _check(frame, param, metric)
    return {k[0]: v.tolist() for k, v in _ordered_groups(data, [param], metric)}


def parameter_statistics(
    data: SweepData | pd.DataFrame,
    param: str,
    metric: str = "crash_rate",
    *,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """Per value of ``param``: n, mean, std, median, min, max and a bootstrap CI of the mean.

    ``std`` is the sample standard deviation (ddof=1; NaN for a single job). Rows are
    jobs pooled over the other parameters; replicate seeds are jobs too. ``n_boot=0``
    skips the bootstrap (NaN CIs).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 3, "p": ["b", "a", "b"],
        ...                      "m": [1.0, 3.0, 2.0]})
        >>> st = parameter_statistics(jobs, "p", "m")
        >>> st.index.tolist(), st["n"].tolist(), st["mean"].tolist(), float(round(st.loc["b", "std"], 4))
        (['a', 'b'], [1, 2], [3.0, 1.5], 0.7071)
    """
    return parameter_statistics_many(
        data, param, [metric], confidence=confidence, n_boot=n_boot, seed=seed
    )[metric]


def parameter_statistics_many(
    data: SweepData | pd.DataFrame,
    param: str,
    metrics: Sequence[str],
    *,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """:func:`parameter_statistics` of several metrics at once (one resampling per value).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "p": [0, 0, 1, 1],
        ...                      "a": [1.0, 2.0, 3.0, 5.0], "b": [0.0, 0.0, 1.0, 1.0]})
        >>> st = parameter_statistics_many(jobs, "p", ["a", "b"])
        >>> st["a"]["mean"].tolist(), st["b"]["ci_low"].tolist()
        ([1.5, 4.0], [0.0, 1.0])
    """
    frame = _completed(data)
    _check(frame, param, *metrics)
    groups = _grouping(data, [param])
    index = pd.Index([key[0] for key, _ in groups], name=param, dtype=object)
    rows = _describe_groups(data, groups, list(metrics), confidence, n_boot, seed)
    out = {}
    for m in metrics:
        table = pd.DataFrame(rows[m], columns=_DESCRIBE_COLUMNS)
        table.index = index
        table["n"] = table["n"].astype("int64")
        out[m] = table
    return out


def _describe_groups(
    data: SweepData | pd.DataFrame,
    groups: list[tuple[tuple[Any, ...], np.ndarray]],
    metrics: list[str],
    confidence: float,
    n_boot: int,
    seed: int,
) -> dict[str, list[list[Any]]]:
    """Describe each metric in each group; metrics without NaNs share one resampling."""
    values = {m: _metric_values(data, m) for m in metrics}
    out: dict[str, list[list[Any]]] = {m: [] for m in metrics}
    alpha = (1.0 - confidence) / 2.0
    for _, pos in groups:
        block = np.column_stack([values[m][pos] for m in metrics]) if len(pos) else None
        shared: dict[int, tuple[float, float]] = {}
        if block is not None and len(pos) >= 2 and n_boot > 0:
            full = ~np.isnan(block).any(axis=0) & (np.ptp(block, axis=0) > 0)
            cols = np.flatnonzero(full)
            if len(cols) > 1 and len(pos) * n_boot <= 4_000_000:
                means = _resample_weights(len(pos), n_boot, seed) @ block[:, cols]
                bounds = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
                shared = {
                    int(c): (float(bounds[0, i]), float(bounds[1, i])) for i, c in enumerate(cols)
                }
        for j, m in enumerate(metrics):
            x = values[m][pos]
            x = x[~np.isnan(x)]
            out[m].append(_describe(x, confidence, n_boot, seed, shared.get(j)))
    return out


_DESCRIBE_COLUMNS = ["n", "mean", "std", "median", "min", "max", "ci_low", "ci_high"]


def _describe(
    x: np.ndarray,
    confidence: float,
    n_boot: int,
    seed: int,
    ci: tuple[float, float] | None = None,
) -> list[Any]:
    n = len(x)
    if n == 0:
        return [0] + [math.nan] * 7
    if ci is not None:
        lo, hi = ci
    elif n_boot > 0:
        lo, hi = bootstrap_ci(x, confidence=confidence, n_boot=n_boot, seed=seed)
    else:
        lo, hi = math.nan, math.nan
    return [
        n,
        float(np.mean(x)),
        (0.0 if np.ptp(x) == 0 else float(np.std(x, ddof=1))) if n > 1 else math.nan,
        float(np.median(x)),
        float(np.min(x)),
        float(np.max(x)),
        lo,
        hi,
    ]


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
    frame = _completed(data)
    _check(frame, param, metric)
    groups = [(k[0], x) for k, x in _ordered_groups(data, [param], metric) if len(x)]
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
class Optimum:
    """The best cell (combination of swept parameters) for a metric.

    ``value`` is the cell mean over its replicates, ``n`` the number of replicates,
    ``ties`` how many other cells have the same mean.
    """

    metric: str
    minimize: bool
    parameters: dict[str, Any]
    value: float
    n: int
    ci_low: float
    ci_high: float
    ties: int = 0


def cell_statistics(
    data: SweepData | pd.DataFrame,
    metric: str,
    *,
    params: Sequence[str] | None = None,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """Per cell (combination of ``params``, default: the swept ones): replicate statistics.

    Replicates (jobs of the same cell, e.g. different seeds) are aggregated: n, mean,
    std, and a bootstrap CI of the mean over the replicates.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "p": [0, 0, 1, 1],
        ...                      "seed": [0, 1, 0, 1], "m": [1.0, 3.0, 5.0, 5.0]})
        >>> cell_statistics(jobs, "m", params=["p"])[["p", "n", "mean"]].to_dict("list")
        {'p': [0, 1], 'n': [2, 2], 'mean': [2.0, 5.0]}
    """
    frame = _completed(data)
    keys = _swept(data, params)
    _check(frame, metric, *keys)
    groups = (
        _ordered_groups(data, keys, metric)
        if keys
        else [((), _metric_values(data, metric)[~np.isnan(_metric_values(data, metric))])]
    )
    return _cells_frame(keys, groups, confidence, n_boot, seed)


def _cells_frame(
    keys: Sequence[str],
    groups: list[tuple[tuple[Any, ...], np.ndarray]],
    confidence: float,
    n_boot: int,
    seed: int,
) -> pd.DataFrame:
    described = [_describe(x, confidence, n_boot, seed) for _, x in groups]
    columns: dict[str, pd.Series] = {}
    for i, k in enumerate(keys):
        columns[k] = _key_series([key[i] for key, _ in groups])
    for j, name in enumerate(_DESCRIBE_COLUMNS):
        values = [d[j] for d in described]
        columns[name] = pd.Series(values, dtype="int64" if name == "n" else "float64")
    return pd.DataFrame(columns)


def _key_series(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if len(present) == len(values):
            return pd.Series(values, dtype="int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(values, dtype=object)


def optimal_parameters(
    data: SweepData | pd.DataFrame,
    metric: str = "crash_rate",
    *,
    minimize: bool = True,
    params: Sequence[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> Optimum | None:
    """The cell with the lowest (or highest) mean of ``metric``; None if nothing completed.

    Cells average their replicate seeds, so a lucky seed does not win on its own.
    The first cell in natural order wins a tie (``ties`` counts the others).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "p": [0, 0, 1, 1],
        ...                      "seed": [0, 1, 0, 1], "m": [0.0, 0.9, 0.3, 0.4]})
        >>> best = optimal_parameters(jobs, "m", params=["p"])
        >>> best.parameters, round(best.value, 2), best.n
        ({'p': 1}, 0.35, 2)
        >>> optimal_parameters(jobs.assign(status="failed"), "m", params=["p"]) is None
        True
    """
    keys = _swept(data, params)
    _check(_completed(data), metric, *keys)
    if keys:
        cells = [(k, x) for k, x in _ordered_groups(data, keys, metric) if len(x)]
    else:
        x = _metric_values(data, metric)
        cells = [((), x[~np.isnan(x)])] if (~np.isnan(x)).any() else []
    if not cells:
        return None
    means = np.array([float(np.mean(x)) for _, x in cells])
    best = float(np.min(means) if minimize else np.max(means))
    hits = np.flatnonzero(means == best)
    key, x = cells[int(hits[0])]
    lo, hi = bootstrap_ci(x, n_boot=n_boot, seed=seed)
    return Optimum(
        metric=metric,
        minimize=minimize,
        parameters=dict(zip(keys, key, strict=True)),
        value=best,
        n=len(x),
        ci_low=lo,
        ci_high=hi,
        ties=len(hits) - 1,
    )


def comparison_table(
    data: SweepData | pd.DataFrame,
    param: str,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> pd.DataFrame:
    """One row per value of ``param``: n, then ``<metric>_mean`` and ``<metric>_std`` columns.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [1, 2],
        ...                      "a": [0.5, 0.7], "b": [10, 20]})
        >>> comparison_table(jobs, "p", ["a", "b"]).columns.tolist()
        ['n', 'a_mean', 'b_mean', 'a_std', 'b_std']
    """
    frame = _completed(data)
    parts: dict[str, pd.Series] = {}
    n: pd.Series | None = None
    for m in metrics:
        st = parameter_statistics(frame, param, m, n_boot=0)
        if n is None:
            n = st["n"]
        parts[f"{m}_mean"] = st["mean"]
        parts[f"{m}_std"] = st["std"]
    columns = [f"{m}_mean" for m in metrics] + [f"{m}_std" for m in metrics]
    out = pd.DataFrame({c: parts[c] for c in columns})
    out.insert(0, "n", n if n is not None else [])
    return out


# ------------------------------------------------------------------ beyond the original


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


def _test_groups(
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
    frame = _completed(data)
    _check(frame, param, metric)
    groups = [x for _, x in _ordered_groups(data, [param], metric)]
    return _test_groups(param, metric, groups)


def conditional_statistics(
    data: SweepData | pd.DataFrame,
    param: str,
    metric: str,
    *,
    others: Sequence[str] | None = None,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> pd.DataFrame:
    """``metric`` by ``param`` within each combination of the other swept parameters.

    One row per (other parameters..., ``param``) with the replicate statistics of
    that cell (n, mean, std, median, min, max, CI). This is what the pooled
    :func:`parameter_statistics` hides when parameters interact.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "a": [0, 1, 0, 1],
        ...                      "b": [10, 10, 20, 20], "m": [0.0, 0.0, 0.0, 1.0]})
        >>> conditional_statistics(jobs, "a", "m", others=["b"])[["b", "a", "mean"]].to_dict("list")
        {'b': [10, 10, 20, 20], 'a': [0, 1, 0, 1], 'mean': [0.0, 0.0, 0.0, 1.0]}
    """
    rest = _others(data, param, others)
    return cell_statistics(
        data, metric, params=[*rest, param], confidence=confidence, n_boot=n_boot, seed=seed
    )


def _others(data: SweepData | pd.DataFrame, param: str, others: Sequence[str] | None) -> list[str]:
    if others is not None:
        return [o for o in others if o != param]
    if isinstance(data, SweepData):
        return [p for p in data.swept if p != param]
    return []


def conditional_table(
    data: SweepData | pd.DataFrame,
    param: str,
    metric: str,
    *,
    others: Sequence[str] | None = None,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
    test: bool = True,
) -> pd.DataFrame:
    """Cell means as a table: a row per combination of the other parameters, a column per value.

    Columns are the values of ``param`` (cell means over replicates), then ``n`` (jobs
    in the row) and ``kruskal_p``: Kruskal-Wallis across the values of ``param``
    within that row (NaN without replicates or variation, or with ``test=False``; it
    pools the row's jobs, so it ignores shared seeds). Without other swept
    parameters there is a single row labelled ``(all)``.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "a": [0, 1, 0, 1],
        ...                      "b": [10, 10, 20, 20], "m": [0.0, 0.0, 0.0, 1.0]})
        >>> conditional_table(jobs, "a", "m", others=["b"])[[0, 1]].values.tolist()
        [[0.0, 0.0], [0.0, 1.0]]
    """
    frame = _completed(data)
    rest = _others(data, param, others)
    _check(frame, param, metric, *rest)
    cells = _ordered_groups(data, [*rest, param], metric)
    values = levels([k[-1] for k, _ in cells])
    by_row: dict[tuple[Any, ...], dict[Any, np.ndarray]] = {}
    for key, x in cells:
        by_row.setdefault(key[:-1], {})[_level_id(key[-1])] = x
    records = []
    index = []
    for row_key, cols in by_row.items():
        rec: dict[Any, Any] = {}
        for v in values:
            x = cols.get(_level_id(v))
            rec[v] = float(np.mean(x)) if x is not None and len(x) else math.nan
        rec["n"] = int(sum(len(x) for x in cols.values()))
        rec["kruskal_p"] = (
            _test_groups(param, metric, list(cols.values()), anova=False).kruskal_p
            if test
            else math.nan
        )
        records.append(rec)
        index.append(row_key if rest else ("(all)",))
    out = pd.DataFrame(records, columns=[*values, "n", "kruskal_p"])
    if len(rest) == 1:
        out.index = pd.Index([k[0] for k in index], name=rest[0], dtype=object)
    elif rest:
        out.index = pd.MultiIndex.from_tuples(index, names=rest)
    else:
        out.index = pd.Index(["(all)"], name="")
    return out


def interaction_table(
    data: SweepData | pd.DataFrame,
    row_param: str,
    col_param: str,
    metric: str,
    *,
    params: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Mean of ``metric`` for each pair of values of two parameters.

    Replicates are averaged within each full cell (all swept ``params``) first, then
    cells are averaged over the remaining parameters, so unequal numbers of
    replicates do not weigh some cells more than others.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 5, "a": [0, 0, 0, 1, 1],
        ...                      "b": [0, 0, 1, 0, 1], "m": [1.0, 3.0, 5.0, 7.0, 9.0]})
        >>> interaction_table(jobs, "a", "b", "m", params=["a", "b"]).values.tolist()
        [[2.0, 5.0], [7.0, 9.0]]
    """
    frame = _completed(data)
    keys = _swept(data, params)
    for p in (row_param, col_param):
        if p not in keys:
            keys = [*keys, p]
    _check(frame, metric, *keys)
    cells = _ordered_groups(data, keys, metric)
    ri, ci = keys.index(row_param), keys.index(col_param)
    sums: dict[tuple[Any, Any], list[float]] = {}
    for key, x in cells:
        if len(x):
            sums.setdefault((_level_id(key[ri]), _level_id(key[ci])), []).append(float(np.mean(x)))
    rows = levels([k[ri] for k, _ in cells])
    cols = levels([k[ci] for k, _ in cells])
    table = [
        [
            float(np.mean(sums[(_level_id(r), _level_id(c))]))
            if (_level_id(r), _level_id(c)) in sums
            else math.nan
            for c in cols
        ]
        for r in rows
    ]
    out = pd.DataFrame(table, columns=pd.Index(cols, name=col_param, dtype=object))
    out.index = pd.Index(rows, name=row_param, dtype=object)
    return out


@dataclass
class Effects:
    """Everything computed for one swept parameter (used by the report)."""

    param: str
    stats: dict[str, pd.DataFrame] = field(default_factory=dict)
    tests: dict[str, EffectTest] = field(default_factory=dict)
    conditional: dict[str, pd.DataFrame] = field(default_factory=dict)
    thresholds: dict[str, pd.DataFrame] = field(default_factory=dict)


def replicate_counts(data: SweepData) -> pd.Series:
    """Number of completed jobs in each cell of the swept parameters.

    Example:
        >>> d = SweepData(jobs=pd.DataFrame({"status": ["completed"] * 3, "p": [0, 0, 1],
        ...     "seed": [0, 1, 0]}), params=["p"])
        >>> replicate_counts(d).tolist()
        [2, 1]
    """
    frame = data.completed
    keys = data.swept
    if not keys or frame.empty:
        return pd.Series([len(frame)], dtype=int)
    work = pd.DataFrame({k: _group_labels(frame[k]).to_numpy() for k in keys})
    return work.groupby(keys, dropna=False, sort=False).size().reset_index(drop=True)
