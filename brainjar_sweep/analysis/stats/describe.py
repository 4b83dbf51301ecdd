"""Descriptive statistics per parameter value: alone, conditioned on the other swept
parameters, and over two parameters at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats.bootstrap import N_BOOT
from brainjar_sweep.analysis.stats.effects import test_groups
from brainjar_sweep.analysis.stats.groups import (
    DEFAULT_METRICS,
    check_columns,
    completed_jobs,
    grouping,
    level_id,
    levels,
    ordered_groups,
    other_params,
    swept_params,
)
from brainjar_sweep.analysis.stats.optimum import cell_statistics
from brainjar_sweep.analysis.stats.summary import DESCRIBE_COLUMNS, describe_groups


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
    frame = completed_jobs(data)
    check_columns(frame, param, metric)
    return {k[0]: v.tolist() for k, v in ordered_groups(data, [param], metric)}


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
    frame = completed_jobs(data)
    check_columns(frame, param, *metrics)
    groups = grouping(data, [param])
    index = pd.Index([key[0] for key, _ in groups], name=param, dtype=object)
    rows = describe_groups(data, groups, list(metrics), confidence, n_boot, seed)
    out = {}
    for m in metrics:
        table = pd.DataFrame(rows[m], columns=DESCRIBE_COLUMNS)
        table.index = index
        table["n"] = table["n"].astype("int64")
        out[m] = table
    return out


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
    frame = completed_jobs(data)
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
    rest = other_params(data, param, others)
    return cell_statistics(
        data, metric, params=[*rest, param], confidence=confidence, n_boot=n_boot, seed=seed
    )


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
    frame = completed_jobs(data)
    rest = other_params(data, param, others)
    check_columns(frame, param, metric, *rest)
    cells = ordered_groups(data, [*rest, param], metric)
    values = levels([k[-1] for k, _ in cells])
    by_row: dict[tuple[Any, ...], dict[Any, np.ndarray]] = {}
    for key, x in cells:
        by_row.setdefault(key[:-1], {})[level_id(key[-1])] = x
    records = []
    index = []
    for row_key, cols in by_row.items():
        rec: dict[Any, Any] = {}
        for v in values:
            x = cols.get(level_id(v))
            rec[v] = float(np.mean(x)) if x is not None and len(x) else math.nan
        rec["n"] = int(sum(len(x) for x in cols.values()))
        rec["kruskal_p"] = (
            test_groups(param, metric, list(cols.values()), anova=False).kruskal_p
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
    frame = completed_jobs(data)
    keys = swept_params(data, params)
    for p in (row_param, col_param):
        if p not in keys:
            keys = [*keys, p]
    check_columns(frame, metric, *keys)
    cells = ordered_groups(data, keys, metric)
    ri, ci = keys.index(row_param), keys.index(col_param)
    sums: dict[tuple[Any, Any], list[float]] = {}
    for key, x in cells:
        if len(x):
            sums.setdefault((level_id(key[ri]), level_id(key[ci])), []).append(float(np.mean(x)))
    rows = levels([k[ri] for k, _ in cells])
    cols = levels([k[ci] for k, _ in cells])
    table = [
        [
            float(np.mean(sums[(level_id(r), level_id(c))]))
            if (level_id(r), level_id(c)) in sums
            else math.nan
            for c in cols
        ]
        for r in rows
    ]
    out = pd.DataFrame(table, columns=pd.Index(cols, name=col_param, dtype=object))
    out.index = pd.Index(rows, name=row_param, dtype=object)
    return out
