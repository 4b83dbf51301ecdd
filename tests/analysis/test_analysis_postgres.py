"""brainjar-analyze on a sweep whose events are in PostgreSQL (a real server, no mocks).

One real 4-job sweep writes to a fresh PostgreSQL database; the analysis reads it through
the URL the sweep recorded and through ``--db``, read-only, and gets the same tables as
from a SQLite copy of the same rows.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from _db import run, sql
from sqlalchemy import insert, select

from brainjar_sweep.analysis import load
from brainjar_sweep.analysis.cli import main as analyze
from brainjar_sweep.analysis.load.database import _connect
from brainjar_sweep.store import ExperimentStore, _engine
from brainjar_sweep.store.schema import metadata

pytestmark = pytest.mark.postgres


def _copy_to_sqlite(url: str, path: Path) -> str:
    """Every row of the PostgreSQL database at ``url`` into a new SQLite file; its URL."""
    target = f"sqlite:///{path}"
    ExperimentStore(target).close()  # the schema
    source = _engine.make_engine(url, read_only=True)
    dest = _engine.make_engine(target)
    try:
        with source.connect() as src, dest.begin() as dst:
            for table in metadata.sorted_tables:
                rows = [dict(r._mapping) for r in src.execute(select(table))]
                if rows:
                    dst.execute(insert(table), rows)
    finally:
        source.dispose()
        dest.dispose()
    return target


def test_analysis_reads_a_postgres_sweep_like_sqlite(
    pg_url: str, pg_env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sweep = tmp_path / "sw"
    proc = run(
        tmp_path,
        pg_env,
        "-m",
        "corruption_rate=0,1",
        "seed=0,1",
        "max_cycles=5",
        f"db.url={pg_url}",
        f"hydra.sweep.dir={sweep}",
    )
    assert proc.returncode == 0, proc.stderr
    n_cycles = sql(pg_url, "select count(*) from cycles")[0][0]
    n_reports = sql(pg_url, "select count(*) from self_reports")[0][0]
    assert n_cycles == 20 and n_reports > 0

    # the URL the sweep recorded is not used unless the analyst names it
    unnamed = run(tmp_path, pg_env, str(sweep), module="brainjar_sweep.analysis.cli")
    assert unnamed.returncode == 0, unnamed.stderr
    assert "not reading the experiments DB" in unnamed.stderr + unnamed.stdout

    # the command, with the sweep's URL named by --db, password from PGPASSWORD
    out = tmp_path / "out" / "t.csv"
    cmd = run(
        tmp_path,
        pg_env,
        str(sweep),
        "--db",
        pg_url,
        "--export",
        "csv",
        "--export-path",
        str(out),
        module="brainjar_sweep.analysis.cli",
    )
    assert cmd.returncode == 0, cmd.stderr
    assert "warning" not in cmd.stderr, cmd.stderr
    assert "4 jobs used (4 completed)" in cmd.stdout
    assert len(pd.read_csv(out)) == 4
    assert len(pd.read_csv(out.with_suffix(".cycles.csv"))) == n_cycles
    assert len(pd.read_csv(out.with_suffix(".self_reports.csv"))) == n_reports

    # --db, in process: the same counts
    assert (
        analyze(
            [str(sweep), "--db", pg_url, "--export", "json", "--export-path", str(tmp_path / "j")]
        )
        == 0
    )
    assert "4 jobs used (4 completed)" in capsys.readouterr().out

    # the same tables as from SQLite holding the same rows
    from_pg = load([sweep], db=pg_url)
    copy = _copy_to_sqlite(pg_url, tmp_path / "copy.db")
    from_sqlite = load([sweep], db=copy)
    assert from_pg.db_urls == [pg_url] and not from_pg.warnings, from_pg.warnings
    assert from_sqlite.db_urls == [copy] and not from_sqlite.warnings
    assert len(from_pg.cycles) == n_cycles and len(from_pg.self_reports) == n_reports
    for name in ("jobs", "cycles", "crashes", "interventions", "self_reports"):
        pg_frame, lite_frame = getattr(from_pg, name), getattr(from_sqlite, name)
        pd.testing.assert_frame_equal(pg_frame, lite_frame, check_dtype=False, obj=name)
    assert from_pg.metrics == from_sqlite.metrics and from_pg.params == from_sqlite.params


def test_analysis_connects_read_only_and_refuses_a_password(
    pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ExperimentStore(pg_url).close()
    reader, why = _connect(pg_url)
    assert why is None and reader is not None
    try:
        with reader._conn.connect() as conn:  # the engine behind the analysis's reader
            with pytest.raises(Exception, match="read-only transaction"):
                conn.exec_driver_sql("delete from experiments")
    finally:
        reader.close()
    secret = os.environ.get("PGPASSWORD") or "s3cret"
    with_password = pg_url.replace("@", f":{secret}@", 1)
    assert analyze(["/nowhere", "--db", with_password]) == 2
    err = capsys.readouterr().err.strip()
    assert secret not in err and err.count("\n") == 0
    assert err.endswith("is not allowed: a URL without a password; set PGPASSWORD or use ~/.pgpass")
