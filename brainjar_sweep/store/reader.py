"""Reading the experiments database without writing to it: the analysis's and the dry run's
questions, asked in one place.

A SQLite file is opened read-only (immutable when no writer is around, so reading leaves no
``-wal``/``-shm`` files behind); a PostgreSQL database through an engine whose sessions are
read-only, its password from the environment. Rows come back as tuples, in the columns each
method names; events in the order they were written, the same on every dialect.

Example:
    >>> import tempfile
    >>> from brainjar_sweep.store import ExperimentStore
    >>> url = f"sqlite:///{tempfile.mkdtemp()}/x.db"
    >>> with ExperimentStore(url) as store:
    ...     store.create_experiment(experiment_id="e1", name="demo", mode="isolated",
    ...         config={}, config_hash="h", sweep_id="s", job_num=0, seed=3)
    ...     attempt = store.start_attempt("e1", hostname="localhost", pid=1)
    ...     _ = store.write_events("e1", attempt, {"cycles": [{"cycle_number": 1}]})
    ...     store.finish_attempt("e1", attempt, status="completed")
    >>> with StoreReader.open(url) as db:
    ...     db.experiments(["e1"])[0][:3], db.events("cycles", ["e1"])[0][:3]
    (('e1', 3, 'h'), ('e1', 1, 1))
    >>> sweep_config_hashes(url, "s")
    [(0, 'h')]
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from brainjar_sweep.store.schema import event_columns

__all__ = [
    "EXPERIMENT_COLUMNS",
    "StoreReader",
    "StoreUnreadable",
    "PAST_RUN_COLUMNS",
    "past_cycle_seconds",
    "past_runs",
    "sweep_attempt_seconds",
    "sweep_config_hashes",
]

EXPERIMENT_COLUMNS: tuple[str, ...] = (
    "experiment_id",
    "seed",
    "config_hash",
    "stop_reason",
    "duration_seconds",
)
"""The columns :meth:`StoreReader.experiments` returns."""

ATTEMPT_COLUMNS: tuple[str, ...] = ("experiment_id", "attempt", "status")
"""The columns :meth:`StoreReader.attempts` returns."""

_CHUNK = 500  # ids per query (SQLite's bound-parameter limit is far above)


class StoreUnreadable(Exception):
    """The database cannot be read (missing, foreign, unreachable); the message says why, on
    one line, without a password.

    Example:
        >>> str(StoreUnreadable("no experiments DB at /x.db"))
        'no experiments DB at /x.db'
    """


def _plain(value: Any) -> Any:
    # booleans come back as 0/1 from SQLite: the same from a server, so the tables match
    return int(value) if isinstance(value, bool) else value


class StoreReader:
    """A read-only connection to an experiments database (open it with :meth:`open`).

    Example:
        >>> try:
        ...     StoreReader.open("sqlite:////nonexistent/x.db")
        ... except StoreUnreadable as e:
        ...     print(e)
        no experiments DB at /nonexistent/x.db
    """

    def __init__(self, conn: Any) -> None:
        self._conn = conn  # a sqlite3 connection, or an SQLAlchemy engine

    @classmethod
    def open(cls, url: str) -> StoreReader:
        """Connect to ``url`` read-only and check that it holds an experiments table.

        Raises:
            StoreUnreadable: it cannot be read; the message names it (without a password).
        """
        from sqlalchemy.engine import make_url

        from brainjar_sweep._errors import first_line
        from brainjar_sweep._imports import MissingExtra
        from brainjar_sweep.store._engine import display_url, make_engine, read_only_sqlite_uri

        try:
            parsed = make_url(url)
        except Exception:  # noqa: BLE001 - any malformed URL is reported, not raised
            raise StoreUnreadable(f"not a database URL: {display_url(url)}") from None
        if parsed.get_backend_name() == "sqlite":
            database = parsed.database or ""
            if database in ("", ":memory:"):
                raise StoreUnreadable(f"an in-memory database cannot be read: {url}")
            path = Path(database).expanduser()
            if not path.is_file():
                raise StoreUnreadable(f"no experiments DB at {path}")
            try:
                conn = sqlite3.connect(read_only_sqlite_uri(path), uri=True)
                conn.execute("SELECT 1 FROM experiments LIMIT 1")
            except sqlite3.Error as exc:
                raise StoreUnreadable(f"cannot read experiments DB {path}: {exc}") from None
            return cls(conn)
        shown = display_url(url)
        try:
            engine = make_engine(url, read_only=True, connect_timeout_s=10)
        except MissingExtra as exc:
            raise StoreUnreadable(f"cannot read experiments DB {shown}: {exc}") from None
        except Exception as exc:  # noqa: BLE001 - unknown dialects, bad URLs
            raise StoreUnreadable(
                f"cannot read experiments DB {shown}: {first_line(exc)}"
            ) from None
        try:
            with engine.connect() as c:
                c.exec_driver_sql("SELECT 1 FROM experiments WHERE 1 = 0")
        except Exception as exc:  # noqa: BLE001 - driver errors vary by dialect
            engine.dispose()
            raise StoreUnreadable(
                f"cannot read experiments DB {shown}: {first_line(exc)}"
            ) from None
        return cls(engine)

    def __enter__(self) -> StoreReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (or dispose of the engine)."""
        if isinstance(self._conn, sqlite3.Connection):
            self._conn.close()
        else:
            self._conn.dispose()

    def _fetch(self, sql: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """Run ``sql`` (with ``({ids})`` for the id list) over chunks of ``ids``."""
        rows: list[Any] = []
        if isinstance(self._conn, sqlite3.Connection):
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                rows += self._conn.execute(sql.format(ids=marks), chunk).fetchall()
            return rows
        from sqlalchemy import bindparam, text

        from brainjar_sweep.store._engine import READ_ONLY_OPTION

        # an expanding parameter renders its own parentheses
        stmt = text(sql.replace("({ids})", ":ids")).bindparams(bindparam("ids", expanding=True))
        with self._conn.connect() as c:
            c = c.execution_options(**{READ_ONLY_OPTION: True})
            with c.begin():
                for start in range(0, len(ids), _CHUNK):
                    chunk = list(ids[start : start + _CHUNK])
                    rows += [tuple(map(_plain, r)) for r in c.execute(stmt, {"ids": chunk})]
        return rows

    def experiments(self, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """Rows of :data:`EXPERIMENT_COLUMNS` for the experiments ``ids`` (those stored)."""
        return self._fetch(
            f"SELECT {', '.join(EXPERIMENT_COLUMNS)} FROM experiments"
            " WHERE experiment_id IN ({ids})",
            ids,
        )

    def attempts(self, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """Rows of :data:`ATTEMPT_COLUMNS`: every attempt of the experiments ``ids``."""
        return self._fetch(
            f"SELECT {', '.join(ATTEMPT_COLUMNS)} FROM attempts WHERE experiment_id IN ({{ids}})",
            ids,
        )

    def events(self, table: str, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """Rows of ``experiment_id``, ``attempt`` and :func:`~.schema.event_columns` of event
        table ``table`` for the experiments ``ids``, ordered by experiment (by code point),
        attempt and the order they were written."""
        columns = ", ".join(("experiment_id", "attempt", *event_columns(table)))
        if isinstance(self._conn, sqlite3.Connection):
            return self._fetch(
                f"SELECT {columns} FROM {table} WHERE experiment_id IN ({{ids}})"
                " ORDER BY experiment_id, attempt, id",
                ids,
            )
        # a server sorts text by its collation; sort here, by code point as SQLite does
        rows = self._fetch(
            f"SELECT {columns}, id FROM {table} WHERE experiment_id IN ({{ids}})", ids
        )
        rows.sort(key=lambda r: (r[0], -1 if r[1] is None else r[1], r[-1]))
        return [r[:-1] for r in rows]


def past_cycle_seconds(url: str, mode: str, mind_kind: str) -> float | None:
    """Mean seconds per cycle of the completed experiments of ``mode`` with a mind of
    ``mind_kind`` (None: none, or no readable database).

    Example:
        >>> past_cycle_seconds("sqlite:////nonexistent/x.db", "isolated", "simulated") is None
        True
    """
    import sqlalchemy as sa

    from brainjar_sweep.store._engine import make_engine, sqlite_path
    from brainjar_sweep.store.schema import experiments as e

    path = sqlite_path(url) if url.lower().startswith("sqlite") else None
    if url.lower().startswith("sqlite") and (path is None or not path.is_file()):
        return None
    query = sa.select(sa.func.sum(e.c.duration_seconds), sa.func.sum(e.c.total_cycles)).where(
        e.c.status == "completed",
        e.c.mode == mode,
        e.c.total_cycles > 0,
        e.c.config_json.like(f'%"kind": "{mind_kind}"%'),
    )
    try:
        engine = make_engine(url, read_only=True, connect_timeout_s=5)
        try:
            with engine.connect() as conn:
                seconds, cycles = conn.execute(query).one()
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - an unreadable DB only means no refinement
        return None
    if not seconds or not cycles:
        return None
    return float(seconds) / float(cycles)


PAST_RUN_COLUMNS: tuple[str, ...] = (
    "experiment_id",
    "sweep_id",
    "job_num",
    "status",
    "config_json",
    "total_cycles",
    "total_self_reports",
    "duration_seconds",
)
"""The columns :func:`past_runs` returns."""


def past_runs(url: str, limit: int = 5000) -> list[tuple[Any, ...]]:
    """The experiments that ended (completed or failed, with a duration and at least one
    cycle), newest first, at most ``limit``: what a duration estimate learns from. Columns:
    :data:`PAST_RUN_COLUMNS`. An empty list when there is no readable database.

    Example:
        >>> past_runs("sqlite:////nonexistent/x.db")
        []
    """
    import sqlalchemy as sa

    from brainjar_sweep.store._engine import make_engine, sqlite_path
    from brainjar_sweep.store.schema import experiments as e

    path = sqlite_path(url) if url.lower().startswith("sqlite") else None
    if url.lower().startswith("sqlite") and (path is None or not path.is_file()):
        return []
    query = (
        sa.select(*(e.c[name] for name in PAST_RUN_COLUMNS))
        .where(
            e.c.status.in_(("completed", "failed")),
            e.c.total_cycles > 0,
            e.c.duration_seconds.is_not(None),
        )
        .order_by(e.c.ended_at.desc())
        .limit(limit)
    )
    try:
        engine = make_engine(url, read_only=True, connect_timeout_s=5)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.execute(query)]
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - an unreadable DB only means no history
        return []


def sweep_attempt_seconds(url: str, sweep_id: str) -> dict[str, list[tuple[str, float]]]:
    """``(status, duration_seconds)`` of every attempt that ended, in order, of each
    experiment of ``sweep_id`` (by experiment id): a job run again learns from its own
    earlier attempts. One question for the whole sweep; empty when there are none or no
    readable database.

    Example:
        >>> sweep_attempt_seconds("sqlite:////nonexistent/x.db", "s")
        {}
    """
    import sqlalchemy as sa

    from brainjar_sweep.store._engine import make_engine, sqlite_path
    from brainjar_sweep.store.schema import attempts as a
    from brainjar_sweep.store.schema import experiments as e

    path = sqlite_path(url) if url.lower().startswith("sqlite") else None
    if url.lower().startswith("sqlite") and (path is None or not path.is_file()):
        return {}
    query = (
        sa.select(a.c.experiment_id, a.c.status, a.c.duration_seconds)
        .join(e, e.c.experiment_id == a.c.experiment_id)
        .where(e.c.sweep_id == sweep_id, a.c.duration_seconds.is_not(None))
        .order_by(a.c.experiment_id, a.c.attempt)
    )
    out: dict[str, list[tuple[str, float]]] = {}
    try:
        engine = make_engine(url, read_only=True, connect_timeout_s=5)
        try:
            with engine.connect() as conn:
                for eid, status, secs in conn.execute(query):
                    out.setdefault(str(eid), []).append((str(status), float(secs)))
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - an unreadable DB only means no history
        return {}
    return out


def sweep_config_hashes(url: str, sweep_id: str) -> list[tuple[int | None, str]]:
    """``(job_num, config_hash)`` of every experiment the database gives to ``sweep_id``.

    Raises:
        Exception: the database cannot be read (the caller decides what that means).
    """
    import sqlalchemy as sa

    from brainjar_sweep.store._engine import make_engine
    from brainjar_sweep.store.schema import experiments as e

    engine = make_engine(url, read_only=True, connect_timeout_s=10)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.select(e.c.job_num, e.c.config_hash).where(e.c.sweep_id == sweep_id)
            ).all()
    finally:
        engine.dispose()
    return [(r[0], r[1]) for r in rows]
