"""The store's answers for a sweep being watched while it runs: each job's progress and its
latest events, from a database other processes are writing.

Read-only by construction (a SQLite file opened with ``mode=ro`` and ``query_only``, a
PostgreSQL session set read-only), and cheap to ask every half second: one kept SQLite
connection, and each question names one experiment and attempt, so it reads the tables'
index on (experiment, attempt) rather than the tables.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["JobProgress", "LiveReader"]


@dataclass
class JobProgress:
    """What the database says about one experiment's latest attempt so far."""

    attempt: int | None = None
    cycle: int | None = None
    crashes: int = 0
    memory_mb: float | None = None
    limit_mb: float | None = None
    gist: str | None = None
    status: str | None = None


class LiveReader:
    """The experiments database, opened read-only (SQLite ``mode=ro``, PostgreSQL read-only).

    >>> db = LiveReader("sqlite:////no/such/dir/experiments.db")
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
        """Latest attempt's cycle, crashes, memory and last self-report of each experiment.

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
            prog = out[eid] = JobProgress(attempt=att, status=status)
            key = [eid, att]
            where = "WHERE experiment_id = ? AND attempt = ?"
            got = self._query(f"SELECT MAX(cycle_number) FROM cycles {where}", key)
            prog.cycle = got[0][0] if got else None
            got = self._query(f"SELECT COUNT(*), MAX(limit_mb) FROM crashes {where}", key)
            if got:
                prog.crashes, prog.limit_mb = int(got[0][0] or 0), got[0][1]
            got = self._query(
                f"SELECT usage_mb FROM memory_states {where} ORDER BY id DESC LIMIT 1", key
            )
            prog.memory_mb = got[0][0] if got else None
            got = self._query(
                "SELECT question_id, response, scale_value FROM self_reports "
                f"{where} ORDER BY id DESC LIMIT 1",
                key,
            )
            prog.gist = _gist(*got[0]) if got else None
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
                ("cycle", "mind", "crash", "reason", "memory_mb", "limit_mb", "remembers"),
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
