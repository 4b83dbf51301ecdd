"""Pruned Optuna trials, end to end: a study whose pruner stops the trials that crash early,
run through the jetson launcher with two slots; the familiar spellings of Hydra's Optuna
sweeper; the dry run."""

from __future__ import annotations

import csv
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _extras import need
from _sweeps import (
    apps_env,
    family,
    optuna_sweep,
    settled_trial_states,
    survivors,
    trial_states,
)

need("optuna", module_level=True)
import optuna  # noqa: E402
from optuna.trial import TrialState  # noqa: E402

# the sweeper's two ways of running trials: refilling each free slot, or batch by batch
MODES = ["async", "batch"]

STUDY = [
    "hydra.launcher.progress=none",
    "hydra.launcher.max_parallel=2",
    "hydra.launcher.cpu_slots=2",
    "hydra.sweeper.study_name=pr",
    "hydra.sweeper.n_jobs=2",
    "hydra.sweeper.seed=0",
    "hydra.sweeper.objective=crash_rate",
    # a trial that has crashed in more than 5 % of its cycles by cycle 6 or later is stopped:
    # in the 2 GB jar the simulated mind dies at cycle 10, in 4 and 8 GB it never does
    "hydra.sweeper.pruner=threshold",
    "hydra.sweeper.pruner_kwargs={upper: 0.05, n_warmup_steps: 5}",
    "corruption_rate=interval(0,1)",
    "resources.ram_limit_gb=choice(2,4,8)",
    "max_cycles=20",
]


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_pruned_trials_are_pruned_in_every_record(tmp_path: Path, mode: str) -> None:
    p = optuna_sweep(
        tmp_path,
        "hydra.sweep.dir=sw",
        "hydra.sweeper.n_trials=6",
        f"hydra.sweeper.mode={mode}",
        *STUDY,
    )
    assert p.returncode == 0, p.stderr[-3000:]
    sweep = tmp_path / "sw"
    study = optuna.load_study(study_name="pr", storage=f"sqlite:///{sweep / 'optuna.db'}")
    trials = study.get_trials()
    assert len(trials) == 6
    by_job = {t.user_attrs["job_num"]: t for t in trials}
    for job, t in by_job.items():
        two_gb = t.params["resources.ram_limit_gb"] == 2
        assert t.state == (TrialState.PRUNED if two_gb else TrialState.COMPLETE), (job, t)
        # each trial reported its objective at every cycle it ran
        assert sorted(t.intermediate_values) == list(range(1, (10 if two_gb else 20) + 1))
    pruned = {j for j, t in by_job.items() if t.state == TrialState.PRUNED}
    assert pruned and len(pruned) < 6
    # result.json: its own status, the cycle it stopped at, its metrics so far
    for job in by_job:
        body = json.loads((sweep / str(job) / "result.json").read_text())
        if job in pruned:
            assert (body["status"], body["stop_reason"]) == ("pruned", "pruned")
            assert body["metrics"]["total_cycles"] == 10
        else:
            assert body["status"] == "completed"
    # the experiments database: experiments and attempts, events kept
    with sqlite3.connect(tmp_path / "logs" / "experiments.db") as con:
        rows = dict(con.execute("SELECT job_num, status FROM experiments").fetchall())
        attempts = dict(
            con.execute(
                "SELECT e.job_num, a.status FROM attempts a JOIN experiments e USING "
                "(experiment_id)"
            ).fetchall()
        )
        cycles = dict(
            con.execute(
                "SELECT e.job_num, COUNT(*) FROM cycles c JOIN experiments e USING "
                "(experiment_id) GROUP BY e.job_num"
            ).fetchall()
        )
    assert {j for j, s in rows.items() if s == "pruned"} == pruned
    assert {j for j, s in attempts.items() if s == "pruned"} == pruned
    assert all(cycles[j] == 10 for j in pruned)
    # the sweep files
    table = list(csv.DictReader((sweep / "sweep_table.csv").open()))
    assert {int(r["job_num"]) for r in table if r["status"] == "pruned"} == pruned
    assert not any(k.startswith("hydra.") for k in table[0])  # the trial's link is not a column
    results = json.loads((sweep / "sweep_results.json").read_text())["results"]
    assert {r["job_num"] for r in results if r["status"] == "pruned"} == pruned
    completed = json.loads((sweep / "completed_experiments.json").read_text())
    assert len(completed) == 6 - len(pruned)
    # what the user saw: one line per trial, the best so far, the summary
    assert "[6/6] trial #" in p.stdout
    assert "pruned at cycle 10 (0.1)" in p.stdout
    assert f"6 trials, {6 - len(pruned)} complete, {len(pruned)} pruned, 0 failed" in p.stdout
    assert "best crash_rate: 0 at corruption_rate=" in p.stdout
    assert study.metric_names == ["crash_rate"]

    # the watch page's data counts them apart
    from brainjar_sweep.watch.state import SweepView

    view = SweepView(sweep)
    try:
        progress = view.overview()["progress"]
    finally:
        view.close()
    assert (progress["pruned"], progress["completed"], progress["failed"]) == (
        len(pruned),
        6 - len(pruned),
        0,
    )

    # the analysis shows the pruned jobs apart and keeps them out of the statistics
    a = subprocess.run(
        [sys.executable, "-m", "brainjar_sweep.analysis", "sw", "--output", "r.md"]
        + ["--plots", "plots"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert a.returncode == 0, a.stderr[-2000:]
    report = (tmp_path / "r.md").read_text()
    n, k = 6 - len(pruned), len(pruned)
    assert f"6 used ({n} completed, {k} pruned)" in report
    assert "Statistics use completed jobs only." in report
    assert f"({n} complete, {k} pruned, stopped at cycle 10, 0 failed;" in report
    assert f"| pruned | {k} | pruned by the study after cycle 10 ({k}) |" in report
    assert any(p.name.endswith("optuna_curves.png") for p in (tmp_path / "plots").iterdir())


# --------------------------------------------------------------------- familiar syntax


def dry(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return optuna_sweep(
        tmp_path,
        "hydra.sweep.dir=sw",
        "hydra.sweeper.dry_run=true",
        "corruption_rate=interval(0,1)",
        *args,
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["hydra/sweeper/sampler=random"], "Sampler: random (seed None)"),
        (["hydra.sweeper.sampler.seed=1"], "Sampler: tpe (seed 1)"),
        (
            ["hydra/sweeper/sampler=tpe", "hydra.sweeper.sampler.n_startup_trials=3"],
            "Sampler: tpe (seed None, n_startup_trials=3)",
        ),
        (["hydra.sweeper.sampler=random", "hydra.sweeper.seed=4"], "Sampler: random (seed 4)"),
        (["hydra.sweeper.direction=maximize"], "Objective: maximize crash_rate"),
        (
            ["hydra.sweeper.pruner=median", "hydra.sweeper.pruner_kwargs={n_startup_trials: 2}"],
            "Pruner: median (n_startup_trials=2), reported every 1 cycle(s)",
        ),
    ],
)
def test_familiar_spellings_and_the_dry_run_write_nothing(
    tmp_path: Path, args: list[str], line: str
) -> None:
    p = dry(tmp_path, *args)
    assert p.returncode == 0, p.stderr
    assert line in p.stdout.splitlines(), p.stdout
    assert "Dry run: an Optuna study of 20 trials (nothing runs, nothing is written)" in p.stdout
    assert "  corruption_rate: float in [0, 1]" in p.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ["hydra.sweeper.pruner=sometimes"],
            "hydra.sweeper.pruner=sometimes is not allowed: one of none",
        ),
        (
            ["hydra.sweeper.pruner=median", "hydra.sweeper.pruner_kwargs={upper: 1}"],
            "is not allowed for the median pruner",
        ),
        (["hydra.sweeper.report_every=0"], "hydra.sweeper.report_every=0 is not allowed"),
        (["hydra.sweeper.mode=fast"], "hydra.sweeper.mode=fast is not allowed: async or batch"),
        (
            [
                "hydra.sweeper.pruner=median",
                "hydra.sweeper.objective=[crash_rate,peak_memory_mb]",
                "hydra.sweeper.direction=[minimize,minimize]",
            ],
            "single-objective studies only",
        ),
    ],
)
def test_bad_pruning_settings_are_one_line(tmp_path: Path, args: list[str], words: str) -> None:
    p = dry(tmp_path, *args)
    assert p.returncode == 2, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], p.stderr
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------- kill and resume


def _at_gate(gate: Path, kind: str) -> set[int]:
    """The jobs that left ``<kind>-<job number>`` in the gate dir (tests/apps/job_gate.py)."""
    return {int(p.name.rsplit("-", 1)[1]) for p in gate.glob(f"{kind}-*")}


@pytest.mark.slow
@pytest.mark.parametrize("mode", MODES)
def test_a_pruning_study_killed_and_resumed_keeps_what_it_told(tmp_path: Path, mode: str) -> None:
    import os
    import signal

    from _watch import wait_for

    sweep = tmp_path / "sw"
    # every job waits at a gate before its jar starts, until the test lets it through: the
    # test lets jobs through one at a time until a trial was told pruned, and kills the study
    # while a job it held back waits, its trial RUNNING for sure (no race with the clock)
    gate = tmp_path / "gate"
    gate.mkdir()
    (gate / "closed").touch()
    env = apps_env()
    args = [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        "hydra/sweeper=brainjar_optuna",
        f"hydra.sweep.dir={sweep}",
        "hydra.sweeper.n_trials=8",
        f"hydra.sweeper.mode={mode}",
        *STUDY,
        "+hydra.callbacks.gate._target_=job_gate.JobGate",
        f"+hydra.callbacks.gate.gate_dir={gate}",
    ]
    db = sweep / "optuna.db"

    def held_while_one_was_pruned() -> bool:
        """Let the next job through while no trial was told pruned and the jobs let through
        have ended (a batch is told once all its jobs ended); true once a trial was told
        pruned and a job is held at the gate."""
        assert proc.poll() is None, "the study ended before it could be killed"
        let_through = _at_gate(gate, "open")
        held = _at_gate(gate, "waiting") - let_through
        pruned = "PRUNED" in trial_states(db).values()
        if pruned:
            return bool(held)
        ended = all((sweep / str(n) / "result.json").is_file() for n in let_through)
        if held and ended:
            (gate / f"open-{min(held)}").touch()
        return False

    proc = subprocess.Popen(
        args,
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for("a pruned trial and a job held at the gate", held_while_one_was_pruned)
        everyone = family(proc)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    # the jobs die with their sweep; wait until they have (a job ending late would still write)
    survivors(everyone, limit=120)
    before = settled_trial_states(db)
    assert "PRUNED" in before.values() and "RUNNING" in before.values(), before
    assert len(before) < 8, before
    old = {p.parent.name: p.stat().st_mtime_ns for p in sweep.glob("*/result.json")}

    (gate / "closed").unlink()  # the continued study's jobs go straight through
    p = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]

    study = optuna.load_study(study_name="pr", storage=f"sqlite:///{db}")
    trials = study.get_trials()
    assert len(trials) == 8  # the total is the study's, not this run's
    after = {t.number: t.state.name for t in trials}
    for number, state in before.items():
        if state in ("PRUNED", "FAIL", "COMPLETE"):
            assert after[number] == state, (number, before, after)
        else:  # left running by the killed sweep: failed, or pruned if its job says so
            assert after[number] in ("FAIL", "PRUNED"), (number, after)
    # no job dir written twice; every job's result.json agrees with its trial
    assert {
        k: p.stat().st_mtime_ns for k, p in ((k, sweep / k / "result.json") for k in old)
    } == old
    nums = [t.user_attrs["job_num"] for t in trials]
    assert len(nums) == len(set(nums))
    for t in trials:
        path = sweep / str(t.user_attrs["job_num"]) / "result.json"
        if t.state == TrialState.PRUNED:
            assert json.loads(path.read_text())["status"] == "pruned"
        elif t.state == TrialState.COMPLETE:
            assert json.loads(path.read_text())["status"] == "completed"
    assert "Study 'pr': 8 trials" in p.stdout


# --------------------------------------------------------------------- the reporter in a jar


def _trial_link(where: Path, **kw: object) -> tuple[object, object]:
    """A real study in a SQLite file under ``where``, one trial asked, and its link."""
    from brainjar_sweep.sweep.pruning import TrialLink

    where.mkdir(parents=True, exist_ok=True)
    storage = f"sqlite:///{where / 'study.db'}"
    study = optuna.create_study(study_name="j", storage=storage)
    trial = study.ask()
    fields = {"objective": "crash_rate", "report_every": 1, "pruner": "none", **kw}
    link = TrialLink(storage, "j", trial.number, trial._trial_id, **fields)  # type: ignore[arg-type]
    return study, link


def test_a_jar_reports_every_k_cycles_and_ends_pruned_when_told(tmp_path: Path) -> None:
    from brainjar_sweep.config import compose, resolve_experiment
    from brainjar_sweep.jar import Jar
    from brainjar_sweep.sweep.pruning import TrialReporter

    exp = resolve_experiment(compose(["max_cycles=20", "resources.ram_limit_gb=2", "seed=0"]))
    study, link = _trial_link(tmp_path / "a", report_every=5)
    result = Jar(exp, experiment_id="a", on_cycle_end=TrialReporter(link)).run()
    assert (result.status, result.metrics["total_cycles"]) == ("completed", 20)
    values = study.get_trials()[0].intermediate_values
    assert sorted(values) == [5, 10, 15, 20]
    assert values[20] == result.metrics["crash_rate"]  # the same metrics as at the end

    # a metric with no value yet is not reported: self-reports come every 3 cycles here
    study, link = _trial_link(tmp_path / "b", objective="memory_accuracy_mean")
    exp2 = resolve_experiment(compose(["max_cycles=6", "self_report.on_startup=false", "seed=0"]))
    Jar(exp2, experiment_id="b", on_cycle_end=TrialReporter(link)).run()
    assert sorted(study.get_trials()[0].intermediate_values) == [3, 4, 5, 6]

    study, link = _trial_link(
        tmp_path / "c", pruner="threshold", pruner_kwargs={"upper": 0.05, "n_warmup_steps": 5}
    )
    result = Jar(exp, experiment_id="c", on_cycle_end=TrialReporter(link)).run()
    assert (result.status, result.stop_reason, result.error) == ("pruned", "pruned", None)
    assert result.metrics["total_cycles"] == 10
    assert study.get_trials()[0].last_step == 10
