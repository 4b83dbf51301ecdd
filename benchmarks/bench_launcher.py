"""Benchmark: launcher overhead for 200 no-op jobs: basic, joblib (n_jobs=2) and jetson, in one run.

Run: ``python benchmarks/bench_launcher.py [--jobs 200] [--rounds 1] [--ray]``

Wall time of the whole ``-m`` command, each launcher in turn (rounds interleaved). Every
configuration still checks every job's config before the first job starts: basic and
joblib through Hydra's basic sweeper (a full composition per job, serially), jetson
through the brainjar sweeper (one composition per group choice, then Hydra's own override
application per job).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CASES = {
    "basic": [],
    "joblib (n_jobs=2)": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"],
    "jetson": [
        "hydra/sweeper=brainjar",
        "hydra.sweeper.validator=null",
        "hydra.sweeper.job_state=null",  # a no-op job leaves no record to check
        "hydra/launcher=jetson",
        "hydra.launcher.job_resources=noop_app.needs",
        "hydra.launcher.progress=none",
        "hydra.launcher.sweep_files=false",
    ],
}


# with --ray: the jetson launcher's Ray backend on a private one-machine Ray (started and
# stopped inside the command, so its start-up counts): the cost of tasks, scratch dirs and
# files sent back, against the local backend on the same machine
RAY_CASE = [
    *CASES["jetson"],
    "hydra.launcher.backend=ray",
    "hydra.launcher.ray.address=local",
]


def run(case: list[str], jobs: int, tmp: Path) -> float:
    env = dict(os.environ, PYTHONPATH=f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = tmp / f"sweep_{time.monotonic_ns()}"
    cmd = [
        sys.executable,
        "-m",
        "noop_app",
        "-m",
        f"x=range(0,{jobs})",
        f"hydra.sweep.dir={out}",
        *case,
    ]
    tic = time.perf_counter()
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - tic
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    done = len(list(out.glob("*/.hydra/config.yaml")))
    if done != jobs:
        raise SystemExit(f"{done} of {jobs} jobs ran with {case}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--ray", action="store_true", help="also the Ray backend ([ray] extra)")
    args = ap.parse_args()
    cases = dict(CASES)
    if args.ray:
        cases["jetson, backend=ray (one-machine Ray)"] = RAY_CASE
    walls: dict[str, list[float]] = {k: [] for k in cases}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, case in cases.items():
                walls[name].append(run(case, args.jobs, Path(tmp)))
    base = statistics.median(walls["basic"])
    print(
        f"| launcher ({args.jobs} no-op jobs, {os.cpu_count()} cores) | wall time (s) | vs. basic |"
    )
    print("|---|---|---|")
    for name, ws in walls.items():
        m = statistics.median(ws)
        print(f"| {name} | {m:.2f} | {m / base:.2f}x |")


if __name__ == "__main__":
    main()
