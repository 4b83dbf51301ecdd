"""The ``brainjar_optuna`` sweeper: search-space parsing, objectives, errors, and a study that
is SIGKILLed halfway and resumed (the acceptance of issue 6)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _cli import run_module
from _extras import need
from _sweeps import (
    apps_env,
    family,
    optuna_sweep,
    settled_trial_counts,
    survivors,
    trial_counts,
)

need("optuna", module_level=True)
import optuna  # noqa: E402
from hydra.core.override_parser.overrides_parser import OverridesParser  # noqa: E402
from hydra_plugins.brainjar_optuna_sweeper._space import search_space  # noqa: E402
from optuna.distributions import (  # noqa: E402
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import TrialState  # noqa: E402

from brainjar_sweep.sweep.errors import SearchSpaceError  # noqa: E402
from brainjar_sweep.sweep.objective import Objective  # noqa: E402

# the sweeper's two ways of running trials: refilling each free slot, or batch by batch
MODES = ["async", "batch"]
ONE_LINE = 'pip install "brainjar-sweep[optuna]"'


def space(params: dict[str, str], args: tuple[str, ...] = ()) -> tuple[dict, list[str]]:
    dims, fixed = search_space(params, list(args), OverridesParser.create())
    return {d.key: d for d in dims}, fixed


# --------------------------------------------------------------------- search space


def test_range_keeps_hydras_exclusive_upper_bound() -> None:
    dims, _ = space({"seed": "range(0,5)", "n": "range(10,0,-3)"})
    assert dims["seed"].distribution() == IntDistribution(0, 4, step=1)
    assert dims["seed"].grid_values() == [0, 1, 2, 3, 4]
    assert dims["n"].distribution() == IntDistribution(1, 10, step=3)  # 10, 7, 4, 1


def test_float_range_is_stepped_and_rounded() -> None:
    dims, _ = space({"corruption_rate": "range(0.1,0.5,0.1)"})
    d = dims["corruption_rate"]
    assert d.distribution() == FloatDistribution(0.1, 0.4, step=0.1)
    assert d.grid_values() == [0.1, 0.2, 0.3, 0.4]
    assert d.override(0.30000000000000004) == "corruption_rate=0.3"


def test_intervals_float_int_and_log() -> None:
    dims, _ = space(
        {
            "a": "interval(0,1)",
            "b": "tag(log, interval(0.001, 1))",
            "c": "int(interval(1,5))",
            "d": "tag(log, int(interval(1,100)))",
        }
    )
    assert dims["a"].distribution() == FloatDistribution(0.0, 1.0)
    assert dims["b"].distribution() == FloatDistribution(0.001, 1.0, log=True)
    assert dims["c"].distribution() == IntDistribution(1, 4)  # a <= x < b
    assert dims["d"].distribution() == IntDistribution(1, 99, log=True)


def test_choices_of_config_groups_and_values() -> None:
    dims, fixed = space(
        {"mode": "split_brain,hive_cluster", "resources.ram_limit_gb": "choice(2,4,8)"},
        ("max_cycles=5",),
    )
    assert dims["mode"].distribution() == CategoricalDistribution(["split_brain", "hive_cluster"])
    assert dims["mode"].override("hive_cluster") == "mode=hive_cluster"
    assert dims["resources.ram_limit_gb"].distribution() == CategoricalDistribution([2, 4, 8])
    assert fixed == ["max_cycles=5"]


def test_command_line_replaces_a_param_and_plain_values_are_fixed() -> None:
    dims, fixed = space({"seed": "range(0,3)", "max_cycles": "10"}, ("seed=choice(7,8)",))
    assert dims["seed"].distribution() == CategoricalDistribution([7, 8])
    assert fixed == ["max_cycles=10"]


def test_nothing_to_search_and_interval_on_a_grid_are_errors() -> None:
    with pytest.raises(SearchSpaceError, match="nothing to search"):
        space({"max_cycles": "10"})
    dims, _ = space({"a": "interval(0,1)"})
    with pytest.raises(SearchSpaceError, match="grid sampler needs discrete values"):
        dims["a"].grid_values()


def test_objective_expressions() -> None:
    metrics = {"memory_accuracy_mean": 42.0, "crash_rate": 0.25, "tokens_per_second": None}
    assert Objective("crash_rate")(metrics) == 0.25
    assert Objective("abs(memory_accuracy_mean - 50)")(metrics) == 8.0
    assert Objective("-crash_rate * 2 + max(1, 3)")(metrics) == 2.5
    with pytest.raises(ValueError, match="missing"):
        Objective("continuity_mean")(metrics)
    with pytest.raises(ValueError, match="not a number"):
        Objective("tokens_per_second")(metrics)
    for bad in ("__import__('os')", "crash_rate.real", "[crash_rate]", "open(x)"):
        with pytest.raises(SearchSpaceError):
            Objective(bad)


# --------------------------------------------------------------------- the command line


def test_without_optuna_one_line_names_the_extra(tmp_path: Path) -> None:
    code = (
        "import sys; sys.modules['optuna'] = None\n"
        "from brainjar_sweep.app import main\n"
        "sys.exit(main(['-m', 'hydra/sweeper=brainjar_optuna', 'corruption_rate=interval(0,1)']))"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert p.returncode != 0
    assert p.stderr.strip().splitlines() == [f"error: optuna is not installed: {ONE_LINE}"]
    assert not list(tmp_path.rglob("result.json"))


def test_a_bad_fixed_part_is_one_line_before_any_job(tmp_path: Path) -> None:
    p = optuna_sweep(
        tmp_path, "hydra.sweep.dir=sw", "corruption_rate=interval(0,2)", "max_cycles=3"
    )
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "corruption_rate=2.0 is not allowed" in lines[0], p.stderr
    assert not (tmp_path / "sw").exists()


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_two_objectives_write_the_pareto_front(tmp_path: Path, mode: str) -> None:
    p = optuna_sweep(
        tmp_path,
        "hydra.sweep.dir=sw",
        "hydra.launcher.progress=none",
        f"hydra.sweeper.mode={mode}",
        "hydra.sweeper.sampler=random",
        "hydra.sweeper.seed=3",
        "hydra.sweeper.n_trials=4",
        "hydra.sweeper.n_jobs=4",
        "hydra.sweeper.objective=[crash_rate,'abs(memory_accuracy_mean - 50)']",
        "hydra.sweeper.direction=[minimize,minimize]",
        "corruption_rate=interval(0,1)",
        "max_cycles=5",
    )
    assert p.returncode == 0, p.stderr
    from omegaconf import OmegaConf

    res = OmegaConf.load(tmp_path / "sw" / "optimization_results.yaml")
    assert res.n_trials.complete == 4
    assert res.solutions and all(len(s["values"]) == 2 for s in res.solutions)


# --------------------------------------------------------------------- kill and resume


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_twelve_trials_killed_halfway_and_resumed(tmp_path: Path, mode: str) -> None:
    sweep_dir = tmp_path / "sw"
    args = [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        "hydra/sweeper=brainjar_optuna",
        f"hydra.sweep.dir={sweep_dir}",
        "hydra.launcher.progress=none",
        f"hydra.sweeper.mode={mode}",
        "hydra.launcher.max_parallel=2",
        "hydra.sweeper.study_name=killed",
        "hydra.sweeper.n_trials=12",
        "hydra.sweeper.n_jobs=2",
        "hydra.sweeper.seed=0",
        "hydra.sweeper.objective=[memory_accuracy_mean]",
        "corruption_rate=interval(0,1)",
        "resources.ram_limit_gb=choice(2,4)",
        "max_cycles=200",
    ]
    db = sweep_dir / "optuna.db"
    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and proc.poll() is None:
            st = trial_counts(db)
            if st.get("COMPLETE", 0) + st.get("FAIL", 0) >= 6:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the study ended before it could be killed"
        everyone = family(proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # the jobs die with their sweep; wait until they have (a job ending late would still write)
    survivors(everyone, limit=120)
    before = settled_trial_counts(db)
    finished_before = before.get("COMPLETE", 0) + before.get("FAIL", 0)
    assert 6 <= finished_before < 12, before
    old = {p.parent.name: p.stat().st_mtime_ns for p in sweep_dir.glob("*/result.json")}
    old_dirs = {p.name for p in sweep_dir.iterdir() if p.name.isdigit()}

    p = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]

    study = optuna.load_study(study_name="killed", storage=f"sqlite:///{db}")
    trials = study.get_trials()
    assert len(trials) == 12
    assert all(t.state in (TrialState.COMPLETE, TrialState.FAIL) for t in trials)
    assert sum(t.state == TrialState.COMPLETE for t in trials) >= 10
    # trials left running by the killed sweep are failed, with the reason
    for t in trials:
        if t.state == TrialState.FAIL:
            assert "fail_reason" in t.user_attrs
    # no job dir overwritten: old results untouched, new jobs numbered after the old dirs
    now = {p.parent.name: p.stat().st_mtime_ns for p in sweep_dir.glob("*/result.json")}
    assert {k: now[k] for k in old} == old
    nums = [t.user_attrs["job_num"] for t in trials if "job_num" in t.user_attrs]
    assert len(nums) == len(set(nums))
    # the trials this run asked (a killed async study may have finished them out of order)
    new_nums = [
        t.user_attrs["job_num"] for t in trials[sum(before.values()) :] if "job_num" in t.user_attrs
    ]
    highest_old = max(int(d) for d in old_dirs)
    assert new_nums and min(new_nums) > highest_old
    assert (sweep_dir / "optimization_results.yaml").is_file()
    assert "Study 'killed': 12 trials" in p.stdout
    dead = before.get("RUNNING", 0)
    assert (
        f"continuing study 'killed': {finished_before + dead} trial(s) finished earlier "
        f"({dead} left running by a dead sweep, now FAIL); {12 - finished_before - dead} to run"
    ) in p.stdout


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_grid_sampler_runs_each_point_once(tmp_path: Path, mode: str) -> None:
    p = optuna_sweep(
        tmp_path,
        "hydra.sweep.dir=sw",
        "hydra.launcher.progress=none",
        f"hydra.sweeper.mode={mode}",
        "hydra.sweeper.sampler=grid",
        "hydra.sweeper.n_trials=9",
        "corruption_rate=range(0,1,0.25)",
        "max_cycles=3",
    )
    assert p.returncode == 0, p.stderr
    assert "the grid has 4 points: n_trials 9 -> 4" in p.stdout
    study = optuna.load_study(
        study_name=f"{tmp_path.name}_sw", storage=f"sqlite:///{tmp_path / 'sw' / 'optuna.db'}"
    )
    rates = sorted(t.params["corruption_rate"] for t in study.get_trials())
    assert rates == [0.0, 0.25, 0.5, 0.75]


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_failed_trials_end_the_study_past_the_failure_rate(tmp_path: Path, mode: str) -> None:
    p = optuna_sweep(
        tmp_path,
        "hydra.sweep.dir=sw",
        "hydra.launcher.progress=none",
        f"hydra.sweeper.mode={mode}",
        "hydra.sweeper.n_trials=6",
        "hydra.sweeper.objective=[no_such_metric]",
        "corruption_rate=interval(0,1)",
        "max_cycles=3",
    )
    assert p.returncode == 1
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and "stopped: 2 of 2 trials failed" in lines[0], p.stderr
    assert "max_failure_rate=0.2" in lines[0]
    study = optuna.load_study(
        study_name=f"{tmp_path.name}_sw", storage=f"sqlite:///{tmp_path / 'sw' / 'optuna.db'}"
    )
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.FAIL]
    assert "no_such_metric is missing" in trials[0].user_attrs["fail_reason"]


# --------------------------------------------------------------------- async: slots refilled


def _async_study(tmp_path: Path) -> list[str]:
    """The async study of the chaos app both slot tests run: two slots, four trials of
    ``x`` (job 0 waits in ``meet_dir`` for the job its ``wait_for`` names)."""
    return [
        "hydra/sweeper=brainjar_optuna",
        "hydra/launcher=jetson",
        "hydra.launcher.progress=none",
        "hydra.launcher.max_parallel=2",
        "hydra.launcher.cpu_slots=2",
        f"hydra.sweep.dir={tmp_path / 'sw'}",
        "hydra.sweeper.mode=async",
        "hydra.sweeper.objective=square",
        "hydra.sweeper.validator=null",
        "hydra.sweeper.n_trials=4",
        "hydra.sweeper.seed=0",
        "x=range(0,10)",
        f"meet_dir={tmp_path / 'meet'}",
        "wait_in=0",
    ]


@pytest.mark.slow
def test_async_refills_a_free_slot_while_a_long_trial_runs(tmp_path: Path) -> None:
    """Two slots; job 0 waits until job 3 has started, so the study ends only if the slots
    that jobs 1 and 2 leave are refilled while job 0 still runs (batch mode would wait for
    job 0 before starting job 2: job 0 would then fail at its 10-minute safety limit)."""
    p = run_module(
        "chaos_app",
        tmp_path,
        "-m",
        "hydra.launcher.job_resources=chaos_app.needs",
        *_async_study(tmp_path),
        "wait_for=3",
        timeout=900,
        env=apps_env(),
    )
    assert p.returncode == 0, p.stderr[-3000:]
    times = {
        int(d.name): json.loads((d / "times.json").read_text())
        for d in (tmp_path / "sw").iterdir()
        if d.name.isdigit()
    }
    assert sorted(times) == [0, 1, 2, 3]  # job dirs numbered in start order
    # jobs 1 and 2 ended and jobs 2 and 3 started in their slots while job 0 still ran
    assert times[3]["start"] < times[0]["end"]
    assert times[1]["end"] <= times[3]["start"] and times[2]["end"] <= times[3]["start"]
    study = optuna.load_study(
        study_name=f"{tmp_path.name}_sw", storage=f"sqlite:///{tmp_path / 'sw' / 'optuna.db'}"
    )
    trials = study.get_trials()
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 4
    assert sorted(t.user_attrs["job_num"] for t in trials) == [0, 1, 2, 3]
    # the study heard of job 0 after trials asked after it had been told
    told = p.stdout.index
    assert told("trial #1 (job #1)") < told("trial #0 (job #0)")
    assert told("trial #2 (job #2)") < told("trial #0 (job #0)")


@pytest.mark.slow
def test_async_sigterm_ends_the_running_trial_as_interrupted(tmp_path: Path) -> None:
    """Job 0 waits for a job that never starts; once every other trial is told, SIGTERM stops
    the study: job 0 ends interrupted and is told FAIL, the others stay COMPLETE."""
    env = apps_env()
    db = tmp_path / "sw" / "optuna.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chaos_app",
            "-m",
            *_async_study(tmp_path),
            "wait_for=99",
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 300  # a safety net: the rendezvous is the database
        while time.monotonic() < deadline and proc.poll() is None:
            if trial_counts(db).get("COMPLETE", 0) == 3:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "the study ended before it could be stopped"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert "Interrupted; continue the study" in err
    study = optuna.load_study(study_name=f"{tmp_path.name}_sw", storage=f"sqlite:///{db}")
    by_job = {t.user_attrs["job_num"]: t for t in study.get_trials()}
    assert sorted(by_job) == [0, 1, 2, 3]
    assert by_job[0].state == TrialState.FAIL
    assert "interrupted" in by_job[0].user_attrs["fail_reason"]
    assert all(by_job[j].state == TrialState.COMPLETE for j in (1, 2, 3))


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_resume_numbers_a_trial_the_dead_sweep_asked_but_did_not_number(
    tmp_path: Path, mode: str
) -> None:
    """A sweep killed between asking a trial and giving it its job number left it RUNNING
    without ``job_num``; another was numbered but its job never started. The resumed study
    fails both, gives the first the next free number, keeps the total, and writes no job dir
    twice."""
    args = (
        "hydra.sweep.dir=sw",
        "hydra.launcher.progress=none",
        f"hydra.sweeper.mode={mode}",
        "hydra.sweeper.seed=0",
        "corruption_rate=interval(0,1)",
        "max_cycles=3",
    )
    p = optuna_sweep(tmp_path, *args, "hydra.sweeper.n_trials=2")
    assert p.returncode == 0, p.stderr
    sweep = tmp_path / "sw"
    study = optuna.load_study(
        study_name=f"{tmp_path.name}_sw", storage=f"sqlite:///{sweep / 'optuna.db'}"
    )
    # what a sweep killed at those two moments leaves in the study
    study.ask().set_user_attr("job_num", 2)  # numbered, its job not started
    untagged = study.ask()  # asked, not numbered yet
    assert "job_num" not in untagged.user_attrs
    old = {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/result.json")}
    assert sorted(old) == ["0", "1"]

    p = optuna_sweep(tmp_path, *args, "hydra.sweeper.n_trials=6")
    assert p.returncode == 0, p.stderr
    trials = study.get_trials()
    assert len(trials) == 6  # the study's total: 2 run, 2 left by the dead sweep, 2 more
    by_job = {t.user_attrs["job_num"]: t for t in trials}
    assert sorted(by_job) == [0, 1, 2, 3, 4, 5]
    assert by_job[3].number == untagged.number
    assert by_job[3].state == TrialState.FAIL
    assert "before its job started" in by_job[3].user_attrs["fail_reason"]
    assert by_job[2].state == TrialState.FAIL
    assert "ended before it finished" in by_job[2].user_attrs["fail_reason"]
    assert all(by_job[j].state == TrialState.COMPLETE for j in (0, 1, 4, 5))
    # the jobs that ran before are untouched; the new ones got new dirs; 2 and 3 never ran
    now = {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/result.json")}
    assert {k: now[k] for k in old} == old
    assert sorted(now) == ["0", "1", "4", "5"]
    assert "Study '" in p.stdout and ": 6 trials, 4 complete, 0 pruned, 2 failed" in p.stdout


@pytest.mark.slow
def test_without_a_terminal_the_study_logs_one_count_and_its_line(tmp_path: Path) -> None:
    """With plain progress (a log file, CI), a study in batches logs the launcher's count
    against the study's total, never starting again at a batch, with the study's line."""
    p = optuna_sweep(
        tmp_path,
        "hydra.sweep.dir=sw",
        "hydra.launcher.progress=plain",
        "hydra.sweeper.n_trials=4",
        "hydra.sweeper.n_jobs=2",
        "hydra.sweeper.seed=0",
        "corruption_rate=interval(0,1)",
        "max_cycles=3",
    )
    assert p.returncode == 0, p.stderr
    log = (p.stdout + p.stderr).splitlines()
    counts = [line.split("jobs ")[1].split(" done")[0] for line in log if "] jobs " in line]
    assert counts[-1] == "4/4" and all(c.endswith("/4") for c in counts), counts
    done = [int(c.split("/")[0]) for c in counts]
    assert done == sorted(done) and 2 in done, counts  # the second batch goes on from 2
    assert sum("admission:" in line for line in log) == 1
    study = [line for line in log if "[jetson] study: " in line]
    assert study and "study: 4/4 trials told | 0 pruned, 0 failed | best " in study[-1]
