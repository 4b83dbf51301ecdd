"""Load Hydra multirun sweeps and the experiments DB into tidy pandas tables.

A path may be a sweep dir (``multirun/<date>/<time>``), a dir holding several sweeps
(``multirun/<date>``, ``multirun``), a single job dir, or a file inside a sweep dir.

When a sweep has the launcher's sweep files, ``sweep_table.csv`` is read in one go
(and ``multirun.yaml`` or ``sweep_results.json`` tell its parameter columns from its
metric columns); the job dirs are only checked with ``stat``. A job whose
``result.json`` changed after the table was written, whose ``.hydra/`` is gone, that
the table lists as unfinished, or that the table does not know is read from its own
files. Sweeps without sweep files are read job dir by job dir. Broken or foreign job
dirs (missing ``.hydra/``, truncated ``result.json``, interrupted jobs, entries that
are not jobs) give warnings and are skipped; nothing here raises on them.

The experiments DB (its URL recorded in ``result.json``/``multirun.yaml``, or given
as ``db=``) is opened read-only and joined on ``(experiment_id, attempt)``: the
self-reports of exactly the attempt each job reported (with per-job scores,
named as ``result.json`` names them: ``memory_accuracy_mean``, or ``sr_<question_id>``), and, when first used, the cycles, crashes and interventions.

Example:
    >>> import tempfile
    >>> try:
    ...     load([tempfile.mkdtemp()])
    ... except LoadError as exc:
    ...     print(str(exc).split(" under ")[0])
    no sweep or job dirs
"""

from __future__ import annotations

import contextvars
import json
import math
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from brainjar_sweep._errors import first_line
from brainjar_sweep._yaml import load_yaml
from brainjar_sweep._yaml import load_yaml_file as _read_yaml
from brainjar_sweep.analysis.metrics import SELF_REPORT_NAMES
from brainjar_sweep.records import (
    RESULT_NAME,
    RESULTS_NAME,
    SWEEP_FILE_NAMES,
    TABLE_COLUMNS,
    TABLE_NAME,
    ForeignResult,
    ResultUnreadable,
    SweepFileUnreadable,
    experiment_id_for,
    read_result,
    read_sweep_results,
    read_sweep_summary,
    sweep_id_for,
)
from brainjar_sweep.store import StoreReader, StoreUnreadable, event_columns, experiment_db_url
from brainjar_sweep.store.reader import EXPERIMENT_COLUMNS

__all__ = [
    "EVENT_COLUMNS",
    "ID_COLUMNS",
    "REPLICATE_KEYS",
    "LoadError",
    "SweepData",
    "SweepInfo",
    "find_sweeps",
    "load",
    "load_each",
    "parse_value",
    "pool_problem",
    "sort_levels",
]

REPLICATE_KEYS: tuple[str, ...] = ("seed",)
"""Swept keys that name replicates of the same condition, not a condition."""

SWEEP_FILES: tuple[str, ...] = ("multirun.yaml", *SWEEP_FILE_NAMES)
"""Sweep-level files that Hydra and the launcher write into a sweep dir."""

# other sweep-level entries that are not jobs and not foreign
_KNOWN_ENTRIES = frozenset(
    {
        *SWEEP_FILES,
        "optimization_results.yaml",
        "study.db",
        "optuna.db",
        "sweep_config.json",
        "plot_data.json",
        ".submitit",
    }
)

ID_COLUMNS: tuple[str, ...] = (
    "sweep_id",
    "job_num",
    "experiment_id",
    "status",
    "reason",
    "attempt",
    "seed",
    "config_hash",
    "stop_reason",
    "started_at",
    "ended_at",
    "duration_seconds",
    "job_seconds",
    "memory_gb",
    "sweep_dir",
    "job_dir",
)
"""Bookkeeping columns of :attr:`SweepData.jobs` (never parameters or metrics)."""

# pruned jobs (stopped early by a study's pruner) are read and shown with their own status;
# the statistics, which use completed jobs only, never include them
_FINISHED = ("completed", "failed", "timeout", "pruned")
_CSV_FIXED = TABLE_COLUMNS
# result metrics that are bookkeeping rather than outcomes
_NOT_METRICS = frozenset({"duration_seconds", "job_num", "seed", "attempt", "status"})
# columns of a per-sweep frame before parameters, choices and metrics are typed
_RAW_COLUMNS = (*ID_COLUMNS[:6], "seed_result", *ID_COLUMNS[7:], "_db_url")

EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    name: event_columns(name) for name in ("cycles", "crashes", "interventions", "self_reports")
}
"""Columns read from each event table (besides ``experiment_id`` and ``attempt``)."""

_LAZY_TABLES = ("cycles", "crashes", "interventions")
_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.I)
# the experiments table's columns as the jobs' frame takes them in
_DB_NAMES = {
    "seed": "db_seed",
    "config_hash": "db_config_hash",
    "stop_reason": "db_stop_reason",
    "duration_seconds": "db_duration",
}


class LoadError(Exception):
    """A path cannot be analysed at all (missing, or no job in it).

    Example:
        >>> str(LoadError("no such path: x"))
        'no such path: x'
    """


@dataclass
class SweepInfo:
    """What was found in one sweep dir.

    Example:
        >>> SweepInfo(path=Path("m/1"), sweep_id="s", source="job dirs").jobs_used
        0
    """

    path: Path
    sweep_id: str
    source: str
    """``"sweep files"``, ``"job dirs"`` or ``"sweep_results.json"``."""
    jobs_found: int = 0
    jobs_used: int = 0
    grid_size: int | None = None
    task_overrides: list[str] = field(default_factory=list)
    choices: dict[str, Any] = field(default_factory=dict)
    db_url: str | None = None
    optimization: dict[str, Any] | None = None
    question: str = ""
    """The sweep's ``research_question`` as recorded in ``multirun.yaml`` (empty if none)."""
    cross: dict[str, float] = field(default_factory=dict)
    """Levels the sweep declares for its metrics (``cross: {metric: level}`` in its config)."""
    grid_keys: list[str] = field(default_factory=list)
    """The keys its jobs override (the sweep's grid, ``seed`` included), in the order seen."""

    @property
    def name(self) -> str:
        """How a report names the sweep: its dir's name (``10-35-50``), or its id.

        Example:
            >>> SweepInfo(path=Path("multirun/2026-12-02/10-35-50"), sweep_id="s", source="").name
            '10-35-50'
        """
        return self.path.name if self.sweep_id != "single runs" else self.sweep_id


def _empty_events(name: str) -> pd.DataFrame:
    return pd.DataFrame(columns=["experiment_id", "attempt", *EVENT_COLUMNS[name]])


class SweepData:
    """Everything loaded: a row per job plus long tables, and what was skipped.

    ``jobs`` has one row per usable job (status completed, failed or timeout) with
    the :data:`ID_COLUMNS`, one column per parameter (override keys and config-group
    choices) and one column per metric. ``cycles``, ``crashes``, ``interventions``
    and ``self_reports`` are long tables keyed by ``sweep_id``/``job_num``/
    ``experiment_id``/``attempt`` that carry the job's status and parameters; the
    first three are read from the DB when first used.

    Example:
        >>> d = SweepData(pd.DataFrame({"status": ["completed"], "x": [1]}), params=["x"])
        >>> d.swept, len(d.completed), d.cycles.empty
        ([], 1, True)
    """

    def __init__(
        self,
        jobs: pd.DataFrame,
        *,
        params: Sequence[str] = (),
        metrics: Sequence[str] = (),
        cycles: pd.DataFrame | None = None,
        crashes: pd.DataFrame | None = None,
        interventions: pd.DataFrame | None = None,
        self_reports: pd.DataFrame | None = None,
        sweeps: Sequence[SweepInfo] = (),
        warnings: Sequence[str] = (),
        skipped: Sequence[tuple[str, str]] = (),
        db_urls: Sequence[str] = (),
    ) -> None:
        self.jobs = jobs
        self.params: list[str] = list(params)
        self.metrics: list[str] = list(metrics)
        self.sweeps: list[SweepInfo] = list(sweeps)
        self.warnings: list[str] = list(warnings)
        self.skipped: list[tuple[str, str]] = list(skipped)
        self.db_urls: list[str] = list(db_urls)
        self._tables: dict[str, pd.DataFrame | None] = {
            "cycles": cycles,
            "crashes": crashes,
            "interventions": interventions,
            "self_reports": self_reports,
        }
        self._pending: dict[str, Callable[[], pd.DataFrame]] = {}
        self.cache: dict[Any, Any] = {}
        """Memo of derived values (groupings, keyword matches); cleared when ``jobs`` changes."""

    def __repr__(self) -> str:
        return (
            f"SweepData({len(self.jobs)} jobs, params={self.params}, "
            f"{len(self.metrics)} metrics, {len(self.sweeps)} sweeps)"
        )

    def _table(self, name: str) -> pd.DataFrame:
        frame = self._tables.get(name)
        if frame is None:
            loader = self._pending.pop(name, None)
            frame = loader() if loader is not None else _empty_events(name)
            self._tables[name] = frame
        return frame

    @property
    def cycles(self) -> pd.DataFrame:
        """One row per cycle of each job's attempt (read from the DB when first used)."""
        return self._table("cycles")

    @cycles.setter
    def cycles(self, frame: pd.DataFrame) -> None:
        self._tables["cycles"] = frame

    @property
    def crashes(self) -> pd.DataFrame:
        """One row per death of a mind (read from the DB when first used)."""
        return self._table("crashes")

    @crashes.setter
    def crashes(self, frame: pd.DataFrame) -> None:
        self._tables["crashes"] = frame

    @property
    def interventions(self) -> pd.DataFrame:
        """One row per applied intervention (read from the DB when first used)."""
        return self._table("interventions")

    @interventions.setter
    def interventions(self, frame: pd.DataFrame) -> None:
        self._tables["interventions"] = frame

    @property
    def self_reports(self) -> pd.DataFrame:
        """One row per self-report answer."""
        return self._table("self_reports")

    @self_reports.setter
    def self_reports(self, frame: pd.DataFrame) -> None:
        self._tables["self_reports"] = frame
        self.cache.clear()

    def _memo(self, key: Any, compute: Callable[[], Any]) -> Any:
        stamp = (id(self.jobs), len(self.jobs), id(self._tables.get("self_reports")))
        if self.cache.get("_stamp") != stamp:
            self.cache.clear()
            self.cache["_stamp"] = stamp
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]

    @property
    def completed(self) -> pd.DataFrame:
        """The rows of completed jobs (the ones statistics use)."""

        def compute() -> pd.DataFrame:
            if "status" not in self.jobs:
                return self.jobs
            return self.jobs[self.jobs["status"] == "completed"]

        return self._memo("completed", compute)

    @property
    def swept(self) -> list[str]:
        """Parameters with more than one value among completed jobs, replicate keys excluded."""

        def compute() -> list[str]:
            done = self.completed
            return [
                p
                for p in self.params
                if p not in REPLICATE_KEYS and p in done and done[p].nunique(dropna=False) > 1
            ]

        return list(self._memo("swept", compute))

    @property
    def replicate(self) -> str | None:
        """The replicate key (``seed``) when it varies among completed jobs, else None."""
        done = self.completed
        for key in REPLICATE_KEYS:
            if key in done and done[key].nunique() > 1:
                return key
        return None

    @property
    def fixed(self) -> dict[str, Any]:
        """Parameters with a single value among completed jobs."""
        done = self.completed
        out: dict[str, Any] = {}
        for p in self.params:
            if p in done and p not in REPLICATE_KEYS and done[p].nunique(dropna=False) == 1:
                v = done[p].iloc[0]
                out[p] = v.item() if isinstance(v, np.generic) else v
        return out


# ----------------------------------------------------------------------------- values


def parse_value(text: Any) -> Any:
    """Turn an override value (text) into None, bool, int, float or str.

    Example:
        >>> [parse_value(v) for v in ("0", "0.5", "1e3", "true", "null", "'a b'", "none")]
        [0, 0.5, 1000.0, True, None, 'a b', 'none']
    """
    if not isinstance(text, str):
        return text
    s = text.strip()
    low = s.lower()
    if low in ("null", "~", ""):
        return None
    if low in ("true", "false"):
        return low == "true"
    if _INT_RE.fullmatch(s):
        return int(s)
    if _FLOAT_RE.fullmatch(s):
        return float(s)
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "'\"":
        return s[1:-1]
    return s


def _level_key(value: Any) -> tuple[int, Any]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return (0, 0)
    if isinstance(value, (bool, np.bool_)):
        return (1, int(value))
    if isinstance(value, (int, float, np.integer, np.floating)):
        return (2, float(value))
    return (3, str(value))


def sort_levels(values: Iterable[Any]) -> list[Any]:
    """Sort parameter values of any mix of types: missing, booleans, numbers, then text.

    Unlike ``sorted()`` this never raises on mixed or unhashable values (lists are
    compared by their text).

    Example:
        >>> sort_levels([10, "b", None, 2.5, "a", True])
        [None, True, 2.5, 10, 'a', 'b']
    """
    unique: dict[Any, Any] = {}
    for v in values:
        key = _level_key(v)
        unique.setdefault(key, v)
    return [unique[k] for k in sorted(unique)]


def _column(values: list[Any]) -> pd.Series:
    """A typed column from parsed values: numeric when every value is a number."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        if all(isinstance(v, int) for v in present) and len(present) == len(values):
            return pd.Series(values, dtype="int64")
        return pd.Series([np.nan if v is None else v for v in values], dtype="float64")
    if present and all(isinstance(v, bool) for v in present) and len(present) == len(values):
        return pd.Series(values, dtype="bool")
    return pd.Series(
        [None if v is None else (v if isinstance(v, str) else _text(v)) for v in values],
        dtype="object",
    )


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _split_override(ov: str) -> tuple[str, str] | None:
    ov = ov.strip()
    if not ov or "=" not in ov:
        return None
    key, _, value = ov.partition("=")
    key = key.lstrip("+~")
    if not key:
        return None
    return key, value


# ----------------------------------------------------------------------- small readers


def _choices_from_text(text: str) -> dict[str, Any]:
    """Config-group choices (``hydra.runtime.choices``) without parsing all of hydra.yaml."""
    marker = "\n    choices:\n"
    start = text.find(marker)
    if start < 0:
        return {}
    out: dict[str, Any] = {}
    for line in text[start + len(marker) :].splitlines():
        if not line.startswith("      ") or line.startswith("       "):
            break
        key, sep, value = line.strip().partition(":")
        if not sep or key.startswith("hydra/"):
            continue
        out[key] = parse_value(value.strip())
    return out


def _lookup(config: Any, dotted: str) -> tuple[bool, Any]:
    node = config
    for part in dotted.split("."):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False, None
    if isinstance(node, (dict, list)):
        return True, json.dumps(node, sort_keys=True)
    return True, node


# ----------------------------------------------------------------------- path discovery


def _is_job_dir(path: Path) -> bool:
    return (path / RESULT_NAME).is_file() or (path / ".hydra").is_dir()


def _is_sweep_dir(path: Path) -> bool:
    if any((path / name).is_file() for name in SWEEP_FILES):
        return True
    try:
        entries = list(os.scandir(path))
    except OSError:
        return False
    return any(e.name.isdigit() and e.is_dir() and _is_job_dir(Path(e.path)) for e in entries)


def find_sweeps(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[Path], list[Path]]:
    """Resolve paths to (sweep dirs, loose job dirs), without reading any job.

    Raises:
        LoadError: a path does not exist, or holds neither sweeps nor jobs.

    Example:
        >>> import tempfile
        >>> root = Path(tempfile.mkdtemp())
        >>> (root / "12-00-00" / "0" / ".hydra").mkdir(parents=True)
        >>> sweeps, jobs = find_sweeps([root])
        >>> [p.name for p in sweeps], jobs
        (['12-00-00'], [])
    """
    sweeps: dict[Path, None] = {}
    jobs: dict[Path, None] = {}
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            raise LoadError(f"no such path: {raw}")
        path = path.resolve()
        if path.is_file():
            if path.name in SWEEP_FILES:
                sweeps[path.parent] = None
                continue
            if path.name == RESULT_NAME:
                jobs[path.parent] = None
                continue
            raise LoadError(f"not a sweep dir, job dir or sweep file: {raw}")
        found = _walk(path, depth=0)
        if not found[0] and not found[1]:
            raise LoadError(f"no sweep or job dirs under {raw}")
        sweeps.update(dict.fromkeys(found[0]))
        jobs.update(dict.fromkeys(found[1]))
    loose = [j for j in jobs if j.parent not in sweeps]
    return list(sweeps), loose


def _walk(path: Path, depth: int) -> tuple[list[Path], list[Path]]:
    if _is_sweep_dir(path):
        return [path], []
    if _is_job_dir(path):
        return [], [path]
    if depth >= 3:
        return [], []
    sweeps: list[Path] = []
    jobs: list[Path] = []
    try:
        children = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))
    except OSError:
        return [], []
    for child in children:
        s, j = _walk(child, depth + 1)
        sweeps += s
        jobs += j
    return sweeps, jobs


# --------------------------------------------------------------------------- job dirs


@dataclass
class _Job:
    """One job as read from its files (or from the sweep table)."""

    sweep_id: str | None
    job_num: int | None
    experiment_id: str | None
    status: str
    reason: str | None
    overrides: dict[str, str]
    choices: dict[str, Any]
    metrics: dict[str, Any]
    job_dir: Path | None
    attempt: int | None = None
    seed: Any = None
    config_hash: str | None = None
    stop_reason: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    duration_seconds: float | None = None
    job_seconds: float | None = None
    memory_gb: float | None = None
    db_url: str | None = None
    config: dict[str, Any] | None = None


def _read_job(job_dir: Path, with_config: bool = False) -> tuple[_Job | None, str | None]:
    """Read one job dir; return (job, None) or (None, why it is skipped)."""
    hydra_dir = job_dir / ".hydra"
    if not hydra_dir.is_dir():
        return None, "no .hydra/ dir (parameters unknown)"
    try:
        raw_overrides = _read_yaml(hydra_dir / "overrides.yaml")
    except FileNotFoundError:
        return None, "no .hydra/overrides.yaml (parameters unknown)"
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        return None, f"unreadable .hydra/overrides.yaml ({type(exc).__name__})"
    if raw_overrides is None:
        raw_overrides = []
    if not isinstance(raw_overrides, list) or not all(isinstance(o, str) for o in raw_overrides):
        return None, "malformed .hydra/overrides.yaml (not a list of overrides)"
    try:
        result = read_result(job_dir)
    except FileNotFoundError:
        return None, "unfinished: no result.json (interrupted, or still running)"
    except ForeignResult as exc:
        return None, f"result.json is not a brainjar result ({exc})"
    except ResultUnreadable:
        return None, "truncated or corrupt result.json"
    status = str(result.get("status"))
    if status not in _FINISHED:
        return None, f"unfinished: result.json says {status!r}"
    overrides: dict[str, str] = {}
    for ov in raw_overrides:
        kv = _split_override(ov)
        if kv is not None:
            overrides[kv[0]] = kv[1]
    choices: dict[str, Any] = {}
    try:
        choices = _choices_from_text((hydra_dir / "hydra.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        pass
    config = None
    if with_config:
        try:
            loaded = _read_yaml(hydra_dir / "config.yaml")
            config = loaded if isinstance(loaded, dict) else None
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            config = None
    metrics = result.get("metrics") if isinstance(result.get("metrics"), dict) else {}
    error = result.get("error")
    job_num = result.get("job_num")
    if job_num is None and job_dir.name.isdigit():
        job_num = int(job_dir.name)
    return (
        _Job(
            sweep_id=result.get("sweep_id"),
            job_num=int(job_num) if job_num is not None else None,
            experiment_id=str(result["experiment_id"]),
            status=status,
            reason=str(error).splitlines()[0] if error else None,
            overrides=overrides,
            choices=choices,
            metrics=dict(metrics),
            job_dir=job_dir,
            attempt=result.get("attempt"),
            seed=result.get("seed"),
            config_hash=result.get("config_hash"),
            stop_reason=result.get("stop_reason"),
            started_at=result.get("started_at"),
            ended_at=result.get("ended_at"),
            duration_seconds=result.get("duration_seconds"),
            db_url=result.get("db_url"),
            config=config,
        ),
        None,
    )


# ---------------------------------------------------------------------------- sweeps


@dataclass
class _SweepRead:
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
        cfg = _read_yaml(path)
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
        kv = _split_override(ov)
        if kv is None:
            continue
        value = kv[1]
        if any(tok in value for tok in ("(", "[", "{", "'", '"')):
            return None
        total *= len(value.split(","))
    return total


def _read_sweep(sweep_dir: Path, with_config: bool) -> _SweepRead:
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
    param_keys: list[str] = []
    for ov in task_overrides:
        kv = _split_override(ov)
        if kv is not None and kv[0] not in param_keys:
            param_keys.append(kv[0])
    if table.is_file() and not param_keys and full_results():
        for entry in (full_results() or {}).get("results") or []:
            if isinstance(entry, dict) and isinstance(entry.get("parameters"), dict):
                param_keys += [str(k) for k in entry["parameters"] if str(k) not in param_keys]
    frame: pd.DataFrame | None = None
    jobs: list[_Job] = []
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
        jobs, found = _jobs_from_dirs(sweep_dir, with_config, skipped)
        if not found and full_results():
            jobs = _jobs_from_results(full_results() or {})
            found = len(jobs)
            source = RESULTS_NAME
    if frame is None or not head.get("sweep_id"):
        ids = Counter(j.sweep_id for j in jobs if j.sweep_id)
        if not head.get("sweep_id") and ids:
            sweep_id = ids.most_common(1)[0][0]
    kept: list[_Job] = []
    for job in jobs:
        if job.sweep_id and job.sweep_id != sweep_id and source != RESULTS_NAME:
            skipped.append((str(job.job_dir), f"foreign job: belongs to sweep {job.sweep_id!r}"))
            continue
        job.sweep_id = sweep_id
        if not job.choices:
            job.choices = dict(base_choices)
        kept.append(job)
    parts = [f for f in (frame, _jobs_frame(kept, sweep_dir)) if f is not None and len(f)]
    merged = pd.concat(parts, ignore_index=True, sort=False) if parts else pd.DataFrame()
    db_url = next((j.db_url for j in kept if j.db_url), None)
    if db_url is None and len(merged):
        db_url = _first_db_url(merged["job_dir"].dropna().tolist()[:5]) or db_from_cfg
    if len(merged):
        merged["sweep_dir"] = str(sweep_dir)
        merged["_db_url"] = merged["_db_url"].where(merged["_db_url"].notna(), db_url)
    grid = head.get("total_experiments")
    if not isinstance(grid, int):
        grid = _grid_size(task_overrides) if task_overrides else None
    optimization = None
    opt_path = sweep_dir / "optimization_results.yaml"
    if opt_path.is_file():
        try:
            loaded = _read_yaml(opt_path)
            optimization = loaded if isinstance(loaded, dict) else None
        except (OSError, yaml.YAMLError, UnicodeDecodeError):
            warnings.append(f"{opt_path}: unreadable; ignored")
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
    return _SweepRead(info, merged, task, skipped, warnings)


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


def _scan_entries(sweep_dir: Path) -> tuple[dict[int, str], list[Path]]:
    """Numbered subdirs (job dir names by number) and the unexpected entries of a sweep dir."""
    try:
        names = os.listdir(sweep_dir)
    except OSError:
        return {}, []
    # a file with a numeric name fails the job checks later, with a warning
    numbered = {int(n): n for n in names if n.isdigit()}
    foreign = [
        sweep_dir / n
        for n in names
        if not n.isdigit()
        and n not in _KNOWN_ENTRIES
        and not n.startswith(".")
        and not n.endswith(".log")
    ]
    return numbered, foreign


def _note_foreign(foreign: list[Path], skipped: list[tuple[str, str]]) -> None:
    for path in sorted(foreign):
        if path.is_dir() and _is_job_dir(path):
            skipped.append((str(path), "job dir not named by its job number (foreign)"))
        else:
            skipped.append((str(path), "foreign entry, not a job dir"))


def _jobs_from_dirs(
    sweep_dir: Path, with_config: bool, skipped: list[tuple[str, str]]
) -> tuple[list[_Job], int]:
    numbered, foreign = _scan_entries(sweep_dir)
    _note_foreign(foreign, skipped)
    jobs: list[_Job] = []
    for num in sorted(numbered):
        path = sweep_dir / numbered[num]
        job, why = _read_job(path, with_config)
        if job is None:
            skipped.append((str(path), str(why)))
        else:
            jobs.append(job)
    return jobs, len(numbered)


def _jobs_from_results(results: dict[str, Any]) -> list[_Job]:
    """Jobs from a bare ``sweep_results.json`` (also the original project's shape)."""
    jobs: list[_Job] = []
    for i, entry in enumerate(results.get("results") or []):
        if not isinstance(entry, dict) or str(entry.get("status")) not in _FINISHED:
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
            _Job(
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


def _jobs_frame(jobs: list[_Job], sweep_dir: Path) -> pd.DataFrame:
    """Per-sweep raw frame (see :func:`_table_frame`) from jobs read one by one."""
    records = []
    for j in jobs:
        rec: dict[str, Any] = {
            "sweep_id": j.sweep_id,
            "job_num": j.job_num,
            "experiment_id": j.experiment_id,
            "status": j.status,
            "reason": j.reason,
            "attempt": j.attempt,
            "seed_result": j.seed,
            "config_hash": j.config_hash,
            "stop_reason": j.stop_reason,
            "started_at": j.started_at,
            "ended_at": j.ended_at,
            "duration_seconds": j.duration_seconds,
            "job_seconds": j.job_seconds,
            "memory_gb": j.memory_gb,
            "sweep_dir": str(sweep_dir),
            "job_dir": None if j.job_dir is None else str(j.job_dir),
            "_db_url": j.db_url,
        }
        for k, v in j.metrics.items():
            if k not in _NOT_METRICS and isinstance(v, (int, float)):
                rec[f"m:{k}"] = float(v)
        for k, v in j.overrides.items():
            rec[f"p:{k}"] = v
        for k, v in j.choices.items():
            rec[f"c:{k}"] = v
        if j.config is not None:
            rec["_config"] = j.config
        records.append(rec)
    if not records:
        return pd.DataFrame(columns=list(_RAW_COLUMNS))
    return pd.DataFrame.from_records(records)


def _table_frame(
    sweep_dir: Path,
    table: Path,
    param_keys: list[str],
    sweep_id: str,
    base_choices: dict[str, Any],
    with_config: bool,
    skipped: list[tuple[str, str]],
) -> tuple[pd.DataFrame, list[_Job], int]:
    """Jobs from ``sweep_table.csv``, vectorised; returns (frame, jobs read one by one, found).

    A row is taken from the table only when its job dir still has ``.hydra/`` and a
    ``result.json`` older than the table (one ``stat`` of ``<job>/.hydra/../result.json``
    checks both; the same timestamp counts as newer). Other rows, and numbered dirs the
    table does not list, are read from their own files.
    """
    table_mtime = os.stat(table).st_mtime
    numbered, foreign = _scan_entries(sweep_dir)
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
    _note_foreign(foreign, skipped)
    finished = np.isin(status, _FINISHED)
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
    jobs: list[_Job] = []
    for i in reread:
        path = sweep_dir / numbered[int(nums[i])]
        job, why = _read_job(path, with_config)
        if job is None:
            skipped.append((str(path), str(why)))
        else:
            jobs.append(job)
    listed = set(nums.tolist())
    for num in sorted(set(numbered) - listed):
        path = sweep_dir / numbered[num]
        job, why = _read_job(path, with_config)
        if job is None:
            skipped.append((str(path), str(why)))
        else:
            jobs.append(job)
    found = len(listed | set(numbered)) if numbered else len(listed)
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
        "job_seconds": _numeric(sel["duration_seconds"]) if "duration_seconds" in sel else np.nan,
        "memory_gb": _numeric(sel["memory_gb"]) if "memory_gb" in sel else np.nan,
        "sweep_dir": base,
        "job_dir": [f"{base}/{numbered[n]}" if n in numbered else None for n in keep_nums.tolist()],
        "_db_url": None,
    }
    for c in csv.columns:
        if c in _CSV_FIXED:
            continue
        if c in param_keys:
            columns[f"p:{c}"] = col(c)
        elif c not in _NOT_METRICS:
            values = _numeric(sel[c])
            if np.isnan(values).all() and sel[c].notna().any():
                continue  # text, not a metric
            columns[f"m:{c}"] = values
    for k in param_keys:  # an override the same in every job has no column: it is constant
        if k not in csv.columns and k in sample:
            columns[f"p:{k}"] = np.full(n_ok, sample[k], dtype=object)
    for k, v in base_choices.items():
        columns[f"c:{k}"] = np.full(n_ok, v, dtype=object)
    if with_config:
        columns["_config"] = [
            _job_config(Path(p)) if p is not None else None for p in columns["job_dir"]
        ]
    return pd.DataFrame(columns), jobs, found


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
            return dict(kv for kv in map(_split_override, map(str, overrides)) if kv is not None)
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


def _job_config(job_dir: Path) -> dict[str, Any] | None:
    try:
        loaded = _read_yaml(job_dir / ".hydra" / "config.yaml")
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return None
    return loaded if isinstance(loaded, dict) else None


def _numeric(column: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return column.to_numpy(dtype=np.float64, na_value=np.nan)
    mapped = column.astype(object).replace({"True": 1, "False": 0, "true": 1, "false": 0})
    return pd.to_numeric(mapped, errors="coerce").to_numpy(dtype=np.float64)


# ---------------------------------------------------------------------------- the DB


def _connect(url: str) -> tuple[StoreReader | None, str | None]:
    """A read-only reader of the experiments DB at ``url``, or (None, why not)."""
    try:
        return StoreReader.open(url), None
    except StoreUnreadable as exc:
        return None, str(exc)


def _read_events(reader: StoreReader, table: str, ids: Sequence[str]) -> pd.DataFrame:
    columns = ["experiment_id", "attempt", *EVENT_COLUMNS[table]]
    frame = pd.DataFrame.from_records(reader.events(table, ids), columns=columns)
    frame["attempt"] = pd.to_numeric(frame["attempt"], errors="coerce")
    return frame


def _attach(frame: pd.DataFrame, keys: pd.DataFrame, carry: Sequence[str]) -> pd.DataFrame:
    """Rows of ``frame`` that belong to a job's own attempt, with the job's ``carry`` columns."""
    index = pd.Index(keys["experiment_id"])
    pos = index.get_indexer(frame["experiment_id"])
    ok = pos >= 0
    attempts = keys["attempt"].to_numpy(dtype=float)
    own = frame["attempt"].to_numpy(dtype=float)
    ok[ok] &= own[ok] == attempts[pos[ok]]
    out = frame.loc[ok].reset_index(drop=True)
    where = pos[ok]
    front = {c: keys[c].to_numpy()[where] for c in carry}
    return pd.concat([pd.DataFrame(front), out], axis=1)


def _pick_attempts(jobs: pd.DataFrame, attempts: pd.DataFrame) -> pd.Series:
    """The attempt each job's data belongs to: its own, else the latest matching its status."""
    known = pd.to_numeric(jobs["attempt"], errors="coerce")
    if attempts.empty:
        return known
    att = attempts.copy()
    att["attempt"] = pd.to_numeric(att["attempt"], errors="coerce")
    latest = att.groupby("experiment_id")["attempt"].max()
    done = att[att["status"] == "completed"].groupby("experiment_id")["attempt"].max()
    by_status = jobs["experiment_id"].map(done).where(jobs["status"] == "completed")
    fallback = by_status.fillna(jobs["experiment_id"].map(latest))
    return known.fillna(fallback)


def _self_report_scores(reports: pd.DataFrame, n_jobs: int, job_pos: np.ndarray) -> pd.DataFrame:
    """Per job (row position): mean scale value, or yes rate, of each question."""
    if reports.empty:
        return pd.DataFrame(index=range(n_jobs))
    value = pd.to_numeric(reports["scale_value"], errors="coerce")
    value = value.fillna(pd.to_numeric(reports["yes_no"], errors="coerce")).to_numpy(dtype=float)
    codes, questions = pd.factorize(reports["question_id"])
    ok = ~np.isnan(value) & (codes >= 0)
    out: dict[str, np.ndarray] = {}
    for q, name in sorted(enumerate(questions), key=lambda qn: str(qn[1])):
        sel = ok & (codes == q)
        if not sel.any():
            continue
        sums = np.bincount(job_pos[sel], weights=value[sel], minlength=n_jobs)
        counts = np.bincount(job_pos[sel], minlength=n_jobs)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"sr_{name}"] = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(out, index=range(n_jobs))


def _shown(url: str) -> str:
    from brainjar_sweep.store._engine import display_url

    return display_url(url)


def _db_for(url: str | None) -> str | None:
    if url is None:
        return None
    from brainjar_sweep.store._engine import normalize_url

    return normalize_url(url)


def _nearby_db(sweep_dir: str) -> str | None:
    """``logs/experiments.db`` of the dir a ``multirun/<date>/<time>`` sweep was run from."""
    path = Path(sweep_dir)
    for up in (path.parent.parent.parent, path.parent.parent, path.parent):
        candidate = up / "logs" / "experiments.db"
        if candidate.is_file():
            return f"sqlite:///{candidate}"
    return None


# the paths being analysed (resolved), for telling a recorded database URL the analyst trusts
_ANALYSED: contextvars.ContextVar[tuple[Path, ...]] = contextvars.ContextVar(
    "brainjar_analysed", default=()
)


def recorded_db_allowed(url: str, roots: Sequence[Path], sweep_dir: str | None = None) -> bool:
    """Whether a database URL a result file names may be opened without ``--db``.

    Only a local SQLite file inside the analysed paths, or the sweep's own
    ``logs/experiments.db`` next to its ``multirun/`` dir, is: a result file is data, and a
    server it names would receive the analyst's credentials (``PGPASSWORD``, ``~/.pgpass``).

    >>> recorded_db_allowed("postgresql://lab@evil.example/x", [Path("/data/multirun")])
    False
    >>> recorded_db_allowed("sqlite:////data/multirun/exp.db", [Path("/data/multirun")])
    True
    >>> recorded_db_allowed("sqlite:////etc/x.db", [Path("/data/multirun")])
    False
    """
    from brainjar_sweep.store._engine import sqlite_path

    try:
        path = sqlite_path(url)
    except Exception:  # noqa: BLE001 - not a URL at all
        return False
    if path is None or "://" not in url or not url.lower().startswith("sqlite"):
        return False
    path = Path(os.path.normpath(path.absolute()))
    if any(path.is_relative_to(root) for root in roots):
        return True
    near = _nearby_db(sweep_dir) if sweep_dir else None
    return near is not None and Path(near.removeprefix("sqlite:///")) == path


def _join_db(data: SweepData, jobs: pd.DataFrame, db: str | os.PathLike[str] | None) -> None:
    """Fill ids, seeds and attempts from the DB; attach self-reports; defer other events."""
    if db is not None:
        jobs["_db_url"] = _db_for(os.fspath(db))
    else:  # a URL a result file names is used only if the analyst could have named it
        roots = _ANALYSED.get()
        for url in jobs["_db_url"].dropna().unique().tolist():
            mask = (jobs["_db_url"] == url).to_numpy()
            sweep = jobs.loc[mask, "sweep_dir"].iloc[0]
            if not recorded_db_allowed(str(url), roots, None if pd.isna(sweep) else str(sweep)):
                near = None if pd.isna(sweep) else _nearby_db(str(sweep))
                data.warnings.append(
                    f"not reading the experiments DB {_shown(str(url))} that result files name "
                    "(not given with --db, not a SQLite file in the analysed tree); "
                    "pass --db to read it"
                )
                # a new column, not an assignment into the old one (read-only without pyarrow)
                jobs["_db_url"] = jobs["_db_url"].astype(object).where(~mask, near)
    carry = ["sweep_id", "job_num", "status", *data.params]
    urls = jobs["_db_url"].dropna().unique().tolist()
    if not urls:
        data.warnings.append(
            "no experiments DB recorded by these sweeps (use --db): no cycles or self-reports"
        )
        return
    sources: list[tuple[str, list[str]]] = []
    exps: list[pd.DataFrame] = []
    atts: list[pd.DataFrame] = []
    reports: list[pd.DataFrame] = []
    for url in urls:
        mask = (jobs["_db_url"] == url).to_numpy()
        ids = jobs.loc[mask, "experiment_id"].dropna().astype(str).unique().tolist()
        conn, why = _connect(url)
        used = url
        if conn is None and db is None:
            alt = _nearby_db(str(jobs.loc[mask, "sweep_dir"].iloc[0]))
            if alt is not None and alt != url:
                conn, why2 = _connect(alt)
                if conn is not None:
                    data.warnings.append(f"{why}; using {alt} found next to the sweep")
                    used = alt
        if conn is None:
            data.warnings.append(f"{why}: no cycles or self-reports for {int(mask.sum())} jobs")
            continue
        try:
            exp = pd.DataFrame.from_records(
                conn.experiments(ids), columns=[_DB_NAMES.get(c, c) for c in EXPERIMENT_COLUMNS]
            )
            att = pd.DataFrame.from_records(
                conn.attempts(ids), columns=["experiment_id", "attempt", "status"]
            )
            reports.append(_read_events(conn, "self_reports", ids))
        except Exception as exc:  # noqa: BLE001 - a damaged DB is a warning, not a crash
            data.warnings.append(f"cannot read experiments DB {_shown(used)}: {first_line(exc)}")
            continue
        finally:
            conn.close()
        data.db_urls.append(_shown(used))
        missing = len(set(ids) - set(exp["experiment_id"]))
        if missing:
            data.warnings.append(f"{missing} of {len(ids)} experiments are not in {_shown(used)}")
        sources.append((used, ids))
        exps.append(exp)
        atts.append(att)
    if not exps:
        return
    exp = pd.concat(exps, ignore_index=True).drop_duplicates("experiment_id")
    att = pd.concat(atts, ignore_index=True)
    pos = pd.Index(exp["experiment_id"]).get_indexer(jobs["experiment_id"])
    found = pos >= 0
    for src, dst in (
        ("db_seed", "seed_result"),
        ("db_config_hash", "config_hash"),
        ("db_stop_reason", "stop_reason"),
        ("db_duration", "duration_seconds"),
    ):
        values = np.full(len(jobs), None, dtype=object)
        values[found] = exp[src].to_numpy(dtype=object)[pos[found]]
        jobs[dst] = jobs[dst].where(jobs[dst].notna(), pd.Series(values, index=jobs.index))
    jobs["attempt"] = _pick_attempts(jobs, att).to_numpy()
    named = jobs[jobs["experiment_id"].notna()]
    keys = named[["experiment_id", "attempt", *carry]]
    frame = pd.concat(reports, ignore_index=True) if reports else _empty_events("self_reports")
    attached = _attach(frame, keys, carry)
    data.self_reports = attached
    job_pos = pd.Index(jobs["experiment_id"]).get_indexer(attached["experiment_id"])
    scores = _self_report_scores(attached, len(jobs), job_pos)
    for c in scores.columns:
        jobs[c] = scores[c].to_numpy()
        if c not in data.metrics:
            data.metrics.append(c)
    for table in _LAZY_TABLES:
        data._pending[table] = _event_loader(table, sources, keys.copy(), carry)


def _event_loader(
    table: str, sources: list[tuple[str, list[str]]], keys: pd.DataFrame, carry: list[str]
) -> Callable[[], pd.DataFrame]:
    def load_table() -> pd.DataFrame:
        parts = []
        for url, ids in sources:
            conn, _ = _connect(url)
            if conn is None:
                continue
            try:
                parts.append(_read_events(conn, table, ids))
            except Exception:  # noqa: BLE001 - same policy as the first read
                continue
            finally:
                conn.close()
        frame = pd.concat(parts, ignore_index=True) if parts else _empty_events(table)
        return _attach(frame, keys, carry)

    return load_table


# ------------------------------------------------------------------------------ load


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
    reads = [_read_sweep(s, with_config) for s in sweep_dirs]
    if loose:
        reads.append(_read_loose(loose, with_config))
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
    groups: list[list[_SweepRead]] = [[_read_sweep(s, with_config)] for s in sweep_dirs]
    if loose:
        groups.append([_read_loose(loose, with_config)])
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


def _read_loose(loose: list[Path], with_config: bool) -> _SweepRead:
    """Job dirs given one by one (``outputs/<date>/<time>``), as one group of single runs."""
    jobs: list[_Job] = []
    skipped: list[tuple[str, str]] = []
    for job_dir in loose:
        job, why = _read_job(job_dir, with_config)
        if job is None:
            skipped.append((str(job_dir), str(why)))
        else:
            job.sweep_id = job.sweep_id or sweep_id_for(job_dir.parent)
            jobs.append(job)
    frame = _jobs_frame(jobs, loose[0].parent)
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
    return _SweepRead(info, frame, {}, skipped, [])


def _load_reads(
    reads: list[_SweepRead],
    paths: Sequence[str | os.PathLike[str]],
    *,
    db: str | os.PathLike[str] | None,
    with_config: bool,
    use_db: bool,
) -> SweepData:
    token = _ANALYSED.set(tuple(Path(p).resolve() for p in paths))
    try:
        data = _assemble(reads, db=db, with_config=with_config, use_db=use_db)
    finally:
        _ANALYSED.reset(token)
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
                _as_float(jobs.at[i, "attempt"]),
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


def _as_float(value: Any) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return -1.0
    return -1.0 if math.isnan(v) else v


def _typed(raw: pd.Series) -> pd.Series:
    """Parse override texts into a typed column (values already parsed pass through).

    Each distinct text is parsed once; the column is numeric when every value is a
    number, boolean when every value is a boolean, and text (object) otherwise.
    """
    codes, uniques = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
    parsed = [parse_value(u) if isinstance(u, str) else u for u in uniques.tolist()]
    kinds = _column(parsed + ([None] if (codes < 0).any() else []))
    if kinds.dtype == object:
        table = np.array([None if v is None else v for v in kinds.tolist()] + [None], dtype=object)
    else:
        table = np.append(kinds.to_numpy(), np.nan if kinds.dtype.kind == "f" else None)
    if kinds.dtype.kind in "ib" and (codes < 0).any():
        table = table.astype(object)
    out = table[np.where(codes < 0, len(table) - 1, codes)]
    return pd.Series(out, dtype=kinds.dtype if kinds.dtype.kind in "fib" else object)


def _assemble(
    reads: list[_SweepRead],
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
    for c in _RAW_COLUMNS:
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
    typed: dict[str, pd.Series] = {}
    for p in params:
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
                found, value = _lookup(base_of.get(sweep_dir, {}), p)
                if not found and f"c:{p}" in raw:
                    column[where] = raw.loc[where, f"c:{p}"]
                    continue
                if found:
                    column[where] = value if value is not None else np.nan
        typed[p] = _typed(column)
    for c in choices:
        typed[c] = _typed(raw[f"c:{c}"].astype(object))
    seeds = raw["seed_result"].astype(object)
    if "p:seed" in raw:
        seeds = seeds.where(seeds.notna(), raw["p:seed"])
    columns: dict[str, Any] = {c: raw[c].to_numpy() for c in _RAW_COLUMNS}
    columns["seed_result"] = seeds.to_numpy()
    columns.update({k: v.to_numpy() for k, v in typed.items()})
    columns.update({m: raw[f"m:{m}"].to_numpy(dtype=np.float64) for m in mkeys})
    jobs = pd.DataFrame(columns)
    all_params = params + choices
    if with_config and "_config" in raw:
        added = {
            k: v
            for k, v in _config_columns(raw["_config"].tolist()).items()
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
        _join_db(data, jobs, db)
    jobs["seed"] = _typed(jobs["seed_result"].astype(object)).to_numpy()
    jobs["attempt"] = pd.to_numeric(jobs["attempt"], errors="coerce")
    jobs["job_num"] = pd.to_numeric(jobs["job_num"], errors="coerce")
    for c in ("duration_seconds", "job_seconds", "memory_gb"):
        jobs[c] = pd.to_numeric(jobs[c], errors="coerce")
    order = [*ID_COLUMNS, *all_params, *[m for m in data.metrics if m in jobs]]
    data.jobs = jobs[order]
    for path, why in skipped:
        data.warnings.append(f"skipped {path}: {why}")
    return data


def _flatten(config: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(config, dict):
        for k, v in config.items():
            yield from _flatten(v, f"{prefix}{k}.")
    elif isinstance(config, list):
        yield prefix[:-1], json.dumps(config, sort_keys=True, default=str)
    else:
        yield prefix[:-1], config


def _config_columns(configs: list[Any]) -> dict[str, pd.Series]:
    """``cfg.<key>`` columns for resolved config values that differ between jobs."""
    flat = [dict(_flatten(c)) if isinstance(c, dict) else {} for c in configs]
    keys: dict[str, None] = {}
    for f in flat:
        keys.update(dict.fromkeys(f))
    out: dict[str, pd.Series] = {}
    for key in keys:
        if key in ("seed", "experiment_id", "sweep_id") or key.startswith("db."):
            continue
        values = [f.get(key) for f in flat]
        if len({json.dumps(v, sort_keys=True, default=str) for v in values}) > 1:
            out[f"cfg.{key}"] = _column(values)
    return out
