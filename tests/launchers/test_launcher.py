"""The Jetson-aware launcher: admission, isolation, sweep files, Hydra's conformance suites."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hydra.core.plugins import Plugins
from hydra.plugins.launcher import Launcher
from hydra.test_utils.launcher_common_tests import IntegrationTestSuite, LauncherTestSuite
from hydra_plugins.brainjar_jetson_launcher._admission import Admission, Slot
from hydra_plugins.brainjar_jetson_launcher.jetson_launcher import JetsonLauncher

APPS = Path(__file__).resolve().parents[1] / "apps"
# the timeout of sweeps in which one job must time out: that job hangs for an hour, and every
# other job gets far longer than it needs to start and finish on a loaded machine
TIMEOUT_S = 30


def chaos_command(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of a sweep of ``tests/apps/chaos_app.py`` through the
    jetson launcher (``env``: the environment to add it to, this process's by default)."""
    base = os.environ if env is None else env
    env = dict(base, PYTHONPATH=f"{APPS}{os.pathsep}{base.get('PYTHONPATH', '')}")
    cmd = [
        sys.executable,
        "-m",
        "chaos_app",
        "-m",
        "hydra/launcher=jetson",
        "hydra.launcher.job_resources=chaos_app.needs",
        # the sweep files come from the brainjar app's report hook, which any app may name
        "hydra.launcher.sweep_report=brainjar_sweep.sweep.launch_hooks.SweepFiles",
        "hydra.launcher.progress=plain",
        f"hydra.sweep.dir={cwd / 'sweep'}",
        *args,
    ]
    return cmd, env


def chaos(
    cwd: Path, *args: str, timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """A sweep of ``tests/apps/chaos_app.py`` through the jetson launcher."""
    cmd, env = chaos_command(cwd, *args, env=env)
    return subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def times(cwd: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((cwd / "sweep").glob("*/times.json"))]


def peak_overlap(spans: list[dict]) -> int:
    events = sorted([(s["start"], 1) for s in spans] + [(s["end"], -1) for s in spans])
    peak = cur = 0
    for _, d in events:
        cur += d
        peak = max(peak, cur)
    return peak


def test_plugin_is_discovered() -> None:
    # the scanner re-executes plugin modules, so compare by qualified name
    names = {f"{c.__module__}.{c.__name__}" for c in Plugins.instance().discover(Launcher)}
    assert f"{JetsonLauncher.__module__}.JetsonLauncher" in names


# --- admission logic ---------------------------------------------------------------------


def test_admission_fills_memory_budget_in_order_and_backfills() -> None:
    needs = {0: Slot(8, 1), 1: Slot(8, 1), 2: Slot(8, 1), 3: Slot(2, 1)}
    a = Admission(budget_gb=18, cpu_slots=8)
    assert a.pick([0, 1, 2, 3], needs, {}, None) == [0, 1, 3]
    a.backfill = False
    assert a.pick([0, 1, 2, 3], needs, {}, None) == [0, 1]
    assert a.pick([2, 3], needs, {0: needs[0], 1: needs[1]}, None) == []


def test_admission_respects_cpu_slots_cap_and_live_memory() -> None:
    needs = {i: Slot(1, 2) for i in range(5)}
    assert Admission(budget_gb=100, cpu_slots=6).pick(list(range(5)), needs, {}, None) == [0, 1, 2]
    assert Admission(budget_gb=100, cpu_slots=60, max_parallel=2).pick(
        list(range(5)), needs, {}, None
    ) == [0, 1]
    # live available memory: 3.5 GB free with a 1 GB margin: the first job starts (nothing runs),
    # the second leaves 1.5 GB free after its 1 GB, the third would leave 0.5 GB
    assert Admission(budget_gb=100, cpu_slots=60, safety_margin_gb=1.0).pick(
        list(range(5)), needs, {}, 3.5
    ) == [0, 1]
    assert (
        Admission(budget_gb=100, cpu_slots=60, safety_margin_gb=1.0).pick([0], needs, {}, 0.5) == []
    )


def test_a_job_larger_than_the_budget_runs_alone() -> None:
    needs = {0: Slot(50, 1), 1: Slot(1, 1)}
    a = Admission(budget_gb=10, cpu_slots=4)
    assert a.pick([0, 1], needs, {}, None) == [0]
    assert a.pick([1], needs, {0: needs[0]}, None) == []


def test_capacity_beats_the_original_formula_where_it_matters() -> None:
    from brainjar_sweep.device import original_capacity, parallel_capacity

    def capacity(budget: float, cpus: int, job: Slot) -> int:
        return parallel_capacity(
            budget_gb=budget, job_mem_gb=job.memory_gb, cpu_cores=cpus, threads_per_job=job.threads
        )

    # 64 GB Orin, 8 GB jobs: the original says 4, the memory says 44.8 // 8.5 = 5
    assert original_capacity(8.0) == 4
    assert capacity(44.8, 12, Slot(8.5, 2)) == 5
    # 12 GB jobs: both say 3 (3 x 12.5 = 37.5 GB fits in 44.8 GB, 4 x 12.5 = 50 GB does not)
    assert original_capacity(12.0) == 3
    assert capacity(44.8, 12, Slot(12.5, 2)) == 3
    assert capacity(44.8, 12, Slot(16.5, 2)) == 2


# --- real sweeps --------------------------------------------------------------------------


@pytest.mark.slow
def test_twelve_jobs_three_misbehave_and_nine_finish(tmp_path: Path) -> None:
    proc = chaos(
        tmp_path,
        "x=range(0,12)",
        "crash_on=3",
        "hang_on=7",
        "fail_on=9",
        f"hydra.launcher.timeout_s={TIMEOUT_S}",
    )
    assert proc.returncode == 1  # Hydra's sweeper reports the failure after the batch
    done = times(tmp_path)
    assert sorted(t["x"] for t in done) == [0, 1, 2, 4, 5, 6, 8, 10, 11]
    log = proc.stdout + proc.stderr
    assert "job #3 failed: killed by SIGSEGV" in log
    assert f"job #7 timeout: timed out after {TIMEOUT_S}" in log
    assert "job #9 failed: ValueError: boom at x=9" in log
    results = json.loads((tmp_path / "sweep" / "sweep_results.json").read_text())
    assert results["total_experiments"] == 12
    by_job = {r["job_num"]: r for r in results["results"]}
    assert len(by_job) == len(results["results"]) == 12
    assert by_job[3]["status"] == "failed" and "SIGSEGV" in by_job[3]["error_message"]
    assert by_job[7]["status"] == "timeout"
    assert by_job[9]["status"] == "failed"
    with open(tmp_path / "sweep" / "sweep_table.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["job_num"]) for r in rows] == list(range(12))
    assert rows[5]["x"] == "5" and rows[5]["square"] == "25" and rows[5]["status"] == "completed"


def test_another_app_runs_with_every_hook_at_its_default(tmp_path: Path) -> None:
    """The launcher knows Hydra, not the brainjar app: with no hook named, a sweep of another
    app runs, each job fails alone with its reason, and nothing of the app's is written."""
    from hydra_plugins.brainjar_jetson_launcher._options import HOOKS

    base = os.environ
    env = dict(base, PYTHONPATH=f"{APPS}{os.pathsep}{base.get('PYTHONPATH', '')}")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "chaos_app",
            "-m",
            "x=0,1,2",
            "fail_on=1",
            "hydra/launcher=jetson",
            "hydra.launcher.progress=plain",
            f"hydra.sweep.dir={tmp_path / 'sweep'}",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 1, proc.stderr  # Hydra's basic sweeper: a failed job fails the sweep
    assert sorted(t["x"] for t in times(tmp_path)) == [0, 2]
    log = proc.stdout + proc.stderr
    assert "job #1 failed: ValueError: boom at x=1" in log
    # 3 jobs at the default need of 1 GB each, 1 thread
    assert "[jetson] 3 jobs; memory budget" in log
    assert "first job needs 1.0 GB, 1 thread(s)" in log
    files = {p.name for p in (tmp_path / "sweep").iterdir() if p.is_file()}
    assert not files & {"sweep_results.json", "sweep_table.csv", "completed_experiments.json"}
    assert not list((tmp_path / "sweep").glob("*/result.json"))
    launcher = JetsonLauncher()
    assert all(launcher.params.get(h) is None for h in HOOKS)
    assert all(fn is None for fn in launcher.hooks.fns.values())


def started_in_order(cwd: Path) -> list[int]:
    """The jobs' ``x`` in the order they started (each job's dir is its number)."""
    done = times(cwd)
    assert [t["x"] for t in done] == sorted(t["x"] for t in done)  # dirs in sweep order
    return [t["x"] for t in sorted(done, key=lambda t: t["start"])]


def test_jobs_start_longest_predicted_first_when_durations_are_known(tmp_path: Path) -> None:
    """With a ``job_duration`` hook the policy defaults to longest_first: the unpredicted job
    first, then the longest predicted; numbers and dirs stay in sweep order. One job at a time
    makes the start order the admission order, with no race between jobs."""
    proc = chaos(
        tmp_path,
        "x=0,1,2,3,4",
        "hydra.launcher.max_parallel=1",
        "hydra.launcher.job_duration=chaos_app.duration",
    )
    assert proc.returncode == 0, proc.stderr
    assert "[jetson] admission: longest_first" in proc.stdout + proc.stderr
    assert started_in_order(tmp_path) == [0, 4, 3, 2, 1]
    results = json.loads((tmp_path / "sweep" / "sweep_results.json").read_text())
    assert [r["job_num"] for r in results["results"]] == [0, 1, 2, 3, 4]
    assert {r["status"] for r in results["results"]} == {"completed"}


def test_jobs_start_in_sweep_order_without_durations_or_when_asked(tmp_path: Path) -> None:
    one_at_a_time = "hydra.launcher.max_parallel=1"
    (tmp_path / "a").mkdir()
    proc = chaos(tmp_path / "a", "x=0,1,2,3,4", one_at_a_time)
    assert proc.returncode == 0, proc.stderr
    assert "[jetson] admission: sweep_order" in proc.stdout + proc.stderr
    assert started_in_order(tmp_path / "a") == [0, 1, 2, 3, 4]
    (tmp_path / "b").mkdir()
    proc = chaos(
        tmp_path / "b",
        "x=0,1,2,3,4",
        one_at_a_time,
        "hydra.launcher.job_duration=chaos_app.duration",
        "hydra.launcher.policy=sweep_order",
    )
    assert proc.returncode == 0, proc.stderr
    assert started_in_order(tmp_path / "b") == [0, 1, 2, 3, 4]


def test_the_hooks_read_the_sweepers_plan_when_they_say_they_can(tmp_path: Path) -> None:
    """With ``hooks_read_plans``, a new sweep's needs hook is given each job's experiment as
    the brainjar sweeper checked it (no second composition); without, each job's config."""
    seen = {}
    for flag in ("true", "false"):
        (tmp_path / flag).mkdir()
        proc = chaos(
            tmp_path / flag,
            "x=0,1,2",
            "mem_gb=0.5",
            f"meet_dir={tmp_path / flag}",
            "hydra/sweeper=brainjar",
            "hydra.sweeper.validator=null",
            "hydra.sweeper.job_state=null",
            "hydra.launcher.job_resources=chaos_app.needs_seen",
            f"hydra.launcher.hooks_read_plans={flag}",
        )
        assert proc.returncode == 0, proc.stderr
        assert len(times(tmp_path / flag)) == 3
        seen[flag] = sorted(p.name for p in (tmp_path / flag).glob("seen-*"))
    assert seen["true"] == ["seen-0-plan", "seen-1-plan", "seen-2-plan"]
    assert seen["false"] == ["seen-0-config", "seen-1-config", "seen-2-config"]


def test_a_bad_policy_is_one_line_before_any_job(tmp_path: Path) -> None:
    proc = chaos(tmp_path, "x=0,1", "hydra.launcher.policy=shortest_first")
    assert proc.returncode != 0
    assert "hydra.launcher.policy" in proc.stderr and "shortest_first" in proc.stderr
    assert "one of null, sweep_order, longest_first" in proc.stderr
    assert not times(tmp_path)


def test_the_job_process_server_preloads_what_the_job_preload_hook_names(tmp_path: Path) -> None:
    (tmp_path / "with").mkdir()
    (tmp_path / "without").mkdir()
    proc = chaos(tmp_path / "with", "x=0,1", "hydra.launcher.job_preload=chaos_app.preload")
    assert proc.returncode == 0, proc.stderr
    assert [t["preloaded"] for t in times(tmp_path / "with")] == [True, True]
    proc = chaos(tmp_path / "without", "x=0,1")
    assert proc.returncode == 0, proc.stderr
    assert [t["preloaded"] for t in times(tmp_path / "without")] == [False, False]


@pytest.mark.skipif(sys.platform != "linux", reason="the server is forked on Linux")
def test_the_job_process_server_is_the_sweep_forked_unless_told_otherwise(tmp_path: Path) -> None:
    """By default the jobs' parent runs the sweep's own command (the sweep, forked); with
    ``server_from_sweep=false`` it is multiprocessing's new interpreter. Both run the jobs."""
    for where, option in (("forked", []), ("new", ["hydra.launcher.server_from_sweep=false"])):
        (tmp_path / where).mkdir()
        proc = chaos(tmp_path / where, "x=0,1", *option)
        assert proc.returncode == 0, proc.stderr
        parents = [t["parent"] for t in times(tmp_path / where)]
        assert len(parents) == 2 and parents[0] == parents[1]
        forked = parents[0][1:3] == ["-m", "chaos_app"]
        assert forked == (where == "forked"), parents[0]
        assert ("multiprocessing.forkserver" in " ".join(parents[0])) == (where == "new")


def test_a_failed_job_keeps_its_own_traceback(tmp_path: Path) -> None:
    proc = chaos(tmp_path, "x=0,1", "fail_on=1")
    assert proc.returncode == 1
    assert "worker traceback" in proc.stderr
    assert ", in main" in proc.stderr and "ValueError: boom at x=1" in proc.stderr
    assert [t["x"] for t in times(tmp_path)] == [0]


@pytest.mark.slow
def test_memory_budget_limits_concurrency(tmp_path: Path) -> None:
    one = tmp_path / "one"
    one.mkdir()
    proc = chaos(
        one, "x=range(0,4)", "sleep=0.6", "mem_gb=2.5", "hydra.launcher.memory_budget_gb=4"
    )
    assert proc.returncode == 0, proc.stderr
    assert peak_overlap(times(one)) == 1
    two = tmp_path / "two"
    two.mkdir()
    proc = chaos(
        two,
        "x=range(0,4)",
        "mem_gb=2.5",
        "hydra.launcher.memory_budget_gb=5.5",
        "meet=2",  # jobs 0 and 1, then 2 and 3, wait for each other: they must run together
        f"meet_dir={tmp_path / 'meet'}",
    )
    assert proc.returncode == 0, proc.stderr
    assert peak_overlap(times(two)) == 2


@pytest.mark.slow
def test_admission_pauses_while_hot_and_resumes(tmp_path: Path) -> None:
    zone = tmp_path / "dev" / "sys" / "class" / "thermal" / "thermal_zone0"
    zone.mkdir(parents=True)
    (zone / "type").write_text("tj-thermal\n")
    (zone / "temp").write_text("86500\n")
    cmd, env = chaos_command(
        tmp_path,
        "x=range(0,2)",
        f"hydra.launcher.device_root={tmp_path / 'dev'}",
        "hydra.launcher.thermal_poll_s=0.2",
    )
    proc = subprocess.Popen(
        cmd, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    cool_at: list[float] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # the zone cools only once the launcher has said it waits
            lines.append(line)
            if not cool_at and "admission paused: 86.5 C" in line:
                cool_at.append(time.time())
                (zone / "temp").write_text("52000\n")
        assert proc.wait(timeout=180) == 0, "".join(lines)
    finally:
        proc.kill()
    log = "".join(lines)
    assert cool_at and "admission resumed" in log, log
    assert min(s["start"] for s in times(tmp_path)) >= cool_at[0]


# --- Hydra's own conformance suites -------------------------------------------------------


@pytest.fixture
def hydra_default_version_base() -> Iterator[None]:
    """Hydra's suite runs its apps with Hydra's defaults (version base unset: jobs chdir into
    their dir). Importing an app decorated with ``@hydra.main(version_base=...)`` anywhere in
    this process (another test module does) sets a global version base; undo that here."""
    from hydra.version import _UNSPECIFIED_, VersionBase

    base = VersionBase.instance()
    saved = base.version_base
    base.version_base = _UNSPECIFIED_
    yield
    base.version_base = saved


@pytest.mark.usefixtures("hydra_default_version_base")
@pytest.mark.parametrize("launcher_name, overrides", [("jetson", ["hydra.launcher.progress=none"])])
class TestJetsonLauncherSuite(LauncherTestSuite):
    pass


@pytest.mark.slow
@pytest.mark.parametrize(
    "task_launcher_cfg, extra_flags",
    [({}, ["-m", "hydra/launcher=jetson", "hydra.launcher.progress=none"])],
)
class TestJetsonLauncherIntegration(IntegrationTestSuite):
    pass


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        (
            "hydra.launcher.start_method=bogus",
            "hydra.launcher.start_method='bogus' is not allowed: one of forkserver, spawn",
        ),
        (
            "hydra.launcher.reserve_fraction=1.5",
            "hydra.launcher.reserve_fraction=1.5 is not allowed: a number in [0, 1)",
        ),
        (
            "hydra.launcher.timeout_s=-1",
            "hydra.launcher.timeout_s=-1.0 is not allowed: a number > 0 or null",
        ),
    ],
)
def test_a_bad_launcher_option_is_one_line_before_any_job(
    tmp_path: Path, arg: str, expected: str
) -> None:
    from _cli import cli, files

    proc = cli(tmp_path, "-m", "max_cycles=2,3", arg)
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"error: {expected}"
    assert files(tmp_path) == []


# --- the job-process server ---------------------------------------------------------------

_SERVER_SCRIPT = """
import multiprocessing as mp, os, pickle, sys, tempfile
from brainjar_sweep._supervisor import Supervised
from hydra_plugins.brainjar_jetson_launcher._job_server import JobServer
import payload_probe

def run(server):
    proc = Supervised(server.ctx, payload_probe.probe, (server.payload_for_job(),), name="p")
    server.start()
    proc.start()
    server.job_started()
    assert proc.wait(timeout=120)
    return pickle.loads(proc.result)

if __name__ == "__main__":
    server = JobServer({"context": 1}, payload_probe.task, "forkserver")
    server.start()
    first = run(server)
    files = sorted(f for f in os.listdir(tempfile.gettempdir()) if "payload" in f)
    second = run(server)
    # another launch with another payload: its jobs get their payload, not the server's
    other = run(JobServer({"context": 2}, payload_probe.task, "forkserver"))
    print(repr((first, second, other, files)))
"""


def _script_answer(script: str, cwd: Path, **env: str) -> object:
    """Run ``script`` in a fresh interpreter (the test apps and tests/ importable, ``env``
    added) and return the Python literal its last line prints."""
    from _sweeps import apps_env

    full = apps_env()
    full["PYTHONPATH"] += f"{os.pathsep}{Path(__file__).resolve().parents[1]}"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env={**full, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout.strip().splitlines()[-1])  # noqa: S307


def test_jobs_are_given_the_digest_of_the_payload_their_server_holds(tmp_path: Path) -> None:
    """The job-process server reads the jobs' payload once, from a private file it removes;
    after the first job, jobs are given its digest and read the server's copy."""
    first, second, other, files = _script_answer(_SERVER_SCRIPT, tmp_path, TMPDIR=str(tmp_path))
    assert first == ("bytes", {"context": 1}, "task")  # given before the server was known up
    assert second == ("digest", {"context": 1}, "task")
    assert other == ("bytes", {"context": 2}, "task")
    assert files == []  # the payload's file went once the server read it


def test_a_sweep_leaves_no_payload_file_when_it_runs_or_is_refused(tmp_path: Path) -> None:
    """The sweeper starts the job-process server before it checks its jobs; whether the
    jobs then run or are refused, nothing of the payload stays in the temporary dir."""
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    base = [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        "max_cycles=2",
        "hydra.launcher.progress=none",
    ]
    ran = subprocess.run(
        [*base, "seed=0,1", f"hydra.sweep.dir={tmp_path / 'ok'}", f"db.path={tmp_path / 'ok.db'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    assert len(list((tmp_path / "ok").glob("*/result.json"))) == 2
    refused = subprocess.run(
        [*base, "corruption_rate=0,7", f"hydra.sweep.dir={tmp_path / 'bad'}"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert refused.returncode != 0 and "corruption_rate" in refused.stderr
    assert not (tmp_path / "bad").exists()
    assert [p.name for p in (tmp_path / "tmp").iterdir() if "payload" in p.name] == []


_EARLY_STOP_SCRIPT = """
import os, pickle, signal, sys
from pathlib import Path
from brainjar_sweep._supervisor import Supervised
from hydra_plugins.brainjar_jetson_launcher._job_server import JobServer
from _watch import wait_for
import payload_probe

if __name__ == "__main__":
    server = JobServer({"context": 1}, payload_probe.task, "forkserver")
    server.start()
    ready = Path("ready")
    proc = Supervised(server.ctx, payload_probe.wait_for_sigterm, (str(ready),), name="p").start()
    server.job_started()
    try:
        wait_for("the job to run", ready.exists, timeout=120)
        os.kill(proc.pid, signal.SIGTERM)
        ended = proc.wait(timeout=60)
    finally:
        if proc.alive():
            proc.kill()
    print(repr((ended, pickle.loads(proc.result) if proc.result else None)))
"""


def test_a_job_stopped_before_it_installs_its_handlers_is_interrupted(tmp_path: Path) -> None:
    """The job-process server ignores SIGTERM (a service manager's, sent to the whole group);
    a job it forks must not inherit that: a stop that comes before the job installs its own
    handler interrupts it."""
    ended, reason = _script_answer(_EARLY_STOP_SCRIPT, tmp_path)
    assert ended and reason == "interrupted (stopped as it started)"


_STOP_WHILE_STARTING_SCRIPT = """
import pickle, sys
from pathlib import Path
from brainjar_sweep._supervisor import Supervised, interrupt_on_sigterm
from _watch import wait_for
import payload_probe

if __name__ == "__main__":
    ctx = payload_probe.stopped_while_starting(sys.argv[1])
    ready = Path("ready")
    proc = Supervised(ctx, payload_probe.wait_for_sigterm, (str(ready),), name="p")
    interrupted = by_itself = False
    with interrupt_on_sigterm():
        try:
            proc.start()
        except KeyboardInterrupt:
            interrupted = True
    try:
        known = proc.pid is not None
        if known:
            wait_for("the job to run", ready.exists, timeout=120)
            by_itself = proc.stop(60.0)  # False: it was killed after the grace
    finally:
        if proc.pid is not None and proc.alive():
            proc.kill()
    heard = pickle.loads(proc.result) if proc.result else None
    print(repr((interrupted, known, by_itself, heard)))
"""


@pytest.mark.parametrize("method", ["forkserver", "fork"])
def test_a_stop_that_comes_while_a_job_starts_reaches_the_job(tmp_path: Path, method: str) -> None:
    """Starting a child is not atomic (a job-process server forks it before its owner has
    read its pid): a stop raised in between must leave no job running that its owner does
    not know of. The stop is raised once the job is known, and the job, stopped, hears it
    (a forked one does not keep the owner's holding of signals)."""
    script = _STOP_WHILE_STARTING_SCRIPT.replace("sys.argv[1]", repr(method))
    interrupted, known, by_itself, heard = _script_answer(script, tmp_path)
    assert interrupted and known
    assert by_itself  # it ended on its SIGTERM, before the grace
    if method == "fork":  # it has the owner's handler from before the start: an interrupt
        assert heard == ""
