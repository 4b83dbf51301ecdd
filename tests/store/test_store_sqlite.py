"""What only the SQLite store has: pragmas, WAL, file paths, file locks, the immutable reader.

The tests every backend shares are in tests/store/test_store.py; these use real SQLite files.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError
from test_store import HOST, _batch, _count, _create

from brainjar_sweep.store import ExperimentStore, _engine, default_db_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ExperimentStore]:
    with ExperimentStore(tmp_path / "experiments.db") as opened:
        yield opened


def test_pragmas_and_wal(store: ExperimentStore) -> None:
    with store._engine.connect() as conn:
        pragmas = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 30000,
        "synchronous": 1,  # NORMAL
    }

    # WAL is a property of the file: a plain sqlite3 connection sees it too.
    raw = sqlite3.connect(_engine.sqlite_path(store.url))
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        raw.close()


def test_url_forms_parent_dirs_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "exp.db"
    with ExperimentStore(str(path)) as first:
        assert first.url == f"sqlite:///{path}"
        _create(first)
    assert path.exists()
    with ExperimentStore(f"sqlite:///{path}") as again:  # reopening is idempotent
        assert again.experiment("exp-1")["name"] == "jar"
    assert default_db_path() == Path.cwd() / "logs" / "experiments.db"
    assert _engine.normalize_url("postgresql://u:secret@db/x") == "postgresql://u:secret@db/x"
    assert _engine.sqlite_path("postgresql://u:secret@db/x") is None


# -- locking ----------------------------------------------------------------------------


def test_writer_waits_for_a_held_write_lock_and_reader_does_not(store: ExperimentStore) -> None:
    _create(store)
    attempt = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    blocker = sqlite3.connect(_engine.sqlite_path(store.url), isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("UPDATE experiments SET name = 'locked' WHERE experiment_id = 'exp-1'")
    result: dict[str, Any] = {}

    def write() -> None:
        try:
            result["n"] = store.write_events("exp-1", attempt, _batch(1))
        except BaseException as exc:  # pragma: no cover - reported below
            result["error"] = exc

    thread = threading.Thread(target=write)
    thread.start()
    try:
        time.sleep(0.5)
        assert thread.is_alive(), "writer should wait on the busy handler"
        # WAL readers are not blocked by the pending writer
        assert store.experiment("exp-1")["name"] == "jar"
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    thread.join(timeout=30)
    assert "error" not in result
    assert result["n"] == sum(_count(_batch(1)).values())
    assert store.experiment("exp-1")["name"] == "locked"


def test_lock_error_classification() -> None:
    assert _engine.is_lock_error(sqlite3.OperationalError("database is locked"))
    assert _engine.is_lock_error(sqlite3.OperationalError("database table is locked: x"))
    assert not _engine.is_lock_error(sqlite3.OperationalError("no such column: x"))
    assert not _engine.is_lock_error(ValueError("database is locked"))


# --------------------------------------------------------------------------- the read API


def test_the_reader_gives_each_jobs_rows_in_the_order_written(tmp_path: Path) -> None:
    from brainjar_sweep.store import StoreReader, event_columns

    url = f"sqlite:///{tmp_path / 'x.db'}"
    with ExperimentStore(url) as store:
        for n, eid in enumerate(["b", "a"]):
            _create(store, eid, sweep_id="s", job_num=n)
            for _ in range(2):
                attempt = store.start_attempt(eid, hostname=HOST, pid=os.getpid())
                rows = [{"cycle_number": c, "question_id": f"q{c}"} for c in (2, 1)]
                store.write_events(eid, attempt, {"self_reports": rows})
                store.finish_attempt(eid, attempt, status="completed")
    with StoreReader.open(url) as reader:
        events = reader.events("self_reports", ["a", "b", "none"])
        assert [r[:3] for r in events] == [
            (e, a, c) for e in ("a", "b") for a in (1, 2) for c in (2, 1)
        ]
        assert len(events[0]) == 2 + len(event_columns("self_reports"))
        assert sorted(reader.attempts(["a"])) == [("a", 1, "completed"), ("a", 2, "completed")]
        assert [r[:2] for r in sorted(reader.experiments(["a", "b", "none"]))] == [
            ("a", 3),
            ("b", 3),
        ]
    # the file is read immutable: nothing written beside it
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.db"]


def test_the_reader_refuses_what_is_not_an_experiments_db_in_one_line(tmp_path: Path) -> None:
    from brainjar_sweep.store import StoreReader, StoreUnreadable

    foreign = tmp_path / "foreign.db"
    sqlite3.connect(foreign).execute("create table t (x)").connection.close()
    for url, says in (
        (f"sqlite:///{tmp_path / 'none.db'}", "no experiments DB at"),
        (f"sqlite:///{foreign}", "cannot read experiments DB"),
        ("sqlite://", "an in-memory database cannot be read"),
    ):
        with pytest.raises(StoreUnreadable, match=says) as caught:
            StoreReader.open(url)
        assert "\n" not in str(caught.value)


def test_past_cycle_seconds_and_a_sweeps_hashes(tmp_path: Path) -> None:
    from brainjar_sweep.store import past_cycle_seconds, sweep_config_hashes

    url = f"sqlite:///{tmp_path / 'x.db'}"
    assert past_cycle_seconds(url, "isolated", "simulated") is None  # no file yet
    with ExperimentStore(url) as store:
        _create(store, "e0", sweep_id="s", job_num=0, config={"mind": {"kind": "simulated"}})
        attempt = store.start_attempt("e0", hostname=HOST, pid=os.getpid())
        store.write_events("e0", attempt, {"cycles": [{"cycle_number": c} for c in range(4)]})
        store.finish_attempt("e0", attempt, status="completed", summary={"duration_seconds": 2.0})
    assert past_cycle_seconds(url, "isolated", "simulated") == pytest.approx(0.5)
    assert past_cycle_seconds(url, "isolated", "llama_cpp") is None
    assert past_cycle_seconds(url, "split_brain", "simulated") is None
    assert sweep_config_hashes(url, "s") == [(0, "hash-1")]
    assert sweep_config_hashes(url, "other") == []


def test_a_pruned_experiment_in_a_new_and_in_an_older_database(tmp_path: Path) -> None:
    new = tmp_path / "new.db"
    with ExperimentStore(new) as store:
        _create(store)
        attempt = store.start_attempt("exp-1", hostname="box", pid=1)
        store.finish_attempt("exp-1", attempt, status="pruned")
        row = store.experiment("exp-1")
        assert (row["status"], row["stop_reason"]) == ("pruned", "pruned")
        assert store.rows("attempts", "exp-1")[0]["status"] == "pruned"
    # a database made before 'pruned' existed: its status constraints do not admit it
    old = tmp_path / "old.db"
    ExperimentStore(old).close()
    con = sqlite3.connect(old)
    con.execute("PRAGMA writable_schema=ON")
    con.execute(
        "UPDATE sqlite_master SET sql = replace(sql, ', ''pruned''', '') WHERE type='table'"
    )
    con.commit()
    con.close()
    con = sqlite3.connect(old)
    assert "pruned" not in con.execute("SELECT group_concat(sql) FROM sqlite_master").fetchone()[0]
    con.close()
    with ExperimentStore(old) as store:
        _create(store)
        attempt = store.start_attempt("exp-1", hostname="box", pid=1)
        store.finish_attempt("exp-1", attempt, status="pruned")
        row = store.experiment("exp-1")
        assert (row["status"], row["stop_reason"]) == ("interrupted", "pruned")
        with pytest.raises(IntegrityError):  # the older constraint is really there
            store._run(
                lambda c: c.exec_driver_sql("UPDATE attempts SET status = 'pruned'"),
            )
