"""Everything the watcher reads that other parts of the project write, in one place.

The sweep's own files (``multirun.yaml``, the sweep files, each job's ``.hydra/`` and
``result.json``, Optuna's ``optimization_results.yaml``) are read through their owners'
readers (:mod:`brainjar_sweep.sweep.files`, :func:`brainjar_sweep.cli.read_yaml`); the
experiments database is opened read-only with the table names of
:mod:`brainjar_sweep.store.schema`. Nothing here writes: a SQLite file is opened with
``mode=ro``, a PostgreSQL session is read-only.

Every reader answers ``(value, note)``: a damaged or half-written file gives ``None`` and a
short note for the page, never an exception.
"""

from __future__ import annotations

import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from brainjar_sweep.config import ConfigError

__all__ = [
    "DB_TABLES",
    "EventsDB",
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

from brainjar_sweep.store.schema import EVENT_TABLES
from brainjar_sweep.sweep.files import JobRecord, load_records, record_from_result
from brainjar_sweep.sweep.identity import experiment_id_for, sweep_id_for
from brainjar_sweep.sweep.resources import job_needs

DB_TABLES = ("experiments", "attempts", *EVENT_TABLES)
"""The tables the watcher reads (names from the store's schema)."""

MAX_PLAN = 100_000  # a larger grid is not expanded (its jobs are read from their dirs)


def _yaml(path: Path, what: str) -> tuple[Any, str | None]:
    """A YAML file's content through the project's one safe reader, or (None, note)."""
    from brainjar_sweep.cli import read_yaml

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
        from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
        from hydra.core.override_parser.overrides_parser import OverridesParser

        texts = [f"{k}={v}" for k, v in params.items()] + [str(t) for t in task]
        overrides = OverridesParser.create().parse_overrides(texts)
        size = 1
        for ov in overrides:
            if ov.is_sweep_override() and ov.is_discrete_sweep():
                size *= max(1, sum(1 for _ in ov.sweep_string_iterator()))
        if size > MAX_PLAN or math.isinf(size):
            return {}, f"the grid has {size} jobs: only the started ones are shown"
        jobs = [j for batch in BasicSweeper.split_arguments(overrides, None) for j in batch]
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
        st = optuna.storages.RDBStorage(
            "sqlite://",
            engine_kwargs={"creator": lambda: sqlite3.connect(uri, uri=True, timeout=2.0)},
            skip_table_creation=True,
            skip_compatibility_check=True,
        )
        try:
            study = optuna.load_study(study_name=study_name, storage=st)
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
            st.engine.dispose()
    except Exception as e:  # noqa: BLE001  a study being created, another program's file
        return None, f"optuna.db: could not be read ({type(e).__name__})"
    return trials, None


# --------------------------------------------------------------------------- the database


@dataclass
class JobProgress:
    """What the database says about one experiment's latest attempt so far."""

    attempt: int | None = None
    cycle: int | None = None
    deaths: int = 0
    memory_mb: float | None = None
    limit_mb: float | None = None
    gist: str | None = None
    status: str | None = None


class EventsDB:
    """The experiments database, opened read-only (SQLite ``mode=ro``, PostgreSQL read-only).

    >>> db = EventsDB("sqlite:////no/such/dir/experiments.db")
    >>> db.progress(["x_exp0000"])
    {}
    >>> db.note
    'the experiments database is not there yet'
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.note: str | None = None
        self._engine: Any = None
        self._conn: Any = None  # SQLite: one read-only connection, kept (no open transaction)
        self._inode: int | None = None

    # -- connections -------------------------------------------------------------

    def _sqlite_file(self) -> Path | None:
        from brainjar_sweep.store._engine import sqlite_path

        return sqlite_path(self.url)

    def _connect(self) -> Any:
        """A DB-API connection, or None (with :attr:`note` saying why)."""
        path = self._sqlite_file()
        if path is not None:
            if not path.is_file():
                self.note = "the experiments database is not there yet"
                return None
            uri = f"file:{quote(str(path.resolve()))}?mode=ro"
            try:
                conn = sqlite3.connect(
                    uri, uri=True, timeout=2.0, check_same_thread=False, isolation_level=None
                )
                conn.execute("PRAGMA query_only = ON")
            except sqlite3.Error as e:
                self.note = f"the experiments database cannot be read: {e}"
                return None
            self.note = None
            return conn
        if self.url.split("://", 1)[0].startswith(("postgres", "postgresql")):
            try:
                if self._engine is None:
                    from brainjar_sweep.store._engine import make_engine

                    self._engine = make_engine(self.url, read_only=True, connect_timeout_s=5)
                conn = self._engine.raw_connection()
            except Exception as e:  # noqa: BLE001  missing driver, server down: a note
                self.note = f"the experiments database cannot be reached: {str(e).splitlines()[0]}"
                return None
            self.note = None
            return conn
        self.note = f"the experiments database's URL is not SQLite or PostgreSQL: {self.url}"
        return None

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        path = self._sqlite_file()
        sqlite = path is not None
        if self._conn is not None and _inode(path) != self._inode:
            self._conn.close()  # the file was replaced or removed: open what is there now
            self._conn = None
        conn = self._conn if sqlite and self._conn is not None else self._connect()
        if sqlite and conn is not self._conn:
            self._inode = _inode(path)
        if conn is None:
            return []
        keep = False
        try:
            if not sqlite:  # PostgreSQL's placeholders
                sql = sql.replace("?", "%s")
            cur = conn.cursor()
            cur.execute(sql, params)
            rows = list(cur.fetchall())
            cur.close()
            keep = sqlite
            return rows
        except Exception as e:  # noqa: BLE001  a locked, damaged or foreign database
            self.note = f"the experiments database could not be read: {str(e).splitlines()[0]}"
            return []
        finally:
            if keep:
                self._conn = conn  # a SELECT in autocommit mode holds no transaction after it
            else:
                self._conn = None
                try:
                    conn.rollback()
                    conn.close()
                except Exception:  # noqa: BLE001, S110
                    pass

    # -- what the page shows -----------------------------------------------------

    def progress(self, experiment_ids: list[str]) -> dict[str, JobProgress]:
        """Latest attempt's cycle, deaths, memory and last self-report of each experiment.

        Each query names one experiment and attempt, so it reads the tables' index on
        (experiment, attempt), not the tables.
        """
        out: dict[str, JobProgress] = {}
        for eid in experiment_ids:
            rows = self._query(
                "SELECT attempt, status FROM attempts WHERE experiment_id = ? "
                "ORDER BY attempt DESC LIMIT 1",
                [eid],
            )
            if not rows:
                continue
            att, status = int(rows[0][0]), rows[0][1]
            p = out[eid] = JobProgress(attempt=att, status=status)
            key = [eid, att]
            where = "WHERE experiment_id = ? AND attempt = ?"
            got = self._query(f"SELECT MAX(cycle_number) FROM cycles {where}", key)
            p.cycle = got[0][0] if got else None
            got = self._query(f"SELECT COUNT(*), MAX(limit_mb) FROM crashes {where}", key)
            if got:
                p.deaths, p.limit_mb = int(got[0][0] or 0), got[0][1]
            got = self._query(
                f"SELECT usage_mb FROM memory_states {where} ORDER BY id DESC LIMIT 1", key
            )
            p.memory_mb = got[0][0] if got else None
            got = self._query(
                "SELECT question_id, response, scale_value FROM self_reports "
                f"{where} ORDER BY id DESC LIMIT 1",
                key,
            )
            p.gist = _gist(*got[0]) if got else None
        return out

    def events(self, experiment_id: str, limit: int = 300) -> dict[str, list[dict[str, Any]]]:
        """The latest attempt's events, newest last (at most ``limit`` of each kind)."""
        rows = self._query(
            "SELECT MAX(attempt) FROM attempts WHERE experiment_id = ?", [experiment_id]
        )
        if not rows or rows[0][0] is None:
            return {}
        att = int(rows[0][0])
        key = [experiment_id, att]
        where = "WHERE experiment_id = ? AND attempt = ?"
        q: dict[str, tuple[str, tuple[str, ...]]] = {
            "messages": (
                "cycle_number, mind_id, role, content, corrupted, injected",
                ("cycle", "mind", "role", "content", "corrupted", "injected"),
            ),
            "crashes": (
                "cycle_number, mind_id, crash_number, reason, memory_mb, limit_mb, remembers",
                ("cycle", "mind", "death", "reason", "memory_mb", "limit_mb", "remembers"),
            ),
            "interventions": (
                "cycle_number, intervention_id, intervention_type, trigger, target, result",
                ("cycle", "id", "type", "trigger", "target", "result"),
            ),
            "self_reports": (
                "cycle_number, mind_id, trigger, question_id, response, scale_value, yes_no",
                ("cycle", "mind", "trigger", "question", "response", "value", "yes_no"),
            ),
        }
        out: dict[str, list[dict[str, Any]]] = {"attempt": [{"attempt": att}]}
        for table, (cols, names) in q.items():
            got = self._query(
                f"SELECT id, {cols} FROM {table} {where} ORDER BY id DESC LIMIT {int(limit)}",
                key,
            )
            out[table] = [dict(zip(("id", *names), r, strict=True)) for r in reversed(got)]
        mem = self._query(
            "SELECT cycle_number, mind_id, MAX(usage_mb) FROM memory_states "
            f"{where} GROUP BY cycle_number, mind_id ORDER BY cycle_number",
            key,
        )
        out["memory"] = [{"cycle": c, "mind": m, "usage_mb": u} for c, m, u in mem]
        return out

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _inode(path: Path | None) -> int | None:
    try:
        return None if path is None else path.stat().st_ino
    except OSError:
        return None


def _gist(question_id: Any, response: Any, value: Any) -> str:
    """A self-report in a few words: its question, its parsed score, the start of its answer.

    >>> _gist("memory_accuracy", "I'd say 80 out of 100. My memories seem consistent.", 80.0)
    "memory_accuracy 80: I'd say 80 out of 100. My memories seem consistent."
    """
    text = " ".join(str(response or "").split())
    if len(text) > 90:
        text = text[:89] + "…"
    score = "" if value is None else f" {value:g}"
    return f"{question_id}{score}: {text}"
