"""Engine construction, SQLite connection tuning and transaction retries.

Everything dialect-specific lives here so that :mod:`brainjar_sweep.store`
itself only speaks SQLAlchemy Core.

SQLite notes
------------
* Each new DBAPI connection gets ``journal_mode=WAL``, ``busy_timeout=30000``,
  ``foreign_keys=ON`` and ``synchronous=NORMAL``.
* pysqlite's own transaction handling is switched off (``isolation_level =
  None``) and every write transaction starts with ``BEGIN IMMEDIATE``. A
  deferred transaction that first reads and then writes has to upgrade its
  lock, and SQLite reports ``database is locked`` for that upgrade at once,
  without waiting for the busy timeout. Taking the write lock up front makes
  writers queue on the busy handler instead.
* Read-only transactions use a plain (deferred) ``BEGIN``: under WAL they read
  a snapshot and never wait for writers.
* :func:`run_transaction` retries a whole transaction, with jittered
  exponential backoff, if it still fails with a lock/busy error.
"""

from __future__ import annotations

import logging
import os
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "READ_ONLY_OPTION",
    "ensure_schema",
    "is_lock_error",
    "make_engine",
    "normalize_url",
    "run_transaction",
    "sqlite_path",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
"""How long SQLite waits for a lock before reporting ``database is locked``."""

READ_ONLY_OPTION = "brainjar_read_only"
"""Connection execution option; when true, SQLite opens a deferred transaction."""

_RETRIES = 5
_BASE_DELAY_S = 0.05
_MAX_DELAY_S = 2.0
_LOCK_MARKERS = (
    "database is locked",
    "database table is locked",
    "database is busy",
    "database schema is locked",
    "sqlite_busy",
    "deadlock detected",
    "could not serialize access",
)
# Arbitrary constant: PostgreSQL advisory lock key serialising schema creation.
_SCHEMA_LOCK_KEY = 0x6272_6A61_7273


def normalize_url(url: str | os.PathLike[str]) -> str:
    """Turn a database URL or a bare filesystem path into a SQLAlchemy URL.

    Anything containing ``://`` is taken as a URL; anything else is a path to
    a SQLite file and becomes an absolute ``sqlite:///`` URL.

    Example:
        >>> normalize_url("postgresql://u@db/exp")
        'postgresql://u@db/exp'
        >>> normalize_url("/data/experiments.db")
        'sqlite:////data/experiments.db'
    """
    raw = os.fspath(url)
    if "://" in raw:
        return raw
    return "sqlite:///" + str(Path(raw).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    """Return the database file of a SQLite URL, or None (other dialects, memory).

    Example:
        >>> sqlite_path("sqlite:////tmp/x/exp.db")
        PosixPath('/tmp/x/exp.db')
        >>> sqlite_path("sqlite://") is None
        True
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def is_lock_error(exc: BaseException) -> bool:
    """Tell whether ``exc`` is a transient lock/busy error worth retrying.

    Example:
        >>> import sqlite3
        >>> is_lock_error(sqlite3.OperationalError("database is locked"))
        True
        >>> is_lock_error(sqlite3.OperationalError("no such table: x"))
        False
    """
    if isinstance(exc, DBAPIError):
        if not isinstance(exc, OperationalError) and not _is_dbapi_operational(exc.orig):
            return False
        message = str(exc.orig)
    elif isinstance(exc, sqlite3.OperationalError) or _is_dbapi_operational(exc):
        message = str(exc)
    else:
        return False
    message = message.lower()
    return any(marker in message for marker in _LOCK_MARKERS)


def _is_dbapi_operational(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__name__ in (
        "OperationalError",
        "TransactionRollbackError",
    )


def _backoff(attempt: int) -> float:
    delay = min(_MAX_DELAY_S, _BASE_DELAY_S * (2**attempt))
    return delay * random.uniform(0.5, 1.5)


def _sqlite_on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy's "begin" event (see module docs).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    # Switching a fresh file to WAL needs a short exclusive lock; when several
    # processes open the same new file at once, one of them may be refused.
    for attempt in range(_RETRIES * 2):
        try:
            mode = str(cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]).lower()
        except sqlite3.OperationalError as exc:
            if not is_lock_error(exc):
                raise
        else:
            if mode in ("wal", "memory"):
                return
        time.sleep(_backoff(attempt))
    log.warning("could not switch SQLite journal_mode to WAL; concurrent writers will be slower")


def _sqlite_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """Create an :class:`~sqlalchemy.Engine` for ``url``, tuned for concurrent writers.

    For a SQLite file the parent directory is created and the connection
    hooks described in the module docstring are installed.

    Example:
        >>> engine = make_engine("sqlite://")
        >>> with engine.connect() as conn:
        ...     conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        1
        >>> engine.dispose()
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def run_transaction(
    engine: Engine, work: Callable[[Connection], T], *, read_only: bool = False
) -> T:
    """Run ``work(conn)`` in one transaction, retrying it on lock/busy errors.

    The transaction commits when ``work`` returns and rolls back when it
    raises. ``work`` may run more than once, so it must not have side effects
    outside the database.

    Example:
        >>> engine = make_engine("sqlite://")
        >>> run_transaction(engine, lambda conn: conn.exec_driver_sql("SELECT 41 + 1").scalar())
        42
        >>> engine.dispose()
    """
    for attempt in range(_RETRIES):
        try:
            with engine.connect() as conn:
                if read_only:
                    conn.execution_options(**{READ_ONLY_OPTION: True})
                with conn.begin():
                    return work(conn)
        except (DBAPIError, sqlite3.OperationalError) as exc:
            if attempt == _RETRIES - 1 or not is_lock_error(exc):
                raise
            delay = _backoff(attempt)
            log.debug("transaction hit %s; retry %d in %.3fs", exc, attempt + 1, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover


def ensure_schema(engine: Engine, metadata: MetaData) -> None:
    """Create the tables of ``metadata`` that are missing, safely under concurrency.

    A read-only check skips all work when the schema exists. Otherwise the
    check and the ``CREATE TABLE`` statements run in one write transaction
    (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so
    processes that open the same new database at once do not collide.

    Example:
        >>> from sqlalchemy import MetaData, Table, Column, Integer
        >>> md = MetaData()
        >>> _ = Table("t", md, Column("id", Integer, primary_key=True))
        >>> engine = make_engine("sqlite://")
        >>> ensure_schema(engine, md)
        >>> ensure_schema(engine, md)  # idempotent
        >>> engine.dispose()
    """
    wanted = set(metadata.tables)

    def missing(conn: Connection) -> set[str]:
        return wanted - set(inspect(conn).get_table_names())

    if not run_transaction(engine, missing, read_only=True):
        return

    def create(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        metadata.create_all(conn, checkfirst=True)

    try:
        run_transaction(engine, create)
    except (IntegrityError, ProgrammingError, OperationalError) as exc:
        # A server without transactional DDL locking may still let another
        # process win the race; its tables are then there and a second pass
        # (with checkfirst) has nothing left to do.
        if "already exists" not in str(exc).lower():
            raise
        run_transaction(engine, create)
