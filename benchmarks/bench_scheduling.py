"""Benchmark: scheduling a mixed sweep, jetson admission against the original's static cap.

Run: ``python benchmarks/bench_scheduling.py [--jobs 60] [--max-sleep 4]``

60 jobs declare 1-8 GB each and sleep 0.5-4 s (nothing is allocated), under a 44.8 GB
budget and 6 CPU slots (a 64 GB Orin with 30% kept back). Makespan (first start to last
end, from the jobs' own timestamps) is compared with the lower bound
max(sum(mem x t) / budget, sum(t) / slots, max t), for the jetson launcher and for the
original project's static cap min(int(44.8 / ram), 12 // 2, 4) = 4 parallel jobs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from noop_app import mixed_job  # noqa: E402

BUDGET, SLOTS = 44.8, 6
COMMON = [
    "hydra/sweeper=brainjar",
    "hydra.sweeper.validator=null",
    "hydra.sweeper.job_state=null",  # a no-op job leaves no record to check
    "hydra/launcher=jetson",
    "hydra.launcher.job_resources=noop_app.needs",
    "hydra.launcher.progress=none",
    "hydra.launcher.safety_margin_gb=0",
    "hydra.launcher.thermal_pause_c=null",
    "mixed=true",
]
CASES = {
    "jetson admission (44.8 GB, 6 slots)": [
        f"hydra.launcher.memory_budget_gb={BUDGET}",
        f"hydra.launcher.cpu_slots={SLOTS}",
    ],
    "original static cap (4 at a time)": [
        "hydra.launcher.memory_budget_gb=1000000",
        f"hydra.launcher.cpu_slots={SLOTS}",
        "hydra.launcher.max_parallel=4",
    ],
}


def makespan(case: list[str], jobs: int, max_sleep: float, tmp: Path, name: str) -> float:
    env = dict(os.environ, PYTHONPATH=f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = tmp / name.split()[0]
    cmd = [
        sys.executable,
        "-m",
        "noop_app",
        "-m",
        f"x=range(0,{jobs})",
        f"max_sleep={max_sleep}",
        f"hydra.sweep.dir={out}",
        *COMMON,
        *case,
    ]
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-2000:])
    spans = [json.loads(p.read_text()) for p in out.glob("*/span.json")]
    assert len(spans) == jobs
    return max(s["end"] for s in spans) - min(s["start"] for s in spans)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=60)
    ap.add_argument("--max-sleep", type=float, default=4.0)
    args = ap.parse_args()
    work = [mixed_job(x, args.max_sleep) for x in range(args.jobs)]
    bound = max(
        sum(m * t for m, t in work) / BUDGET,
        sum(t for _, t in work) / SLOTS,
        max(t for _, t in work),
    )
    print(
        f"{args.jobs} jobs, {sum(t for _, t in work):.1f} job-seconds, lower bound {bound:.2f} s\n"
    )
    print("| scheduler | makespan (s) | lower bound / makespan |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, case in CASES.items():
            span = makespan(case, args.jobs, args.max_sleep, Path(tmp), name)
            print(f"| {name} | {span:.2f} | {bound / span:.2f} |")


if __name__ == "__main__":
    main()
