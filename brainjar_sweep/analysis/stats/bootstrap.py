"""Seeded bootstrap confidence intervals of a mean."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

N_BOOT = 2000
"""Default number of bootstrap resamples."""


@lru_cache(maxsize=16)
def resample_weights(n: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot x n) resample counts divided by n: row b @ x is the mean of resample b."""
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    counts = np.bincount((idx + np.arange(n_boot)[:, None] * n).ravel(), minlength=n_boot * n)
    weights = counts.reshape(n_boot, n).astype(np.float64) / n
    weights.flags.writeable = False
    return weights


def _boot_means(x: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    n = len(x)
    if n * n_boot <= 4_000_000:
        return resample_weights(n, n_boot, seed) @ x
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
