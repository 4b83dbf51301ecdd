"""Tests of brainjar_sweep.store written once and run on each backend (no mocks).

``store_url`` gives a fresh database on SQLite (a real file) and on PostgreSQL (a database of
its own on the server from tests/conftest.py; that leg is skipped with the reason when no server
can be had, and fails instead under ``BRAINJAR_REQUIRE_POSTGRES=1``). What only one backend has
is tested in tests/store/test_store_sqlite.py and tests/store/test_store_postgres.py.
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _db import sql
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from brainjar_sweep.store import (
    EVENT_TABLES,
    ExperimentNotFoundError,
    ExperimentStore,
    schema,
)

HOST = socket.gethostname()


def _create(store: ExperimentStore, experiment_id: str = "exp-1", **overrides: Any) -> None:
    kwargs: dict[str, Any] = {
        "experiment_id": experiment_id,
        "name": "jar",
        "mode": "isolated",
        "config": {"mind": {"model": "tiny"}, "seed": 3},
        "config_hash": "hash-1",
        "sweep_id": "sweep-1",
        "job_num": 0,
        "seed": 3,
    }
    kwargs.update(overrides)
    store.create_experiment(**kwargs)


def _batch(batch: int) -> dict[str, list[dict[str, Any]]]:
    """A deterministic mix of events for one cycle (``batch`` is the cycle number)."""
    events: dict[str, list[dict[str, Any]]] = {
        "cycles": [
            {
                "cycle_number": batch,
                "started_at": schema.utc_now(),
                "duration_seconds": 0.25,
                "memory_peak_mb": 12.5,
                "tokens_generated": 40,
                "deaths": batch % 4 == 0,
            }
        ],
        "messages": [
            {
                "cycle_number": batch,
                "mind_id": f"mind-{i}",
                "role": "assistant",
                "content": f"thought {batch}.{i}",
                "corrupted": i == 2,
                "tokens": 10 + i,
            }
            for i in range(3)
        ],
        "memory_states": [
            {
                "cycle_number": batch,
                "mind_id": f"mind-{i}",
                "memory_type": "context",
                "messages": batch,
                "usage_mb": 1.5 * batch,
                "corruption_level": 0.1,
                "snapshot_json": {"last": batch},
            }
            for i in range(2)
        ],
    }
    if batch % 4 == 0:
        events["crashes"] = [
            {
                "cycle_number": batch,
                "mind_id": "mind-0",
                "crash_number": batch // 4,
                "reason": "memory",
                "memory_mb": 13.0,
                "limit_mb": 12.0,
                "tokens_generated": 40,
                "remembers": False,
            }
        ]
    if batch % 5 == 0:
        events["self_reports"] = [
            {
                "cycle_number": batch,
                "mind_id": "mind-1",
                "trigger": "periodic",
                "question_id": "q-aware",
                "question": "Are you aware?",
                "category": "awareness",
                "response": "yes",
                "yes_no": True,
            }
        ]
    if batch % 10 == 0:
        events["interventions"] = [
            {
                "cycle_number": batch,
                "intervention_id": f"iv-{batch}",
                "intervention_type": "inject",
                "trigger": "cycle",
                "parameters_json": {"text": "hello"},
                "result": "ok",
            }
        ]
    return events


def _count(events: dict[str, list[dict[str, Any]]]) -> Counter[str]:
    return Counter({name: len(rows) for name, rows in events.items()})


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend a test runs on."""
    return str(request.param)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a fresh database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if backend == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return f"sqlite:///{tmp_path / 'fresh' / 'experiments.db'}"


@pytest.fixture
def store(store_url: str) -> Iterator[ExperimentStore]:
    with ExperimentStore(store_url) as opened:
        yield opened


# -- schema ---------------------------------------------------------------------------


def test_schema_tables_indexes_and_keys(store: ExperimentStore, backend: str) -> None:
    assert store._engine.dialect.name == backend
    insp = inspect(store._engine)
    assert set(insp.get_table_names()) == {"experiments", "attempts", "sweeps", *EVENT_TABLES}

    indexes = {
        table: {ix["name"]: tuple(ix["column_names"]) for ix in insp.get_indexes(table)}
        for table in ("experiments", *EVENT_TABLES)
    }
    for table in EVENT_TABLES:
        assert indexes[table][f"ix_{table}_experiment_attempt"] == ("experiment_id", "attempt")
        fks = insp.get_foreign_keys(table)
        assert [(fk["referred_table"], fk["constrained_columns"]) for fk in fks] == [
            ("experiments", ["experiment_id"])
        ]
        if backend == "postgresql":
            assert str(insp.get_columns(table)[0]["type"]) == "BIGINT"  # 64-bit event ids
    assert indexes["experiments"]["ix_experiments_sweep_id"] == ("sweep_id",)
    assert indexes["experiments"]["ix_experiments_status"] == ("status",)
    assert indexes["self_reports"]["ix_self_reports_question_id"] == ("question_id",)
    assert indexes["crashes"]["ix_crashes_experiment_mind"] == ("experiment_id", "mind_id")
    uniques = insp.get_unique_constraints("cycles")
    assert [u["column_names"] for u in uniques] == [["experiment_id", "attempt", "cycle_number"]]
    assert insp.get_pk_constraint("attempts")["constrained_columns"] == ["experiment_id", "attempt"]


def test_foreign_keys_are_enforced(store: ExperimentStore) -> None:
    with pytest.raises(IntegrityError):
        store.write_events("nobody", 1, {"cycles": [{"cycle_number": 1}]})


# -- lifecycle --------------------------------------------------------------------------


def test_lifecycle_two_attempts(store: ExperimentStore) -> None:
    _create(store)
    row = store.experiment("exp-1")
    assert row is not None
    assert (row["status"], row["attempts"], row["sweep_id"], row["job_num"]) == (
        "pending",
        0,
        "sweep-1",
        0,
    )
    assert row["created_at"].endswith("+00:00")

    first = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    assert first == 1
    assert store.experiment("exp-1")["status"] == "running"
    written = Counter[str]()
    total = 0
    for cycle in range(1, 9):
        events = _batch(cycle)
        total += store.write_events("exp-1", first, events)
        written += _count(events)
    assert total == sum(written.values())
    store.finish_attempt(
        "exp-1", first, status="failed", error="mind crashed", stop_reason="max_crashes"
    )

    s1 = store.summary("exp-1")
    assert s1["attempt"] == 1 and s1["status"] == "failed"
    assert s1["total_cycles"] == written["cycles"] == 8
    assert s1["total_crashes"] == written["crashes"] == 2
    assert s1["total_messages"] == written["messages"] == 24
    assert s1["total_self_reports"] == written["self_reports"] == 1
    assert s1["total_interventions"] == written["interventions"] == 0
    assert s1["crash_rate"] == pytest.approx(2 / 8)
    assert s1["messages_per_cycle"] == pytest.approx(3.0)
    assert s1["duration_seconds"] >= 0.0
    assert (s1["seed"], s1["config_hash"], s1["attempts"]) == (3, "hash-1", 1)
    exp = store.experiment("exp-1")
    assert (exp["status"], exp["error"], exp["stop_reason"]) == (
        "failed",
        "mind crashed",
        "max_crashes",
    )
    assert exp["total_cycles"] == 8 and exp["crash_rate"] == pytest.approx(0.25)
    rows = store.rows("messages", "exp-1", attempt=1)
    assert [r["corrupted"] for r in rows[:3]] == [False, False, True]  # real booleans
    assert store.rows("memory_states", "exp-1")[0]["snapshot_json"] == '{"last": 1}'

    second = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    assert second == 2
    running = store.experiment("exp-1")
    assert (running["status"], running["error"], running["total_cycles"]) == ("running", None, None)
    for cycle in range(1, 11):
        store.write_events("exp-1", second, _batch(cycle))
    store.finish_attempt(
        "exp-1",
        second,
        status="completed",
        stop_reason="max_cycles",
        summary={"duration_seconds": 12.5},
        metrics={"awareness": 0.75},
    )

    s2 = store.summary("exp-1")
    assert (s2["attempt"], s2["status"], s2["attempts"]) == (2, "completed", 2)
    assert (s2["total_cycles"], s2["total_crashes"], s2["total_interventions"]) == (10, 2, 1)
    assert s2["crash_rate"] == pytest.approx(0.2)
    # attempt 1 is kept separately and unchanged
    assert store.summary("exp-1", attempt=1) == {**s1, "attempts": 2}
    assert len(store.rows("cycles", "exp-1", attempt=1)) == 8
    assert len(store.rows("cycles", "exp-1", attempt=2)) == 10
    assert len(store.rows("cycles", "exp-1")) == 18
    assert [r["attempt"] for r in store.rows("attempts", "exp-1")] == [1, 2]

    exp = store.experiment("exp-1")
    assert exp["status"] == "completed" and exp["error"] is None
    assert exp["duration_seconds"] == 12.5  # caller's summary value wins
    assert exp["metrics_json"] == '{"awareness": 0.75}'
    attempt_rows = store.rows("attempts", "exp-1")
    assert [r["status"] for r in attempt_rows] == ["failed", "completed"]
    assert all(r["hostname"] == HOST and r["pid"] == os.getpid() for r in attempt_rows)
    assert all(r["ended_at"] >= r["started_at"] for r in attempt_rows)


def test_summary_without_attempts_and_unknown_ids(store: ExperimentStore) -> None:
    _create(store)
    s = store.summary("exp-1")
    assert (s["attempt"], s["status"], s["total_cycles"], s["crash_rate"]) == (
        None,
        "pending",
        0,
        0.0,
    )
    assert store.experiment("missing") is None
    with pytest.raises(ExperimentNotFoundError):
        store.summary("missing")
    with pytest.raises(ExperimentNotFoundError):
        store.summary("exp-1", attempt=3)
    with pytest.raises(ExperimentNotFoundError):
        store.start_attempt("missing", hostname=HOST, pid=1)
    with pytest.raises(ExperimentNotFoundError):
        store.finish_attempt("exp-1", 1, status="completed")


def test_create_again_updates_unless_completed(store: ExperimentStore) -> None:
    _create(store, config={"v": 1}, config_hash="h1")
    _create(store, name="renamed", config={"v": 2}, config_hash="h2")
    row = store.experiment("exp-1")
    assert (row["name"], row["config_json"], row["config_hash"]) == ("renamed", '{"v": 2}', "h2")

    attempt = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    store.finish_attempt("exp-1", attempt, status="completed")
    _create(store, name="again", config={"v": 3}, config_hash="h3")
    row = store.experiment("exp-1")
    assert (row["name"], row["config_hash"], row["status"]) == ("renamed", "h2", "completed")
    # a re-run of a completed experiment is a new attempt
    assert store.start_attempt("exp-1", hostname=HOST, pid=os.getpid()) == 2


def test_finishing_an_older_attempt_leaves_experiment_alone(store: ExperimentStore) -> None:
    _create(store)
    first = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    second = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    store.finish_attempt("exp-1", first, status="failed", error="late")
    assert store.experiment("exp-1")["status"] == "running"
    assert store.rows("attempts", "exp-1", attempt=first)[0]["status"] == "failed"
    store.finish_attempt("exp-1", second, status="completed")
    assert store.experiment("exp-1")["status"] == "completed"


def test_event_defaults_json_and_order(store: ExperimentStore) -> None:
    _create(store)
    attempt = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    # rows with different key sets keep their order
    messages = [
        {"cycle_number": 1, "content": "a"},
        {
            "cycle_number": 1,
            "content": "b",
            "injected": True,
            "timestamp": "2024-01-01T00:00:00+00:00",
        },
        {"cycle_number": 1, "content": "c", "metadata_json": {"z": 1, "a": [1, 2]}},
        {"cycle_number": 1, "content": "d", "metadata_json": '{"raw": true}'},
    ]
    assert store.write_events("exp-1", attempt, {"messages": messages}) == 4
    rows = store.rows("messages", "exp-1")
    assert [r["content"] for r in rows] == ["a", "b", "c", "d"]
    assert [r["injected"] for r in rows] == [False, True, False, False]
    assert all(r["corrupted"] is False for r in rows)
    assert rows[1]["timestamp"] == "2024-01-01T00:00:00+00:00"
    assert rows[0]["timestamp"].endswith("+00:00")
    assert rows[2]["metadata_json"] == '{"a": [1, 2], "z": 1}'
    assert rows[3]["metadata_json"] == '{"raw": true}'
    assert store.write_events("exp-1", attempt, {}) == 0
    assert store.write_events("exp-1", attempt, {"cycles": []}) == 0


def test_write_events_is_one_transaction(store: ExperimentStore) -> None:
    _create(store)
    attempt = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    store.write_events("exp-1", attempt, {"cycles": [{"cycle_number": 1}]})
    batch = {
        "messages": [{"cycle_number": 2, "content": "lost"}],
        "cycles": [{"cycle_number": 2}, {"cycle_number": 1}],  # duplicate -> UNIQUE fails
    }
    with pytest.raises(IntegrityError):
        store.write_events("exp-1", attempt, batch)
    assert store.rows("messages", "exp-1") == []
    assert [r["cycle_number"] for r in store.rows("cycles", "exp-1")] == [1]


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "needles"),
    [
        (
            lambda s, a: s.finish_attempt("exp-1", a, status="done"),
            ["'done'", "completed, failed, interrupted"],
        ),
        (lambda s, a: s.mark_stale_running(status="running"), ["'running'", "interrupted"]),
        (
            lambda s, a: s.write_events("exp-1", a, {"dreams": [{}]}),
            ["'dreams'", "cycles, messages, crashes"],
        ),
        (
            lambda s, a: s.write_events("exp-1", a, {"crashes": [{"cycle_number": 1, "mood": 1}]}),
            ["'crashes'", "'mood'"],
        ),
        (
            lambda s, a: s.write_events(
                "exp-1", a, {"cycles": [{"cycle_number": 1, "attempt": 9}]}
            ),
            ["'cycles'", "'attempt'"],
        ),
        (lambda s, a: s.rows("experimentz", "exp-1"), ["'experimentz'", "attempts, cycles"]),
        (
            lambda s, a: s.finish_attempt("exp-1", a, status="completed", summary={"x": 1}),
            ["'x'", "total_cycles"],
        ),
    ],
)
def test_validation_errors_are_one_line_value_errors(
    store: ExperimentStore, call: Any, needles: list[str]
) -> None:
    _create(store)
    attempt = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    with pytest.raises(ValueError) as info:
        call(store, attempt)
    message = str(info.value)
    assert "\n" not in message
    for needle in needles:
        assert needle in message
    # nothing was written by the rejected call
    assert store.rows("cycles", "exp-1") == [] and store.rows("crashes", "exp-1") == []
    assert store.experiment("exp-1")["status"] == "running"


def test_a_bad_row_rejects_the_whole_batch(store: ExperimentStore) -> None:
    _create(store)
    attempt = store.start_attempt("exp-1", hostname=HOST, pid=os.getpid())
    with pytest.raises(ValueError, match="'oops'"):
        store.write_events(
            "exp-1",
            attempt,
            {"cycles": [{"cycle_number": 1}], "messages": [{"content": "x", "oops": 1}]},
        )
    assert store.rows("cycles", "exp-1") == []


# -- stale runs -------------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_mark_stale_running_explicit_ids(store: ExperimentStore) -> None:
    for name in ("a", "b", "c"):
        _create(store, name)
        store.start_attempt(name, hostname=HOST, pid=os.getpid())
    store.finish_attempt("c", 1, status="completed")

    assert store.mark_stale_running(["a", "c", "zzz"]) == 1
    assert store.mark_stale_running([]) == 0
    a = store.experiment("a")
    assert a["status"] == "interrupted" and a["ended_at"] is not None and a["error"]
    assert store.rows("attempts", "a")[0]["status"] == "interrupted"
    assert store.experiment("b")["status"] == "running"
    assert store.experiment("c")["status"] == "completed"
    assert store.mark_stale_running(["b"], status="failed") == 1
    assert store.experiment("b")["status"] == "failed"


def test_mark_stale_running_detects_dead_processes(store: ExperimentStore) -> None:
    dead = _dead_pid()
    for name, host, pid in [
        ("dead", HOST, dead),
        ("alive", HOST, os.getpid()),
        ("elsewhere", "some-other-host.invalid", dead),
    ]:
        _create(store, name)
        store.start_attempt(name, hostname=host, pid=pid)

    assert store.mark_stale_running() == 1
    assert store.experiment("dead")["status"] == "interrupted"
    assert store.rows("attempts", "dead")[0]["status"] == "interrupted"
    assert store.experiment("alive")["status"] == "running"
    assert store.experiment("elsewhere")["status"] == "running"
    assert store.mark_stale_running() == 0


def _start_attempts(url: str, barrier: threading.Barrier, out: list[int]) -> None:
    with ExperimentStore(url) as store:
        barrier.wait()
        for _ in range(3):
            out.append(store.start_attempt("exp-1", hostname=HOST, pid=os.getpid()))


def test_concurrent_attempts_are_numbered_once_each(store: ExperimentStore) -> None:
    _create(store)
    barrier = threading.Barrier(4)
    numbers: list[int] = []
    threads = [
        threading.Thread(target=_start_attempts, args=(store.url, barrier, numbers))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(numbers) == list(range(1, 13))
    running = sql(store.url, "select attempt from attempts where status = 'running'")
    assert running == [(12,)]  # every older attempt was superseded
    assert sql(store.url, "select attempts, status from experiments") == [(12, "running")]


# -- concurrency ------------------------------------------------------------------------

WRITERS = 4
# experiments per writer, batches per experiment: each test of PostgreSQL creates a database
LOAD = {"sqlite": (25, 40), "postgresql": (5, 10)}


def _writer(url: str, worker: int, load: tuple[int, int], barrier: Any, results: Any) -> None:
    """Child process: open the (new) database together with the others and write."""
    experiments, batches = load
    try:
        barrier.wait()
        written: Counter[str] = Counter()
        with ExperimentStore(url) as store:  # every writer creates the schema at once
            for e in range(experiments):
                experiment_id = f"w{worker}-e{e:02d}"
                _create(store, experiment_id, job_num=e)
                attempt = store.start_attempt(experiment_id, hostname=HOST, pid=os.getpid())
                for batch in range(1, batches + 1):
                    events = _batch(batch)
                    assert store.write_events(experiment_id, attempt, events) == sum(
                        len(rows) for rows in events.values()
                    )
                    written += _count(events)
                store.finish_attempt(experiment_id, attempt, status="completed")
        results.put((worker, dict(written), None))
    except BaseException:
        results.put((worker, None, traceback.format_exc()))


@pytest.mark.slow
def test_concurrent_writer_processes_create_the_schema_and_lose_nothing(
    store_url: str, backend: str
) -> None:
    experiments, batches = LOAD[backend]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WRITERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(store_url, w, LOAD[backend], barrier, results))
        for w in range(WRITERS)
    ]
    for proc in procs:
        proc.start()
    reports = [results.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
    errors = [error for _, _, error in reports if error]
    assert not errors, "\n".join(errors)
    assert [proc.exitcode for proc in procs] == [0] * WRITERS

    per_experiment = Counter[str]()
    for batch in range(1, batches + 1):
        per_experiment += _count(_batch(batch))
    expected = {name: per_experiment[name] * experiments * WRITERS for name in EVENT_TABLES}
    reported = Counter[str]()
    for _, written, _ in reports:
        reported.update(written)
    assert dict(reported) == expected

    counts = {name: sql(store_url, f"select count(*) from {name}")[0][0] for name in EVENT_TABLES}
    assert counts == expected
    assert sql(
        store_url,
        "select status, count(*), min(total_cycles), max(total_cycles) from experiments "
        "group by status",
    ) == [("completed", WRITERS * experiments, batches, batches)]


# -- what needs no database -------------------------------------------------------------


def test_event_columns_come_from_the_schema() -> None:
    from brainjar_sweep.store import event_columns

    for name in EVENT_TABLES:
        names = [c.name for c in schema.event_table(name).columns]
        picked = event_columns(name)
        assert list(picked) == [c for c in names if c in picked]  # table order
        assert not {"id", "experiment_id", "attempt", "timestamp"} & set(picked)
        assert not any(c.endswith("_json") for c in picked)
    assert "question" not in event_columns("self_reports")
    assert "question_id" in event_columns("self_reports")


def test_no_module_outside_the_store_writes_sql() -> None:
    """The store owns its tables: other modules ask it, they do not query them."""
    import re

    import brainjar_sweep

    root = Path(brainjar_sweep.__file__).parent
    sql = re.compile(
        r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+\S|\bsa\.text\(|exec_driver_sql|\.execute\("
    )
    found = [
        f"{path.relative_to(root)}:{n}"
        for path in sorted(root.rglob("*.py"))
        if "store" not in path.relative_to(root).parts[:1]
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if sql.search(line)
    ]
    assert found == []
