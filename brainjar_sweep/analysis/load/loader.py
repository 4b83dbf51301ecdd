"""The entry points: :func:`load` (the paths as one data set), :func:`load_each` (a data set
per sweep), :func:`pool_problem`, and assembling the job table from what was read.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.load.database import ANALYSED, join_db
from brainjar_sweep.analysis.load.discover import find_sweeps
from brainjar_sweep.analysis.load.job_dirs import config_columns, lookup
from brainjar_sweep.analysis.load.model import (
    ID_COLUMNS,
    RAW_COLUMNS,
    LoadError,
    SweepData,
    SweepInfo,
)
from brainjar_sweep.analysis.load.sweep_files import SweepRead, read_loose, read_sweep
from brainjar_sweep.analysis.load.values import as_float, typed_column
from brainjar_sweep.analysis.metrics import SELF_REPORT_NAMES


def load(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    with_config: bool = False,
    use_db: bool = True,
) -> SweepData:
    """Load sweeps (and the experiments DB) into a :class:`SweepData`.

    Args:
        paths: sweep dirs, dirs of sweeps (``multirun/<date>``), job dirs or sweep files.
        db: a database URL or SQLite path that replaces the one the sweeps recorded.
        with_config: also read every job's resolved ``.hydra/config.yaml`` and add a
            ``cfg.<key>`` column for each config value that differs between jobs.
        use_db: set False to skip the database entirely.

    Raises:
        LoadError: a path does not exist or holds no sweep or job dir, or no job in
            it is usable.

    Example:
        >>> import json, tempfile
        >>> job = Path(tempfile.mkdtemp()) / "12-00-00" / "0"
        >>> (job / ".hydra").mkdir(parents=True)
        >>> _ = (job / ".hydra" / "overrides.yaml").write_text("- corruption_rate=0.5\\n")
        >>> _ = (job / "result.json").write_text(json.dumps({"experiment_id": "e0",
        ...     "status": "completed", "attempt": 1, "metrics": {"crash_rate": 0.25}}))
        >>> data = load([job.parent], use_db=False)
        >>> data.jobs.loc[0, ["corruption_rate", "crash_rate"]].tolist()
        [0.5, 0.25]
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not paths:
        raise LoadError("no path given")
    sweep_dirs, loose = find_sweeps(paths)
    reads = [read_sweep(s, with_config) for s in sweep_dirs]
    if loose:
        reads.append(read_loose(loose, with_config))
    data = _load_reads(reads, paths, db=db, with_config=with_config, use_db=use_db)
    problem = pool_problem([r.info for r in reads])
    if problem:  # pooled as asked, but never silently
        data.warnings.insert(
            0, "pooled " + problem.removeprefix("--pool: ") + " (load_each analyses each apart)"
        )
    return data


def load_each(
    paths: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None = None,
    with_config: bool = False,
    use_db: bool = True,
) -> list[SweepData]:
    """Load every sweep under ``paths`` on its own: one :class:`SweepData` per sweep.

    ``multirun/<date>`` holds the unrelated sweeps of a day; each is analysed apart
    (loose job dirs together as one). A sweep without a usable job gives a warning
    on the next sweep's data instead of an error, unless no sweep has one.
    :func:`load` pools them instead, and :func:`pool_problem` tells whether that
    makes sense.

    Raises:
        LoadError: as :func:`load`, when no sweep holds a usable job.

    Example:
        >>> import json, tempfile
        >>> day = Path(tempfile.mkdtemp())
        >>> for time, key in (("10-00-00", "corruption_rate=0.5"), ("11-00-00", "mode=split_brain")):
        ...     job = day / time / "0"
        ...     (job / ".hydra").mkdir(parents=True)
        ...     _ = (job / ".hydra" / "overrides.yaml").write_text(f"- {key}\\n")
        ...     _ = (job / "result.json").write_text(json.dumps({"experiment_id": time,
        ...         "status": "completed", "metrics": {"crash_rate": 0.0}}))
        >>> [(d.sweeps[0].name, d.params) for d in load_each([day], use_db=False)]
        [('10-00-00', ['corruption_rate']), ('11-00-00', ['mode'])]
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if not paths:
        raise LoadError("no path given")
    sweep_dirs, loose = find_sweeps(paths)
    groups: list[list[SweepRead]] = [[read_sweep(s, with_config)] for s in sweep_dirs]
    if loose:
        groups.append([read_loose(loose, with_config)])
    out: list[SweepData] = []
    errors: list[str] = []
    for reads in groups:
        try:
            data = _load_reads(reads, paths, db=db, with_config=with_config, use_db=use_db)
        except LoadError as exc:
            errors.append(str(exc))
            continue
        out.append(data)
    if not out:
        raise LoadError(errors[0] if len(errors) == 1 else "; ".join(errors))
    out[0].warnings[:0] = errors
    return out


def pool_problem(sweeps: Sequence[SweepInfo]) -> str | None:
    """Why these sweeps cannot be pooled into one analysis, in one line, or None.

    Sweeps pool when they are parts of one design: the same grid keys (the keys their
    jobs override) and the same config-group choices outside the grid.

    Example:
        >>> a = SweepInfo(Path("10-00-00"), "a", "", grid_keys=["corruption_rate", "max_cycles"])
        >>> b = SweepInfo(Path("11-00-00"), "b", "", grid_keys=["mode", "max_cycles"])
        >>> print(pool_problem([a, b]))
        --pool: sweep 11-00-00 varies max_cycles, mode but sweep 10-00-00 varies corruption_rate, max_cycles; only sweeps of the same grid keys pool
        >>> c = SweepInfo(Path("12-00-00"), "c", "", grid_keys=["max_cycles", "corruption_rate"])
        >>> pool_problem([a, c]) is None
        True
    """
    if len(sweeps) < 2:
        return None
    first = sweeps[0]
    keys = sorted(first.grid_keys)
    for other in sweeps[1:]:
        theirs = sorted(other.grid_keys)
        if theirs != keys:
            return (
                f"--pool: sweep {other.name} varies {', '.join(theirs) or 'nothing'} but sweep"
                f" {first.name} varies {', '.join(keys) or 'nothing'}; only sweeps of the same"
                " grid keys pool"
            )
        for group in sorted(set(first.choices) | set(other.choices)):
            if group in keys:
                continue
            a, b = first.choices.get(group), other.choices.get(group)
            if a is not None and b is not None and a != b:
                return (
                    f"--pool: sweep {other.name} runs {group}={b} but sweep {first.name} runs"
                    f" {group}={a}; only sweeps of the same design pool"
                )
    return None


def _load_reads(
    reads: list[SweepRead],
    paths: Sequence[str | os.PathLike[str]],
    *,
    db: str | os.PathLike[str] | None,
    with_config: bool,
    use_db: bool,
) -> SweepData:
    token = ANALYSED.set(tuple(Path(p).resolve() for p in paths))
    try:
        data = _assemble(reads, db=db, with_config=with_config, use_db=use_db)
    finally:
        ANALYSED.reset(token)
    _one_name_per_metric(data)
    return data


def _one_name_per_metric(data: SweepData) -> None:
    """Self-report scores recomputed from the DB take the name ``result.json`` gives them.

    The DB's score is the attempt the job reported, so it fills the metric; where the DB
    has none, the ``result.json`` value stays.
    """
    jobs = data.jobs
    for score, name in SELF_REPORT_NAMES.items():
        if score not in data.metrics:
            continue
        if name in jobs:
            jobs[name] = jobs[score].where(jobs[score].notna(), jobs[name])
            data.metrics.remove(score)
        else:
            jobs[name] = jobs[score]
            data.metrics[data.metrics.index(score)] = name
        del jobs[score]


def _dedupe(jobs: pd.DataFrame, skipped: list[tuple[str, str]]) -> pd.DataFrame:
    """Keep one row per experiment id (the latest attempt), noting the others as skipped."""
    ids = jobs["experiment_id"]
    dup = (ids.notna() & ids.duplicated(keep=False)).to_numpy()
    if not dup.any():
        return jobs
    drop: list[int] = []
    for key, group in jobs[dup].groupby("experiment_id", sort=False):
        ranked = sorted(
            group.index,
            key=lambda i: (
                as_float(jobs.at[i, "attempt"]),
                str(jobs.at[i, "ended_at"] or ""),
            ),
        )
        keep = ranked[-1]
        for i in ranked[:-1]:
            where = jobs.at[i, "job_dir"] or jobs.at[i, "sweep_dir"]
            skipped.append(
                (str(where), f"duplicate of experiment {key} (kept {jobs.at[keep, 'job_dir']})")
            )
            drop.append(i)
    return jobs.drop(index=drop).reset_index(drop=True)


def _raw_table(reads: list[SweepRead], skipped: list[tuple[str, str]]) -> pd.DataFrame:
    """Every sweep's rows in one table (its columns as read), or LoadError when none is usable."""
    frames = [r.frame for r in reads if len(r.frame)]
    if len(frames) == 1:
        raw = frames[0].reset_index(drop=True)
    else:
        raw = pd.concat(frames, ignore_index=True, sort=False) if frames else pd.DataFrame()
    if raw.empty:
        reasons = Counter(why for _, why in skipped)
        summary = "; ".join(f"{n} x {why}" for why, n in reasons.most_common(3))
        raise LoadError(
            f"no usable jobs in {', '.join(str(r.info.path) for r in reads)}"
            + (f" ({summary})" if summary else "")
        )
    return raw


def _param_column(raw: pd.DataFrame, p: str, base_of: dict[str, Any]) -> pd.Series:
    """Parameter ``p`` typed, a job without an override taking its sweep's config value (a
    config group's choice by name)."""
    column = raw[f"p:{p}"].astype(object)
    missing = column.isna().to_numpy()
    if missing.any():
        column = column.copy()
        for sweep_dir in raw.loc[missing, "sweep_dir"].unique().tolist():
            where = missing & (raw["sweep_dir"] == sweep_dir).to_numpy()
            if f"c:{p}" in raw and raw.loc[where, f"c:{p}"].notna().all():
                # a config group is its choice by name, never its composed content
                column[where] = raw.loc[where, f"c:{p}"]
                continue
            found, value = lookup(base_of.get(sweep_dir, {}), p)
            if not found and f"c:{p}" in raw:
                column[where] = raw.loc[where, f"c:{p}"]
                continue
            if found:
                column[where] = value if value is not None else np.nan
    return typed_column(column)


def _assemble(
    reads: list[SweepRead],
    *,
    db: str | os.PathLike[str] | None,
    with_config: bool,
    use_db: bool,
) -> SweepData:
    warnings: list[str] = []
    skipped: list[tuple[str, str]] = []
    for r in reads:
        warnings += r.warnings
        skipped += r.skipped
    raw = _raw_table(reads, skipped)
    for c in RAW_COLUMNS:
        if c not in raw:
            raw[c] = None
    raw = _dedupe(raw, skipped)
    used = Counter(raw["sweep_dir"].tolist())
    for r in reads:
        r.info.jobs_used = (
            used.get(str(r.info.path), 0) if r.info.sweep_id != "single runs" else r.info.jobs_used
        )
    base_of = {str(r.info.path): r.base_config for r in reads}
    pkeys = [c[2:] for c in raw.columns if c.startswith("p:")]
    ckeys = [c[2:] for c in raw.columns if c.startswith("c:")]
    mkeys = [c[2:] for c in raw.columns if c.startswith("m:")]
    params = [p for p in pkeys if p not in ID_COLUMNS and p != "seed"]
    choices = [c for c in ckeys if c not in pkeys and c not in ID_COLUMNS]
    typed = {p: _param_column(raw, p, base_of) for p in params}
    for c in choices:
        typed[c] = typed_column(raw[f"c:{c}"].astype(object))
    seeds = raw["seed_result"].astype(object)
    if "p:seed" in raw:
        seeds = seeds.where(seeds.notna(), raw["p:seed"])
    columns: dict[str, Any] = {c: raw[c].to_numpy() for c in RAW_COLUMNS}
    columns["seed_result"] = seeds.to_numpy()
    columns.update({k: v.to_numpy() for k, v in typed.items()})
    columns.update({m: raw[f"m:{m}"].to_numpy(dtype=np.float64) for m in mkeys})
    jobs = pd.DataFrame(columns)
    all_params = params + choices
    if with_config and "_config" in raw:
        added = {
            k: v
            for k, v in config_columns(raw["_config"].tolist()).items()
            if k[len("cfg.") :] not in all_params
        }
        for k, v in added.items():
            jobs[k] = v.to_numpy()
        all_params += list(added)
    data = SweepData(
        jobs,
        params=all_params,
        metrics=mkeys,
        sweeps=[r.info for r in reads],
        warnings=warnings,
        skipped=skipped,
    )
    if use_db:
        join_db(data, jobs, db)
    jobs["seed"] = typed_column(jobs["seed_result"].astype(object)).to_numpy()
    jobs["attempt"] = pd.to_numeric(jobs["attempt"], errors="coerce")
    jobs["job_num"] = pd.to_numeric(jobs["job_num"], errors="coerce")
    for c in ("duration_seconds", "job_seconds", "memory_gb"):
        jobs[c] = pd.to_numeric(jobs[c], errors="coerce")
    order = [*ID_COLUMNS, *all_params, *[m for m in data.metrics if m in jobs]]
    data.jobs = jobs[order]
    for path, why in skipped:
        data.warnings.append(f"skipped {path}: {why}")
    return data
