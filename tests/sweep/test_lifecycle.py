"""Sweep lifecycle: presets, dry run, failure policy, retries, resume after any interruption."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import psutil
import pytest
import yaml
from _cli import cli, db_rows, files, sweep_cli
from _sweeps import LONG_JOB, TIMEOUT_S, apps_env, results, survivors

from brainjar_sweep.config import compose, conf_dir, resolve_experiment
from brainjar_sweep.jar.runner import Jar
from brainjar_sweep.sweep.job_end import NO_RESULT

# --- presets -------------------------------------------------------------------------------

PRESETS = {
    "memory_corruption": 33,
    "ram_limits": 18,
    "self_report_frequency": 54,
    "intervention_rate": 54,
    "full_factorial": 108,
}


def _grid(preset: str) -> dict[str, list[str]]:
    doc = yaml.safe_load((conf_dir() / "sweep" / f"{preset}.yaml").read_text())
    return {k: str(v).split(",") for k, v in doc["hydra"]["sweeper"]["params"].items()}


@pytest.mark.parametrize(("preset", "size"), PRESETS.items())
def test_preset_grid_sizes_and_metadata(preset: str, size: int) -> None:
    grid = _grid(preset)
    assert len(list(itertools.product(*grid.values()))) == size
    doc = yaml.safe_load((conf_dir() / "sweep" / f"{preset}.yaml").read_text())
    assert doc["sweep_id"] and doc["description"] and doc["research_question"]
    assert doc["hydra"]["launcher"]["timeout_s"] > 0


OUTCOME = {
    "corruption_rate": "memory_accuracy_mean",
    "max_cycles": "total_cycles",
    "resources.ram_limit_gb": "total_crashes",
    "self_report.every_n_cycles": "total_self_reports",
    "interventions.0.trigger_params.n": "total_interventions",
}


@pytest.mark.parametrize("preset", PRESETS)
def test_each_swept_parameter_of_a_preset_moves_an_outcome(preset: str) -> None:
    grid = _grid(preset)
    for key, values in grid.items():
        if (
            key == "seed"
        ):  # replicates (tests/config/test_presets.py checks every level of every key)
            continue
        metric = OUTCOME[key]
        seen = set()
        for value in (values[0], values[-1]):
            exp = resolve_experiment(
                compose(
                    [
                        f"+sweep={preset}",
                        f"{key}={value}",
                        "max_cycles=30" if key != "max_cycles" else "seed=0",
                    ]
                )
            )
            runs = [
                Jar(dict(exp, seed=s), experiment_id="e").run().metrics[metric] for s in range(3)
            ]
            seen.add(round(sum(runs) / len(runs), 3))
        assert len(seen) == 2, f"{preset}: {key} does not move {metric}"


@pytest.mark.slow
def test_dry_run_of_full_factorial_lists_108_jobs_and_writes_nothing(tmp_path: Path) -> None:
    proc = cli(tmp_path, "-m", "+sweep=full_factorial", "hydra.sweeper.dry_run=true")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Dry run: 108 jobs" in out
    first = "#0: corruption_rate=0.0 resources.ram_limit_gb=2 self_report.every_n_cycles=2 seed=0"
    last = "#107: corruption_rate=1.0 resources.ram_limit_gb=8 self_report.every_n_cycles=10 seed=2"
    assert first in out
    assert last in out
    assert (
        "more ..." in out
        and "Estimated duration" in out
        and "Device:" in out
        and "GB declared" in out
    )
    assert files(tmp_path) == []


# --- failure policy and retries ---------------------------------------------------------------


@pytest.mark.slow
def test_a_failing_job_does_not_stop_the_others_and_the_sweep_exits_non_zero(
    tmp_path: Path,
) -> None:
    proc = cli(
        tmp_path,
        "-m",
        "max_duration_seconds=0.2,1000000",
        "seed=0,1",
        *LONG_JOB,
        f"hydra.launcher.timeout_s={TIMEOUT_S}",
        "hydra.sweeper.max_retries=1",
        f"hydra.sweep.dir={tmp_path / 'sw'}",
    )
    assert proc.returncode == 1
    assert "Sweep summary: 4 jobs: 2 completed, 2 timeout" in proc.stdout
    assert f"#2 timeout: timed out after {TIMEOUT_S}" in proc.stdout
    assert proc.stderr.strip().splitlines()[-1].startswith("error: 2 of 4 jobs did not complete")
    res = results(tmp_path / "sw")
    assert res[0]["status"] == res[1]["status"] == "completed"
    # the timed-out jobs ran twice (one retry), as numbered attempts of one experiment each;
    # each attempt is a timeout everywhere: a failure whose error says so in the DB (not the
    # SIGTERM that stopped it), "timeout" in result.json and the sweep files
    rows = db_rows(tmp_path, "select job_num, attempts, status from experiments order by job_num")
    assert rows == [(0, 1, "completed"), (1, 1, "completed"), (2, 2, "failed"), (3, 2, "failed")]
    errors = db_rows(
        tmp_path,
        "select a.status, a.error from attempts a join experiments e using (experiment_id) "
        "where e.job_num >= 2",
    )
    assert len(errors) == 4
    assert all(s == "failed" and e == f"timed out after {float(TIMEOUT_S)} s" for s, e in errors)
    assert res[2]["status"] == res[3]["status"] == "timeout"
    assert res[2]["error"] == f"timed out after {float(TIMEOUT_S)} s"
    table = json.loads((tmp_path / "sw" / "sweep_results.json").read_text())
    assert [r["job_num"] for r in table["results"]] == [0, 1, 2, 3]


@pytest.mark.slow
def test_allow_failures_exits_zero(tmp_path: Path) -> None:
    proc = cli(
        tmp_path,
        "-m",
        "max_duration_seconds=0.2,1000000",
        *LONG_JOB,
        f"hydra.launcher.timeout_s={TIMEOUT_S}",
        "hydra.sweeper.allow_failures=true",
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 completed, 1 timeout" in proc.stdout


# --- resume -------------------------------------------------------------------------------------


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "-m",
            "seed=range(0,12)",
            "max_duration_seconds=1",
            *LONG_JOB,
            f"hydra.sweep.dir={tmp_path / 'sw'}",
            "hydra.launcher.progress=plain",
            *extra,
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for_results(sweep: Path, n: int, limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while len([r for r in results(sweep).values() if r["status"] == "completed"]) < n:
        assert time.monotonic() < deadline, "the sweep did not progress"
        time.sleep(0.1)


def _check_exactly_once(tmp_path: Path) -> None:
    res = results(tmp_path / "sw")
    assert sorted(res) == list(range(12))
    assert all(r["status"] == "completed" for r in res.values())
    per_job = db_rows(
        tmp_path,
        "select e.job_num, sum(a.status = 'completed') from experiments e "
        "join attempts a using (experiment_id) group by e.job_num order by e.job_num",
    )
    assert per_job == [(i, 1) for i in range(12)]
    table = json.loads((tmp_path / "sw" / "sweep_results.json").read_text())
    assert sorted(r["job_num"] for r in table["results"]) == list(range(12))
    assert len(json.loads((tmp_path / "sw" / "completed_experiments.json").read_text())) == 12


@pytest.mark.slow
def test_sigkill_midway_then_resume_runs_every_job_exactly_once(tmp_path: Path) -> None:
    proc = _start(tmp_path)
    _wait_for_results(tmp_path / "sw", 4)
    family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.kill()
    proc.wait(30)
    assert survivors(family) == []  # no job survives its sweep
    before = {
        n: (p.stat().st_mtime_ns, p.read_text())
        for n, p in (
            (n, tmp_path / "sw" / str(n) / "result.json")
            for n, r in results(tmp_path / "sw").items()
            if r["status"] == "completed"
        )
    }
    assert 4 <= len(before) < 12
    done = sweep_cli(tmp_path, "resume", str(tmp_path / "sw"))
    assert done.returncode == 0, done.stderr
    assert f"({len(before)} completed earlier, skipped)" in done.stdout
    for n, (mtime, text) in before.items():
        p = tmp_path / "sw" / str(n) / "result.json"
        assert p.stat().st_mtime_ns == mtime and p.read_text() == text  # not re-run
    _check_exactly_once(tmp_path)
    # attempts left running by the dead sweep were marked interrupted
    assert db_rows(tmp_path, "select count(*) from attempts where status = 'running'") == [(0,)]


def _started_within(cwd: Path, seconds: float) -> bool:
    """Whether an experiment still running started less than ``seconds`` ago."""
    now = datetime.now(timezone.utc)
    rows = db_rows(cwd, "select started_at from experiments where status = 'running'")
    return any(
        started and (now - datetime.fromisoformat(started)).total_seconds() < seconds
        for (started,) in rows
    )


@pytest.mark.slow
def test_sigterm_stops_everything_marks_interrupted_and_resume_finishes(tmp_path: Path) -> None:
    proc = _start(tmp_path)
    _wait_for_results(tmp_path / "sw", 3)
    # stop it while an experiment is running, early in its one second (not while it writes
    # its last events and result, which ends it as completed whatever the signal)
    deadline = time.monotonic() + 60
    while not _started_within(tmp_path, 0.4):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert "brainjar-sweep resume" in out
    assert survivors(family) == []
    statuses = {n: r["status"] for n, r in results(tmp_path / "sw").items()}
    assert "interrupted" in statuses.values()
    interrupted = [n for n, s in statuses.items() if s == "interrupted"]
    rows = db_rows(
        tmp_path,
        f"select status from experiments where job_num in ({','.join(map(str, interrupted))})",
    )
    assert {r[0] for r in rows} == {"interrupted"}
    table = json.loads((tmp_path / "sw" / "sweep_results.json").read_text())
    assert {r["status"] for r in table["results"]} >= {"completed", "interrupted"}
    # the same through plain Hydra overrides
    again = cli(
        tmp_path,
        "-m",
        "seed=range(0,12)",
        "max_duration_seconds=1",
        *LONG_JOB,
        f"hydra.sweep.dir={tmp_path / 'sw'}",
        "hydra.launcher.progress=plain",
        "hydra.sweeper.resume=true",
    )
    assert again.returncode == 0, again.stderr
    _check_exactly_once(tmp_path)


@pytest.mark.slow
def test_a_changed_sweep_definition_is_refused(tmp_path: Path) -> None:
    first = cli(tmp_path, "-m", "seed=0,1", "max_cycles=3", f"hydra.sweep.dir={tmp_path / 'sw'}")
    assert first.returncode == 0, first.stderr
    proc = cli(
        tmp_path,
        "-m",
        "seed=0,1,2",
        "max_cycles=3",
        f"hydra.sweep.dir={tmp_path / 'sw'}",
        "hydra.sweeper.resume=true",
    )
    assert proc.returncode == 2
    assert (
        "the sweep definition differs from its multirun.yaml: seed=0,1 -> seed=0,1,2" in proc.stderr
    )
    again = sweep_cli(tmp_path, "resume", str(tmp_path / "sw"))
    assert again.returncode == 0 and "2 completed earlier, skipped" in again.stdout


def test_resume_of_a_missing_dir_is_one_line(tmp_path: Path) -> None:
    proc = sweep_cli(tmp_path, "resume", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "multirun.yaml" in proc.stderr


# --- migration ------------------------------------------------------------------------------------

ORIGINAL_SWEEP = """\
sweep_id: memory_corruption_comprehensive_001
base_config: experiments/examples/unstable_memory_moderate.json
description: Systematic memory corruption sweep
sweep:
  interventions.0.parameters.corruption_rate: [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
  max_cycles: [15, 20, 25]
parallel: 3
jetson_optimized: true
timeout: 1800
db_path: logs/experiments.db
output_dir: logs/sweeps
resume: false
max_retries: 2
tags: [memory_corruption, systematic_sweep]
"""


@pytest.mark.slow
def test_convert_an_original_sweep_file(tmp_path: Path) -> None:
    from _original import ORIGINAL

    (tmp_path / "experiments" / "examples").mkdir(parents=True)
    (tmp_path / "experiments" / "examples" / "unstable_memory_moderate.json").write_text(
        json.dumps(ORIGINAL)
    )
    (tmp_path / "sweeps").mkdir()
    (tmp_path / "sweeps" / "memory_corruption_sweep.yaml").write_text(ORIGINAL_SWEEP)
    proc = sweep_cli(tmp_path, "convert", "sweeps/memory_corruption_sweep.yaml", "-o", "converted")
    assert proc.returncode == 0, proc.stderr
    target = tmp_path / "converted" / "sweep" / "memory_corruption_comprehensive_001.yaml"
    doc = yaml.safe_load(target.read_text())
    assert doc["hydra"]["sweeper"]["params"][
        "interventions.0.parameters.corruption_rate"
    ].startswith("0.0,0.1")
    assert doc["hydra"]["sweeper"]["max_retries"] == 2
    assert doc["hydra"]["launcher"] == {"timeout_s": 1800.0, "max_parallel": 3}
    dry = cli(
        tmp_path,
        "-m",
        f"hydra.searchpath=[file://{tmp_path / 'converted'}]",
        "+sweep=memory_corruption_comprehensive_001",
        "hydra.sweeper.dry_run=true",
    )
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: 33 jobs" in dry.stdout
    assert (
        "interventions.0.parameters.corruption_rate=0.5 max_cycles=20" in dry.stdout
        or "more ..." in dry.stdout
    )
    bad = sweep_cli(tmp_path, "convert", "sweeps/missing.yaml")
    assert bad.returncode == 2 and "sweep_file=" in bad.stderr


@pytest.mark.slow
def test_duration_estimate_is_refined_by_past_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from brainjar_sweep.sweep.durations import DEFAULT_CYCLE_SECONDS, estimate_seconds
    from brainjar_sweep.sweep.durations import STARTUP_SECONDS as JOB_OVERHEAD_SECONDS

    monkeypatch.chdir(tmp_path)
    cfg = compose(["max_cycles=100"], return_hydra_config=True)
    default = JOB_OVERHEAD_SECONDS + 100 * DEFAULT_CYCLE_SECONDS["simulated"]
    assert estimate_seconds(cfg) == pytest.approx(default)
    done = cli(tmp_path, "max_cycles=300")
    assert done.returncode == 0, done.stderr
    ((secs, cycles),) = db_rows(tmp_path, "select duration_seconds, total_cycles from experiments")
    assert estimate_seconds(cfg) == pytest.approx(JOB_OVERHEAD_SECONDS + 100 * secs / cycles)


@pytest.mark.slow
def test_a_base_experiment_sweeps_and_resumes(tmp_path: Path) -> None:
    from _original import ORIGINAL

    (tmp_path / "orig.json").write_text(json.dumps(ORIGINAL))
    args = [
        "-m",
        "base_experiment=orig.json",
        "interventions.0.parameters.corruption_rate=0,1",
        "max_cycles=3",
    ]
    proc = cli(tmp_path, *args, f"hydra.sweep.dir={tmp_path / 'sw'}")
    assert proc.returncode == 0, proc.stderr
    res = results(tmp_path / "sw")
    assert [res[n]["status"] for n in (0, 1)] == ["completed", "completed"]
    again = sweep_cli(tmp_path, "resume", str(tmp_path / "sw"))
    assert again.returncode == 0, again.stderr
    assert "2 completed earlier, skipped" in again.stdout


@pytest.mark.slow
def test_a_config_that_changed_under_a_completed_job_is_refused(tmp_path: Path) -> None:
    first = cli(tmp_path, "-m", "seed=0,1", "max_cycles=3", f"hydra.sweep.dir={tmp_path / 'sw'}")
    assert first.returncode == 0, first.stderr
    # what a changed config file does: job 1 ran with another config than the sweep now gives
    body = json.loads((tmp_path / "sw" / "1" / "result.json").read_text())
    body["config_hash"] = "0" * 16
    (tmp_path / "sw" / "1" / "result.json").write_text(json.dumps(body))
    proc = sweep_cli(tmp_path, "resume", str(tmp_path / "sw"))
    assert proc.returncode == 2
    assert "1 completed job(s) (#1) ran with another config" in proc.stderr


# --- identity -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_relative_sweep_dir_keeps_its_experiment_ids_on_resume(tmp_path: Path) -> None:
    first = cli(tmp_path, "-m", "seed=0,1", "max_cycles=3", "hydra.sweep.dir=sw")
    assert first.returncode == 0, first.stderr
    ids = db_rows(tmp_path, "select experiment_id from experiments order by job_num")
    assert ids == [(f"{tmp_path.name}_sw_exp0000",), (f"{tmp_path.name}_sw_exp0001",)]
    (tmp_path / "sw" / "1" / "result.json").unlink()  # job 1 runs again on resume
    again = sweep_cli(tmp_path, "resume", "sw")
    assert again.returncode == 0, again.stderr
    assert "1 completed earlier, skipped" in again.stdout
    # the same two experiments, job 1 with a second attempt: no third experiment
    assert db_rows(
        tmp_path, "select experiment_id, attempts from experiments order by job_num"
    ) == [
        (ids[0][0], 1),
        (ids[1][0], 2),
    ]
    # job 1's first attempt, whose result was lost, no longer counts as completed
    assert db_rows(
        tmp_path, f"select attempt, status, error from attempts where experiment_id = '{ids[1][0]}'"
    ) == [
        (1, "interrupted", "interrupted: " + NO_RESULT),
        (2, "completed", None),
    ]


def test_the_summary_says_how_the_predicted_durations_compared(tmp_path: Path) -> None:
    """A first sweep has nothing to be predicted from; a second one into the same database is
    predicted from the first, and its summary compares that with the wall time it took."""
    first = cli(tmp_path, "-m", "max_cycles=20,40", "seed=0", f"hydra.sweep.dir={tmp_path / 'a'}")
    assert first.returncode == 0, first.stderr
    assert "Durations:" not in first.stdout
    second = cli(tmp_path, "-m", "max_cycles=20,40", "seed=1", f"hydra.sweep.dir={tmp_path / 'b'}")
    assert second.returncode == 0, second.stderr
    (line,) = [x for x in second.stdout.splitlines() if x.startswith("Durations:")]
    assert line.startswith("Durations: predicted ") and ", took " in line and "(2 jobs" in line


def test_a_sweep_is_recorded_once_with_its_whole_grid(tmp_path: Path) -> None:
    """Every job of a sweep knows the sweep's design; the first to start records it, the
    others find it recorded: one row, with the command line's grid, its dir and its words."""
    proc = cli(
        tmp_path,
        "-m",
        "seed=0,1,2",
        "max_cycles=2,3",
        "research_question=does length matter?",
        "hydra.sweep.dir=sweep",
        "hydra.launcher.progress=none",
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = db_rows(tmp_path, "SELECT grid_json, sweep_dir, research_question FROM sweeps")
    assert len(rows) == 1
    grid, sweep_dir, question = rows[0]
    assert json.loads(grid) == {"seed": "0,1,2", "max_cycles": "2,3"}
    assert sweep_dir == str(tmp_path / "sweep")
    assert question == "does length matter?"
    jobs = db_rows(tmp_path, "SELECT count(DISTINCT sweep_id) FROM experiments")
    assert jobs == [(1,)]


# --- after the jobs: what each completed job wrote is still there -----------------------------


@pytest.mark.parametrize(
    "options",
    [
        [],  # each job's dir its number, job_state given the checked experiment
        ["hydra.sweep.subdir=job_${hydra.job.num}"],  # a dir read from the job's config
        # a hook that reads composed configs only is given them
        ["hydra.sweeper.job_state=config_job_state.job_state"],
        ["hydra.sweep.subdir=job_${seed}", "hydra.sweeper.job_state=config_job_state.job_state"],
    ],
)
def test_completed_jobs_are_found_kept_however_their_dir_and_config_are_read(
    tmp_path: Path, options: list[str]
) -> None:
    """The check after the jobs finds every completed job's result and record where the job
    wrote them: a job looked for in another dir, or with another config, would be lost and
    fail the sweep (``test_bad_inputs`` loses jobs for real, their database deleted)."""
    args = ["-m", "seed=3,4", "max_cycles=2", "hydra.sweep.dir=sw", *options]
    proc = cli(tmp_path, *args, env=apps_env())
    assert proc.returncode == 0, proc.stderr
    assert "2 jobs: 2 completed" in proc.stdout
    assert "lost" not in proc.stdout
