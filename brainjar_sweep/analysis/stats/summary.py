"""A group of values summarised: n, mean, std, median, range and a bootstrap CI.

Example:
    >>> dict(zip(DESCRIBE_COLUMNS, describe_values(np.array([1.0, 2.0, 3.0]), 0.95, 0, 0)))["mean"]
    2.0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats.bootstrap import bootstrap_ci, resample_weights
from brainjar_sweep.analysis.stats.groups import metric_values


def describe_groups(
    data: SweepData | pd.DataFrame,
    groups: list[tuple[tuple[Any, ...], np.ndarray]],
    metrics: list[str],
    confidence: float,
    n_boot: int,
    seed: int,
) -> dict[str, list[list[Any]]]:
    """Describe each metric in each group; metrics without NaNs share one resampling."""
    values = {m: metric_values(data, m) for m in metrics}
    out: dict[str, list[list[Any]]] = {m: [] for m in metrics}
    alpha = (1.0 - confidence) / 2.0
    for _, pos in groups:
        block = np.column_stack([values[m][pos] for m in metrics]) if len(pos) else None
        shared: dict[int, tuple[float, float]] = {}
        if block is not None and len(pos) >= 2 and n_boot > 0:
            full = ~np.isnan(block).any(axis=0) & (np.ptp(block, axis=0) > 0)
            cols = np.flatnonzero(full)
            if len(cols) > 1 and len(pos) * n_boot <= 4_000_000:
                means = resample_weights(len(pos), n_boot, seed) @ block[:, cols]
                bounds = np.quantile(means, [alpha, 1.0 - alpha], axis=0)
                shared = {
                    int(c): (float(bounds[0, i]), float(bounds[1, i])) for i, c in enumerate(cols)
                }
        for j, m in enumerate(metrics):
            x = values[m][pos]
            x = x[~np.isnan(x)]
            out[m].append(describe_values(x, confidence, n_boot, seed, shared.get(j)))
    return out


DESCRIBE_COLUMNS = ["n", "mean", "std", "median", "min", "max", "ci_low", "ci_high"]


def describe_values(
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
