"""Cells (combinations of the swept values) and the best of them for a metric."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats.bootstrap import N_BOOT, bootstrap_ci
from brainjar_sweep.analysis.stats.groups import (
    check_columns,
    completed_jobs,
    key_series,
    metric_values,
    ordered_groups,
    swept_params,
)
from brainjar_sweep.analysis.stats.summary import DESCRIBE_COLUMNS, describe_values


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
    frame = completed_jobs(data)
    keys = swept_params(data, params)
    check_columns(frame, metric, *keys)
    groups = (
        ordered_groups(data, keys, metric)
        if keys
        else [((), metric_values(data, metric)[~np.isnan(metric_values(data, metric))])]
    )
    return _cells_frame(keys, groups, confidence, n_boot, seed)


def _cells_frame(
    keys: Sequence[str],
    groups: list[tuple[tuple[Any, ...], np.ndarray]],
    confidence: float,
    n_boot: int,
    seed: int,
) -> pd.DataFrame:
    described = [describe_values(x, confidence, n_boot, seed) for _, x in groups]
    columns: dict[str, pd.Series] = {}
    for i, k in enumerate(keys):
        columns[k] = key_series([key[i] for key, _ in groups])
    for j, name in enumerate(DESCRIBE_COLUMNS):
        values = [d[j] for d in described]
        columns[name] = pd.Series(values, dtype="int64" if name == "n" else "float64")
    return pd.DataFrame(columns)


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
    keys = swept_params(data, params)
    check_columns(completed_jobs(data), metric, *keys)
    if keys:
        cells = [(k, x) for k, x in ordered_groups(data, keys, metric) if len(x)]
    else:
        x = metric_values(data, metric)
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
