"""Benchmark: scheduling a mixed sweep, jetson admission against the original's static cap.

Run: ``python benchmarks/bench_scheduling.py [--jobs 60] [--max-sleep 4] [--simulate-only]``

60 jobs declare 1-8 GB each and sleep 0.5-4 s (nothing is allocated), under a 44.8 GB
budget and 6 CPU slots (a 64 GB Orin with 30% kept back). Makespan (first start to last
end, from the jobs' own timestamps) is compared with the lower bound
max(sum(mem x t) / budget, sum(t) / slots, max t), for the jetson launcher and for the
original project's static cap min(int(44.8 / ram), 12 // 2, 4) = 4 parallel jobs; the jetson
launcher runs twice, in sweep order and longest first (``policy`` through a ``job_duration``
hook that knows each job's seconds exactly).

First, a simulation of the same sweeps (and of larger ones, ``--sim-jobs``), event by event
with no process start-up, compares in one run: the static cap, today's admission in sweep
order with backfill, and the launcher's ``_admission.choose`` (longest predicted first) with
durations learnt from a previous run of the same sweep (each job's duration then differed from
now by up to +-20 %) and with no history. Each makespan is given as the lower bound / makespan.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from hydra_plugins.brainjar_jetson_launcher._admission import Waiting  # noqa: E402
from hydra_plugins.brainjar_jetson_launcher._admission import makespan as sim_makespan  # noqa: E402
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
    "jetson admission, longest first (durations known)": [
        f"hydra.launcher.memory_budget_gb={BUDGET}",
        f"hydra.launcher.cpu_slots={SLOTS}",
        "hydra.launcher.job_duration=noop_app.duration",
    ],
    "original static cap (4 at a time)": [
        "hydra.launcher.memory_budget_gb=1000000",
        f"hydra.launcher.cpu_slots={SLOTS}",
        "hydra.launcher.max_parallel=4",
    ],
}


def makespan(case: list[str], jobs: int, max_sleep: float, tmp: Path, name: str) -> float:
    env = dict(os.environ, PYTHONPATH=f"{HERE}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")
    out = tmp / "".join(c if c.isalnum() else "_" for c in name)
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


def lower_bound(work: list[tuple[float, float]]) -> float:
    return max(
        sum(m * t for m, t in work) / BUDGET,
        sum(t for _, t in work) / SLOTS,
        max(t for _, t in work),
    )


def simulate(
    work: list[tuple[float, float]],
    predicted: list[float | None],
    budget: float = BUDGET,
    max_parallel: int | None = None,
) -> float:
    """Makespan of ``work`` ((memory, seconds) per job, in sweep order) when the policy is
    told ``predicted`` of each duration."""
    jobs = [Waiting(i, m, 1, p) for i, ((m, _), p) in enumerate(zip(work, predicted, strict=True))]
    return sim_makespan(jobs, [t for _, t in work], budget, SLOTS, max_parallel=max_parallel)


def heavy_job(x: int, max_sleep: float) -> tuple[float, float]:
    """A job of a memory-heavy sweep: 1-30 GB (most of them small), 0.5-4 s."""
    rng = random.Random(f"heavy:{x}")
    return round(1 + 29 * rng.random() ** 2, 2), round(
        max_sleep * (0.125 + 0.875 * rng.random()), 3
    )


def sim_table(sizes: list[int], max_sleep: float) -> None:
    print("Simulation (no process start-up): lower bound / makespan\n")
    print(
        "| sweep | jobs | static cap (4 at a time) | sweep order + backfill (today) "
        "| longest predicted first, learnt from a previous run | the same, no history |"
    )
    print("|---|---|---|---|---|---|")
    for kind, make in (("mixed, 1-8 GB", mixed_job), ("memory-heavy, 1-30 GB", heavy_job)):
        for n in sizes:
            rng = random.Random(f"previous run:{kind}:{n}")
            work = [make(x, max_sleep) for x in range(n)]
            # the previous run of the same sweep: each job took within +-20 % of what it takes now
            learnt = [t * rng.uniform(0.8, 1.2) for _, t in work]
            none: list[float | None] = [None] * n
            bound = lower_bound(work)
            cells = [
                simulate(work, none, budget=1e9, max_parallel=4),
                simulate(work, none),
                simulate(work, list(learnt)),
                simulate(work, none),
            ]
            print(f"| {kind} | {n} | " + " | ".join(f"{bound / c:.3f}" for c in cells) + " |")
    print()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=60)
    ap.add_argument("--max-sleep", type=float, default=4.0)
    ap.add_argument("--sim-jobs", type=int, nargs="+", default=[60, 200, 1000])
    ap.add_argument("--simulate-only", action="store_true", help="no real sweeps")
    args = ap.parse_args()
    sim_table(args.sim_jobs, args.max_sleep)
    if args.simulate_only:
        return
    work = [mixed_job(x, args.max_sleep) for x in range(args.jobs)]
    bound = lower_bound(work)
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
