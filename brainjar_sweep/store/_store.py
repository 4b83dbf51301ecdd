"""The :class:`ExperimentStore`: one small interface over the experiments database."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from brainjar_sweep._secrets import scrub
from brainjar_sweep.store._attempts import (
    ExperimentNotFoundError,
    check_status,
    close_attempt,
    open_attempt,
    summarise,
)
from brainjar_sweep.store._engine import (
    display_url,
    ensure_schema,
    make_engine,
    normalize_url,
    run_transaction,
)
from brainjar_sweep.store._events import dumps, prepare_rows
from brainjar_sweep.store._recovery import mark_stale
from brainjar_sweep.store.schema import (
    EVENT_TABLES,
    FINAL_STATUSES,
    PRUNED_STOP_REASON,
    SUMMARY_COLUMNS,
    event_table,
    experiments,
    metadata,
    sweeps,
    utc_now,
)
from brainjar_sweep.store.views import VIEWS

__all__ = ["ExperimentNotFoundError", "ExperimentStore", "default_db_path"]

T = TypeVar("T")

_READABLE_TABLES: tuple[str, ...] = ("attempts", *EVENT_TABLES)


def default_db_path() -> Path:
    """Return the default database location, ``./logs/experiments.db``.

    Example:
        >>> default_db_path().parts[-2:]
        ('logs', 'experiments.db')
    """
    return Path.cwd() / "logs" / "experiments.db"


def _as_dict(row: Row[Any] | None) -> dict[str, Any] | None:
    return None if row is None else dict(row._mapping)


class ExperimentStore:
    """Experiments and their events in one database (a SQLite file or PostgreSQL).

    ``url`` is a SQLAlchemy URL (``sqlite:///logs/experiments.db``,
    ``postgresql://user@host:port/dbname``) or a bare filesystem path to a
    SQLite file. Opening the store creates the parent directory and any
    missing tables; several processes (on several machines, for PostgreSQL)
    may open and write to the same new database at once. ``sqlite://`` is an
    in-memory database private to the calling thread, handy for examples.
    A PostgreSQL password comes from the environment (``PGPASSWORD``,
    ``~/.pgpass``), never from the URL.

    Every method runs in its own short transaction. Write transactions that
    meet a lock are retried with backoff.

    Example:
        >>> with ExperimentStore("sqlite://") as store:
        ...     store.create_experiment(
        ...         experiment_id="exp-1", name="demo", mode="isolated", config={"seed": 7},
        ...         config_hash="abc", sweep_id=None, job_num=None, seed=7)
        ...     attempt = store.start_attempt("exp-1", hostname="localhost", pid=os.getpid())
        ...     written = store.write_events("exp-1", attempt, {
        ...         "cycles": [{"cycle_number": 1, "duration_seconds": 0.5}],
        ...         "messages": [{"cycle_number": 1, "mind_id": "a", "role": "assistant",
        ...                       "content": "hello?", "tokens": 2}],
        ...     })
        ...     store.finish_attempt("exp-1", attempt, status="completed")
        ...     summary = store.summary("exp-1")
        >>> written, summary["status"], summary["total_cycles"], summary["messages_per_cycle"]
        (2, 'completed', 1, 1.0)
    """

    url: str
    """The normalised SQLAlchemy URL of the database."""

    def __init__(self, url: str | os.PathLike[str]) -> None:
        self.url = normalize_url(url)
        self._engine = make_engine(self.url)
        self._pruned_ok: bool | None = None
        self._pid = os.getpid()
        self._closed = False
        try:
            ensure_schema(self._engine, metadata, VIEWS)
        except BaseException:
            self._engine.dispose()
            raise

    def __repr__(self) -> str:
        return f"{type(self).__name__}({display_url(self.url)!r})"

    def __enter__(self) -> ExperimentStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release all database connections; the store cannot be used afterwards.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.close()
            >>> store.close()  # closing twice is harmless
        """
        if not self._closed:
            self._closed = True
            self._engine.dispose()

    # -- plumbing ---------------------------------------------------------------

    def _run(self, work: Callable[[Connection], T], *, read_only: bool = False) -> T:
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        if os.getpid() != self._pid:
            # Forked child: never reuse the parent's pooled connections.
            self._engine.dispose(close=False)
            self._pid = os.getpid()
        return run_transaction(self._engine, work, read_only=read_only)

    # -- experiments and attempts -----------------------------------------------

    def create_experiment(
        self,
        *,
        experiment_id: str,
        name: str,
        mode: str,
        config: dict[str, Any],
        config_hash: str,
        sweep_id: str | None,
        job_num: int | None,
        seed: int,
    ) -> None:
        """Register an experiment as 'pending', or refresh one that is not completed.

        If ``experiment_id`` exists and is not 'completed', its name, mode,
        config and config hash are updated; a completed experiment is left
        alone (running it again makes a new attempt, see :meth:`start_attempt`).

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.create_experiment(experiment_id="e", name="n", mode="m", config={},
            ...     config_hash="h", sweep_id="s", job_num=0, seed=1)
            >>> store.experiment("e")["status"]
            'pending'
            >>> store.close()
        """
        config_json = dumps(config)

        def work(conn: Connection) -> None:
            status = conn.execute(
                select(experiments.c.status)
                .where(experiments.c.experiment_id == experiment_id)
                .with_for_update()
            ).scalar_one_or_none()
            if status is None:
                conn.execute(
                    insert(experiments).values(
                        experiment_id=experiment_id,
                        name=name,
                        mode=mode,
                        config_json=config_json,
                        config_hash=config_hash,
                        sweep_id=sweep_id,
                        job_num=job_num,
                        seed=seed,
                        status="pending",
                        created_at=utc_now(),
                        attempts=0,
                    )
                )
            elif status != "completed":
                conn.execute(
                    update(experiments)
                    .where(experiments.c.experiment_id == experiment_id)
                    .values(name=name, mode=mode, config_json=config_json, config_hash=config_hash)
                )

        try:
            self._run(work)
        except IntegrityError:
            # Another process inserted the same id between our check and insert
            # (possible on servers with row-level locking); now it is an update.
            self._run(work)

    def start_attempt(self, experiment_id: str, *, hostname: str, pid: int) -> int:
        """Open the next attempt (1, 2, ...) and mark it and the experiment 'running'.

        Older attempts still marked running (their process died) become 'interrupted'.

        The experiment's error, stop reason, end time, summary and metrics are
        cleared until the new attempt finishes.

        Raises:
            ExperimentNotFoundError: no experiment ``experiment_id``.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.create_experiment(experiment_id="e", name="n", mode="m", config={},
            ...     config_hash="h", sweep_id=None, job_num=None, seed=1)
            >>> store.start_attempt("e", hostname="box", pid=123)
            1
            >>> store.start_attempt("e", hostname="box", pid=123)
            2
            >>> store.close()
        """

        return self._run(lambda conn: open_attempt(conn, experiment_id, hostname=hostname, pid=pid))

    def write_events(
        self, experiment_id: str, attempt: int, events: Mapping[str, Sequence[Mapping[str, Any]]]
    ) -> int:
        """Insert a batch of events in one transaction; return how many rows were written.

        ``events`` maps event table names (see ``EVENT_TABLES``) to lists of
        row dicts without ``id``, ``experiment_id`` and ``attempt``. Columns a
        row leaves out are NULL, except ``timestamp`` (the time of the call)
        and the message flags ``corrupted``/``injected`` (False). ``*_json`` columns accept dicts/lists and encode them. Each
        table's rows are sent with executemany, in the order given. The whole
        batch is validated before anything is written.

        Raises:
            ValueError: unknown table, or a row with an unknown column.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.create_experiment(experiment_id="e", name="n", mode="m", config={},
            ...     config_hash="h", sweep_id=None, job_num=None, seed=1)
            >>> attempt = store.start_attempt("e", hostname="box", pid=1)
            >>> store.write_events("e", attempt, {
            ...     "crashes": [{"cycle_number": 3, "mind_id": "a", "reason": "oom"}],
            ...     "memory_states": [{"cycle_number": 3, "mind_id": "a", "usage_mb": 9.5,
            ...                        "snapshot_json": {"messages": 4}}],
            ... })
            2
            >>> store.rows("memory_states", "e")[0]["snapshot_json"]
            '{"messages": 4}'
            >>> store.close()
        """
        batches: list[tuple[Table, list[list[dict[str, Any]]]]] = []
        total = 0
        now = utc_now()
        for name, rows in events.items():
            table = event_table(name)
            runs = prepare_rows(name, rows, experiment_id, attempt, now)
            total += sum(len(run) for run in runs)
            if runs:
                batches.append((table, runs))
        if not total:
            return 0

        def work(conn: Connection) -> None:
            for table, runs in batches:
                for run in runs:
                    conn.execute(insert(table), run)

        self._run(work)
        return total

    def finish_attempt(
        self,
        experiment_id: str,
        attempt: int,
        *,
        status: str,
        error: str | None = None,
        stop_reason: str | None = None,
        summary: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
    ) -> None:
        """Close an attempt as 'completed', 'failed' or 'interrupted'.

        The attempt gets its status, error, end time and duration. If it is the
        experiment's latest attempt, the experiment gets the same status,
        error, stop reason and end time, ``metrics`` (as JSON) and the summary
        columns: counted from the event tables, with any value given in
        ``summary`` taking precedence.

        Raises:
            ValueError: bad status, or an unknown key in ``summary``.
            ExperimentNotFoundError: no such experiment attempt.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.create_experiment(experiment_id="e", name="n", mode="m", config={},
            ...     config_hash="h", sweep_id=None, job_num=None, seed=1)
            >>> attempt = store.start_attempt("e", hostname="box", pid=1)
            >>> store.finish_attempt("e", attempt, status="failed", error="boom",
            ...     metrics={"score": 0.5})
            >>> row = store.experiment("e")
            >>> row["status"], row["error"], row["total_cycles"], row["metrics_json"]
            ('failed', 'boom', 0, '{"score": 0.5}')
            >>> store.close()
        """
        check_status(status, FINAL_STATUSES)
        if status == "pruned":
            stop_reason = PRUNED_STOP_REASON
            if not self._knows_pruned():  # an older database: its CHECK predates 'pruned'
                status = "interrupted"
        error = scrub(error)  # a server may echo a key in its error text
        overrides = dict(summary or {})
        unknown = sorted(set(overrides) - set(SUMMARY_COLUMNS))
        if unknown:
            raise ValueError(
                f"unknown summary key {unknown[0]!r}; allowed: {', '.join(SUMMARY_COLUMNS)}"
            )
        metrics_json = None if metrics is None else dumps(metrics)

        self._run(
            lambda conn: close_attempt(
                conn,
                experiment_id,
                attempt,
                status=status,
                error=error,
                stop_reason=stop_reason,
                metrics_json=metrics_json,
                overrides=overrides,
            )
        )

    def _knows_pruned(self) -> bool:
        """Whether this database's status constraint admits 'pruned' (one made before it
        existed does not, and keeps being readable and writable as it is).

        >>> ExperimentStore("sqlite://")._knows_pruned()
        True
        """
        if self._pruned_ok is None:

            def work(conn: Connection) -> bool:
                if conn.dialect.name == "sqlite":
                    sql = conn.exec_driver_sql(
                        "SELECT sql FROM sqlite_master WHERE type='table' AND name='attempts'"
                    ).scalar()
                else:
                    sql = conn.exec_driver_sql(
                        "SELECT string_agg(pg_get_constraintdef(c.oid), ' ') FROM pg_constraint c "
                        "JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = 'attempts' "
                        "AND c.contype = 'c'"
                    ).scalar()
                return sql is None or "pruned" in str(sql) or "pending" not in str(sql)

            self._pruned_ok = self._run(work, read_only=True)
        return self._pruned_ok

    def mark_stale_running(
        self, experiment_ids: Sequence[str] | None = None, status: str = "interrupted"
    ) -> int:
        """Mark experiments and attempts left 'running' as ``status``; return how many experiments.

        With ``experiment_ids`` the caller vouches that those experiments are
        no longer running: each of them still 'running' is marked, with its
        running attempts. With ``None`` only attempts whose process is known
        to be gone are marked (same host, and the pid no longer exists or now
        belongs to a newer process), together with their experiment if that
        attempt is its latest; attempts from other hosts are left alone.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.create_experiment(experiment_id="e", name="n", mode="m", config={},
            ...     config_hash="h", sweep_id=None, job_num=None, seed=1)
            >>> _ = store.start_attempt("e", hostname="box", pid=1)
            >>> store.mark_stale_running(["e"])
            1
            >>> store.experiment("e")["status"]
            'interrupted'
            >>> store.close()
        """
        check_status(status, FINAL_STATUSES)
        if experiment_ids is not None and not experiment_ids:
            return 0
        ids = None if experiment_ids is None else list(dict.fromkeys(experiment_ids))

        return self._run(lambda conn: mark_stale(conn, ids, status))

    # -- sweeps ----------------------------------------------------------------------

    def record_sweep(
        self,
        sweep_id: str,
        *,
        description: str | None = None,
        research_question: str | None = None,
        grid: Mapping[str, Any] | None = None,
        sweep_dir: str | None = None,
    ) -> None:
        """Register a sweep when one of its jobs starts (the first call sets ``started_at``).

        Later calls (every job calls) fill what is still empty and keep the rest; a grid with
        more keys than the recorded one replaces it (a job on a machine without the sweep dir
        knows only the sweeper's ``params``, not the command line's sweeps).

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.record_sweep("s1", description="rates", grid={"corruption_rate": "0,1"})
            >>> store.record_sweep("s1", research_question="when does it break?")
            >>> store.record_sweep("s1", grid={"corruption_rate": "0,1", "seed": "0,1"})
            >>> row = store.sweep("s1")
            >>> row["description"], row["research_question"], row["grid_json"], row["ended_at"]
            ('rates', 'when does it break?', '{"corruption_rate": "0,1", "seed": "0,1"}', None)
            >>> store.close()
        """
        values = {
            "description": description or None,
            "research_question": research_question or None,
            "grid_json": None if grid is None else dumps(dict(grid)),
            "sweep_dir": sweep_dir,
        }

        def work(conn: Connection) -> None:
            row = conn.execute(
                select(sweeps).where(sweeps.c.sweep_id == sweep_id).with_for_update()
            ).one_or_none()
            if row is None:
                conn.execute(
                    insert(sweeps).values(sweep_id=sweep_id, started_at=utc_now(), **values)
                )
                return
            fill = {k: v for k, v in values.items() if v is not None and row._mapping[k] is None}
            # a job that saw more of the grid (the sweep dir's multirun.yaml) completes it
            if grid is not None and row.grid_json is not None:
                if len(grid) > len(json.loads(row.grid_json)):
                    fill["grid_json"] = values["grid_json"]
            if fill:
                conn.execute(update(sweeps).where(sweeps.c.sweep_id == sweep_id).values(**fill))

        try:
            self._run(work)
        except IntegrityError:  # another job inserted it first: now it is an update
            self._run(work)

    def sweep_job_ended(self, sweep_id: str) -> None:
        """Note that a job of the sweep ended: ``ended_at`` becomes now (the latest job's end).

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.record_sweep("s1")
            >>> store.sweep_job_ended("s1")
            >>> row = store.sweep("s1")
            >>> row["ended_at"] >= row["started_at"]
            True
            >>> store.close()
        """

        def work(conn: Connection) -> None:
            conn.execute(
                update(sweeps).where(sweeps.c.sweep_id == sweep_id).values(ended_at=utc_now())
            )

        self._run(work)

    def sweep(self, sweep_id: str) -> dict[str, Any] | None:
        """Return the ``sweeps`` row as a dict, or None if it does not exist.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.sweep("nope") is None
            True
            >>> store.close()
        """
        return self._run(
            lambda conn: _as_dict(
                conn.execute(select(sweeps).where(sweeps.c.sweep_id == sweep_id)).one_or_none()
            ),
            read_only=True,
        )

    # -- reading -------------------------------------------------------------------

    def experiment(self, experiment_id: str) -> dict[str, Any] | None:
        """Return the ``experiments`` row as a dict, or None if it does not exist.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.experiment("nope") is None
            True
            >>> store.close()
        """
        return self._run(
            lambda conn: _as_dict(
                conn.execute(
                    select(experiments).where(experiments.c.experiment_id == experiment_id)
                ).one_or_none()
            ),
            read_only=True,
        )

    def summary(self, experiment_id: str, attempt: int | None = None) -> dict[str, Any]:
        """Summarise one attempt (the latest when ``attempt`` is None) from its events.

        Keys: ``experiment_id``, ``attempt`` (None before the first attempt),
        ``status`` (of that attempt; the experiment's before any attempt),
        ``attempts``, ``seed``, ``config_hash``, ``total_cycles``,
        ``total_crashes``, ``total_messages``, ``total_self_reports``,
        ``total_interventions``, ``crash_rate`` (crashes per cycle),
        ``messages_per_cycle`` (both 0.0 without cycles) and
        ``duration_seconds`` (of the attempt; time so far while it runs).

        Raises:
            ExperimentNotFoundError: unknown experiment, or unknown attempt.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.create_experiment(experiment_id="e", name="n", mode="m", config={},
            ...     config_hash="h", sweep_id=None, job_num=None, seed=1)
            >>> s = store.summary("e")
            >>> s["status"], s["attempt"], s["total_cycles"], s["crash_rate"]
            ('pending', None, 0, 0.0)
            >>> store.close()
        """

        return self._run(lambda conn: summarise(conn, experiment_id, attempt), read_only=True)

    def rows(
        self, table: str, experiment_id: str, attempt: int | None = None
    ) -> list[dict[str, Any]]:
        """Return the rows of an event table (or ``attempts``) for one experiment.

        ``attempt=None`` returns the rows of every attempt. Rows come in
        insertion order within each attempt.

        Raises:
            ValueError: ``table`` is neither an event table nor ``attempts``.

        Example:
            >>> store = ExperimentStore("sqlite://")
            >>> store.rows("cycles", "e")
            []
            >>> store.close()
        """
        if table not in _READABLE_TABLES:
            raise ValueError(f"unknown table {table!r}; allowed: {', '.join(_READABLE_TABLES)}")
        source = metadata.tables[table]
        query = select(source).where(source.c.experiment_id == experiment_id)
        if attempt is not None:
            query = query.where(source.c.attempt == attempt)
        order = [source.c.attempt] + ([source.c.id] if "id" in source.c else [])
        query = query.order_by(*order)
        return self._run(
            lambda conn: [dict(row._mapping) for row in conn.execute(query)], read_only=True
        )
