"""Checks of the experiments database around a sweep: before the first job, after the last.

:func:`database_problem` tells, before anything runs, why a database cannot take a sweep's
experiments: a file that is not SQLite, another program's SQLite database (whose tables we
would otherwise add ours to), a file or directory that cannot be written, a server that
does not answer. :func:`stored_status` tells, after the jobs, whether an experiment's rows
are still in the database at its URL (they are not when the file was deleted or replaced
while the sweep ran).
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

from brainjar_sweep.store._engine import (
    check_server,
    make_engine,
    read_only_sqlite_uri,
    sqlite_path,
)
from brainjar_sweep.store.schema import metadata

__all__ = ["database_problem", "sqlite_file_problem", "stored_status"]

_SQLITE_MAGIC = b"SQLite format 3\x00"
# URLs that passed in this process (a sweep validates every job; the DB is checked once)
_CHECKED: set[str] = set()


def _writable_parent(path: Path) -> str | None:
    probe = path.absolute().parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is a file, not a directory"
    if not os.access(probe, os.W_OK | os.X_OK):
        return f"{probe} is not writable"
    return None


def _foreign(tables: set[str]) -> str | None:
    if not tables or "experiments" in tables:
        return None
    shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
    return f"another program's database (tables: {shown})"


def sqlite_file_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a writable SQLite database (whoever's tables it holds), or None."""
    why = _sqlite_problem(path, file_only=True)
    return why


def _sqlite_problem(path: Path, file_only: bool = False) -> str | None:
    if not path.exists():
        why = _writable_parent(path)
        return f"it cannot be created: {why}" if why else None
    if not path.is_file():
        return f"{path} is not a file"
    try:
        with open(path, "rb") as f:
            head = f.read(len(_SQLITE_MAGIC))
    except OSError as e:
        return f"{path} cannot be read: {e.strerror or e}"
    if head and head != _SQLITE_MAGIC:
        return f"{path} is not a SQLite database"
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK | os.X_OK):
        return f"{path} is not writable"
    if not head or file_only:
        return None  # an empty file: SQLite makes it a database
    try:
        conn = sqlite3.connect(read_only_sqlite_uri(path), uri=True, timeout=30)
        try:
            names = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
            tables = {str(n) for (n,) in names if not str(n).startswith("sqlite_")}
            if "experiments" in tables:
                columns = {r[1] for r in conn.execute("PRAGMA table_info(experiments)")}
                missing = {c.name for c in metadata.tables["experiments"].columns} - columns
                if missing:
                    return f"{path} has another program's experiments table"
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        return f"{path} is not a readable SQLite database ({e})"
    foreign = _foreign(tables)
    return f"{path} is {foreign}" if foreign else None


def database_problem(url: str) -> str | None:
    """Why the experiments database at ``url`` cannot take experiments, or None.

    Reachable, ours or empty, writable: a SQLite file must be a SQLite database with our
    tables, an empty database or file, or not exist yet in a directory that can be
    created; a server must answer and hold our tables or none.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> database_problem(f"sqlite:///{d}/logs/experiments.db") is None
    True
    >>> _ = (d / "notes.db").write_text("my notes")
    >>> database_problem(f"sqlite:///{d}/notes.db").endswith("notes.db is not a SQLite database")
    True
    """
    if url in _CHECKED:
        return None
    path = sqlite_path(url) if url.startswith("sqlite") else None
    if path is not None:
        why = _sqlite_problem(path)
    elif url.startswith("sqlite"):
        why = None  # in memory
    else:
        why = check_server(url) or _server_tables_problem(url)
    if why is None:
        _CHECKED.add(url)
    return why


def _server_tables_problem(url: str) -> str | None:
    from sqlalchemy import inspect

    engine = make_engine(url, read_only=True, connect_timeout_s=10)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
    except Exception:  # noqa: BLE001 - the connection itself was checked just before
        return None
    finally:
        engine.dispose()
    return _foreign(tables)


def stored_status(url: str, experiment_id: str) -> str | None:
    """The status the database at ``url`` holds for an experiment; None if it is not there.

    A SQLite file that no longer exists holds nothing (None); it is never created here.

    >>> import tempfile
    >>> stored_status(f"sqlite:///{tempfile.mkdtemp()}/gone.db", "e1") is None
    True
    """
    path = sqlite_path(url) if url.startswith("sqlite") else None
    sql = "SELECT status FROM experiments WHERE experiment_id = ?"
    if path is not None:
        if not path.is_file():
            return None
        conn = sqlite3.connect(read_only_sqlite_uri(path), uri=True, timeout=30)
        try:
            row = conn.execute(sql, (experiment_id,)).fetchone()
        except sqlite3.DatabaseError:
            return None
        finally:
            conn.close()
        return None if row is None else str(row[0])
    from sqlalchemy import text

    engine = _ENGINES.get(url)
    if engine is None:  # one engine per server and process: a sweep asks once per job
        engine = _ENGINES[url] = make_engine(url, read_only=True, connect_timeout_s=10)
    with engine.connect() as conn:
        row = conn.execute(text(sql.replace("?", ":eid")), {"eid": experiment_id}).fetchone()
    return None if row is None else str(row[0])


_ENGINES: dict[str, Any] = {}
