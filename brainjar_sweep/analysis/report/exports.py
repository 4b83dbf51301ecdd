"""The tidy tables of a sweep written as CSV, Parquet or JSON files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from brainjar_sweep._imports import MissingExtra, try_import
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats import (
    N_BOOT,
    cell_statistics,
)

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "json")
"""Formats :func:`export` writes."""


MissingExtraError = MissingExtra
"""The error a missing optional extra gives (the name the analysis has always exported)."""


def parquet_extra() -> try_import:
    """The Parquet extra, imported: :meth:`~brainjar_sweep._imports.try_import.check` raises
    :class:`MissingExtraError` with the install command when it is missing.

    Example:
        >>> parquet_extra().what
        'parquet export'
    """
    with try_import("parquet", what="parquet export") as extra:
        import pyarrow  # noqa: F401
    return extra


def export(
    data: SweepData,
    fmt: str,
    path: str | Path,
    *,
    metrics: Sequence[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> list[Path]:
    """Write the jobs table to ``path`` and the other tables next to it; return the paths.

    Besides ``path`` (one row per job), ``<stem>.cells.<ext>`` holds the plotted
    data (per cell and metric: n, mean, std, CI) and ``<stem>.<table>.<ext>`` the
    non-empty long tables (cycles, crashes, interventions, self_reports). JSON files
    are ``{"parameters", "replicate", "metrics", "rows": [...]}`` objects.

    Raises:
        ValueError: unknown format.
        MissingExtraError: parquet without pyarrow installed.

    Example:
        >>> import tempfile
        >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [0, 1], "m": [0.5, 1.0]})
        >>> out = Path(tempfile.mkdtemp()) / "sweep.csv"
        >>> [p.name for p in export(SweepData(jobs=jobs, params=["p"], metrics=["m"]), "csv", out)]
        ['sweep.csv', 'sweep.cells.csv']
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; allowed: {', '.join(EXPORT_FORMATS)}")
    if fmt == "parquet":
        parquet_extra().check()
    from brainjar_sweep.analysis._spreadsheet import neutralise_formulas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chosen = list(metrics) if metrics is not None else list(data.metrics)
    tables: list[tuple[Path, pd.DataFrame]] = [(path, data.jobs)]
    cells = _cells_long(data, chosen, n_boot, seed)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    ext = path.suffix or f".{fmt}"
    tables.append((path.with_name(f"{stem}.cells{ext}"), cells))
    for name in ("cycles", "crashes", "interventions", "self_reports"):
        frame = getattr(data, name)
        if not frame.empty:
            tables.append((path.with_name(f"{stem}.{name}{ext}"), frame))
    for target, frame in tables:
        if fmt == "csv":  # opened in spreadsheets: no cell runs as a formula
            neutralise_formulas(frame).to_csv(target, index=False)
        elif fmt == "parquet":
            _for_parquet(frame).to_parquet(target, index=False)
        else:
            body = {
                "parameters": data.swept,
                "replicate": data.replicate,
                "metrics": chosen,
                "rows": json.loads(frame.to_json(orient="records", default_handler=str)),
            }
            target.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return [t for t, _ in tables]


def _for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c].tolist() if v is not None}
            if len(kinds) > 1:
                out[c] = out[c].map(lambda v: None if v is None else str(v))
    return out


def _cells_long(data: SweepData, metrics: Sequence[str], n_boot: int, seed: int) -> pd.DataFrame:
    parts = []
    for metric in metrics:
        cells = cell_statistics(data, metric, n_boot=n_boot, seed=seed)
        cells.insert(len(data.swept), "metric", metric)
        parts.append(cells)
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
