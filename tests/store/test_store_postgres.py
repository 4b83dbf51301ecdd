"""What only PostgreSQL has: server reads and locks, credentials, and the app on a real server.

The server comes from tests/conftest.py (a private one, or $BRAINJAR_TEST_POSTGRES_URL);
each test has a database of its own, and its password only ever travels in PGPASSWORD. The
store's tests every backend shares run on PostgreSQL too, from tests/store/test_store.py.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from _cli import files
from _db import run, sql
from _extras import need
from _sweeps import LONG_JOB, TIMEOUT_S, results, survivors
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from test_store import HOST, _create

from brainjar_sweep.store import ExperimentStore, _engine

pytestmark = pytest.mark.postgres


def one_line(proc: subprocess.CompletedProcess[str]) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


# --- the store ------------------------------------------------------------------------------


def test_reads_are_read_only_and_not_blocked_by_a_writer(pg_url: str) -> None:
    with ExperimentStore(pg_url) as store:
        _create(store)
        with pytest.raises(DBAPIError, match="read-only transaction"):
            _engine.run_transaction(
                store._engine,
                lambda conn: conn.execute(text("update experiments set name = 'x'")),
                read_only=True,
            )
        reader = _engine.make_engine(pg_url, read_only=True)
        try:
            with reader.connect() as conn:
                assert conn.exec_driver_sql("show default_transaction_read_only").scalar() == "on"
                with pytest.raises(DBAPIError, match="read-only transaction"):
                    conn.exec_driver_sql("delete from experiments")
        finally:
            reader.dispose()
        # a writer holding the row: readers go on (MVCC), the next writer waits for it
        blocker = _engine.make_engine(pg_url)
        try:
            with blocker.begin() as conn:
                conn.exec_driver_sql("update experiments set name = 'locked'")
                assert store.experiment("exp-1")["name"] == "jar"
                done = threading.Event()
                waiter = threading.Thread(
                    target=lambda: (store.start_attempt("exp-1", hostname=HOST, pid=1), done.set())
                )
                waiter.start()
                time.sleep(0.3)
                assert not done.is_set(), "the second writer should wait for the row lock"
            waiter.join(30)
            assert done.is_set()
        finally:
            blocker.dispose()
        assert store.experiment("exp-1")["name"] == "locked"
        assert store.experiment("exp-1")["attempts"] == 1


# --- credentials and the pre-flight check -----------------------------------------------------


def test_the_password_comes_from_pgpassword(
    pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    password = os.environ.get("PGPASSWORD")
    if password is None:
        pytest.skip("the server's password comes from ~/.pgpass, not PGPASSWORD")
    assert _engine.check_server(pg_url) is None
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    monkeypatch.delenv("PGPASSWORD")
    fresh = pg_url + "?application_name=no-password"  # not in check_server's cache
    reason = _engine.check_server(fresh)
    if reason is None:
        pytest.skip("this server lets the role in without a password")
    assert reason == "fe_sendauth: no password supplied (set PGPASSWORD or use ~/.pgpass)"
    monkeypatch.setenv("PGPASSWORD", password + "-wrong")
    assert "password authentication failed" in (_engine.check_server(fresh) or "")
    # ~/.pgpass works as well (host:port:database:user:password)
    monkeypatch.delenv("PGPASSWORD")
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    pgpass = tmp_path / "pgpass"
    pgpass.write_text(f"{u.host}:{u.port}:*:{u.username}:{password}\n")
    pgpass.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    assert _engine.check_server(fresh) is None


@pytest.mark.slow
def test_a_password_in_db_url_is_refused_before_anything(tmp_path: Path) -> None:
    secret = "hunter2-in-the-url"
    url = f"postgresql://lab:{secret}@127.0.0.1:9/brainjar"
    want = (
        "error: db.url='postgresql://lab:***@127.0.0.1:9/brainjar' is not allowed: "
        "a URL without a password; set PGPASSWORD or use ~/.pgpass"
    )
    for args in (["max_cycles=2"], ["-m", "seed=0,1", "max_cycles=2"]):  # a run, a sweep
        proc = run(tmp_path, dict(os.environ), *args, f"db.url={url}")
        assert proc.returncode == 2
        assert one_line(proc) == want
        assert secret not in proc.stdout + proc.stderr
        assert files(tmp_path) == []
    query = run(tmp_path, dict(os.environ), f"db.url={url.replace(f':{secret}', '')}?password=x")
    assert query.returncode == 2 and "password=***" in one_line(query)


def test_an_unreachable_server_is_one_line_before_any_job(tmp_path: Path) -> None:
    need("postgres")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://lab@127.0.0.1:{port}/brainjar"  # nothing listens there
    want = f"db.url='{url}' is not allowed: a reachable PostgreSQL server (connection refused)"
    for args in (["max_cycles=2"], ["-m", "seed=0,1", "max_cycles=2"]):
        proc = run(tmp_path, dict(os.environ), *args, f"db.url={url}")
        assert proc.returncode == 2, proc.stderr
        line = one_line(proc)
        assert line.startswith("error: ") and line.endswith(want), line
        assert files(tmp_path) == []


@pytest.mark.slow
def test_without_psycopg_a_postgres_url_names_the_extra(tmp_path: Path) -> None:
    if importlib.util.find_spec("psycopg2") is not None:
        pytest.skip("psycopg2 is installed: it would be used instead")
    blocked = tmp_path / "blocked" / "psycopg"  # a psycopg that cannot be imported
    blocked.mkdir(parents=True)
    (blocked / "__init__.py").write_text("raise ImportError('blocked for the test')\n")
    blocked = blocked.parent
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(blocked), *sys.path])}
    work = tmp_path / "work"
    work.mkdir()
    proc = run(work, env, "max_cycles=2", "db.url=postgresql://lab@127.0.0.1:9/brainjar")
    assert proc.returncode == 2
    assert one_line(proc) == (
        "error: db.url='postgresql://lab@127.0.0.1:9/brainjar' is not allowed: "
        'psycopg is not installed: pip install "brainjar-sweep[postgres]"'
    )
    assert files(work) == []


# --- runs and sweeps ---------------------------------------------------------------------------


def _no_secret_anywhere(root: Path, secret: str, *texts: str) -> None:
    written = files(root)
    assert written
    for path in written:
        assert secret.encode() not in path.read_bytes(), path
    for t in texts:
        assert secret not in t


def test_a_sweep_writes_every_row_to_postgres(
    pg_url: str, pg_env: dict[str, str], tmp_path: Path
) -> None:
    canary = f"env-canary-{os.getpid()}-{time.time_ns()}"  # the environment is written nowhere
    proc = run(
        tmp_path,
        {**pg_env, "BRAINJAR_ENV_CANARY": canary},
        "-m",
        "corruption_rate=0,1",
        "seed=0,1",
        "max_cycles=5",
        f"db.url={pg_url}",
        f"hydra.sweep.dir={tmp_path / 'sw'}",
    )
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "logs").exists()  # nothing went to the SQLite default
    res = results(tmp_path / "sw")
    assert sorted(res) == [0, 1, 2, 3]
    assert {r["status"] for r in res.values()} == {"completed"}
    assert {r["db_url"] for r in res.values()} == {pg_url}
    rows = sql(pg_url, "select job_num, status, attempts, total_cycles from experiments order by 1")
    assert rows == [(n, "completed", 1, 5) for n in range(4)]
    assert sql(pg_url, "select count(*) from cycles") == [(20,)]
    ids = {r["experiment_id"] for r in res.values()}
    assert {i for (i,) in sql(pg_url, "select experiment_id from experiments")} == ids
    n_reports = sum(r["metrics"]["total_self_reports"] for r in res.values())
    assert sql(pg_url, "select count(*) from self_reports") == [(n_reports,)]
    secret = pg_env.get("PGPASSWORD")
    for hidden in [canary, *([secret] if secret else [])]:  # (it may come from ~/.pgpass)
        _no_secret_anywhere(tmp_path, hidden, proc.stdout, proc.stderr)
    # no password and no environment in the database either
    dump = json.dumps(
        [sql(pg_url, f"select * from {t}") for t in ("experiments", "attempts")], default=str
    )
    assert canary not in dump and "PGPASSWORD" not in dump and (not secret or secret not in dump)


def test_retries_are_numbered_attempts_in_postgres(
    pg_url: str, pg_env: dict[str, str], tmp_path: Path
) -> None:
    proc = run(
        tmp_path,
        pg_env,
        "-m",
        "max_duration_seconds=1000000",  # far past its timeout
        *LONG_JOB,
        # long enough for each attempt to start and record itself on a loaded machine
        f"hydra.launcher.timeout_s={TIMEOUT_S}",
        "hydra.sweeper.max_retries=1",
        "hydra.sweeper.allow_failures=true",
        f"db.url={pg_url}",
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 timeout" in proc.stdout
    # a timeout is a failure whose error says so, as with SQLite
    assert sql(pg_url, "select attempts, status from experiments") == [(2, "failed")]
    attempts = sql(pg_url, "select attempt, status, error from attempts order by 1")
    assert [(a, s) for a, s, _ in attempts] == [(1, "failed"), (2, "failed")]
    assert all(error.startswith("timed out after") for _, _, error in attempts), attempts


def test_sigkill_then_resume_completes_each_job_once_in_postgres(
    pg_url: str, pg_env: dict[str, str], tmp_path: Path
) -> None:
    sweep = tmp_path / "sw"
    args = [
        "-m",
        "seed=range(0,6)",
        "max_duration_seconds=0.5",
        *LONG_JOB,
        f"db.url={pg_url}",
        f"hydra.sweep.dir={sweep}",
        "hydra.launcher.progress=plain",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainjar_sweep", *args],
        cwd=tmp_path,
        env=pg_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while sum(r["status"] == "completed" for r in results(sweep).values()) < 2:
        assert time.monotonic() < deadline and proc.poll() is None, "the sweep did not progress"
        time.sleep(0.05)
    family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.kill()
    proc.wait(30)
    assert survivors(family) == []
    done_before = sum(r["status"] == "completed" for r in results(sweep).values())
    assert 2 <= done_before < 6
    again = run(tmp_path, pg_env, "resume", str(sweep), module="brainjar_sweep.cli")
    assert again.returncode == 0, again.stderr
    assert f"({done_before} completed earlier, skipped)" in again.stdout
    per_job = sql(
        pg_url,
        "select e.job_num, count(*) filter (where a.status = 'completed') from experiments e "
        "join attempts a using (experiment_id) group by e.job_num order by e.job_num",
    )
    assert per_job == [(n, 1) for n in range(6)]
    assert sql(pg_url, "select count(*) from attempts where status = 'running'") == [(0,)]
    assert {r["status"] for r in results(sweep).values()} == {"completed"}
