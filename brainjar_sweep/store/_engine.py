"""Engine construction, SQLite and PostgreSQL connection tuning and transaction retries.

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

PostgreSQL notes
----------------
* Users write ``postgresql://user@host:port/dbname``; :func:`driver_url` picks
  psycopg2 when it is installed, else psycopg 3 (``postgresql+psycopg``, the
  ``[postgres]`` extra). Without either, one line says how to install it.
* Credentials never travel in the URL: libpq reads ``PGPASSWORD``,
  ``PGPASSFILE`` (``~/.pgpass``), ``PGUSER``, ``PGSSLMODE`` ... from the
  environment of each process. :func:`url_has_password` tells a URL that
  carries one (the config refuses it), :func:`display_url` masks it.
* Read-only transactions run as ``SET TRANSACTION READ ONLY``; a read-only
  engine (``make_engine(url, read_only=True)``) also sets the session's
  ``default_transaction_read_only``, so nothing it runs can write.
* Serialization failures and deadlocks are retried like SQLite's lock errors.
* :func:`check_server` is the pre-flight check: can a connection be made?
"""

from __future__ import annotations

import importlib.util
import logging
import os
import random
import re
import sqlite3
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, MetaData, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError

__all__ = [
    "BUSY_TIMEOUT_MS",
    "PASSWORD_HINT",
    "READ_ONLY_OPTION",
    "check_server",
    "display_url",
    "driver_url",
    "ensure_schema",
    "is_lock_error",
    "make_engine",
    "normalize_url",
    "require_driver",
    "run_transaction",
    "sqlite_path",
    "url_has_password",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

BUSY_TIMEOUT_MS = 30_000
"""How long SQLite waits for a lock before reporting ``database is locked``."""

READ_ONLY_OPTION = "brainjar_read_only"
"""Connection execution option; when true, the transaction is read-only.

SQLite opens a deferred transaction; PostgreSQL runs ``SET TRANSACTION READ ONLY``.
"""

PASSWORD_HINT = "a URL without a password; set PGPASSWORD or use ~/.pgpass"
"""What a database URL may hold instead of a password (the config's error text)."""

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


def experiment_db_url(db: Mapping[str, Any], cwd: str | os.PathLike[str]) -> str:
    """The URL of an experiment's database: its ``db.url``, else its ``db.path`` (relative
    ones against ``cwd``, the dir the run started in) as a SQLite URL.

    Example:
        >>> experiment_db_url({"url": None, "path": "logs/experiments.db"}, "/data")
        'sqlite:////data/logs/experiments.db'
        >>> experiment_db_url({"url": "postgresql://u@db/exp", "path": "x"}, "/data")
        'postgresql://u@db/exp'
    """
    if db.get("url"):
        return str(db["url"])
    path = Path(str(db["path"])).expanduser()
    if not path.is_absolute():
        path = Path(cwd) / path
    return f"sqlite:///{path}"


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


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def _is_postgres(url: str) -> bool:
    return _scheme(url).split("+", 1)[0] in ("postgresql", "postgres")


def driver_url(url: str, *, psycopg2_installed: bool | None = None) -> str:
    """The URL SQLAlchemy connects with: an explicit driver for a plain ``postgresql://`` URL.

    ``postgresql://`` (or ``postgres://``) becomes ``postgresql+psycopg2://`` when
    psycopg2 is installed, else ``postgresql+psycopg://`` (psycopg 3, the ``[postgres]``
    extra), whatever SQLAlchemy's own default is. An explicit driver and other dialects
    are kept. ``psycopg2_installed`` (None: look) is for the examples;
    :func:`require_driver` tells whether the chosen driver can be imported.

    Example:
        >>> driver_url("postgresql://lab@head:5432/brainjar", psycopg2_installed=False)
        'postgresql+psycopg://lab@head:5432/brainjar'
        >>> driver_url("postgres://lab@head/brainjar", psycopg2_installed=True)
        'postgresql+psycopg2://lab@head/brainjar'
        >>> driver_url("postgresql+psycopg://lab@head/brainjar", psycopg2_installed=True)
        'postgresql+psycopg://lab@head/brainjar'
        >>> driver_url("sqlite:////data/experiments.db")
        'sqlite:////data/experiments.db'
    """
    scheme = _scheme(url)
    if scheme not in ("postgresql", "postgres"):
        return url
    if psycopg2_installed is None:
        psycopg2_installed = importlib.util.find_spec("psycopg2") is not None
    driver = "postgresql+psycopg2" if psycopg2_installed else "postgresql+psycopg"
    return f"{driver}://{url.split('://', 1)[1]}"


def require_driver(url: str) -> None:
    """Raise one line naming the extra to install if the driver ``url`` needs is missing.

    Raises:
        MissingExtra: ``psycopg is not installed: pip install "brainjar-sweep[postgres]"``.

    Example:
        >>> require_driver("sqlite:////data/experiments.db")  # nothing to install
    """
    from brainjar_sweep._imports import try_import

    scheme = _scheme(driver_url(url))
    if scheme == "postgresql+psycopg":
        with try_import("postgres") as imported:
            import psycopg  # noqa: F401
    elif scheme == "postgresql+psycopg2":
        with try_import("postgres", package="psycopg2") as imported:
            import psycopg2  # noqa: F401
    else:
        return
    imported.check()


def url_has_password(url: str) -> bool:
    """Whether a database URL carries a password (``user:pw@`` or ``?password=``).

    Example:
        >>> url_has_password("postgresql://lab:s3cret@head/brainjar")
        True
        >>> url_has_password("postgresql://lab@head/brainjar?password=s3cret")
        True
        >>> url_has_password("postgresql://lab@head/brainjar")
        False
    """
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - an unparsable URL is checked by its text
        return bool(re.search(r"://[^/@]*:[^/@]*@", url)) or "password=" in url.lower()
    return parsed.password is not None or any(k.lower() == "password" for k in parsed.query)


def display_url(url: str) -> str:
    """A database URL fit for logs and files: any password shown as ``***``.

    SQLite URLs (which hold no password) are returned as they are, so that their
    path reads back unchanged; server URLs are rendered by SQLAlchemy with
    ``hide_password=True``, and a ``password`` query parameter is masked too.

    Example:
        >>> display_url("postgresql://lab:s3cret@head:5432/brainjar")
        'postgresql://lab:***@head:5432/brainjar'
        >>> display_url("postgresql://lab@head/brainjar?password=s3cret")
        'postgresql://lab@head/brainjar?password=***'
        >>> display_url("sqlite:////data/my experiments.db")
        'sqlite:////data/my experiments.db'
    """
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - mask what looks like a password in the text
        masked = re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)
        return re.sub(r"(?i)(password=)[^&]*", r"\1***", masked)
    if parsed.get_backend_name() == "sqlite":
        return url
    query = {k: ("***" if k.lower() == "password" else v) for k, v in parsed.query.items()}
    shown = parsed.set(query=query).render_as_string(hide_password=True)
    return shown.replace("password=%2A%2A%2A", "password=***")


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


def _postgres_on_begin(conn: Connection) -> None:
    if conn.get_execution_options().get(READ_ONLY_OPTION):
        # the first statement of the transaction the driver opens implicitly
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def _postgres_connect_args(url: str, *, read_only: bool, timeout_s: float | None) -> dict[str, Any]:
    """libpq parameters added to what the URL says (the URL's own values win)."""
    query = make_url(url).query
    args: dict[str, Any] = {}
    if "application_name" not in query:
        args["application_name"] = "brainjar-sweep"
    if timeout_s is not None and "connect_timeout" not in query:
        args["connect_timeout"] = max(2, int(timeout_s))  # libpq's smallest useful value
    if read_only:
        options = query.get("options") or ""
        if isinstance(options, tuple):
            options = " ".join(options)
        args["options"] = f"{options} -c default_transaction_read_only=on".strip()
    return args


def make_engine(
    url: str, *, read_only: bool = False, connect_timeout_s: float | None = None
) -> Engine:
    """Create an :class:`~sqlalchemy.Engine` for ``url``, tuned for concurrent writers.

    For a SQLite file the parent directory is created and the connection
    hooks described in the module docstring are installed. A PostgreSQL URL
    gets its driver (:func:`driver_url`), and transactions run with the
    :data:`READ_ONLY_OPTION` become ``READ ONLY``. With ``read_only=True`` a
    PostgreSQL session cannot write at all (``default_transaction_read_only``);
    ``connect_timeout_s`` bounds how long a connection attempt waits.

    Raises:
        MissingExtra: a PostgreSQL URL and no driver installed (one line).

    Example:
        >>> engine = make_engine("sqlite://")
        >>> with engine.connect() as conn:
        ...     conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        1
        >>> engine.dispose()
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if not _is_postgres(url):
            return create_engine(url, pool_pre_ping=True)
        require_driver(url)
        engine = create_engine(
            driver_url(url),
            pool_pre_ping=True,
            connect_args=_postgres_connect_args(
                url, read_only=read_only, timeout_s=connect_timeout_s
            ),
        )
        event.listen(engine, "begin", _postgres_on_begin)
        return engine
    path = sqlite_path(url)
    if path is not None and not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


# URLs a connection was made to in this process (a sweep checks each job's URL once)
_REACHABLE: set[str] = set()


def _connect_reason(exc: BaseException) -> str:
    """A one-line, password-free reason from a driver's connection error.

    Example:
        >>> _connect_reason(OSError('connection failed: connection to server at "127.0.0.1", '
        ...     'port 9 failed: Connection refused\\n\\tIs the server running on that host?'))
        'connection refused'
    """
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip()
    line = text.splitlines()[0].strip() if text else type(inner).__name__
    line = line.removeprefix("connection failed: ")
    match = re.match(r"connection to server (?:at|on) .*? failed: (.*)", line)
    if match:
        line = match.group(1)
    line = re.sub(r"^(FATAL|ERROR):\s+", "", line).strip() or type(inner).__name__
    line = line[0].lower() + line[1:]
    if "password" in line or "fe_sendauth" in line:
        line += " (set PGPASSWORD or use ~/.pgpass)"
    return line


def check_server(url: str, *, timeout_s: float = 5.0) -> str | None:
    """Whether a connection to the database server of ``url`` can be made: None, or why not.

    The pre-flight check of a run or a sweep: it connects and runs ``SELECT 1``.
    SQLite files need no server (None). A success is remembered for the process,
    so validating every job of a sweep connects once.

    Raises:
        MissingExtra: a PostgreSQL URL and no driver installed (one line).

    Example:
        >>> check_server("sqlite:////data/experiments.db") is None
        True
        >>> check_server("postgresql://lab@127.0.0.1:9/brainjar")  # doctest: +SKIP
        'connection refused'
    """
    if not _is_postgres(url) or url in _REACHABLE:
        return None
    engine = make_engine(url, read_only=True, connect_timeout_s=timeout_s)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - every driver error becomes a reason
        return _connect_reason(exc)
    finally:
        engine.dispose()
    _REACHABLE.add(url)
    return None


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


def ensure_schema(
    engine: Engine, metadata: MetaData, views: Mapping[str, Callable[[str], str]] | None = None
) -> None:
    """Create the tables of ``metadata`` and the ``views`` that are missing, safely under concurrency.

    ``views`` maps a view's name to a function of the dialect's name that returns its
    ``CREATE VIEW`` statement; a database of an earlier version gets the tables and views
    added since.

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
    views = dict(views or {})

    def missing_views(conn: Connection) -> set[str]:
        return set(views) - set(inspect(conn).get_view_names()) if views else set()

    def missing(conn: Connection) -> set[str]:
        return (wanted - set(inspect(conn).get_table_names())) | missing_views(conn)

    if not run_transaction(engine, missing, read_only=True):
        return

    def create(conn: Connection) -> None:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK_KEY})
        metadata.create_all(conn, checkfirst=True)
        for name in sorted(missing_views(conn)):
            conn.exec_driver_sql(views[name](conn.dialect.name))

    try:
        run_transaction(engine, create)
    except (IntegrityError, ProgrammingError, OperationalError) as exc:
        # A server without transactional DDL locking may still let another
        # process win the race; its tables are then there and a second pass
        # (with checkfirst) has nothing left to do.
        if "already exists" not in str(exc).lower():
            raise
        run_transaction(engine, create)


def read_only_sqlite_uri(path: str | Path) -> str:
    """A URI that opens the SQLite file ``path`` for reading without leaving files behind.

    A quiescent file (no ``-wal``, ``-journal`` or ``-shm`` beside it) is opened immutable, so
    the read creates no ``-wal``/``-shm``; with a writer around, a plain read-only open.

    >>> read_only_sqlite_uri("/nonexistent/x.db")
    'file:/nonexistent/x.db?immutable=1'
    """
    busy = any(Path(f"{path}{s}").exists() for s in ("-wal", "-journal", "-shm"))
    return f"file:{path}?{'mode=ro' if busy else 'immutable=1'}"
