"""Permutation tests: Friedman's statistic within seed, Kruskal-Wallis and Spearman's rho
with values permuted within strata, and their p-values.

Example:
    >>> perm_p(2.0, np.array([1.0, 3.0, 0.5, 2.0]))  # (1 + 2 at least as large) / (1 + 4)
    0.6
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import stats as sps

N_PERM = 9999
"""Permutations of a Monte Carlo permutation test (exact enumeration when fewer exist)."""


LARGE_BLOCKS = 15
"""From this many seeds on, blocked tests use their large-sample approximation."""


LARGE_SAMPLE = 300
"""Above this many jobs, independent-cell tests use their large-sample approximation."""


def _friedman_stat(*samples: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.stack([np.moveaxis(np.asarray(s), axis, -1) for s in samples], axis=0)
    k, n = m.shape[0], m.shape[-1]
    r = sps.rankdata(m, axis=0)
    rbar = r.mean(axis=-1)
    return 12.0 * n / (k * (k + 1)) * ((rbar - (k + 1) / 2.0) ** 2).sum(axis=0)


def perm_blocked(m: np.ndarray, seed: int) -> tuple[float, float, str]:
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


def stratified_perms(lab: np.ndarray, strat: np.ndarray, n: int, seed: int) -> np.ndarray:
    """(n x len(lab)) label vectors, each permuted within strata."""
    rng = np.random.default_rng(seed)
    out = np.tile(lab, (n, 1))
    for s in np.unique(strat):
        pos = np.flatnonzero(strat == s)
        if len(pos) > 1:
            out[:, pos] = rng.permuted(out[:, pos], axis=1)
    return out


def kw_h(ranks: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
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


def abs_rho(ranks: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """|Pearson correlation| of ``ranks`` with each row of ``xs`` (already ranks)."""
    a = ranks - ranks.mean()
    b = xs - xs.mean(axis=1, keepdims=True)
    den = np.sqrt((a**2).sum() * (b**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs((b @ a) / den)


def perm_p(observed: float, null: np.ndarray) -> float:
    return float((1 + np.sum(null >= observed - 1e-12 * max(1.0, abs(observed)))) / (1 + len(null)))
