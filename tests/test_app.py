"""The Hydra app end to end, as a user runs it: real subprocesses, real files, real SQLite."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _cli import cli, db_rows, files


def test_default_run_leaves_result_hydra_dir_and_db_rows(tmp_path: Path) -> None:
    proc = cli(tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert "completed: 20 cycles" in out
    (result,) = tmp_path.glob("outputs/*/*/result.json")
    job = result.parent
    assert (job / ".hydra" / "config.yaml").is_file()
    assert (job / "brainjar.log").is_file()  # a readable job name, not __main__
    body = json.loads(result.read_text())
    assert body["status"] == "completed"
    assert body["seed"] == 0 and len(body["config_hash"]) == 16
    assert body["metrics"]["total_cycles"] == 20
    eid = body["experiment_id"]
    assert db_rows(
        tmp_path, f"select status, total_cycles from experiments where experiment_id='{eid}'"
    ) == [("completed", 20)]
    assert db_rows(tmp_path, "select count(*) from cycles")[0][0] == 20
    assert db_rows(tmp_path, "select count(*) from self_reports")[0][0] > 0
    # no temporary files left beside result.json
    assert not [p for p in job.iterdir() if p.name.startswith(".result")]


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("corruption_rate=1.5", "corruption_rate=1.5 is not allowed: a number in [0, 1]"),
        ("mode=bogus", "mode='bogus' is not allowed: one of amnesiac_loop"),
        ("max_cycles=0", "max_cycles=0 is not allowed: an integer >= 1"),
        ("foo=1", "foo=1 is not allowed: unknown key"),
        ("max_cycles=ten", "max_cycles=ten is not allowed"),
        ("resource_constraints.ram_limit_gb=0", "resources.ram_limit_gb=0.0 is not allowed"),
    ],
)
def test_bad_input_fails_with_one_line_and_writes_nothing(
    tmp_path: Path, arg: str, expected: str
) -> None:
    proc = cli(tmp_path, arg)
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert expected in lines[0]
    assert files(tmp_path) == []


def test_sweep_validates_every_point_before_the_first_job(tmp_path: Path) -> None:
    proc = cli(tmp_path, "-m", "corruption_rate=0,0.5,1.5", "max_cycles=5,6")
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "job #4 (corruption_rate=1.5 max_cycles=5)" in lines[0]
    assert files(tmp_path) == []


@pytest.mark.slow
def test_the_design_sweep_runs_six_experiments(tmp_path: Path) -> None:
    proc = cli(tmp_path, "-m", "corruption_rate=0,0.5,1", "max_cycles=10,20")
    assert proc.returncode == 0, proc.stderr
    results = sorted(tmp_path.glob("multirun/*/*/*/result.json"), key=lambda p: int(p.parent.name))
    assert [int(p.parent.name) for p in results] == list(range(6))
    bodies = [json.loads(p.read_text()) for p in results]
    assert all(b["status"] == "completed" for b in bodies)
    assert [b["job_num"] for b in bodies] == list(range(6))
    assert len({b["sweep_id"] for b in bodies}) == 1
    rows = db_rows(tmp_path, "select job_num, status from experiments order by job_num")
    assert rows == [(i, "completed") for i in range(6)]
    # 20-cycle jobs: memory accuracy falls as corruption_rate rises
    acc = {b["metrics"]["total_cycles"]: [] for b in bodies}
    for b in bodies:
        acc[b["metrics"]["total_cycles"]].append(b["metrics"]["memory_accuracy_mean"])
    assert acc[20][0] > acc[20][1] > acc[20][2]


@pytest.mark.slow
def test_cfg_job_and_help(tmp_path: Path) -> None:
    proc = cli(tmp_path, "--cfg", "job", "mode=split_brain")
    assert proc.returncode == 0
    assert "claim_strength_a: 1.0" in proc.stdout and "ram_limit_gb: 2.0" in proc.stdout
    proc = cli(tmp_path, "--help")
    assert proc.returncode == 0
    for word in (
        "mode:",
        "resources:",
        "self_report:",
        "interventions:",
        "corruption_rate",
        "max_cycles",
    ):
        assert word in proc.stdout
    assert files(tmp_path) == []


def test_original_dotted_paths_work_as_overrides(tmp_path: Path) -> None:
    proc = cli(
        tmp_path,
        "resource_constraints.ram_limit_gb=3",
        "self_report_schedule.every_n_cycles=2",
        "max_cycles=4",
    )
    assert proc.returncode == 0, proc.stderr
    (cfg,) = tmp_path.glob("outputs/*/*/.hydra/config.yaml")
    text = cfg.read_text()
    assert "ram_limit_gb: 3.0" in text and "every_n_cycles: 2" in text


def test_db_path_is_configurable(tmp_path: Path) -> None:
    proc = cli(tmp_path, "db.path=elsewhere/x.db", "max_cycles=2")
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "elsewhere" / "x.db").is_file()
    assert not (tmp_path / "logs").exists()


def _has_cycles(cwd: Path) -> bool:
    """Whether the experiments database in ``cwd`` holds a cycle yet."""
    if not (cwd / "logs" / "experiments.db").exists():
        return False
    try:
        return db_rows(cwd, "select count(*) from cycles")[0][0] > 0
    except sqlite3.OperationalError:  # created, its tables not yet
        return False


@pytest.mark.slow
def test_sigterm_marks_the_experiment_interrupted(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "max_cycles=100000000",
            "resources=desktop",
            "self_report=none",
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _has_cycles(tmp_path):  # the experiment is running
        assert time.monotonic() < deadline and proc.poll() is None, "the experiment did not start"
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    (result,) = tmp_path.glob("outputs/*/*/result.json")
    body = json.loads(result.read_text())
    assert body["status"] == "interrupted"
    assert "SIGTERM" in body["error"]
    assert db_rows(tmp_path, "select status from experiments") == [("interrupted",)]
    assert db_rows(tmp_path, "select status from attempts") == [("interrupted",)]
