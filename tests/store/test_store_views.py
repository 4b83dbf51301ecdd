"""The database shows the design: the sweeps table and the views, on SQLite and PostgreSQL,
and on a database written by an earlier version (which gets them when it is opened)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from brainjar_sweep.store import ExperimentStore, _engine
from brainjar_sweep.store.schema import metadata
from brainjar_sweep.store.views import SUMMARY_VIEW_COLUMNS, VIEWS

CONFIG = {
    "corruption_rate": 0.4,
    "max_cycles": 7,
    "resources": {"ram_limit_gb": 2.5},
    "self_report": {"every_n_cycles": 3},
    "interventions": [{"intervention_id": "iv", "trigger_params": {"n": 5}}],
    "mind": {"kind": "simulated"},
}


def _fill(store: ExperimentStore) -> None:
    store.record_sweep(
        "s1",
        description="rates",
        research_question="when does it break?",
        grid={"corruption_rate": "0,0.4"},
    )
    store.create_experiment(
        experiment_id="e1",
        name="n",
        mode="unstable_memory",
        config=CONFIG,
        config_hash="h",
        sweep_id="s1",
        job_num=1,
        seed=3,
    )
    attempt = store.start_attempt("e1", hostname="h", pid=1)
    store.write_events(
        "e1",
        attempt,
        {
            "cycles": [{"cycle_number": 1}],
            "self_reports": [{"cycle_number": 1, "trigger": "schedule", "question_id": "q"}],
            "interventions": [{"cycle_number": 1, "trigger": "on_crash", "intervention_id": "iv"}],
        },
    )
    store.finish_attempt(
        "e1",
        attempt,
        status="completed",
        metrics={"memory_accuracy_mean": 61.5, "surveillance_yes_rate": None},
    )
    store.sweep_job_ended("s1")


def _rows(url: str, query: str) -> list[dict[str, Any]]:
    engine = _engine.make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


def _check(url: str) -> None:
    (row,) = _rows(url, "SELECT * FROM experiment_summary")
    assert tuple(row) == SUMMARY_VIEW_COLUMNS
    assert row["corruption_rate"] == pytest.approx(0.4)
    assert row["ram_limit_gb"] == pytest.approx(2.5)
    assert row["max_cycles"] == 7 and row["self_report_every_n_cycles"] == 3
    assert row["intervention_every_n_cycles"] == 5 and row["first_intervention"] == "iv"
    assert row["mind_kind"] == "simulated" and row["seed"] == 3 and row["total_cycles"] == 1
    assert row["memory_accuracy_mean"] == pytest.approx(61.5)
    assert row["surveillance_yes_rate"] is None
    assert row["research_question"] == "when does it break?"
    assert row["sweep_description"] == "rates"
    (sweep,) = _rows(url, "SELECT * FROM sweeps")
    assert sweep["grid_json"] == '{"corruption_rate": "0,0.4"}'
    assert sweep["started_at"] <= sweep["ended_at"]
    # trigger needs no quoting in the views
    assert _rows(url, "SELECT trigger_event FROM self_report_answers") == [
        {"trigger_event": "schedule"}
    ]
    assert _rows(url, "SELECT trigger_event FROM intervention_events") == [
        {"trigger_event": "on_crash"}
    ]


def test_sweeps_table_and_views_on_sqlite(tmp_path: Path) -> None:
    with ExperimentStore(tmp_path / "experiments.db") as store:
        assert set(VIEWS) <= set(inspect(store._engine).get_view_names())
        _fill(store)
        url = store.url
    _check(url)


def test_a_database_of_an_earlier_version_gets_the_sweeps_table_and_views(
    tmp_path: Path,
) -> None:
    _migrate(f"sqlite:///{tmp_path / 'old.db'}")


def test_a_postgres_database_of_an_earlier_version_gets_them_too(pg_url: str) -> None:
    _migrate(pg_url)


def _migrate(url: str) -> None:
    engine = _engine.make_engine(url)
    old_tables = [t for t in metadata.sorted_tables if t.name != "sweeps"]
    metadata.create_all(engine, tables=old_tables)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO experiments (experiment_id, name, mode, config_json, config_hash,"
                " seed, status, created_at, attempts) VALUES ('old', 'n', 'm',"
                " '{\"corruption_rate\": 0.2}', 'h', 0, 'completed', '2025-01-01', 1)"
            )
        )
    assert "sweeps" not in inspect(engine).get_table_names()
    engine.dispose()
    with ExperimentStore(url) as store:
        insp = inspect(store._engine)
        assert "sweeps" in insp.get_table_names()
        assert set(VIEWS) <= set(insp.get_view_names())
    rows = _rows(url, "SELECT experiment_id, corruption_rate, sweep_id FROM experiment_summary")
    assert rows == [
        {"experiment_id": "old", "corruption_rate": pytest.approx(0.2), "sweep_id": None}
    ]
    with ExperimentStore(url):  # opening again changes nothing
        pass


def test_sweeps_table_and_views_on_postgres(pg_url: str) -> None:
    with ExperimentStore(pg_url) as store:
        assert set(VIEWS) <= set(inspect(store._engine).get_view_names())
        _fill(store)
    _check(pg_url)
