"""The data a test compares: the strata of a parameter, and per stratum the units (seeds, or
jobs) by the parameter's values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.design import UNIT, Design, cell_key


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
    return [(f"{key}={level_text(v)}", {key: v}) for v in design.levels[key]]


def level_text(v: Any) -> str:
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


def blocked_data(
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
    u_code, units = pd.factorize(frame[UNIT])
    index = {repr(v): i for i, v in enumerate(levels)}
    p_code = np.array([index[repr(v)] for v in frame[param].tolist()], dtype=np.int64)
    o_code = pd.factorize(cell_key(frame, others))[0]
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


def independent_data(
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
    strat = pd.factorize(cell_key(frame, _others(design, param, where)))[0]
    return levels, lab, y, strat


def is_trend_testable(levels: list[Any]) -> bool:
    return len(levels) >= 3 and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in levels
    )
