"""Benchmark: a sweep of 40 short real experiments, Hydra's basic launcher against the jetson one.

Run: ``python benchmarks/bench_real_sweep.py [--jobs 40] [--cycles 3] [--rounds 2]``

The app itself, ``python -m brainjar_sweep -m max_cycles=3 seed='range(0,40)'`` (the simulated
mind, a fresh SQLite database in a temporary directory for every command), with
``hydra/launcher=basic`` (every job in the sweep's own process, one after another) and with the
app's default launcher (jetson: each job in a process forked from a preloaded server, as many at
once as the machine's CPU slots and memory allow), rounds alternated (basic first in odd rounds,
jetson first in even ones). Wall time and CPU time (user + system, every job's process
included) of each whole command, and the ratio jetson / basic.

First, the dry run (``hydra.sweeper.dry_run=true``) of the same sweep: its estimated duration
is compared with the jetson commands' wall time.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_launcher import _cpu, _reap, adopt_orphans  # noqa: E402

CASES = {"basic": ["hydra/launcher=basic"], "jetson": []}

# "Estimated duration: ~7s (~14s of jobs, 2 at a time; ..."
_ESTIMATE = re.compile(r"Estimated duration: ~(.+?) \(~(.+?) of jobs, (\d+) at a time")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(text: str) -> float:
    """Seconds of ``format_duration``'s ``1h 05m``, ``3m 20s``, ``12s`` or ``2.4s``."""
    return sum(float(n) * _UNIT[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)([hms])", text))


def _cmd(jobs: int, cycles: int, tmp: Path, tag: str) -> tuple[list[str], Path]:
    out = tmp / f"sweep_{tag}_{time.monotonic_ns()}"
    return [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        f"max_cycles={cycles}",
        f"seed=range(0,{jobs})",
        f"db.path={out}.db",
        f"hydra.sweep.dir={out}",
    ], out


def dry_run(jobs: int, cycles: int, tmp: Path) -> tuple[float, float, int, str]:
    """The dry run's estimate: (sweep seconds, job seconds, jobs at a time, its line)."""
    cmd, _ = _cmd(jobs, cycles, tmp, "dry")
    proc = subprocess.run(
        [*cmd, "hydra.sweeper.dry_run=true"], cwd=tmp, capture_output=True, text=True
    )
    found = _ESTIMATE.search(proc.stdout)
    if proc.returncode != 0 or found is None:
        raise SystemExit(f"dry run failed or printed no estimate:\n{proc.stdout}\n{proc.stderr}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("Estimated duration"))
    return parse_duration(found[1]), parse_duration(found[2]), int(found[3]), line


def job_starts(sweep_dir: Path, jobs: int) -> list[float]:
    """Each job's start-up as the launcher paid it: the seconds the launcher measured for the
    job (from asking for its process to its end) minus the experiment's own seconds."""
    from brainjar_sweep.records import load_records, read_result

    records = load_records(sweep_dir, {n: [] for n in range(jobs)})
    return [
        float(records[n].duration_seconds)
        - float(read_result(sweep_dir / str(n))["duration_seconds"])
        for n in sorted(records)
    ]


def run(
    case: list[str], jobs: int, cycles: int, tmp: Path, starts: list[float] | None = None
) -> tuple[float, float]:
    """(wall seconds, CPU seconds with every job's process) of one whole sweep command;
    ``starts`` gets each job's start-up (:func:`job_starts`)."""
    cmd, out = _cmd(jobs, cycles, tmp, "run")
    cpu0 = _cpu()
    tic = time.perf_counter()
    proc = subprocess.run([*cmd, *case], cwd=tmp, capture_output=True, text=True)
    wall = time.perf_counter() - tic
    _reap()
    cpu = _cpu() - cpu0
    if proc.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd + case)}\n{proc.stderr[-2000:]}")
    done = len(list(out.glob("*/result.json")))
    if done != jobs:
        raise SystemExit(f"{done} of {jobs} experiments completed with {case}")
    if starts is not None:
        starts.extend(job_starts(out, jobs))
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=40)
    ap.add_argument("--cycles", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    adopt_orphans()
    walls: dict[str, list[float]] = {k: [] for k in CASES}
    cpus: dict[str, list[float]] = {k: [] for k in CASES}
    starts: list[float] = []
    print(f"load average at start: {os.getloadavg()}", file=sys.stderr)
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        est, est_jobs, at_once, line = dry_run(args.jobs, args.cycles, tmp)
        print(f"dry run: {line}", file=sys.stderr)
        for r in range(args.rounds):
            order = list(CASES) if r % 2 == 0 else list(reversed(CASES))
            for name in order:
                wall, cpu = run(
                    CASES[name], args.jobs, args.cycles, tmp, starts if name == "jetson" else None
                )
                walls[name].append(wall)
                cpus[name].append(cpu)
                print(
                    f"round {r + 1}: {name} {wall:.2f} s, CPU {cpu:.2f} s, "
                    f"load {os.getloadavg()[0]:.2f}",
                    file=sys.stderr,
                )
    print(f"load average at end: {os.getloadavg()}", file=sys.stderr)
    n = f"{args.jobs} experiments, {args.cycles} cycles"
    print(
        f"| launcher ({n}, {os.cpu_count()} cores) | wall (s), each round | vs. basic, wall "
        "| CPU (s), jobs included, each round | vs. basic, CPU |"
    )
    print("|---|---|---|---|---|")
    for name in CASES:
        w = statistics.median(a / b for a, b in zip(walls[name], walls["basic"], strict=True))
        c = statistics.median(a / b for a, b in zip(cpus[name], cpus["basic"], strict=True))
        print(
            f"| {name} | {', '.join(f'{x:.2f}' for x in walls[name])} | {w:.2f}x "
            f"| {', '.join(f'{x:.2f}' for x in cpus[name])} | {c:.2f}x |"
        )
    actual = statistics.median(walls["jetson"])
    print(
        f"\ndry run estimate: {est:.1f} s ({est_jobs:.1f} s of jobs, {at_once} at a time); "
        f"jetson took {actual:.2f} s (median): estimate / actual = {est / actual:.2f}"
    )
    q = statistics.quantiles(starts, n=10)
    print(
        f"a job's start-up as the jetson launcher paid it: median {statistics.median(starts):.3f} s "
        f"(10-90 %: {q[0]:.3f} to {q[-1]:.3f} s, {len(starts)} jobs, {at_once} at a time)"
    )


if __name__ == "__main__":
    main()
