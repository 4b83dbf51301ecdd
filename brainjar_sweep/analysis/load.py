"""Load Hydra multirun sweeps and the experiments DB into tidy pandas tables.

A path may be a sweep dir (``multirun/<date>/<time>``), a dir holding several sweeps
(``multirun/<date>``, ``multirun``), a single job dir, or a file inside a sweep dir.
When a sweep has the launcher's sweep files (``sweep_table.csv`` and
``sweep_results.json``) they are read in one go, and the job dirs are only checked
with ``stat``: a job whose ``result.json`` changed after the table was written, or
that the table does not know, is read from its own files. Sweeps without sweep files
are read job dir by job dir. Broken or foreign job dirs (missing ``.hydra/``,
truncated ``result.json``, interrupted jobs, files that are not jobs) give warnings
and are skipped; nothing here raises on them.

The experiments DB (its URL recorded in ``result.json``, or given as ``db=``) is
opened read-only and joined on ``(experiment_id, attempt)``: the per-cycle table, the
crashes, the interventions and the self-reports of exactly the attempt each job
reported, plus per-job self-report scores (``sr_<question_id>``).

Example:
    >>> import tempfile
    >>> try:
    ...     load([tempfile.mkdtemp()])
    ... except LoadError as exc:
    ...     print(str(exc).split(" under ")[0])
    no sweep or job dirs
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "EVENT_COLUMNS",
    "ID_COLUMNS",
    "REPLICATE_KEYS",
    "LoadError",
    "SweepData",
    "SweepInfo",
    "find_sweeps",
    "load",
    "parse_value",
    "sort_levels",
]

REPLICATE_KEYS: tuple[str, ...] = ("seed",)
"""Swept keys that name replicates of the same condition, not a condition."""

SWEEP_FILES: tuple[str, ...] = (
    "multirun.yaml",
    "sweep_results.json",
    "completed_experiments.json",
    "sweep_table.csv",
)
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

_FINISHED = ("completed", "failed", "timeout")
_CSV_FIXED = (
    "job_num",
    "experiment_id",
    "status",
    "reason",
    "start_time",
    "end_time",
    "duration_seconds",
    "memory_gb",
)
# result metrics that are bookkeeping rather than outcomes
_NOT_METRICS = frozenset({"duration_seconds", "job_num", "seed", "attempt"})

EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "cycles": (
        "cycle_number",
        "duration_seconds",
        "memory_peak_mb",
        "tokens_generated",
        "deaths",
    ),
    "crashes": (
        "cycle_number",
        "mind_id",
        "crash_number",
        "reason",
        "memory_mb",
        "limit_mb",
        "tokens_generated",
        "remembers",
    ),
    "interventions": (
        "cycle_number",
        "intervention_id",
        "intervention_type",
        "trigger",
        "target",
        "result",
    ),
    "self_reports": (
        "cycle_number",
        "mind_id",
        "trigger",
        "question_id",
        "category",
        "response",
        "scale_value",
        "yes_no",
    ),
}
"""Columns read from each event table (besides ``experiment_id`` and ``attempt``)."""

_INT_RE = re.compile(r"[+-]?\d+")
_FLOAT_RE = re.compile(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.I)
_DB_CHUNK = 500


class LoadError(Exception):
    """A path cannot be analysed at all (missing, or no job in it), or a bad option.

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


@dataclass
class SweepData:
    """Everything loaded: a row per job plus long tables, and what was skipped.

    ``jobs`` has one row per usable job (status completed, failed or timeout) with
    the :data:`ID_COLUMNS`, one column per parameter (override keys and config-group
    choices), and one column per metric. ``cycles``, ``crashes``, ``interventions``
    and ``self_reports`` are long tables keyed by ``sweep_id``/``job_num``/
    ``experiment_id``/``attempt`` and carry the job's parameters.

    Example:
        >>> d = SweepData(jobs=pd.DataFrame({"status": ["completed"], "x": [1]}), params=["x"])
        >>> d.swept, d.completed.shape[0]
        ([], 1)
    """

    jobs: pd.DataFrame
    params: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    cycles: pd.DataFrame = field(default_factory=pd.DataFrame)
    crashes: pd.DataFrame = field(default_factory=pd.DataFrame)
    interventions: pd.DataFrame = field(default_factory=pd.DataFrame)
    self_reports: pd.DataFrame = field(default_factory=pd.DataFrame)
    sweeps: list[SweepInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    db_urls: list[str] = field(default_factory=list)

    @property
    def completed(self) -> pd.DataFrame:
        """The rows of completed jobs (the ones statistics use)."""
        return self.jobs[self.jobs["status"] == "completed"]

    @property
    def swept(self) -> list[str]:
        """Parameters with more than one value among completed jobs, replicate keys excluded."""
        done = self.completed
        return [
            p
            for p in self.params
            if p not in REPLICATE_KEYS and p in done and done[p].nunique(dropna=False) > 1
        ]

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
                out[p] = done[p].iloc[0]
        return out


# ----------------------------------------------------------------------------- values


def parse_value(text: Any) -> Any:
    """Turn an override value (text) into None, bool, int, float or str.

    Example:
        >>> [parse_value(v) for v in ("0", "0.5", "1e3", "true", "null", "'a b'", "x")]
        [0, 0.5, 1000.0, True, None, 'a b', 'x']
    """
    if not isinstance(text, str):
        return text
    s = text.strip()
    low = s.lower()
    if low in ("null", "none", "~", ""):
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


def _read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _read_yaml(path: Path) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=loader)  # noqa: S506 - a safe loader


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
    return (path / "result.json").is_file() or (path / ".hydra").is_dir()


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
            if path.name == "result.json":
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
    result_path = job_dir / "result.json"
    try:
        result = _read_json(result_path)
    except FileNotFoundError:
        return None, "interrupted: no result.json (the job never finished)"
    except (OSError, ValueError, UnicodeDecodeError):
        return None, "truncated or corrupt result.json"
    if not isinstance(result, dict) or "status" not in result or "experiment_id" not in result:
        return None, "result.json is not a brainjar result (foreign file)"
    status = str(result.get("status"))
    if status not in _FINISHED:
        return None, f"interrupted: result.json says {status!r}"
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
    jobs: list[_Job]
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
    overrides = (hydra_cfg.get("overrides") or {}).get("task") or []
    runtime = hydra_cfg.get("runtime") or {}
    choices = {
        k: v for k, v in (runtime.get("choices") or {}).items() if not str(k).startswith("hydra/")
    }
    db = cfg.get("db") if isinstance(cfg.get("db"), dict) else {}
    url = None
    if db.get("url"):
        url = str(db["url"])
    elif db.get("path") and runtime.get("cwd"):
        p = Path(str(db["path"]))
        url = f"sqlite:///{p if p.is_absolute() else Path(str(runtime['cwd'])) / p}"
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
    table = sweep_dir / "sweep_table.csv"
    results_path = sweep_dir / "sweep_results.json"
    results: dict[str, Any] | None = None
    if results_path.is_file():
        try:
            loaded = _read_json(results_path)
            results = loaded if isinstance(loaded, dict) else None
            if results is None:
                warnings.append(f"{results_path}: not a sweep results object; ignored")
        except (OSError, ValueError, UnicodeDecodeError):
            warnings.append(f"{results_path}: truncated or corrupt; ignored")
    jobs: list[_Job] | None = None
    source = "job dirs"
    if table.is_file() and (results is not None or task_overrides):
        try:
            jobs, found, more = _jobs_from_table(
                sweep_dir, table, results, task_overrides, with_config, skipped, warnings
            )
            source = "sweep files"
        except (OSError, ValueError, pd.errors.ParserError, KeyError) as exc:
            warnings.append(f"{table}: unreadable ({type(exc).__name__}); reading job dirs")
            jobs = None
    if jobs is None:
        jobs, found = _jobs_from_dirs(sweep_dir, with_config, skipped, warnings)
        if not found and results is not None and results.get("results"):
            jobs = _jobs_from_results(results)
            found = len(jobs)
            source = "sweep_results.json"
    sweep_ids = Counter(j.sweep_id for j in jobs if j.sweep_id)
    if results is not None and results.get("sweep_id"):
        sweep_id = str(results["sweep_id"])
    elif sweep_ids:
        sweep_id = sweep_ids.most_common(1)[0][0]
    else:
        sweep_id = "_".join(sweep_dir.parts[-2:])
    # a job dir from another sweep copied in here is foreign
    kept: list[_Job] = []
    for job in jobs:
        if source == "job dirs" and job.sweep_id and sweep_ids and job.sweep_id != sweep_id:
            skipped.append((str(job.job_dir), f"foreign job: belongs to sweep {job.sweep_id!r}"))
            continue
        job.sweep_id = sweep_id
        kept.append(job)
    db_url = next((j.db_url for j in kept if j.db_url), None)
    if db_url is None and source == "sweep files":
        db_url = _first_db_url(sweep_dir, kept)
    if db_url is None:
        db_url = db_from_cfg
    for job in kept:
        if not job.choices:
            job.choices = dict(base_choices)
        if job.db_url is None:
            job.db_url = db_url
    grid = None
    if results is not None and isinstance(results.get("total_experiments"), int):
        grid = int(results["total_experiments"])
    elif task_overrides:
        grid = _grid_size(task_overrides)
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
        jobs_used=len(kept),
        grid_size=grid,
        task_overrides=task_overrides,
        choices=base_choices,
        db_url=db_url,
        optimization=optimization,
    )
    return _SweepRead(info, kept, task, skipped, warnings)


def _first_db_url(sweep_dir: Path, jobs: list[_Job]) -> str | None:
    """The DB URL recorded by the first readable result.json of the sweep."""
    for job in jobs[:5]:
        if job.job_dir is None:
            continue
        try:
            result = _read_json(job.job_dir / "result.json")
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        if isinstance(result, dict) and result.get("db_url"):
            return str(result["db_url"])
    return None


def _scan_entries(sweep_dir: Path) -> tuple[dict[int, Path], list[Path]]:
    """Numbered subdirs (job dirs) and the other, unexpected entries of a sweep dir."""
    numbered: dict[int, Path] = {}
    foreign: list[Path] = []
    try:
        entries = list(os.scandir(sweep_dir))
    except OSError:
        return {}, []
    for e in entries:
        name = e.name
        if name in _KNOWN_ENTRIES or name.startswith(".") or name.endswith(".log"):
            continue
        if name.isdigit() and e.is_dir():
            numbered[int(name)] = Path(e.path)
        else:
            foreign.append(Path(e.path))
    return numbered, foreign


def _note_foreign(foreign: list[Path], skipped: list[tuple[str, str]]) -> None:
    for path in sorted(foreign):
        if path.is_dir() and _is_job_dir(path):
            skipped.append((str(path), "job dir not named by its job number (foreign)"))
        else:
            skipped.append((str(path), "foreign entry, not a job dir"))


def _jobs_from_dirs(
    sweep_dir: Path,
    with_config: bool,
    skipped: list[tuple[str, str]],
    warnings: list[str],
) -> tuple[list[_Job], int]:
    numbered, foreign = _scan_entries(sweep_dir)
    _note_foreign(foreign, skipped)
    jobs: list[_Job] = []
    for num in sorted(numbered):
        job, why = _read_job(numbered[num], with_config)
        if job is None:
            skipped.append((str(numbered[num]), str(why)))
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


def _jobs_from_table(
    sweep_dir: Path,
    table: Path,
    results: dict[str, Any] | None,
    task_overrides: list[str],
    with_config: bool,
    skipped: list[tuple[str, str]],
    warnings: list[str],
) -> tuple[list[_Job], int, int]:
    """Jobs from ``sweep_table.csv`` (+ ``sweep_results.json``), job dirs checked by stat."""
    frame = pd.read_csv(table, dtype=str, keep_default_na=False, na_values=[""])
    if "job_num" not in frame or "status" not in frame:
        raise KeyError("job_num")
    entries: dict[int, dict[str, Any]] = {}
    param_keys: dict[str, None] = {}
    for ov in task_overrides:
        kv = _split_override(ov)
        if kv is not None:
            param_keys[kv[0]] = None
    if results is not None:
        for entry in results.get("results") or []:
            if isinstance(entry, dict) and entry.get("job_num") is not None:
                entries[int(entry["job_num"])] = entry
                if isinstance(entry.get("parameters"), dict):
                    param_keys.update(dict.fromkeys(str(k) for k in entry["parameters"]))
    params = [k for k in param_keys if k in frame.columns and k not in _CSV_FIXED]
    metric_cols = [c for c in frame.columns if c not in _CSV_FIXED and c not in param_keys]
    table_mtime = table.stat().st_mtime
    numbered, foreign = _scan_entries(sweep_dir)
    _note_foreign(foreign, skipped)
    seen: set[int] = set()
    jobs: list[_Job] = []
    job_nums = pd.to_numeric(frame["job_num"], errors="coerce")
    if job_nums.isna().any():
        raise ValueError("job_num")
    statuses = frame["status"].fillna("pending").tolist()
    metric_values = {c: _numeric(frame[c]) for c in metric_cols}
    param_values = {c: frame[c].tolist() for c in params}
    ids = frame["experiment_id"].tolist() if "experiment_id" in frame else [None] * len(frame)
    reasons = frame["reason"].tolist() if "reason" in frame else [None] * len(frame)
    starts = frame["start_time"].tolist() if "start_time" in frame else [None] * len(frame)
    ends = frame["end_time"].tolist() if "end_time" in frame else [None] * len(frame)
    walls = _numeric(frame["duration_seconds"]) if "duration_seconds" in frame else None
    mems = _numeric(frame["memory_gb"]) if "memory_gb" in frame else None
    for row, num_f in enumerate(job_nums.tolist()):
        num = int(num_f)
        seen.add(num)
        job_dir = numbered.get(num, sweep_dir / str(num))
        status = statuses[row]
        if num not in numbered:
            if status in _FINISHED:
                skipped.append((str(job_dir), "job dir missing (listed in sweep_table.csv)"))
            else:
                skipped.append((str(job_dir), f"interrupted: never started ({status})"))
            continue
        try:
            result_stat: os.stat_result | None = os.stat(job_dir / "result.json")
        except OSError:
            result_stat = None
        has_hydra = os.path.exists(job_dir / ".hydra" / "overrides.yaml")
        stale = result_stat is not None and result_stat.st_mtime > table_mtime
        if status not in _FINISHED or not has_hydra or result_stat is None or stale:
            # the table cannot vouch for this job: read its own files
            job, why = _read_job(job_dir, with_config)
            if job is None:
                skipped.append((str(job_dir), str(why)))
            else:
                jobs.append(job)
            continue
        entry = entries.get(num, {})
        overrides: dict[str, str] = {}
        if isinstance(entry.get("parameters"), dict):
            overrides = {str(k): _as_override_text(v) for k, v in entry["parameters"].items()}
        else:
            for p in params:
                value = param_values[p][row]
                if value is not None and not (isinstance(value, float) and math.isnan(value)):
                    overrides[p] = value
        metrics = {
            c: metric_values[c][row] for c in metric_cols if not math.isnan(metric_values[c][row])
        }
        exp_id = ids[row] if isinstance(ids[row], str) else entry.get("experiment_id")
        reason = reasons[row] if isinstance(reasons[row], str) else entry.get("error_message")
        config = None
        if with_config:
            try:
                loaded = _read_yaml(job_dir / ".hydra" / "config.yaml")
                config = loaded if isinstance(loaded, dict) else None
            except (OSError, yaml.YAMLError, UnicodeDecodeError):
                config = None
        jobs.append(
            _Job(
                sweep_id=None,
                job_num=num,
                experiment_id=exp_id,
                status=status,
                reason=reason,
                overrides=overrides,
                choices={},
                metrics=metrics,
                job_dir=job_dir,
                started_at=starts[row] if isinstance(starts[row], str) else None,
                ended_at=ends[row] if isinstance(ends[row], str) else None,
                job_seconds=None if walls is None or math.isnan(walls[row]) else walls[row],
                memory_gb=None if mems is None or math.isnan(mems[row]) else mems[row],
                config=config,
            )
        )
    extra = 0
    for num in sorted(set(numbered) - seen):
        extra += 1
        job, why = _read_job(numbered[num], with_config)
        if job is None:
            skipped.append((str(numbered[num]), str(why)))
        else:
            jobs.append(job)
    return jobs, len(seen | set(numbered)), extra


def _numeric(column: pd.Series) -> list[float]:
    mapped = column.replace({"True": "1", "False": "0", "true": "1", "false": "0"})
    return pd.to_numeric(mapped, errors="coerce").astype("float64").tolist()


# ---------------------------------------------------------------------------- the DB


def _connect(url: str) -> tuple[Any, str | None]:
    """A read-only connection (sqlite3 or SQLAlchemy engine), or (None, why not)."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any malformed URL is reported, not raised
        return None, f"not a database URL: {url}"
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            return None, f"an in-memory database cannot be read: {url}"
        path = Path(database).expanduser()
        if not path.is_file():
            return None, f"no experiments DB at {path}"
        # quiescent file: open immutable, so that reading leaves no -wal/-shm behind;
        # with a writer around (a -wal or -journal file exists): a normal read-only open
        busy = any(Path(f"{path}{suffix}").exists() for suffix in ("-wal", "-journal", "-shm"))
        mode = "mode=ro" if busy else "immutable=1"
        try:
            conn = sqlite3.connect(f"file:{path}?{mode}", uri=True)
            conn.execute("SELECT 1 FROM experiments LIMIT 1")
        except sqlite3.Error as exc:
            return None, f"cannot read experiments DB {path}: {exc}"
        return conn, None
    try:
        from sqlalchemy import create_engine

        engine = create_engine(url)
        with engine.connect() as c:
            c.exec_driver_sql("SELECT 1 FROM experiments WHERE 1 = 0")
    except Exception as exc:  # noqa: BLE001 - driver errors vary by dialect
        return None, f"cannot read experiments DB {parsed.render_as_string()}: {exc}"
    return engine, None


def _query(conn: Any, sql: str, params: Sequence[Any]) -> pd.DataFrame:
    if isinstance(conn, sqlite3.Connection):
        return pd.read_sql_query(sql, conn, params=list(params))
    from sqlalchemy import text

    names = {f"p{i}": v for i, v in enumerate(params)}
    sql_named = sql
    for i in range(len(params)):
        sql_named = sql_named.replace("?", f":p{i}", 1)
    with conn.connect() as c:
        return pd.read_sql_query(text(sql_named), c, params=names)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _read_db(
    url: str, ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame], str | None]:
    """(experiments rows, attempts rows, event tables) for ``ids``, or an explanation."""
    conn, why = _connect(url)
    empty: dict[str, pd.DataFrame] = {}
    if conn is None:
        return pd.DataFrame(), pd.DataFrame(), empty, why
    try:
        exp_parts = []
        att_parts = []
        events: dict[str, list[pd.DataFrame]] = {t: [] for t in EVENT_COLUMNS}
        for chunk in _chunks(ids, _DB_CHUNK):
            marks = ",".join("?" * len(chunk))
            exp_parts.append(
                _query(
                    conn,
                    "SELECT experiment_id, seed, config_hash, stop_reason, status AS db_status,"
                    " attempts AS db_attempts, duration_seconds AS db_duration_seconds"
                    f" FROM experiments WHERE experiment_id IN ({marks})",
                    chunk,
                )
            )
            att_parts.append(
                _query(
                    conn,
                    "SELECT experiment_id, attempt, status FROM attempts"
                    f" WHERE experiment_id IN ({marks})",
                    chunk,
                )
            )
            for table, columns in EVENT_COLUMNS.items():
                cols = ", ".join(("experiment_id", "attempt", *columns))
                events[table].append(
                    _query(
                        conn,
                        f"SELECT {cols} FROM {table} WHERE experiment_id IN ({marks})"
                        " ORDER BY experiment_id, attempt, id",
                        chunk,
                    )
                )
    except Exception as exc:  # noqa: BLE001 - a damaged DB is a warning, not a crash
        return pd.DataFrame(), pd.DataFrame(), empty, f"cannot read experiments DB: {exc}"
    finally:
        if isinstance(conn, sqlite3.Connection):
            conn.close()
        else:
            conn.dispose()
    out = {t: pd.concat(parts, ignore_index=True) for t, parts in events.items() if parts}
    return (
        pd.concat(exp_parts, ignore_index=True) if exp_parts else pd.DataFrame(),
        pd.concat(att_parts, ignore_index=True) if att_parts else pd.DataFrame(),
        out,
        None,
    )


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


def _self_report_scores(reports: pd.DataFrame) -> pd.DataFrame:
    """Per (experiment_id, attempt): mean scale value or yes rate of each question."""
    if reports.empty:
        return pd.DataFrame()
    r = reports[["experiment_id", "attempt", "question_id", "scale_value", "yes_no"]].copy()
    r["value"] = pd.to_numeric(r["scale_value"], errors="coerce")
    yn = pd.to_numeric(r["yes_no"], errors="coerce")
    r["value"] = r["value"].fillna(yn)
    r = r.dropna(subset=["value", "question_id"])
    if r.empty:
        return pd.DataFrame()
    wide = r.pivot_table(
        index=["experiment_id", "attempt"], columns="question_id", values="value", aggfunc="mean"
    )
    wide.columns = [f"sr_{c}" for c in wide.columns]
    return wide.reset_index()


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
        LoadError: a path does not exist or holds no sweep or job dir.

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
        jobs: list[_Job] = []
        skipped: list[tuple[str, str]] = []
        for job_dir in loose:
            job, why = _read_job(job_dir, with_config)
            if job is None:
                skipped.append((str(job_dir), str(why)))
            else:
                job.sweep_id = job.sweep_id or "_".join(job_dir.parts[-3:-1])
                jobs.append(job)
        info = SweepInfo(
            path=loose[0].parent,
            sweep_id="single runs",
            source="job dirs",
            jobs_found=len(loose),
            jobs_used=len(jobs),
            db_url=next((j.db_url for j in jobs if j.db_url), None),
        )
        reads.append(_SweepRead(info, jobs, {}, skipped, []))
    return _assemble(reads, db=db, with_config=with_config, use_db=use_db)


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
    # one experiment counted once: overlapping paths or copies of a sweep dir
    index: dict[str, int] = {}
    pairs: list[tuple[_Job, _SweepRead]] = []
    for r in reads:
        for job in r.jobs:
            key = job.experiment_id
            if key and key in index:
                old, old_read = pairs[index[key]]
                newer = (job.attempt or 0, job.ended_at or "") > (
                    old.attempt or 0,
                    old.ended_at or "",
                )
                keep, drop = (job, old) if newer else (old, job)
                where = drop.job_dir or (r if not newer else old_read).info.path
                skipped.append((str(where), f"duplicate of experiment {key} (kept {keep.job_dir})"))
                pairs[index[key]] = (job, r) if newer else (old, old_read)
                continue
            if key:
                index[key] = len(pairs)
            pairs.append((job, r))
    for r in reads:
        r.info.jobs_used = sum(1 for _, owner in pairs if owner is r)
    rows: list[dict[str, Any]] = []
    param_keys: dict[str, None] = {}
    choice_keys: dict[str, None] = {}
    metric_keys: dict[str, None] = {}
    for job, _ in pairs:
        param_keys.update(dict.fromkeys(job.overrides))
        choice_keys.update(dict.fromkeys(job.choices))
        for k, v in job.metrics.items():
            if k not in _NOT_METRICS and isinstance(v, (int, float)) and not isinstance(v, str):
                metric_keys[k] = None
    param_keys.pop("seed", None)
    params = [p for p in param_keys if p not in ID_COLUMNS]
    choices = [c for c in choice_keys if c not in param_keys and c not in ID_COLUMNS]
    param_values: dict[str, list[Any]] = {p: [] for p in params + choices}
    for job, read in pairs:
        seed = job.seed
        if seed is None and "seed" in job.overrides:
            seed = parse_value(job.overrides["seed"])
        rows.append(
            {
                "sweep_id": job.sweep_id,
                "job_num": job.job_num,
                "experiment_id": job.experiment_id,
                "status": job.status,
                "reason": job.reason,
                "attempt": job.attempt,
                "seed": seed,
                "config_hash": job.config_hash,
                "stop_reason": job.stop_reason,
                "started_at": job.started_at,
                "ended_at": job.ended_at,
                "duration_seconds": job.duration_seconds,
                "job_seconds": job.job_seconds,
                "memory_gb": job.memory_gb,
                "sweep_dir": str(read.info.path),
                "job_dir": None if job.job_dir is None else str(job.job_dir),
                "_db_url": job.db_url,
                **{k: _float_or_nan(job.metrics.get(k)) for k in metric_keys},
            }
        )
        for p in params:
            if p in job.overrides:
                param_values[p].append(parse_value(job.overrides[p]))
            else:
                found, value = _lookup(read.base_config, p)
                if not found and p in job.choices:
                    found, value = True, job.choices[p]
                param_values[p].append(value if found else None)
        for c in choices:
            param_values[c].append(job.choices.get(c))
    jobs = pd.DataFrame(rows, columns=[*ID_COLUMNS, "_db_url", *metric_keys])
    for p in params + choices:
        jobs[p] = _column(param_values[p]).to_numpy() if rows else pd.Series(dtype="object")
    if with_config and rows:
        _add_config_columns(jobs, [job for job, _ in pairs])
    all_params = params + choices + [c for c in jobs.columns if c.startswith("cfg.")]
    data = SweepData(
        jobs=jobs,
        params=all_params,
        metrics=list(metric_keys),
        sweeps=[r.info for r in reads],
        warnings=warnings,
        skipped=skipped,
    )
    if use_db and rows:
        _join_db(data, db)
    data.jobs = data.jobs.drop(columns=["_db_url"])
    data.jobs["seed"] = _column([parse_value(v) for v in data.jobs["seed"].tolist()]).to_numpy()
    data.jobs["attempt"] = pd.to_numeric(data.jobs["attempt"], errors="coerce")
    for key in ("job_num",):
        data.jobs[key] = pd.to_numeric(data.jobs[key], errors="coerce")
    used = len(data.jobs)
    if not used:
        reasons = Counter(why for _, why in skipped)
        summary = "; ".join(f"{n} x {why}" for why, n in reasons.most_common(3))
        raise LoadError(
            f"no usable jobs in {', '.join(str(r.info.path) for r in reads)}"
            + (f" ({summary})" if summary else "")
        )
    for path, why in skipped:
        data.warnings.append(f"skipped {path}: {why}")
    return data


def _float_or_nan(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return math.nan


def _flatten(config: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(config, dict):
        for k, v in config.items():
            yield from _flatten(v, f"{prefix}{k}.")
    elif isinstance(config, list):
        yield prefix[:-1], json.dumps(config, sort_keys=True, default=str)
    else:
        yield prefix[:-1], config


def _add_config_columns(jobs: pd.DataFrame, job_list: list[_Job]) -> None:
    flat = [dict(_flatten(j.config)) if j.config else {} for j in job_list]
    keys: dict[str, None] = {}
    for f in flat:
        keys.update(dict.fromkeys(f))
    for key in keys:
        if key in ("seed", "experiment_id", "sweep_id") or key.startswith("db."):
            continue
        values = [f.get(key) for f in flat]
        if len({json.dumps(v, sort_keys=True, default=str) for v in values}) > 1:
            jobs[f"cfg.{key}"] = _column(values).to_numpy()


def _db_for(url: str | None) -> str | None:
    if url is None:
        return None
    from brainjar_sweep.store._engine import normalize_url

    return normalize_url(url)


def _join_db(data: SweepData, db: str | os.PathLike[str] | None) -> None:
    jobs = data.jobs
    if db is not None:
        jobs["_db_url"] = _db_for(os.fspath(db))
    urls = [u for u in jobs["_db_url"].dropna().unique().tolist()]
    if not urls:
        data.warnings.append(
            "no experiments DB recorded by these sweeps (use --db): no cycles or self-reports"
        )
        jobs["_db_url"] = None
        return
    event_parts: dict[str, list[pd.DataFrame]] = {t: [] for t in EVENT_COLUMNS}
    attempts_all: list[pd.DataFrame] = []
    experiments_all: list[pd.DataFrame] = []
    for url in urls:
        mask = jobs["_db_url"] == url
        ids = jobs.loc[mask, "experiment_id"].dropna().astype(str).unique().tolist()
        url_used = url
        exp, att, events, why = _read_db(url, ids)
        if why is not None and db is None:
            alt = _nearby_db(jobs.loc[mask, "sweep_dir"].iloc[0])
            if alt is not None and alt != url:
                exp, att, events, why2 = _read_db(alt, ids)
                if why2 is None:
                    data.warnings.append(f"{why}; using {alt} found next to the sweep")
                    why, url_used = None, alt
        if why is not None:
            data.warnings.append(f"{why}: no cycles or self-reports for {int(mask.sum())} jobs")
            continue
        data.db_urls.append(url_used)
        missing = len(set(ids) - set(exp["experiment_id"])) if not exp.empty else len(ids)
        if missing:
            data.warnings.append(f"{missing} of {len(ids)} experiments are not in {url_used}")
        experiments_all.append(exp)
        attempts_all.append(att)
        for t, frame in events.items():
            event_parts[t].append(frame)
    if not experiments_all:
        return
    exp = pd.concat(experiments_all, ignore_index=True).drop_duplicates("experiment_id")
    att = pd.concat(attempts_all, ignore_index=True)
    merged = jobs[["experiment_id"]].merge(exp, on="experiment_id", how="left")
    for src, dst in (
        ("seed", "seed"),
        ("config_hash", "config_hash"),
        ("stop_reason", "stop_reason"),
    ):
        jobs[dst] = jobs[dst].where(jobs[dst].notna(), merged[src].to_numpy())
    jobs["duration_seconds"] = jobs["duration_seconds"].where(
        jobs["duration_seconds"].notna(), merged["db_duration_seconds"].to_numpy()
    )
    jobs["attempt"] = _pick_attempts(jobs, att).to_numpy()
    key = jobs[["experiment_id", "attempt"]].copy()
    key["attempt"] = pd.to_numeric(key["attempt"], errors="coerce")
    carry = ["sweep_id", "job_num", "status", *data.params]
    for t, parts in event_parts.items():
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if frame.empty:
            setattr(
                data,
                t,
                pd.DataFrame(columns=[*carry, "experiment_id", "attempt", *EVENT_COLUMNS[t]]),
            )
            continue
        frame["attempt"] = pd.to_numeric(frame["attempt"], errors="coerce")
        joined = frame.merge(
            jobs[["experiment_id", "attempt", *carry]].assign(attempt=key["attempt"].to_numpy()),
            on=["experiment_id", "attempt"],
            how="inner",
        )
        front = [*carry, "experiment_id", "attempt"]
        joined = joined[front + [c for c in joined.columns if c not in front]]
        setattr(data, t, joined.reset_index(drop=True))
    scores = _self_report_scores(data.self_reports)
    if not scores.empty:
        joined = key.merge(scores, on=["experiment_id", "attempt"], how="left")
        for col in scores.columns:
            if col in ("experiment_id", "attempt"):
                continue
            jobs[col] = joined[col].to_numpy()
            if col not in data.metrics:
                data.metrics.append(col)


def _nearby_db(sweep_dir: str) -> str | None:
    """``logs/experiments.db`` of the dir a ``multirun/<date>/<time>`` sweep was run from."""
    path = Path(sweep_dir)
    for up in (path.parent.parent.parent, path.parent.parent, path.parent):
        candidate = up / "logs" / "experiments.db"
        if candidate.is_file():
            return f"sqlite:///{candidate}"
    return None
