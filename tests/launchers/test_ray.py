"""The jetson launcher's Ray backend on a real two-node Ray cluster on 127.0.0.1, with every
result in a real PostgreSQL server (docs/multi-jetson.md).

The head node offers 1 CPU and 3 GB; the worker node 2 CPUs, 6 GB and the custom resource
``orin_nano`` (a Jetson Orin Nano board). Jobs of the ``orin_nano_8gb`` resources profile
may only run on the worker; the others run wherever they fit.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from _cli import cli, files, run_module, sweep_cli
from _extras import need
from _ray_cluster import LocalCluster, NetNamespace, Node
from _sweeps import results as job_results
from sqlalchemy.exc import ProgrammingError

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture(scope="module")
def cluster() -> Iterator[LocalCluster]:
    need("ray")
    c = LocalCluster()
    try:
        c.start_head(num_cpus=1, memory_gb=3, resources={"lab_head": 1})
        c.add_node(num_cpus=2, memory_gb=6, resources={"orin_nano": 1})
        yield c
    finally:
        c.shutdown()
    assert c.leftovers() == [], "Ray processes left behind"
    assert not c.root.exists()


def _ray_args(c: LocalCluster, sweep_dir: Path, db_url: str) -> list[str]:
    return [
        f"db.url={db_url}",
        f"hydra.sweep.dir={sweep_dir}",
        "hydra.launcher.backend=ray",
        f"hydra.launcher.ray.address={c.address}",
        "hydra.launcher.progress=plain",
        f"hydra.launcher.ray.scratch_dir={c.root / 'scratch'}",
    ]


def _long_jobs(count: int, seconds: float) -> list[str]:
    """``count`` simulated experiments that each run for ``seconds`` (a sweep to interrupt)."""
    return [
        f"seed={','.join(map(str, range(count)))}",
        "max_cycles=100000000",
        f"max_duration_seconds={seconds:g}",
        "resources=desktop",
        "self_report=none",
    ]


def _pg(db_url: str, sql: str) -> list[tuple]:
    from brainjar_sweep.store._engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.exec_driver_sql(sql)]
    finally:
        engine.dispose()


def _check_db(db_url: str, results: dict[int, dict]) -> None:
    """One completed attempt per experiment, and every cycle of it stored."""
    done = dict(
        _pg(
            db_url,
            "SELECT experiment_id, count(*) FROM attempts "
            "WHERE status = 'completed' GROUP BY experiment_id",
        )
    )
    ids = {r["experiment_id"] for r in results.values()}
    assert done == dict.fromkeys(ids, 1)
    assert _pg(db_url, "SELECT count(*) FROM experiments WHERE status = 'completed'") == [
        (len(ids),)
    ]
    cycles = dict(
        _pg(
            db_url,
            "SELECT c.experiment_id, count(*) FROM cycles c JOIN attempts a "
            "ON a.experiment_id = c.experiment_id AND a.attempt = c.attempt "
            "WHERE a.status = 'completed' GROUP BY c.experiment_id",
        )
    )
    assert cycles == {r["experiment_id"]: r["metrics"]["total_cycles"] for r in results.values()}


def test_a_sweep_spreads_over_two_nodes_and_lands_in_postgres_and_the_sweep_dir(
    cluster: LocalCluster, tmp_path: Path, pg_url: str, pg_env: dict[str, str]
) -> None:
    head, worker = cluster.nodes[0], cluster.nodes[1]
    sweep_dir = tmp_path / "sweep"
    env = {**pg_env, **cluster.env()}
    done = cli(
        tmp_path,
        "-m",
        "seed=0,1,2,3",
        "resources=default,orin_nano_8gb",
        "max_cycles=200",
        *_ray_args(cluster, sweep_dir, pg_url),
        timeout=600,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    results = job_results(sweep_dir)
    assert sorted(results) == list(range(8))
    assert all(r["status"] == "completed" for r in results.values())
    ran_on = {n: r["node"]["ray_node_id"] for n, r in results.items()}
    # both nodes ran jobs; the Orin Nano jobs (odd job numbers) only on the board that has one
    assert set(ran_on.values()) == {head.node_id, worker.node_id}
    assert {ran_on[n] for n in range(1, 8, 2)} == {worker.node_id}

    # the sweep dir looks as after a local run: every job's files, the sweep files, real paths
    for n in range(8):
        job = sweep_dir / str(n)
        assert {p.name for p in files(job)} >= {
            "config.yaml",
            "hydra.yaml",
            "overrides.yaml",
            "result.json",
            "brainjar.log",
        }
        hydra_yaml = (job / ".hydra" / "hydra.yaml").read_text()
        assert f"output_dir: {job}" in hydra_yaml
    summary = json.loads((sweep_dir / "sweep_results.json").read_text())
    assert summary["completed_experiments"] == 8
    assert {e["job_num"]: e["node"] for e in summary["results"]} == ran_on
    assert len((sweep_dir / "sweep_table.csv").read_text().splitlines()) == 9
    # the nodes removed every job's scratch dir
    assert list((cluster.root / "scratch").iterdir()) == []

    # every row in PostgreSQL; the password in no file
    _check_db(pg_url, results)
    password = env["PGPASSWORD"]
    assert password
    for path in files(tmp_path):
        assert password.encode() not in path.read_bytes(), path

    # brainjar-analyze reads the sweep and its rows back from PostgreSQL
    report = run_module(
        "brainjar_sweep.analysis.cli", tmp_path, str(sweep_dir), "--db", pg_url, env=env
    )
    assert report.returncode == 0, report.stderr[-3000:]
    assert "8 jobs" in report.stdout + report.stderr


def _sweep_while(
    cwd: Path, env: dict[str, str], args: list[str], act: Callable[[subprocess.Popen[str]], None]
) -> tuple[int, str, str]:
    """Run ``python -m brainjar_sweep <args>`` and ``act`` on it while it runs (pull a node's
    plug, send a signal); its exit code, stdout and stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "brainjar_sweep", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        act(proc)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


def _kill_when_a_job_runs_on(
    cluster: LocalCluster, node: Node, db_url: str
) -> Callable[[subprocess.Popen[str]], None]:
    """An ``act`` for :func:`_sweep_while`: SIGKILL ``node`` once a job has begun there."""

    def act(proc: subprocess.Popen[str]) -> None:
        _wait_for_a_job_on(cluster, node, proc, db_url)
        cluster.kill(node)

    return act


def _running_pids(db_url: str) -> list[int]:
    """The process ids of the attempts running now (none before a job made the tables)."""
    try:
        return [pid for (pid,) in _pg(db_url, "SELECT pid FROM attempts WHERE status = 'running'")]
    except ProgrammingError:
        return []


def _wait_for_a_job_on(
    cluster: LocalCluster, node: Node, proc: subprocess.Popen[str], db_url: str
) -> None:
    """Wait until a job running on ``node`` has started its attempt in the database."""
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "no job ever ran on the node"
        pids = {p.pid for p in cluster._tree(node)}
        if pids.intersection(_running_pids(db_url)):
            return
        time.sleep(0.1)


def test_a_node_that_dies_mid_sweep_leaves_it_resumable_with_nothing_lost_or_doubled(
    cluster: LocalCluster, tmp_path: Path, pg_url: str, pg_env: dict[str, str]
) -> None:
    spare = cluster.add_node(num_cpus=2, memory_gb=6, resources={"spare_board": 1})
    sweep_dir = tmp_path / "sweep"
    env = {**pg_env, **cluster.env()}
    args = [
        "-m",
        *_long_jobs(6, 4),
        # no re-run by Ray: the jobs of the dead node fail, and the resume runs them
        "hydra.launcher.ray.max_node_retries=0",
        *_ray_args(cluster, sweep_dir, pg_url),
    ]
    code, out, err = _sweep_while(
        tmp_path, env, args, _kill_when_a_job_runs_on(cluster, spare, pg_url)
    )
    assert code == 1, err[-3000:]
    assert "Ray node or worker died" in out + err, out[-3000:]
    first = job_results(sweep_dir)
    lost = [n for n in range(6) if first.get(n, {}).get("status") != "completed"]
    assert lost, "the dead node's jobs should have failed"

    resumed = sweep_cli(tmp_path, "resume", str(sweep_dir), timeout=600, env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    results = job_results(sweep_dir)
    assert sorted(results) == list(range(6))
    assert all(r["status"] == "completed" for r in results.values())
    # jobs completed before the node died were not run again
    for n, r in first.items():
        if r["status"] == "completed":
            assert results[n] == r
    # the dead node's attempts are marked, one completed attempt each, every cycle stored
    _check_db(pg_url, results)
    lost_ids = {results[n]["experiment_id"] for n in lost}
    interrupted = {
        eid
        for (eid,) in _pg(pg_url, "SELECT experiment_id FROM attempts WHERE status <> 'completed'")
    }
    # the attempt that was running on the dead node is kept, marked as superseded; jobs
    # that completed before were not touched (a job killed before it began has no attempt)
    assert interrupted and interrupted <= lost_ids
    summary = json.loads((sweep_dir / "sweep_results.json").read_text())
    assert summary["completed_experiments"] == 6
    assert [e["status"] for e in summary["results"]] == ["completed"] * 6


def test_a_job_no_node_can_hold_and_a_closed_address_are_one_line_before_any_job(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    env = cluster.env()
    # no node offers an Orin AGX: one line before any job, nothing written
    done = cli(
        tmp_path,
        "-m",
        "seed=0,1",
        "resources=orin_agx_64gb",
        "hydra.launcher.backend=ray",
        f"hydra.launcher.ray.address={cluster.address}",
        timeout=300,
        env=env,
    )
    assert done.returncode == 2
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("error: resources.device='orin_agx' is not allowed"), done.stderr
    assert not (tmp_path / "multirun").exists()
    # a closed port: one line naming the key
    bad = cli(
        tmp_path,
        "-m",
        "seed=0,1",
        "hydra.launcher.backend=ray",
        "hydra.launcher.ray.address=127.0.0.1:9",
    )
    assert bad.returncode == 2
    assert (
        bad.stderr.strip()
        .splitlines()[-1]
        .startswith("error: hydra.launcher.ray.address='127.0.0.1:9' is not allowed")
    ), bad.stderr


def test_a_segfault_a_hang_and_an_error_are_named_as_with_the_local_backend(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    from test_launcher import TIMEOUT_S, chaos, times

    proc = chaos(
        tmp_path,
        "hydra.launcher.backend=ray",
        f"hydra.launcher.ray.address={cluster.address}",
        f"hydra.launcher.timeout_s={TIMEOUT_S}",
        "x=range(0,12)",
        "crash_on=3",
        "hang_on=7",
        "fail_on=9",
        timeout=300,
        env=cluster.env(),
    )
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert sorted(t["x"] for t in times(tmp_path)) == [0, 1, 2, 4, 5, 6, 8, 10, 11]
    log = proc.stdout + proc.stderr
    assert "job #3 failed: killed by SIGSEGV" in log
    assert f"job #7 timeout: timed out after {TIMEOUT_S}" in log
    assert "job #9 failed: ValueError: boom at x=9" in log
    results = json.loads((tmp_path / "sweep" / "sweep_results.json").read_text())
    by_job = {r["job_num"]: r for r in results["results"]}
    assert sorted(by_job) == list(range(12))
    assert by_job[7]["status"] == "timeout"
    # a job's own crash is not a node death: Ray did not run it again
    assert "re-run" not in by_job[3]["error_message"]


def test_a_node_that_dies_mid_sweep_has_its_jobs_rerun_elsewhere_by_ray(
    cluster: LocalCluster, tmp_path: Path, pg_url: str, pg_env: dict[str, str]
) -> None:
    spare = cluster.add_node(num_cpus=2, memory_gb=6, resources={"spare_board": 1})
    sweep_dir = tmp_path / "sweep"
    env = {**pg_env, **cluster.env()}
    args = [
        "-m",
        *_long_jobs(6, 4),
        *_ray_args(cluster, sweep_dir, pg_url),
    ]
    code, out, err = _sweep_while(
        tmp_path, env, args, _kill_when_a_job_runs_on(cluster, spare, pg_url)
    )
    # the sweep did not notice more than a delay: every job completed, once
    assert code == 0, err[-3000:]
    results = job_results(sweep_dir)
    assert sorted(results) == list(range(6))
    assert all(r["status"] == "completed" for r in results.values())
    assert spare.node_id not in {r["node"]["ray_node_id"] for r in results.values()}
    _check_db(pg_url, results)
    superseded = _pg(pg_url, "SELECT count(*) FROM attempts WHERE status <> 'completed'")
    assert superseded[0][0] >= 1  # the dead node's attempts, marked and kept


def test_sigterm_stops_the_jobs_on_their_nodes_and_the_sweep_resumes(
    cluster: LocalCluster, tmp_path: Path, pg_url: str, pg_env: dict[str, str]
) -> None:
    sweep_dir = tmp_path / "sweep"
    env = {**pg_env, **cluster.env()}
    args = [
        "-m",
        *_long_jobs(4, 30),  # far longer than a SIGTERM takes to reach them, even under load
        *_ray_args(cluster, sweep_dir, pg_url),
    ]

    def stop_when_two_run(proc: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 120
        while len(_running_pids(pg_url)) < 2:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the jobs never started"
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)

    code, out, err = _sweep_while(tmp_path, env, args, stop_when_two_run)
    assert code == 130, err[-3000:]
    assert "Resume with: brainjar-sweep resume" in err
    stopped = {n: r for n, r in job_results(sweep_dir).items() if r["status"] == "interrupted"}
    assert len(stopped) >= 2, (job_results(sweep_dir), err[-3000:])  # their files came back
    left = _pg(pg_url, "SELECT experiment_id, attempt, pid FROM attempts WHERE status = 'running'")
    assert left == [], (left, err[-3000:])  # no job runs on, unknown to the stopped sweep
    summary = json.loads((sweep_dir / "sweep_results.json").read_text())
    assert {e["job_num"] for e in summary["results"] if e["status"] == "interrupted"} >= set(
        stopped
    )

    resumed = sweep_cli(tmp_path, "resume", str(sweep_dir), timeout=600, env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    results = job_results(sweep_dir)
    assert sorted(results) == list(range(4))
    assert all(r["status"] == "completed" for r in results.values())
    _check_db(pg_url, results)


def test_jobs_whose_only_board_died_fail_after_a_while_instead_of_hanging(
    cluster: LocalCluster, tmp_path: Path, pg_url: str, pg_env: dict[str, str]
) -> None:
    nx = cluster.add_node(num_cpus=2, memory_gb=12, resources={"orin_nx": 1})
    sweep_dir = tmp_path / "sweep"
    env = {**pg_env, **cluster.env()}
    args = [
        "-m",
        "seed=0,1,2,3",
        "resources=orin_nx_16gb",
        "max_cycles=100000000",
        "max_duration_seconds=4",
        "self_report=none",
        "hydra.launcher.ray.unplaceable_s=2",
        # the retry finds no board for them at once: failed again, not a crashed sweep
        "hydra.sweeper.max_retries=1",
        *_ray_args(cluster, sweep_dir, pg_url),
    ]
    code, out, err = _sweep_while(
        tmp_path, env, args, _kill_when_a_job_runs_on(cluster, nx, pg_url)
    )
    assert code == 1, err[-3000:]
    log = out + err
    reasons = [line for line in log.splitlines() if "[jetson] job #" in line]
    assert reasons and all(
        "no live Ray node can hold it" in line and "(4.5 GB, 1 CPU, orin_nx)" in line
        for line in reasons
    ), reasons
    assert "retry 1 of 1 for 4 failed job(s)" in log
    assert "Sweep summary: 4 jobs: 4 failed" in out

    # resuming while no board can hold them: one line, before any job
    early = sweep_cli(tmp_path, "resume", str(sweep_dir), timeout=300, env=env)
    assert early.returncode == 2, early.stderr[-3000:]
    assert (
        early.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "error: resources.device='orin_nx' is not allowed: a device kind a live Ray node offers"
        )
    ), early.stderr[-3000:]
    # the board is back: the resume runs them
    cluster.add_node(num_cpus=2, memory_gb=12, resources={"orin_nx": 1})
    resumed = sweep_cli(tmp_path, "resume", str(sweep_dir), timeout=600, env=env)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    results = job_results(sweep_dir)
    assert sorted(results) == list(range(4))
    assert all(r["status"] == "completed" for r in results.values())
    _check_db(pg_url, results)


def test_an_optuna_study_runs_its_trials_on_ray_with_sqlite_on_a_one_machine_cluster(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    need("optuna")
    sweep_dir = tmp_path / "study"
    done = cli(
        tmp_path,
        "-m",
        "+sweep=identity_threshold_optuna",
        "hydra/sweeper=brainjar_optuna",
        "hydra.sweeper.n_trials=4",
        "resources.ram_limit_gb=choice(2,4)",  # what the nodes can hold
        "hydra.launcher.backend=ray",
        f"hydra.launcher.ray.address={cluster.address}",
        f"hydra.sweep.dir={sweep_dir}",
        timeout=600,
        env=cluster.env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = job_results(sweep_dir)
    assert sorted(results) == [0, 1, 2, 3]
    # the preset prunes trials still far from the crossing: a pruned trial also ran on a node
    assert all(
        r["status"] in ("completed", "pruned") and r["node"]["ray_node_id"]
        for r in results.values()
    )
    # every node is on this machine, so the default SQLite file is shared by all of them
    assert (tmp_path / "logs" / "experiments.db").is_file()
    assert (sweep_dir / "optimization_results.yaml").is_file()


def test_a_sqlite_database_is_refused_when_a_node_is_another_machine(tmp_path: Path) -> None:
    """A node in a network namespace of its own: another host, as far as addresses go."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("network namespaces need root and iproute2")
    need("ray")
    try:
        ns = NetNamespace.create()
    except subprocess.CalledProcessError as e:
        pytest.skip(f"no network namespace here: {e.stderr!r}")
    c = LocalCluster(head_ip=ns.host_ip)
    try:
        c.start_head(num_cpus=1, memory_gb=3, resources={"lab_head": 1})
        c.add_node(num_cpus=1, memory_gb=3, resources={"far_board": 1}, netns=ns)
        done = cli(
            tmp_path,
            "-m",
            "seed=0,1",
            "max_cycles=5",
            "hydra.launcher.backend=ray",
            f"hydra.launcher.ray.address={c.address}",
            env=c.env(),
        )
    finally:
        c.shutdown()
        ns.delete()
    assert done.returncode == 2, done.stderr[-3000:]
    assert (
        done.stderr.strip()
        .splitlines()[-1]
        .startswith(
            "error: db.url=None is not allowed: a postgresql:// URL when Ray nodes run on other "
            f"machines ({ns.ip})"
        )
    ), done.stderr[-3000:]
    assert not (tmp_path / "multirun").exists() and not (tmp_path / "logs").exists()
    assert c.leftovers() == []
