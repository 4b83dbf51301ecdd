"""Benchmark: scheduling a mixed sweep, jetson admission against the original's static cap.

Run: ``python benchmarks/bench_scheduling.py [--jobs 60] [--max-sleep 4] [--simulate-only]
[--real noop|experiments|both] [--rounds 3]``

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

Then 60 real brainjar experiments of the same sizes (``--real experiments``): a sweep of 6
memories (1-8 GB) by 10 lengths (0.5-4 s), each list in a shuffled order, as a user's grid is.
The simulated mind sleeps :data:`CYCLE_SECONDS` per cycle, so ``max_cycles`` gives each job its
length, and its model size its declared memory (``resources.ram_limit_gb=null``: a mind with no
limit declares its model and context, plus the app's overhead). Four sweeps with the app's own
launcher config (``hydra/launcher=brainjar``), each into an SQLite experiments database: the
static cap; sweep order; longest first into an empty database (no history: the
``job_duration`` hook, ``durations.predict_seconds``, predicts nothing); and longest first
again into that database, so the hook learns every job's seconds from the previous run's
records. Makespan is from the experiments' own ``result.json`` timestamps; the lower bound
from each sweep's own measured experiment seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from hydra_plugins.brainjar_jetson_launcher._admission import Waiting  # noqa: E402
from hydra_plugins.brainjar_jetson_launcher._admission import makespan as sim_makespan  # noqa: E402
from noop_app import mixed_job  # noqa: E402

from brainjar_sweep.records import read_result  # noqa: E402
from brainjar_sweep.records.sweep_files import load_records  # noqa: E402
from brainjar_sweep.sweep.durations import check_predictions  # noqa: E402
from brainjar_sweep.sweep.resources import OVERHEAD_GB  # noqa: E402

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


# ------------------------------------------------- the same jobs as brainjar experiments

CYCLE_SECONDS = 0.05  # mind.generate_delay_s: one generation a cycle, no self-reports
CONTEXT_WINDOW, KV_MB_PER_TOKEN = 4096, 0.027
EXPERIMENT_COMMON = [
    "self_report=none",
    f"mind.generate_delay_s={CYCLE_SECONDS}",
    "hydra.sweeper.dry_run=false",
    "hydra/launcher=brainjar",
    "hydra.launcher.progress=none",
    "hydra.launcher.safety_margin_gb=0",
    "hydra.launcher.thermal_pause_c=null",
    f"hydra.launcher.cpu_slots={SLOTS}",
]
# name -> (overrides, database): a case given the database of an earlier one learns from it
EXPERIMENT_CASES: dict[str, tuple[list[str], str]] = {
    "static cap (4 at a time)": (
        [
            "hydra.launcher.memory_budget_gb=1000000",
            "hydra.launcher.max_parallel=4",
            "hydra.launcher.job_duration=null",
        ],
        "static",
    ),
    "sweep order": (
        [f"hydra.launcher.memory_budget_gb={BUDGET}", "hydra.launcher.policy=sweep_order"],
        "order",
    ),
    "longest first, no history": ([f"hydra.launcher.memory_budget_gb={BUDGET}"], "learn"),
    "longest first, learnt from the previous run": (
        [f"hydra.launcher.memory_budget_gb={BUDGET}"],
        "learn",
    ),
}


def experiment_grid(jobs: int, max_sleep: float) -> tuple[list[float], list[int]]:
    """The experiment sweep's grid: memories (GB) of the outer key, ``max_cycles`` of the
    inner, each evenly spread over 1-8 GB and 0.5 s to ``max_sleep``, in a seeded shuffled
    order (6 memories, ``jobs // 6`` lengths; 2 memories under 12 jobs).

    >>> mems, cycles = experiment_grid(60, 4.0)
    >>> len(mems) * len(cycles), min(mems), max(mems), min(cycles), max(cycles)
    (60, 1.0, 8.0, 10, 80)
    """
    rng = random.Random("experiment grid")
    n_mem = 6 if jobs >= 12 else 2
    n_len = max(1, jobs // n_mem)
    mems = [round(1 + 7 * k / (n_mem - 1), 2) for k in range(n_mem)]
    low, high = 0.125 * max_sleep, max_sleep
    seconds = [low + (high - low) * k / max(1, n_len - 1) for k in range(n_len)]
    cycles = [max(1, round(t / CYCLE_SECONDS)) for t in seconds]
    rng.shuffle(mems)
    rng.shuffle(cycles)
    return mems, cycles


def model_size_gb(memory_gb: float) -> float:
    """The model size that makes the app declare ``memory_gb`` for a mind with no RAM limit
    (:func:`brainjar_sweep.sweep.resources.job_needs`: model, full context, overhead).

    >>> model_size_gb(OVERHEAD_GB + CONTEXT_WINDOW * KV_MB_PER_TOKEN / 1024 + 1)
    1.0
    """
    return round(memory_gb - OVERHEAD_GB - CONTEXT_WINDOW * KV_MB_PER_TOKEN / 1024, 4)


def experiment_args(mems: list[float], cycles: list[int]) -> list[str]:
    """The sweep's overrides: its grid, and what every job shares."""
    return [
        f"resources.model_size_gb={','.join(str(model_size_gb(m)) for m in mems)}",
        f"max_cycles={','.join(str(c) for c in cycles)}",
        "resources.ram_limit_gb=null",  # a limit would crash the smallest minds
        f"resources.context_window={CONTEXT_WINDOW}",
        f"resources.kv_mb_per_token={KV_MB_PER_TOKEN}",
    ]


def experiment_sweep(
    case: list[str], grid: list[str], tmp: Path, name: str, db: str
) -> tuple[Path, str]:
    """Run one sweep of the experiments; its sweep dir and database url."""
    out = tmp / "".join(c if c.isalnum() else "_" for c in name)
    url = f"sqlite:///{tmp / db}.db"
    cmd = [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        *grid,
        f"db.path={tmp / db}.db",
        f"hydra.sweep.dir={out}",
        *EXPERIMENT_COMMON,
        *case,
    ]
    proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"failed: {name}\n{proc.stderr[-3000:]}")
    return out, url


@dataclass
class SweepRun:
    """What one real sweep's experiments say about it."""

    spans: list[tuple[float, float]]  # (start, end) of each experiment, job order
    run_seconds: list[float]  # each experiment's own seconds
    wall_seconds: list[float]  # each job's wall time, as the launcher measured it
    memory_gb: list[float]  # each job's declared memory, as the launcher read it

    @property
    def makespan(self) -> float:
        return max(e for _, e in self.spans) - min(s for s, _ in self.spans)

    def handover(self) -> float:
        """Median seconds from an experiment's end to the start of the next one to start
        (the ended job's own ending, the launcher's turn, the new job's start).

        >>> SweepRun([(0, 2), (0, 3), (2.5, 4), (3.25, 5)], [], [], []).handover()
        0.375
        """
        ends = sorted(e for _, e in self.spans)
        gaps = []
        for start, _ in self.spans:
            before = [e for e in ends if e <= start]
            if before:
                gaps.append(start - before[-1])
        return statistics.median(gaps) if gaps else 0.0


def read_sweep_run(sweep_dir: Path, jobs: int) -> SweepRun:
    from datetime import datetime

    results = [read_result(sweep_dir / str(n)) for n in range(jobs)]
    if any(r.get("status") != "completed" for r in results):
        raise SystemExit(f"not every experiment of {sweep_dir} completed")
    stamp = lambda text: datetime.fromisoformat(text).timestamp()  # noqa: E731
    records = load_records(sweep_dir, {n: [] for n in range(jobs)})
    return SweepRun(
        [(stamp(r["started_at"]), stamp(r["ended_at"])) for r in results],
        [float(r["duration_seconds"]) for r in results],
        [float(records[n].duration_seconds or 0.0) for n in range(jobs)],
        [float(records[n].memory_gb or 0.0) for n in range(jobs)],
    )


def experiment_table(jobs: int, max_sleep: float, tmp: Path, rounds: int = 3) -> None:
    """Run the experiment sweeps of :data:`EXPERIMENT_CASES` ``rounds`` times and print their
    table (the learning pair first in odd rounds, last in even ones; each round has its own
    databases).

    Besides the real makespan, each sweep is replayed (``_admission.makespan``) with the
    seconds its experiments took and what the policy was told: with no process start (what
    the order alone costs), and with each job's wall time as the launcher measured it (the
    order and each job's start and end); the rest is the launcher's reaction and the machine.
    """
    grid_mems, grid_cycles = experiment_grid(jobs, max_sleep)
    grid = experiment_args(grid_mems, grid_cycles)
    # sweep order: the last key varies fastest
    mems = [m for m in grid_mems for _ in grid_cycles]
    nominal = [c * CYCLE_SECONDS for _ in grid_mems for c in grid_cycles]
    jobs = len(mems)
    print(
        f"{jobs} brainjar experiments ({len(grid_mems)} memories x {len(grid_cycles)} lengths), "
        f"{sum(nominal):.1f} s of cycles, lower bound "
        f"{lower_bound(list(zip(mems, nominal, strict=True))):.2f} s; load average "
        f"{os.getloadavg()[0]:.2f} at start\n"
    )
    # per case, per round: bound / makespan, the two replays, start per job, handover
    found: dict[str, list[tuple[float, float, float, float, float]]] = {
        name: [] for name in EXPERIMENT_CASES
    }
    notes = []
    for r in range(rounds):
        where = tmp / f"round{r + 1}"
        where.mkdir()
        names = list(EXPERIMENT_CASES)
        if r % 2:
            names = names[2:] + names[:2]
        for name in names:
            case, db = EXPERIMENT_CASES[name]
            sweep_dir, url = experiment_sweep(case, grid, where, name, db)
            run = read_sweep_run(sweep_dir, jobs)
            if any(abs(a - b) > 0.01 for a, b in zip(run.memory_gb, mems, strict=True)):
                raise SystemExit(f"{name}: the jobs declared {run.memory_gb}, not {mems}")
            work = list(zip(mems, run.run_seconds, strict=True))
            walls = list(zip(mems, run.wall_seconds, strict=True))
            bound = lower_bound(work)
            # what the policy was told: the static cap and sweep order nothing; longest
            # first what the duration hook learnt from the database's runs other than this
            # sweep's (nothing in the first sweep into an empty database)
            told: list[float | None] = [None] * jobs
            if "longest first" in name:
                check = check_predictions(sweep_dir, url)
                for num, predicted, _ in check.jobs:
                    told[num] = predicted
                notes.append(f"round {r + 1}, {name}: {check}")
            budget, cap = (1e9, 4) if "static" in name else (BUDGET, None)
            replays = [simulate(w, told, budget=budget, max_parallel=cap) for w in (work, walls)]
            start = statistics.median(
                w - s for w, s in zip(run.wall_seconds, run.run_seconds, strict=True)
            )
            found[name].append(
                (
                    bound / run.makespan,
                    bound / replays[0],
                    bound / replays[1],
                    start,
                    run.handover(),
                )
            )
            print(
                f"round {r + 1}: {name}: makespan {run.makespan:.2f} s, bound {bound:.2f} s, "
                f"load {os.getloadavg()[0]:.2f}",
                file=sys.stderr,
                flush=True,
            )
    print(
        "| scheduler (same runs) | lower bound / makespan, each round | median "
        "| replayed: no process start | replayed: launcher's wall time per job "
        "| wall - experiment per job (s) | an end to the next start (s) |"
    )
    print("|---|---|---|---|---|---|---|")
    for name, rows in found.items():
        cols = list(zip(*rows, strict=True))
        each = ", ".join(f"{x:.3f}" for x in cols[0])
        med = [statistics.median(c) for c in cols]
        print(
            f"| {name} | {each} | {med[0]:.3f} | {med[1]:.3f} | {med[2]:.3f} "
            f"| {med[3]:.2f} | {med[4]:.2f} |"
        )
    print("\n(replays, start and handover: medians over the rounds)\n")
    for note in notes:
        print(note)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


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
    ap.add_argument(
        "--real",
        choices=["noop", "experiments", "both"],
        default="both",
        help="real sweeps of the sleeping app (durations known), of brainjar experiments, or both",
    )
    ap.add_argument("--rounds", type=int, default=3, help="rounds of the experiment sweeps")
    args = ap.parse_args()
    sim_table(args.sim_jobs, args.max_sleep)
    if args.simulate_only:
        return
    if args.real in ("experiments", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            experiment_table(args.jobs, args.max_sleep, Path(tmp), args.rounds)
        print()
    if args.real == "experiments":
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
