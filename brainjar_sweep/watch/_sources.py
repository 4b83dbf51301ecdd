"""Everything the watcher reads that other parts of the project write, in one place.

The sweep's own files (``multirun.yaml``, the sweep files, each job's ``.hydra/`` and
``result.json``, Optuna's ``optimization_results.yaml``) are read through their owners'
readers (:mod:`brainjar_sweep.records`, :func:`brainjar_sweep._yaml.read_yaml`); the
experiments database through the store's live read API (:mod:`brainjar_sweep.store.live`).
Nothing here writes: a SQLite file is opened with ``mode=ro``, a PostgreSQL session is
read-only.

Every reader answers ``(value, note)``: a damaged or half-written file gives ``None`` and a
short note for the page, never an exception.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from brainjar_sweep._yaml import read_yaml
from brainjar_sweep.config import ConfigError

__all__ = [
    "RESULT_NAME",
    "LiveReader",
    "JobProgress",
    "JobRecord",
    "db_url_of",
    "experiment_id_for",
    "job_memory_gb",
    "job_config",
    "job_dirs",
    "job_overrides",
    "load_records",
    "optimization_results",
    "optuna_trials",
    "plan_of",
    "read_saved_config",
    "record_from_result",
    "saved_cwd",
    "sweep_id_of",
]

from brainjar_sweep.records import (
    RESULT_NAME,
    JobRecord,
    experiment_id_for,
    load_records,
    record_from_result,
    sweep_id_for,
)
from brainjar_sweep.store.live import JobProgress, LiveReader
from brainjar_sweep.sweep.resources import job_needs

MAX_PLAN = 100_000  # a larger grid is not expanded (its jobs are read from their dirs)


def _yaml(path: Path, what: str) -> tuple[Any, str | None]:
    """A YAML file's content through the project's one safe reader, or (None, note)."""
    try:
        return read_yaml(path, path.name, what), None
    except ConfigError as e:
        return None, f"{path.name}: {e.allowed}"


def read_saved_config(sweep_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The sweep's saved config (``multirun.yaml``): its app config and ``hydra`` node."""
    path = sweep_dir / "multirun.yaml"
    if not path.is_file():
        return None, "multirun.yaml: not written yet (is this a sweep directory?)"
    cfg, note = _yaml(path, "a sweep's saved config")
    if cfg is not None and not isinstance(cfg, dict):
        return None, "multirun.yaml: not a mapping"
    return cfg, note


def job_dirs(sweep_dir: Path) -> dict[int, Path]:
    """The sweep's job directories by job number (directories named by a number)."""
    out: dict[int, Path] = {}
    try:
        entries = list(sweep_dir.iterdir())
    except OSError:
        return out
    for p in entries:
        if p.name.isdigit() and len(p.name) < 9 and p.is_dir() and not p.is_symlink():
            out[int(p.name)] = p
    return out


def job_overrides(job_dir: Path) -> tuple[list[str] | None, str | None]:
    """A job's overrides as Hydra saved them (``.hydra/overrides.yaml``)."""
    path = job_dir / ".hydra" / "overrides.yaml"
    if not path.is_file():
        return None, None
    value, note = _yaml(path, "a job's overrides")
    if value is None:
        return None, note
    if not isinstance(value, list):
        return None, f"job {job_dir.name}: overrides.yaml is not a list"
    return [str(v) for v in value], None


def job_config(job_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """A job's composed config as Hydra saved it (``.hydra/config.yaml``)."""
    path = job_dir / ".hydra" / "config.yaml"
    if not path.is_file():
        return None, None
    value, note = _yaml(path, "a job's config")
    if value is not None and not isinstance(value, dict):
        return None, f"job {job_dir.name}: config.yaml is not a mapping"
    return value, (f"job {job_dir.name}: {note}" if note else None)


def _node(cfg: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(cfg, dict):
            return None
        cfg = cfg.get(k)
    return cfg


def plan_of(saved: dict[str, Any] | None) -> tuple[dict[int, list[str]], str | None]:
    """Every job of a grid sweep by number, expanded as Hydra's basic sweeper orders them.

    The grid is the sweeper's ``params`` then the command line's task overrides, as the
    ``brainjar`` sweeper builds it; an Optuna study has no plan (its trials are chosen as it
    runs) and gives ``{}``.
    """
    if saved is None:
        return {}, None
    target = str(_node(saved, "hydra", "sweeper", "_target_") or "")
    if "optuna" in target.lower():
        return {}, None
    params = _node(saved, "hydra", "sweeper", "params") or {}
    task = _node(saved, "hydra", "overrides", "task") or []
    if not isinstance(params, dict) or not isinstance(task, list):
        return {}, "multirun.yaml: hydra.sweeper.params or hydra.overrides.task is malformed"
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser

        from brainjar_sweep._hydra_compat import grid_jobs

        texts = [f"{k}={v}" for k, v in params.items()] + [str(t) for t in task]
        overrides = OverridesParser.create().parse_overrides(texts)
        size = 1
        for ov in overrides:
            if ov.is_sweep_override() and ov.is_discrete_sweep():
                size *= max(1, sum(1 for _ in ov.sweep_string_iterator()))
        if size > MAX_PLAN or math.isinf(size):
            return {}, f"the grid has {size} jobs: only the started ones are shown"
        jobs = grid_jobs(overrides)
    except Exception as e:  # noqa: BLE001  a grid Hydra cannot expand: the job dirs tell
        return {}, f"multirun.yaml: its grid could not be expanded ({type(e).__name__})"
    return dict(enumerate(jobs)), None


def db_url_of(cfg: dict[str, Any] | None, cwd: str | None) -> str | None:
    """The experiments database's URL from a saved config (``db.url``, else ``db.path``).

    A relative ``db.path`` is relative to the directory the sweep was started from.

    >>> db_url_of({"db": {"path": "logs/x.db", "url": None}}, "/data/runs")
    'sqlite:////data/runs/logs/x.db'
    >>> db_url_of({"db": {"url": "postgresql://lab@head/brainjar"}}, None)
    'postgresql://lab@head/brainjar'
    """
    db = _node(cfg, "db")
    if not isinstance(db, dict):
        return None
    if db.get("url"):
        return str(db["url"])
    if not db.get("path"):
        return None
    path = Path(str(db["path"])).expanduser()
    if not path.is_absolute():
        if not cwd:
            return None
        path = Path(cwd) / path
    return f"sqlite:///{path}"


def saved_cwd(saved: dict[str, Any] | None) -> str | None:
    """The directory the sweep was started from (``hydra.runtime.cwd``)."""
    cwd = _node(saved, "hydra", "runtime", "cwd")
    return str(cwd) if cwd else None


def sweep_id_of(sweep_dir: Path, saved: dict[str, Any] | None) -> str:
    """The sweep's id, by the project's one rule (configured ``sweep_id``, else its dir)."""
    configured = _node(saved, "sweep_id")
    return sweep_id_for(sweep_dir, str(configured) if configured else None, saved_cwd(saved))


def job_memory_gb(cfg: dict[str, Any] | None) -> float | None:
    """The memory a job reserves, read from its config as the launcher reads it."""
    if cfg is None:
        return None
    try:
        return job_needs(cfg)[0]
    except Exception:  # noqa: BLE001  a config of another app or a damaged one
        return None


def optimization_results(sweep_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """An Optuna study's ``optimization_results.yaml`` (None before it is written)."""
    path = sweep_dir / "optimization_results.yaml"
    if not path.is_file():
        return None, None
    value, note = _yaml(path, "an Optuna study's results")
    if value is not None and not isinstance(value, dict):
        return None, "optimization_results.yaml: not a mapping"
    return value, note


def optuna_trials(
    sweep_dir: Path, storage: str | None, study_name: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """An Optuna study's trials (number, state, values, parameters, job number), read-only.

    Read with Optuna's own storage API from the study's SQLite file (``optuna.db`` in the
    sweep dir unless ``hydra.sweeper.storage`` names another), opened ``mode=ro`` and with
    table creation skipped. Other storages give None and a note: the sweep files still show
    each trial's job.
    """
    from brainjar_sweep._imports import try_import

    url = storage or f"sqlite:///{sweep_dir / 'optuna.db'}"
    if not url.startswith("sqlite:///"):
        return None, "the study's trials are read from a SQLite storage only: see the job tiles"
    path = Path(url[len("sqlite:///") :])
    if not path.is_file():
        return None, None
    with try_import("optuna") as imported:
        import optuna
    if not imported.is_successful():
        return None, f"the study's trial values need optuna: {imported.message()}"
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    try:
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        storage = optuna.storages.RDBStorage(
            "sqlite://",
            engine_kwargs={"creator": lambda: sqlite3.connect(uri, uri=True, timeout=2.0)},
            skip_table_creation=True,
            skip_compatibility_check=True,
        )
        try:
            study = optuna.load_study(study_name=study_name, storage=storage)
            trials = [
                {
                    "number": t.number,
                    "state": t.state.name,
                    "values": list(t.values) if t.values is not None else None,
                    "params": dict(t.params),
                    "job_num": t.user_attrs.get("job_num"),
                    "fail_reason": t.user_attrs.get("fail_reason"),
                }
                for t in study.get_trials(deepcopy=False)
            ]
        finally:
            storage.engine.dispose()
    except Exception as e:  # noqa: BLE001  a study being created, another program's file
        return None, f"optuna.db: could not be read ({type(e).__name__})"
    return trials, None
