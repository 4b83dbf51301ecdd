"""The scheduling benchmark's brainjar experiments: each job declares the memory and runs the
seconds the benchmark means, and a second sweep into the same database is told every job's
seconds by the app's duration hook, learnt from the first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brainjar_sweep.config import compose
from brainjar_sweep.sweep.durations import job_facts
from brainjar_sweep.sweep.resources import job_needs

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_scheduling as bench  # noqa: E402

pytestmark = pytest.mark.usefixtures("hydra_restore_singletons")


def test_each_experiment_declares_its_memory_and_runs_its_seconds() -> None:
    mems, cycles = bench.experiment_grid(60, 4.0)
    assert len(mems) * len(cycles) == 60
    grid = bench.experiment_args(mems, cycles)
    shared = [arg for arg in grid if "," not in arg]
    for mem, cyc in [(mems[0], cycles[0]), (mems[-1], cycles[-1])]:
        cfg = compose([*shared, f"resources.model_size_gb={bench.model_size_gb(mem)}"])
        cfg.max_cycles = cyc
        assert job_needs(cfg) == (pytest.approx(mem, abs=1e-3), 1)
        assert job_facts(cfg).cycles == cyc
    seconds = sorted(c * bench.CYCLE_SECONDS for c in cycles)
    assert seconds[0] == pytest.approx(0.5) and seconds[-1] == pytest.approx(4.0)


@pytest.mark.slow
def test_the_second_sweep_into_the_database_is_told_every_job_s_seconds(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            str(BENCHMARKS / "bench_scheduling.py"),
            "--jobs=6",
            "--max-sleep=0.6",
            "--sim-jobs=6",
            "--real=experiments",
            "--rounds=1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {
        line.split("|")[1].strip(): line
        for line in proc.stdout.splitlines()
        if line.startswith("| ") and line.count("|") == 8
    }
    assert set(bench.EXPERIMENT_CASES) <= set(rows), proc.stdout
    # the first sweep into an empty database could be told nothing; the second, every job
    assert "round 1, longest first, no history: no job of sweep" in proc.stdout, proc.stdout
    assert "round 1, longest first, learnt from the previous run: predicted" in proc.stdout
    assert "(6 jobs, each off by" in proc.stdout, proc.stdout
