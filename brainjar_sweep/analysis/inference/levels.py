"""Descriptives per value of a parameter, and where a metric's mean crosses a level."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.design import Design
from brainjar_sweep.analysis.inference.results import t_interval
from brainjar_sweep.analysis.inference.units import (
    blocked_data,
    independent_data,
    is_trend_testable,
    level_text,
)


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
        levels, m = blocked_data(design, metric, param, where)
        cols = [m[:, i] for i in range(len(levels))]
    else:
        levels, lab, y, _ = independent_data(design, metric, param, where)
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
        if not is_trend_testable(levels) and not (
            len(levels) == 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)
        ):
            continue
        rest = [p for p in design.params if p != param]
        combos = design.frame[rest].drop_duplicates() if rest else pd.DataFrame([{}])
        for _, combo in combos.iterrows():
            where = {k: combo[k] for k in rest}
            label = ", ".join(f"{k}={level_text(v)}" for k, v in where.items())
            got = _curve(design, metric, param, where)
            if got is None:
                continue
            lv, m, samples, curve, n = got
            xs = np.asarray(lv, dtype=float)
            i, point = _first_cross(xs, curve, level)
            if i < 0:
                direction = "stays above" if curve[0] > level else "stays below"
            elif curve[0] > level or curve[i + 1] < level:
                direction = "falls below"
            else:
                direction = "rises above"
            lo = hi = share = math.nan
            if n >= 2 and n_boot > 0 and i >= 0:
                lo, hi, share = _bootstrap_point(
                    xs, m, samples, level, n_boot, rng_seed, confidence
                )
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


def _bootstrap_point(
    xs: np.ndarray,
    m: np.ndarray | None,
    samples: list[np.ndarray] | None,
    level: float,
    n_boot: int,
    seed: int,
    confidence: float,
) -> tuple[float, float, float]:
    """(CI low, CI high, share of resamples that never cross) of the crossing point: the
    units of ``m`` resampled jointly (blocked), else the jobs of each value in ``samples``."""
    n = m.shape[0] if m is not None else 0
    lo = hi = math.nan
    rng = np.random.default_rng(seed)
    pts = np.empty(n_boot)
    for b in range(n_boot):
        if m is not None:
            c = m[rng.integers(0, n, n)].mean(axis=0)
        else:
            assert samples is not None
            c = np.array([s[rng.integers(0, len(s), len(s))].mean() for s in samples])
        pts[b] = _first_cross(xs, c, level)[1]
    ok = ~np.isnan(pts)
    share = float(1 - ok.mean())
    if ok.sum() >= 2:
        alpha = (1 - confidence) / 2
        lo, hi = (float(v) for v in np.quantile(pts[ok], [alpha, 1 - alpha]))
    return lo, hi, share


def _curve(
    design: Design, metric: str, param: str, where: dict[str, Any]
) -> tuple[list[Any], np.ndarray | None, list[np.ndarray] | None, np.ndarray, int] | None:
    """(values, units x values or None, jobs per value or None, mean per value, units) of
    ``metric`` along ``param`` at ``where``; None with fewer than two values or no unit."""
    if design.blocked:
        lv, m = blocked_data(design, metric, param, where)
        if len(lv) < 2 or m.shape[0] == 0:
            return None
        return lv, m, None, m.mean(axis=0), m.shape[0]
    lv, lab, y, _ = independent_data(design, metric, param, where)
    if len(lv) < 2:
        return None
    samples = [y[lab == i] for i in range(len(lv))]
    return lv, None, samples, np.array([np.mean(s) for s in samples]), min(len(s) for s in samples)
