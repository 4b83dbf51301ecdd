"""What a sweep guarantees however it is stopped: nothing lost, nothing run twice, nothing left.

Each test acts on a real sweep (real processes, signals, SQLite file) and waits for
conditions (files, database rows, processes) with generous limits, never for a fixed time.
"""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import psutil
import pytest
from _cli import cli, db_rows, files, sweep_cli
from _sweeps import family, results, survivors

APPS = Path(__file__).parent / "apps"
# a job that runs until it is stopped (an hour), and reacts to SIGTERM within a cycle
FOREVER = ["max_duration_seconds=3600", "max_cycles=100000000", "resources=desktop"]
FOREVER += ["self_report=none"]
DB_STATUS = {"completed": "completed", "failed": "failed", "timeout": "failed"}
DB_STATUS["interrupted"] = "interrupted"


def wait_for(
    check: Callable[[], object],
    what: str,
    limit: float = 180,
    proc: subprocess.Popen | None = None,
) -> object:
    """Poll ``check`` until it returns something true (or fail after ``limit`` seconds, or
    once ``proc`` has ended without it)."""
    deadline = time.monotonic() + limit
    while True:
        ended = proc is not None and proc.poll() is not None
        value = check()
        if value:
            return value
        assert not ended, f"the sweep ended (code {proc.returncode}) before {what}"
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def rows(cwd: Path, sql: str) -> list[tuple]:
    """Rows of ``sql`` on the experiments DB, or [] while it does not exist yet."""
    if not (cwd / "logs" / "experiments.db").is_file():
        return []
    try:
        return db_rows(cwd, sql)
    except sqlite3.OperationalError:  # its tables are being created
        return []


def running_pids(cwd: Path) -> list[int]:
    return [p for (p,) in rows(cwd, "select pid from attempts where status = 'running'")]


_STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _nothing_left_running() -> Iterator[None]:
    """Whatever a test leaves running (it failed midway) is killed, with its process group."""
    yield
    while _STARTED:
        proc = _STARTED.pop()
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(60)


def start(cwd: Path, *args: str, module: str = "brainjar_sweep", **env: str) -> subprocess.Popen:
    """A sweep in a session of its own (so signals to its process group reach it alone)."""
    out = open(cwd / "sweep.out", "a")  # noqa: SIM115  closed by the process's end
    proc = subprocess.Popen(
        [sys.executable, "-m", module, "-m", *args, "hydra.launcher.progress=plain"],
        cwd=cwd,
        stdout=out,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        env={**os.environ, **env},
    )
    _STARTED.append(proc)
    return proc


def table(sweep: Path) -> dict[int, dict]:
    with open(sweep / "sweep_table.csv", newline="") as f:
        return {int(r["job_num"]): r for r in csv.DictReader(f)}


def check_agreement(cwd: Path, sweep: Path) -> None:
    """No attempt left running; every job's result.json, DB attempt and sweep-file row agree."""
    assert rows(cwd, "select count(*) from attempts where status = 'running'") == [(0,)]
    assert rows(cwd, "select count(*) from experiments where status = 'running'") == [(0,)]
    tab = table(sweep)
    for num, body in results(sweep).items():
        ((status, error),) = rows(
            cwd,
            "select status, error from attempts where experiment_id = "
            f"'{body['experiment_id']}' and attempt = {body['attempt']}",
        )
        assert status == DB_STATUS[body["status"]], (num, body["status"], status)
        if body["status"] != "completed":
            assert error == body["error"], (num, error, body["error"])
        assert tab[num]["status"] == body["status"], (num, tab[num]["status"], body["status"])


# --- jobs die with their sweep ----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("method", ["forkserver", "spawn"])
def test_a_sigkilled_sweep_takes_its_jobs_with_it(tmp_path: Path, method: str) -> None:
    proc = start(
        tmp_path,
        "seed=0,1,2,3",
        *FOREVER,
        "hydra.sweep.dir=sw",
        f"hydra.launcher.start_method={method}",
    )
    jobs = wait_for(lambda: len(running_pids(tmp_path)) >= 2 and running_pids(tmp_path), "2 jobs")
    everyone = family(proc) + list(jobs)
    proc.kill()
    proc.wait(60)
    # the jobs (and the job-process server) go with the sweep, though each would run an hour
    assert survivors(everyone) == []


# --- one owner per sweep dir ------------------------------------------------------------------


@pytest.mark.slow
def test_a_running_sweeps_dir_is_refused_to_a_resume_and_to_a_second_sweep(tmp_path: Path) -> None:
    proc = start(tmp_path, "seed=0,1", *FOREVER, "hydra.sweep.dir=sw")
    try:
        wait_for(lambda: running_pids(tmp_path), "a running job")
        before = (tmp_path / "sw" / "multirun.yaml").read_bytes()
        resume = sweep_cli(tmp_path, "resume", "sw")
        assert resume.returncode == 2
        assert resume.stderr.count("\n") == 1
        assert f"is in use by the sweep of pid {proc.pid} on " in resume.stderr
        second = cli(tmp_path, "-m", "seed=7", "max_cycles=3", "hydra.sweep.dir=sw")
        assert second.returncode == 2 and second.stderr.count("\n") == 1
        assert f"in use by the running sweep of pid {proc.pid}" in second.stderr
        assert not (tmp_path / "sw" / "2").exists()
        assert (tmp_path / "sw" / "multirun.yaml").read_bytes() == before
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)


@pytest.mark.slow
def test_two_sweeps_started_together_in_one_time_stamped_dir_get_a_dir_each(
    tmp_path: Path,
) -> None:
    # ${now:same} is a time-stamped dir whose stamp is the same whenever the sweeps start
    args = ("seed=0,1,2", "max_cycles=20", "hydra.sweep.dir=multirun/${now:same}")
    a, b = start(tmp_path, *args), start(tmp_path, *args)
    assert a.wait(300) == 0 and b.wait(300) == 0, (tmp_path / "sweep.out").read_text()
    dirs = sorted(p.name for p in (tmp_path / "multirun").iterdir())
    assert dirs == ["same", "same_2"]
    for name in dirs:
        res = results(tmp_path / "multirun" / name)
        assert sorted(res) == [0, 1, 2] and {r["status"] for r in res.values()} == {"completed"}
    assert rows(tmp_path, "select count(distinct experiment_id), count(*) from attempts") == [
        (6, 6)
    ]
    again = sweep_cli(tmp_path, "resume", "multirun/same_2")
    assert again.returncode == 0 and "3 completed earlier, skipped" in again.stdout


@pytest.mark.slow
def test_a_new_sweep_in_another_sweeps_dir_is_refused_and_touches_nothing(tmp_path: Path) -> None:
    first = cli(tmp_path, "-m", "seed=0,1", "max_cycles=3", "hydra.sweep.dir=sw")
    assert first.returncode == 0, first.stderr

    def state() -> dict[Path, tuple[int, bytes]]:
        # SQLite's shared-memory index (-shm) is rewritten by any reader of the database,
        # such as the check that it is ours before any job; it holds no data
        return {
            p: (p.stat().st_mtime_ns, p.read_bytes())
            for p in files(tmp_path)
            if not p.name.endswith("-shm")
        }

    before = state()
    second = cli(tmp_path, "-m", "seed=5,6", "max_cycles=4", "hydra.sweep.dir=sw")
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1
    assert "hydra.sweep.dir=sw holds another sweep" in second.stderr
    assert "brainjar-sweep resume sw" in second.stderr
    assert state() == before


@pytest.mark.slow
def test_a_sweep_id_reused_with_another_grid_is_refused(tmp_path: Path) -> None:
    first = cli(tmp_path, "-m", "seed=0,1", "max_cycles=3", "sweep_id=study", "hydra.sweep.dir=a")
    assert first.returncode == 0, first.stderr
    before = db_rows(tmp_path, "select * from experiments order by experiment_id")
    second = cli(
        tmp_path, "-m", "seed=0,1,2", "max_cycles=5", "sweep_id=study", "hydra.sweep.dir=b"
    )
    assert second.returncode == 2
    assert second.stderr.count("\n") == 1
    assert "sweep_id=study already names another sweep" in second.stderr
    assert db_rows(tmp_path, "select * from experiments order by experiment_id") == before
    assert db_rows(tmp_path, "select count(*) from attempts") == [(2,)]
    assert not (tmp_path / "b").exists()


# --- signals as a lab machine sends them ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda s: signal.Signals(s).name
)
def test_a_signal_to_the_whole_process_group_stops_and_records_every_job(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Ctrl-C in a terminal, SIGTERM from systemd or Slurm, SIGHUP when an SSH session drops:
    each reaches the sweep and all its jobs at once."""
    proc = start(tmp_path, "seed=0,1,2,3", *FOREVER, "hydra.sweep.dir=sw")
    wait_for(lambda: len(running_pids(tmp_path)) >= 2, "2 running jobs")
    everyone = family(proc)
    os.killpg(proc.pid, sig)
    assert proc.wait(180) == 130
    out = (tmp_path / "sweep.out").read_text()
    assert "Sweep summary: 4 jobs:" in out and "brainjar-sweep resume" in out
    assert survivors(everyone) == []
    res = results(tmp_path / "sw")
    assert len(res) >= 2 and {r["status"] for r in res.values()} == {"interrupted"}
    check_agreement(tmp_path, tmp_path / "sw")
    assert {r["status"] for r in table(tmp_path / "sw").values()} <= {"interrupted", "pending"}


@pytest.mark.slow
def test_a_second_ctrl_c_kills_the_jobs_left_and_still_records_them(tmp_path: Path) -> None:
    env = dict(PYTHONPATH=f"{APPS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    proc = start(
        tmp_path,
        "x=0,1",
        "deaf_on=0",  # job 0 ignores SIGTERM, so only a kill stops it
        "hang_on=1",
        "hydra/launcher=jetson",
        "hydra/sweeper=brainjar",
        "hydra.sweeper.validator=null",
        "hydra.launcher.stop_grace_s=3600",
        "hydra.launcher.job_resources=chaos_app.needs",
        # the sweep files come from the brainjar app's report hook, which any app may name
        "hydra.launcher.sweep_report=brainjar_sweep.sweep.launch_hooks.SweepFiles",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        module="chaos_app",
        **env,
    )

    def both_running() -> bool:
        path = tmp_path / "sweep" / "sweep_table.csv"
        return path.is_file() and [r["status"] for r in table(tmp_path / "sweep").values()] == [
            "running",
            "running",
        ]

    wait_for(both_running, "both jobs running", proc=proc)
    wait_for(lambda: (tmp_path / "sweep" / "0" / "deaf").exists(), "job 0 deaf", proc=proc)
    everyone = family(proc)
    os.killpg(proc.pid, signal.SIGINT)
    wait_for(lambda: "stopping 2 running job(s)" in (tmp_path / "sweep.out").read_text(), "stop")
    wait_for(lambda: table(tmp_path / "sweep")[1]["status"] == "interrupted", "job 1 stopped")
    os.killpg(proc.pid, signal.SIGINT)  # job 0 still runs, deaf to the sweep's SIGTERM
    assert proc.wait(180) == -signal.SIGINT  # a plain Hydra app ends as Ctrl-C ends Python
    assert survivors(everyone) == []
    tab = table(tmp_path / "sweep")
    assert tab[0]["status"] == "interrupted"
    assert tab[0]["reason"] == "interrupted: killed (SIGKILL) after a second SIGINT"
    assert tab[1]["status"] == "interrupted"
    assert "Sweep summary: 2 jobs: 2 interrupted" in (tmp_path / "sweep.out").read_text()


# --- every way a job ends is recorded once, the same everywhere -------------------------------


@pytest.mark.slow
def test_a_job_killed_by_a_signal_is_recorded_killed_everywhere(tmp_path: Path) -> None:
    proc = start(tmp_path, "seed=0,1", *FOREVER, "hydra.sweep.dir=sw")
    try:
        pids = wait_for(lambda: len(running_pids(tmp_path)) == 2 and running_pids(tmp_path), "jobs")
        ((num,),) = rows(
            tmp_path,
            "select e.job_num from attempts a join experiments e using (experiment_id) "
            f"where a.pid = {pids[0]}",
        )
        os.kill(pids[0], signal.SIGKILL)  # what the out-of-memory killer does
        # the sweep files are written last
        wait_for(lambda: table(tmp_path / "sw")[num]["status"] == "failed", "the job recorded")
        ((num, status, error),) = rows(
            tmp_path,
            "select e.job_num, a.status, a.error from attempts a join experiments e "
            f"using (experiment_id) where a.pid = {pids[0]}",
        )
        assert status == "failed" and error.startswith("killed by SIGKILL")
        body = results(tmp_path / "sw")[num]
        assert body["status"] == "failed" and body["error"] == error
        assert table(tmp_path / "sw")[num]["status"] == "failed"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(120)
    check_agreement(tmp_path, tmp_path / "sw")


@pytest.mark.slow
def test_a_result_that_cannot_be_written_fails_the_attempt_everywhere(tmp_path: Path) -> None:
    # job 1's result.json cannot be written (a directory stands in its way)
    (tmp_path / "sw" / "1" / "result.json").mkdir(parents=True)
    first = cli(tmp_path, "-m", "seed=0,1", "max_cycles=5", "hydra.sweep.dir=sw")
    assert first.returncode == 1
    assert "#1 failed:" in first.stdout
    assert db_rows(
        tmp_path,
        "select a.status from attempts a join experiments e using (experiment_id) "
        "where e.job_num = 1",
    ) == [("failed",)]
    (tmp_path / "sw" / "1" / "result.json").rmdir()
    again = sweep_cli(tmp_path, "resume", "sw")
    assert again.returncode == 0, again.stderr
    per_job = db_rows(
        tmp_path,
        "select e.job_num, sum(a.status = 'completed'), count(*) from experiments e "
        "join attempts a using (experiment_id) group by e.job_num order by e.job_num",
    )
    assert per_job == [(0, 1, 1), (1, 1, 2)]
    check_agreement(tmp_path, tmp_path / "sw")


# --- chaos -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_chaos_three_sigkills_and_resumes_end_with_every_job_completed_once(
    tmp_path: Path,
) -> None:
    """A 24-job sweep SIGKILLed at three random moments (a random number of jobs completed)
    and resumed each time, the first time at once, ends with every job completed exactly
    once, no job outliving its sweep nor any process left behind, completed result files
    untouched, every record agreeing."""
    seed = int(os.environ.get("BRAINJAR_CHAOS_SEED") or random.SystemRandom().randrange(10**6))
    print(f"chaos seed {seed} (replay it with BRAINJAR_CHAOS_SEED={seed})")
    rng = random.Random(seed)
    sweep = tmp_path / "sw"
    proc = start(tmp_path, "seed=range(0,24)", "max_cycles=300", "hydra.sweep.dir=sw")
    kept: dict[Path, tuple[int, bytes]] = {}
    kills: list[datetime] = []

    def completed() -> list[int]:
        return [n for n, r in results(sweep).items() if r["status"] == "completed"]

    for round_ in range(3):
        target = min(23, len(completed()) + rng.randint(1, 5))
        running = proc
        # killed while a job runs (not in a gap between jobs), or the kill would test little
        wait_for(
            lambda t=target, p=running: (
                (len(completed()) >= t and running_pids(tmp_path)) or p.poll() is not None
            ),
            "progress",
        )
        if proc.poll() is not None:
            break  # the sweep finished before this kill
        everyone = family(proc) + running_pids(tmp_path)
        proc.kill()
        proc.wait(60)
        kills.append(datetime.now(timezone.utc))
        for n in completed():
            p = sweep / str(n) / "result.json"
            kept.setdefault(p, (p.stat().st_mtime_ns, p.read_bytes()))
        if round_:  # the first resume comes at once, with the jobs perhaps still dying
            assert survivors(everyone) == []
        proc = start(tmp_path, "hydra.sweeper.resume=true", *resume_args(sweep))
        if not round_:
            assert survivors(everyone) == []
    assert proc.wait(600) == 0, (tmp_path / "sweep.out").read_text()[-3000:]
    assert survivors(family(proc)) == []
    res = results(sweep)
    assert sorted(res) == list(range(24))
    assert {r["status"] for r in res.values()} == {"completed"}
    per_job = db_rows(
        tmp_path,
        "select e.job_num, sum(a.status = 'completed') from experiments e "
        "join attempts a using (experiment_id) group by e.job_num order by e.job_num",
    )
    assert per_job == [(n, 1) for n in range(24)]
    # no job outlived its sweep: no attempt started before a kill completed after it
    for started, ended, status in db_rows(
        tmp_path, "select started_at, ended_at, status from attempts"
    ):
        for killed in kills:
            outlived = datetime.fromisoformat(started) < killed < datetime.fromisoformat(ended)
            assert not (outlived and status == "completed"), (started, ended, killed)
    for p, (mtime, body) in kept.items():
        assert p.stat().st_mtime_ns == mtime and p.read_bytes() == body
    check_agreement(tmp_path, sweep)
    summary = json.loads((sweep / "sweep_results.json").read_text())
    assert summary["completed_experiments"] == 24
    assert len(json.loads((sweep / "completed_experiments.json").read_text())) == 24


def resume_args(sweep: Path) -> list[str]:
    """The sweep's own overrides, as ``brainjar-sweep resume`` rebuilds them."""
    from brainjar_sweep.cli import resume_args as rebuild

    argv, _ = rebuild(sweep)
    drop = ("hydra.sweeper.resume=", "hydra.launcher.progress=")
    return [a for a in argv[1:] if not a.startswith(drop)]


# --- ownership, piece by piece ------------------------------------------------------------------


def _owner(sweep: Path, **fields: object) -> None:
    sweep.mkdir(parents=True, exist_ok=True)
    body = {"pid": 1, "host": "elsewhere", "started_at": "x", "heartbeat": time.time(), "jobs": {}}
    (sweep / "owner.json").write_text(json.dumps({**body, **fields}))


def test_an_owner_on_another_host_counts_while_its_heartbeat_is_fresh(tmp_path: Path) -> None:
    from brainjar_sweep.sweep.ownership import STALE_AFTER_S, SweepBusy, claim, read_owner

    _owner(tmp_path / "sw")
    with pytest.raises(SweepBusy, match=r"pid 1 on elsewhere.*heartbeat is \d+ s old"):
        claim(tmp_path / "sw")
    _owner(tmp_path / "sw", heartbeat=time.time() - STALE_AFTER_S - 1)
    own = claim(tmp_path / "sw")
    try:
        assert own.previous is not None and own.previous["host"] == "elsewhere"
        assert read_owner(tmp_path / "sw")["pid"] == os.getpid()
    finally:
        own.release()
    assert read_owner(tmp_path / "sw") is None


def test_a_dead_owners_job_still_running_blocks_a_takeover(tmp_path: Path) -> None:
    import socket

    from brainjar_sweep.sweep.ownership import SweepBusy, claim

    job = subprocess.Popen(["sleep", "600"])
    try:
        created = psutil.Process(job.pid).create_time()
        jobs = {"3": {"pid": job.pid, "created": created}}
        _owner(tmp_path / "sw", host=socket.gethostname(), pid=2**22 + 1, jobs=jobs)
        with pytest.raises(SweepBusy, match=f"its job process\\(es\\) {job.pid} still run"):
            claim(tmp_path / "sw", wait_s=0.5)
    finally:
        job.kill()
        job.wait()
    own = claim(tmp_path / "sw", wait_s=60)  # the job is gone: the dir is taken over
    own.release()


@pytest.mark.slow
def test_a_sweep_dirs_lock_is_held_for_the_owners_life(tmp_path: Path) -> None:
    from brainjar_sweep.sweep.ownership import SweepBusy, claim

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from brainjar_sweep.sweep.ownership import claim; "
            f"claim({str(tmp_path / 'sw')!r}); print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline() == "held\n"
        with pytest.raises(SweepBusy, match=f"pid {holder.pid} on .*it holds the dir's lock"):
            claim(tmp_path / "sw")
    finally:
        holder.kill()  # dies without releasing anything
        holder.wait()
    own = claim(tmp_path / "sw")
    assert own.previous is not None and own.previous["pid"] == holder.pid
    own.release()


@pytest.mark.slow
def test_a_dropped_terminal_stops_the_sweep_and_records_every_job(tmp_path: Path) -> None:
    """An SSH session that drops: the sweep's terminal hangs up under it (SIGHUP, then every
    write to the terminal fails); the sweep still stops its jobs and records each."""
    import fcntl
    import pty
    import termios

    master, slave = pty.openpty()

    def own_terminal() -> None:  # a session whose controlling terminal is the pty
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "-m",
            "seed=0,1,2",
            *FOREVER,
            "hydra.sweep.dir=sw",
        ],
        cwd=tmp_path,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        preexec_fn=own_terminal,  # noqa: PLW1509  (no threads in this test process's child)
    )
    _STARTED.append(proc)
    os.close(slave)
    drained = bytearray()

    def drain() -> None:  # keep the terminal's buffer from filling up
        import select

        while select.select([master], [], [], 0)[0]:
            try:
                drained.extend(os.read(master, 65536))
            except OSError:
                return

    def two_running() -> bool:
        drain()
        return len(running_pids(tmp_path)) >= 2

    wait_for(two_running, "2 running jobs", proc=proc)
    everyone = family(proc)
    os.close(master)  # the connection drops
    assert proc.wait(180) == 130
    assert survivors(everyone) == []
    res = results(tmp_path / "sw")
    assert len(res) >= 2 and {r["status"] for r in res.values()} == {"interrupted"}
    check_agreement(tmp_path, tmp_path / "sw")
