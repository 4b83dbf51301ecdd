"""What asynchronous trials save: the same Optuna study run in batches and asynchronously.

The study: 24 trials of the simulated mind, random sampler, ``max_cycles`` drawn from
``int(interval(500,12000))`` (trial lengths vary about 20-fold), ``corruption_rate`` from
``interval(0,1)``, a 2 GB jar (2.5 GB declared per job, so 4 fit the memory budget), 4 slots (``hydra.launcher.max_parallel=4``, ``cpu_slots=4``)
and ``n_jobs=4``. The same seed gives both modes the same trials. For each mode: the wall time
of the whole study (to its last trial), and the mean slot utilisation: the jobs' durations
(``duration_seconds`` of the sweep table, start to end of each job) summed, over 4 slots times
that wall time. The baseline is ``mode=batch`` in the same run on the same machine; each seed
runs batch, async, async, batch, and the figures are sums over the runs of each mode.

``--delay-s`` makes each generation of the simulated mind sleep that long
(``mind.generate_delay_s``), as a real mind waits on llama.cpp or a server: the trials then
wait more than they compute, as real ones do.

Run: ``python benchmarks/bench_optuna_async.py [--trials 24] [--seeds 0] [--delay-s 0]
[--cycles 500 12000]``;
prints a Markdown table; exit status 1 when async takes more than 0.75x the batch wall time.
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SLOTS = 4
GOAL = 0.75
MODES = ["batch", "async"]


def run_study(
    cwd: Path, mode: str, seed: int, trials: int, k: int, delay_s: float, cycles: list[int]
) -> dict[str, float]:
    """Run one study (the ``k``-th of its seed); its wall seconds, summed job seconds and
    utilisation."""
    sweep = cwd / f"{mode}_{seed}_{k}"
    args = [
        sys.executable,
        "-m",
        "brainjar_sweep",
        "-m",
        "hydra/sweeper=brainjar_optuna",
        f"hydra.sweep.dir={sweep}",
        f"sweep_id={mode}_{seed}_{k}",
        "hydra.launcher.progress=none",
        f"hydra.launcher.max_parallel={SLOTS}",
        f"hydra.launcher.cpu_slots={SLOTS}",
        f"hydra.sweeper.mode={mode}",
        f"hydra.sweeper.n_jobs={SLOTS}",
        f"hydra.sweeper.n_trials={trials}",
        "hydra.sweeper.sampler=random",
        f"hydra.sweeper.seed={seed}",
        f"max_cycles=int(interval({cycles[0]},{cycles[1]}))",
        "corruption_rate=interval(0,1)",
        "resources.ram_limit_gb=2",
        f"mind.generate_delay_s={delay_s}",
    ]
    t0 = time.monotonic()
    subprocess.run(args, cwd=cwd, check=True, capture_output=True, timeout=3600)
    wall = time.monotonic() - t0
    rows = list(csv.DictReader((sweep / "sweep_table.csv").open()))
    busy = sum(float(r["duration_seconds"]) for r in rows)
    return {"wall": wall, "busy": busy, "util": busy / (SLOTS * wall), "jobs": len(rows)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=24, help="trials per study")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="sampler seeds")
    parser.add_argument(
        "--delay-s", type=float, default=0.0, help="seconds each generation sleeps (0: none)"
    )
    parser.add_argument(
        "--cycles",
        type=int,
        nargs=2,
        default=[500, 12000],
        metavar=("LO", "HI"),
        help="the range max_cycles is drawn from (with --delay-s, fewer cycles keep it short)",
    )
    args = parser.parse_args()
    out: dict[str, list[dict[str, float]]] = {m: [] for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        # batch, async, async, batch: load that drifts during the run weighs on both modes
        for seed in args.seeds:
            for k, mode in enumerate([*MODES, *reversed(MODES)]):
                out[mode].append(
                    run_study(Path(tmp), mode, seed, args.trials, k, args.delay_s, args.cycles)
                )
    base = sum(r["wall"] for r in out["batch"])
    print(
        f"{args.trials} trials, {SLOTS} slots, sampler seeds {args.seeds}, "
        f"{args.delay_s} s sleep per generation, max_cycles in {args.cycles}."
    )
    print()
    print("| mode | wall s (sum) | x batch | job s (sum) | mean slot utilisation |")
    print("|---|---|---|---|---|")
    for mode, runs in out.items():
        wall = sum(r["wall"] for r in runs)
        busy = sum(r["busy"] for r in runs)
        print(
            f"| {mode} | {wall:.1f} | {wall / base:.2f} | {busy:.1f} | "
            f"{busy / (SLOTS * wall):.0%} |"
        )
    ratio = sum(r["wall"] for r in out["async"]) / base
    print()
    print(f"Goal: async at most {GOAL}x the batch wall time: {ratio:.2f}x.")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
