"""What every statistic starts from: completed jobs, the swept parameters, the metrics to
report, and jobs grouped by parameter values (levels of any type, in order).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis._values import plain_value as _clean
from brainjar_sweep.analysis.load import SweepData, sort_levels
from brainjar_sweep.analysis.metrics import SELF_REPORT_NAMES

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


def completed_jobs(data: SweepData | pd.DataFrame) -> pd.DataFrame:
    if isinstance(data, SweepData):
        return data.completed
    if "status" in data:
        return data[data["status"] == "completed"]
    return data


def swept_params(data: SweepData | pd.DataFrame, params: Sequence[str] | None) -> list[str]:
    if params is not None:
        return list(params)
    if isinstance(data, SweepData):
        return data.swept
    raise ValueError("params= is needed with a plain DataFrame")


def check_columns(frame: pd.DataFrame, *columns: str) -> None:
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


def group_labels(series: pd.Series) -> pd.Series:
    """The column itself, or bins of it when a numeric parameter has too many values."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        if series.nunique() > MAX_LEVELS:
            binned = pd.qcut(series, q=_BINS, duplicates="drop")
            return binned.map(lambda iv: f"[{iv.left:.4g}, {iv.right:.4g}]").astype(object)
    return series


def grouping(
    data: SweepData | pd.DataFrame, keys: Sequence[str]
) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """(key tuple, row positions in the completed jobs) per group, in natural key order."""

    def compute() -> list[tuple[tuple[Any, ...], np.ndarray]]:
        frame = completed_jobs(data)
        if frame.empty:
            return []
        work = pd.DataFrame(
            {f"_k{i}": group_labels(frame[k]).to_numpy() for i, k in enumerate(keys)}
        )
        indices = work.groupby(list(work.columns), dropna=False, sort=False).indices
        out = []
        for key, pos in indices.items():
            key_t = key if isinstance(key, tuple) else (key,)
            out.append((tuple(_clean(k) for k in key_t), np.asarray(pos)))
        order = {}
        for i in range(len(keys)):
            order[i] = {level_id(v): j for j, v in enumerate(sort_levels([k[i] for k, _ in out]))}
        out.sort(key=lambda kv: tuple(order[i][level_id(kv[0][i])] for i in range(len(keys))))
        return out

    if isinstance(data, SweepData):
        return data._memo(("groups", tuple(keys)), compute)
    return compute()


def metric_values(data: SweepData | pd.DataFrame, metric: str) -> np.ndarray:
    def compute() -> np.ndarray:
        column = completed_jobs(data)[metric]
        return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)

    if isinstance(data, SweepData):
        return data._memo(("values", metric), compute)
    return compute()


def ordered_groups(
    data: SweepData | pd.DataFrame, keys: Sequence[str], metric: str
) -> list[tuple[tuple[Any, ...], np.ndarray]]:
    """(key tuple, metric values without NaN) per group, in natural key order."""
    values = metric_values(data, metric)
    out = []
    for key, pos in grouping(data, keys):
        x = values[pos]
        out.append((key, x[~np.isnan(x)]))
    return out


def level_id(value: Any) -> Any:
    if value is None:
        return ("none",)
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return ("num", float(value))
    return ("text", str(value))


def key_series(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        if len(present) == len(values):
            return pd.Series(values, dtype="int64")
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
    return pd.Series(values, dtype=object)


def other_params(
    data: SweepData | pd.DataFrame, param: str, others: Sequence[str] | None
) -> list[str]:
    if others is not None:
        return [o for o in others if o != param]
    if isinstance(data, SweepData):
        return [p for p in data.swept if p != param]
    return []


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
    work = pd.DataFrame({k: group_labels(frame[k]).to_numpy() for k in keys})
    return work.groupby(keys, dropna=False, sort=False).size().reset_index(drop=True)
