"""Reading a sweep through the launcher's sweep files (their owner is :mod:`brainjar_sweep.records`):
its base config, ``sweep_table.csv`` in one go, and the jobs it lists.

Example:
    >>> _grid_size(["corruption_rate=0,0.5,1", "seed=0,1"])
    6
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from brainjar_sweep._yaml import load_yaml
from brainjar_sweep.analysis.load.job_dirs import (
    FINISHED,
    Job,
    job_config,
    jobs_frame,
    jobs_from_dirs,
    note_foreign,
    read_job,
    read_yaml,
    scan_entries,
)
from brainjar_sweep.analysis.load.model import NOT_METRICS, SweepInfo
from brainjar_sweep.analysis.load.values import numeric, split_override
from brainjar_sweep.records import (
    RESULT_NAME,
    RESULTS_NAME,
    TABLE_COLUMNS,
    TABLE_NAME,
    ResultUnreadable,
    SweepFileUnreadable,
    experiment_id_for,
    read_result,
    read_sweep_results,
    read_sweep_summary,
    sweep_id_for,
)
from brainjar_sweep.store import experiment_db_url

_CSV_FIXED = TABLE_COLUMNS


@dataclass
class SweepRead:
    info: SweepInfo
    frame: pd.DataFrame
    base_config: dict[str, Any]
    skipped: list[tuple[str, str]]
    warnings: list[str]


def _base_config(sweep_dir: Path) -> tuple[dict[str, Any], list[str], dict[str, Any], str | None]:
    """(task config, task overrides, base choices, db url) from multirun.yaml."""
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        return {}, [], {}, None
    try:
        cfg = read_yaml(path)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return {}, [], {}, None
    if not isinstance(cfg, dict):
        return {}, [], {}, None
    hydra_cfg = cfg.get("hydra") if isinstance(cfg.get("hydra"), dict) else {}
    overrides = list((hydra_cfg.get("overrides") or {}).get("task") or [])
    sweeper = hydra_cfg.get("sweeper") if isinstance(hydra_cfg.get("sweeper"), dict) else {}
    if isinstance(sweeper.get("params"), dict):  # a grid declared in config, not on the CLI
        overrides += [f"{k}={v}" for k, v in sweeper["params"].items()]
    runtime = hydra_cfg.get("runtime") or {}
    choices = {
        k: v for k, v in (runtime.get("choices") or {}).items() if not str(k).startswith("hydra/")
    }
    db = cfg.get("db") if isinstance(cfg.get("db"), dict) else {}
    url = None
    if db.get("url") or (db.get("path") and runtime.get("cwd")):
        url = experiment_db_url(db, str(runtime.get("cwd") or ""))
    task = {k: v for k, v in cfg.items() if k != "hydra"}
    return task, [str(o) for o in overrides], choices, url


def _grid_size(task_overrides: list[str]) -> int | None:
    """Number of jobs of a simple comma-list grid (None when it cannot be told)."""
    total = 1
    for ov in task_overrides:
        kv = split_override(ov)
        if kv is None:
            continue
        value = kv[1]
        if any(tok in value for tok in ("(", "[", "{", "'", '"')):
            return None
        total *= len(value.split(","))
    return total


def read_sweep(sweep_dir: Path, with_config: bool) -> SweepRead:
    task, task_overrides, base_choices, db_from_cfg = _base_config(sweep_dir)
    warnings: list[str] = []
    skipped: list[tuple[str, str]] = []
    table = sweep_dir / TABLE_NAME
    results_path = sweep_dir / RESULTS_NAME
    try:
        summary = read_sweep_summary(sweep_dir) or {}
    except SweepFileUnreadable:
        summary = {}
    head = {k: summary[k] for k in ("sweep_id", "total_experiments") if k in summary}
    if not isinstance(head.get("sweep_id"), str):
        head.pop("sweep_id", None)
    results: dict[str, Any] | None = None

    def full_results() -> dict[str, Any] | None:
        nonlocal results
        if results is None:  # every job's entry, read only when the analysis needs them
            try:
                results = read_sweep_results(sweep_dir) or {}
            except SweepFileUnreadable:
                warnings.append(f"{results_path}: truncated or corrupt; ignored")
                results = {}
        return results or None

    sweep_id = str(head.get("sweep_id") or sweep_id_for(sweep_dir))
    param_keys = list(dict.fromkeys(kv[0] for kv in map(split_override, task_overrides) if kv))
    if table.is_file() and not param_keys and full_results():
        for entry in (full_results() or {}).get("results") or []:
            if isinstance(entry, dict) and isinstance(entry.get("parameters"), dict):
                param_keys += [str(k) for k in entry["parameters"] if str(k) not in param_keys]
    frame, jobs, source, found = _read_jobs(
        sweep_dir, param_keys, sweep_id, base_choices, with_config, skipped, warnings, full_results
    )
    if frame is None or not head.get("sweep_id"):
        ids = Counter(j.sweep_id for j in jobs if j.sweep_id)
        if not head.get("sweep_id") and ids:
            sweep_id = ids.most_common(1)[0][0]
    kept = _own_jobs(jobs, sweep_id, source, base_choices, skipped)
    parts = [f for f in (frame, jobs_frame(kept, sweep_dir)) if f is not None and len(f)]
    merged = pd.concat(parts, ignore_index=True, sort=False) if parts else pd.DataFrame()
    db_url = next((j.db_url for j in kept if j.db_url), None)
    if db_url is None and len(merged):
        db_url = _first_db_url(merged["job_dir"].dropna().tolist()[:5]) or db_from_cfg
    if len(merged):
        merged["sweep_dir"] = str(sweep_dir)
        merged["_db_url"] = merged["_db_url"].where(merged["_db_url"].notna(), db_url)
    grid = head.get("total_experiments")
    grid = grid if isinstance(grid, int) else _grid_size(task_overrides) if task_overrides else None
    optimization = _optimization(sweep_dir, warnings)
    info = SweepInfo(
        path=sweep_dir,
        sweep_id=sweep_id,
        source=source,
        jobs_found=found,
        jobs_used=len(merged),
        grid_size=grid,
        task_overrides=task_overrides,
        choices=base_choices,
        db_url=db_url,
        optimization=optimization,
        question=str(task.get("research_question") or "").strip(),
        cross=_declared_cross(task),
        grid_keys=[c[2:] for c in merged.columns if c.startswith("p:")],
    )
    return SweepRead(info, merged, task, skipped, warnings)


def _read_jobs(
    sweep_dir: Path,
    param_keys: list[str],
    sweep_id: str,
    base_choices: dict[str, Any],
    with_config: bool,
    skipped: list[tuple[str, str]],
    warnings: list[str],
    full_results: Callable[[], dict[str, Any] | None],
) -> tuple[pd.DataFrame | None, list[Job], str, int]:
    """(table frame, jobs read one by one, source, jobs found): through ``sweep_table.csv``
    when it can be read, else job dir by job dir, else from ``sweep_results.json``."""
    table = sweep_dir / TABLE_NAME
    frame: pd.DataFrame | None = None
    jobs: list[Job] = []
    source = "job dirs"
    found = 0
    if table.is_file() and param_keys:
        try:
            frame, jobs, found = _table_frame(
                sweep_dir, table, param_keys, sweep_id, base_choices, with_config, skipped
            )
            source = "sweep files"
        except (OSError, ValueError, pd.errors.ParserError, KeyError) as exc:
            warnings.append(f"{table}: unreadable ({type(exc).__name__}); reading job dirs")
            frame, jobs, skipped[:] = None, [], []
    elif table.is_file():
        warnings.append(f"{table}: cannot tell parameters from metrics; reading job dirs")
    if frame is None:
        jobs, found = jobs_from_dirs(sweep_dir, with_config, skipped)
        if not found and full_results():
            jobs = _jobs_from_results(full_results() or {})
            found = len(jobs)
            source = RESULTS_NAME
    return frame, jobs, source, found


def _own_jobs(
    jobs: list[Job],
    sweep_id: str,
    source: str,
    base_choices: dict[str, Any],
    skipped: list[tuple[str, str]],
) -> list[Job]:
    """The jobs of the sweep (a job of another sweep is skipped), with its id and choices."""
    kept: list[Job] = []
    for job in jobs:
        if job.sweep_id and job.sweep_id != sweep_id and source != RESULTS_NAME:
            skipped.append((str(job.job_dir), f"foreign job: belongs to sweep {job.sweep_id!r}"))
            continue
        job.sweep_id = sweep_id
        if not job.choices:
            job.choices = dict(base_choices)
        kept.append(job)
    return kept


def _optimization(sweep_dir: Path, warnings: list[str]) -> dict[str, Any] | None:
    """``optimization_results.yaml`` of an Optuna sweep, or None."""
    opt_path = sweep_dir / "optimization_results.yaml"
    if not opt_path.is_file():
        return None
    try:
        loaded = read_yaml(opt_path)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        warnings.append(f"{opt_path}: unreadable; ignored")
        return None
    return loaded if isinstance(loaded, dict) else None


def _declared_cross(task: dict[str, Any]) -> dict[str, float]:
    """``{metric: level}`` from a ``cross`` mapping in the sweep's config (``analysis.cross`` too)."""
    raw = task.get("cross")
    if raw is None and isinstance(task.get("analysis"), dict):
        raw = task["analysis"].get("cross")
    out: dict[str, float] = {}
    if isinstance(raw, dict):
        for k, v in raw.items():
            try:
                out[str(k)] = float(v)
            except (TypeError, ValueError):
                continue
    return out


def _first_db_url(job_dirs: list[str]) -> str | None:
    """The DB URL recorded by the first readable result.json among ``job_dirs``."""
    for job_dir in job_dirs:
        try:
            result = read_result(job_dir)
        except (OSError, ResultUnreadable):
            continue
        if result.get("db_url"):
            return str(result["db_url"])
    return None


def _jobs_from_results(results: dict[str, Any]) -> list[Job]:
    """Jobs from a bare ``sweep_results.json`` (also the original project's shape)."""
    jobs: list[Job] = []
    for i, entry in enumerate(results.get("results") or []):
        if not isinstance(entry, dict) or str(entry.get("status")) not in FINISHED:
            continue
        cycles = entry.get("total_cycles") or 0
        crashes = entry.get("total_crashes") or 0
        messages = entry.get("total_messages") or 0
        metrics = {
            "total_cycles": cycles,
            "total_crashes": crashes,
            "total_messages": messages,
            "crash_rate": crashes / cycles if cycles else 0.0,
            "messages_per_cycle": messages / cycles if cycles else 0.0,
        }
        params = entry.get("parameters") if isinstance(entry.get("parameters"), dict) else {}
        jobs.append(
            Job(
                sweep_id=results.get("sweep_id"),
                job_num=int(entry.get("job_num", i)),
                experiment_id=entry.get("experiment_id"),
                status=str(entry["status"]),
                reason=entry.get("error_message"),
                overrides={str(k): _as_override_text(v) for k, v in params.items()},
                choices={},
                metrics=metrics,
                job_dir=None,
                started_at=entry.get("start_time"),
                ended_at=entry.get("end_time"),
            )
        )
    return jobs


def _as_override_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def _table_frame(
    sweep_dir: Path,
    table: Path,
    param_keys: list[str],
    sweep_id: str,
    base_choices: dict[str, Any],
    with_config: bool,
    skipped: list[tuple[str, str]],
) -> tuple[pd.DataFrame, list[Job], int]:
    """Jobs from ``sweep_table.csv``, vectorised; returns (frame, jobs read one by one, found).

    A row is taken from the table only when its job dir still has ``.hydra/`` and a
    ``result.json`` older than the table (one ``stat`` of ``<job>/.hydra/../result.json``
    checks both; the same timestamp counts as newer). Other rows, and numbered dirs the
    table does not list, are read from their own files.
    """
    table_mtime = os.stat(table).st_mtime
    numbered, foreign = scan_entries(sweep_dir)
    base = str(sweep_dir)
    sample = _sample_overrides(base, numbered)
    param_keys = param_keys + [k for k in sample if k not in param_keys]
    text_columns = {c: object for c in (*_CSV_FIXED[1:6], *param_keys)}
    csv = pd.read_csv(table, dtype=text_columns, keep_default_na=False, na_values=[""])
    if "job_num" not in csv or "status" not in csv:
        raise KeyError("job_num")
    nums_f = pd.to_numeric(csv["job_num"], errors="coerce")
    if nums_f.isna().any():
        raise ValueError("job_num")
    nums = nums_f.astype(np.int64).to_numpy()
    status = csv["status"].fillna("pending").to_numpy(dtype=object)
    note_foreign(foreign, skipped)
    ok, reread = _rows_to_take(sweep_dir, nums, status, numbered, table_mtime, skipped)
    jobs = _reread(sweep_dir, numbered, reread, set(nums.tolist()), with_config, skipped)
    listed = set(nums.tolist())
    found = len(listed | set(numbered)) if numbered else len(listed)
    columns = _table_columns(
        csv, ok, nums, status, numbered, base, sweep_id, param_keys, sample, base_choices
    )
    if with_config:
        columns["_config"] = [
            job_config(Path(p)) if p is not None else None for p in columns["job_dir"]
        ]
    return pd.DataFrame(columns), jobs, found


def _rows_to_take(
    sweep_dir: Path,
    nums: np.ndarray,
    status: np.ndarray,
    numbered: dict[int, str],
    table_mtime: float,
    skipped: list[tuple[str, str]],
) -> tuple[np.ndarray, list[int]]:
    """Which rows of the table to take as they are, and which rows' jobs to read from their
    own files (unfinished, or a ``result.json`` changed since the table was written)."""
    base = str(sweep_dir)
    finished = np.isin(status, FINISHED)
    no_dirs = not numbered
    present = np.isin(nums, np.fromiter(numbered, dtype=np.int64, count=len(numbered)))
    for i in np.flatnonzero(~present).tolist():
        if no_dirs and finished[i]:
            continue  # only the sweep files were kept: trust them
        why = (
            "job dir missing (listed in sweep_table.csv)"
            if finished[i]
            else f"unfinished: never started ({status[i]} in sweep_table.csv)"
        )
        skipped.append((f"{base}/{nums[i]}", why))
    ok = finished & (present | no_dirs)
    reread: list[int] = np.flatnonzero(present & ~finished).tolist()
    check = np.flatnonzero(present & finished)
    times = _result_mtimes(base, [numbered[n] for n in nums[check].tolist()])
    changed = check[times >= table_mtime]
    ok[changed] = False
    reread += changed.tolist()
    reread.sort()
    return ok, [int(nums[i]) for i in reread]


def _reread(
    sweep_dir: Path,
    numbered: dict[int, str],
    reread: list[int],
    listed: set[int],
    with_config: bool,
    skipped: list[tuple[str, str]],
) -> list[Job]:
    """The jobs read from their own files: the rows to reread, then the numbered dirs the
    table does not list."""
    jobs: list[Job] = []
    for num in [*reread, *sorted(set(numbered) - listed)]:
        path = sweep_dir / numbered[num]
        job, why = read_job(path, with_config)
        if job is None:
            skipped.append((str(path), str(why)))
        else:
            jobs.append(job)
    return jobs


def _table_columns(
    csv: pd.DataFrame,
    ok: np.ndarray,
    nums: np.ndarray,
    status: np.ndarray,
    numbered: dict[int, str],
    base: str,
    sweep_id: str,
    param_keys: list[str],
    sample: dict[str, str],
    base_choices: dict[str, Any],
) -> dict[str, Any]:
    """The job table's columns from the rows of ``sweep_table.csv`` taken as they are."""
    sel = csv if ok.all() else csv[ok]
    n_ok = int(ok.sum())
    keep_nums = nums[ok]
    exp_ids = (
        sel["experiment_id"].to_numpy(dtype=object)
        if "experiment_id" in sel
        else np.full(n_ok, None, dtype=object)
    )
    missing = pd.isna(exp_ids)
    if missing.any():
        exp_ids = exp_ids.copy()
        exp_ids[missing] = [experiment_id_for(sweep_id, n) for n in keep_nums[missing]]

    def col(name: str) -> Any:
        if name not in sel:
            return None
        return sel[name].to_numpy(dtype=object)

    columns: dict[str, Any] = {
        "sweep_id": sweep_id,
        "job_num": keep_nums,
        "experiment_id": exp_ids,
        "status": status[ok],
        "reason": col("reason"),
        "attempt": np.nan,
        "seed_result": None,
        "config_hash": None,
        "stop_reason": None,
        "started_at": col("start_time"),
        "ended_at": col("end_time"),
        "duration_seconds": np.nan,
        "job_seconds": numeric(sel["duration_seconds"]) if "duration_seconds" in sel else np.nan,
        "memory_gb": numeric(sel["memory_gb"]) if "memory_gb" in sel else np.nan,
        "sweep_dir": base,
        "job_dir": [f"{base}/{numbered[n]}" if n in numbered else None for n in keep_nums.tolist()],
        "_db_url": None,
    }
    for c in csv.columns:
        if c in _CSV_FIXED:
            continue
        if c in param_keys:
            columns[f"p:{c}"] = col(c)
        elif c not in NOT_METRICS:
            values = numeric(sel[c])
            if np.isnan(values).all() and sel[c].notna().any():
                continue  # text, not a metric
            columns[f"m:{c}"] = values
    for k in param_keys:  # an override the same in every job has no column: it is constant
        if k not in csv.columns and k in sample:
            columns[f"p:{k}"] = np.full(n_ok, sample[k], dtype=object)
    for k, v in base_choices.items():
        columns[f"c:{k}"] = np.full(n_ok, v, dtype=object)
    return columns


def _sample_overrides(base: str, numbered: dict[int, str], tries: int = 3) -> dict[str, str]:
    """Overrides of the first readable job: every job of a grid overrides the same keys, and
    those the sweep table leaves out have the same value in every job."""
    first = [n for n in range(tries) if n in numbered] or sorted(numbered)[:tries]
    for num in first:
        try:
            with open(f"{base}/{numbered[num]}/.hydra/overrides.yaml", encoding="utf-8") as f:
                overrides = load_yaml(f.read())
        except (OSError, yaml.YAMLError, UnicodeDecodeError, ValueError):
            continue
        if isinstance(overrides, list):
            return dict(kv for kv in map(split_override, map(str, overrides)) if kv is not None)
    return {}


def _result_mtimes(base: str, names: list[str]) -> np.ndarray:
    """mtime of each job's result.json, inf when it or ``.hydra/`` is missing.

    One stat per job: resolving ``<job>/.hydra/../result.json`` also proves that
    ``.hydra/`` is still there.
    """
    stat = os.stat
    out = np.empty(len(names), dtype=np.float64)
    for i, name in enumerate(names):
        try:
            out[i] = stat(f"{base}/{name}/.hydra/../{RESULT_NAME}").st_mtime
        except OSError:
            out[i] = math.inf
    return out


def read_loose(loose: list[Path], with_config: bool) -> SweepRead:
    """Job dirs given one by one (``outputs/<date>/<time>``), as one group of single runs."""
    jobs: list[Job] = []
    skipped: list[tuple[str, str]] = []
    for job_dir in loose:
        job, why = read_job(job_dir, with_config)
        if job is None:
            skipped.append((str(job_dir), str(why)))
        else:
            job.sweep_id = job.sweep_id or sweep_id_for(job_dir.parent)
            jobs.append(job)
    frame = jobs_frame(jobs, loose[0].parent)
    if len(frame):
        frame["sweep_dir"] = [str(j.job_dir.parent) if j.job_dir else None for j in jobs]
    info = SweepInfo(
        path=loose[0].parent,
        sweep_id="single runs",
        source="job dirs",
        jobs_found=len(loose),
        jobs_used=len(jobs),
        db_url=next((j.db_url for j in jobs if j.db_url), None),
    )
    info.grid_keys = [c[2:] for c in frame.columns if c.startswith("p:")]
    return SweepRead(info, frame, {}, skipped, [])
