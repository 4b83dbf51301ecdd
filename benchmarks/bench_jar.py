"""Benchmark: the jar with the simulated mind, 1,000 cycles, database writes included.

Run: ``python benchmarks/bench_jar.py [--cycles 1000] [--repeat 5]``

Reports the median runner time and cycles/second for the default experiment written to a
real SQLite file, and, measured in the same run as the baseline, the same experiment with no
database (so the ratio is the cost of recording everything), plus the heaviest mode.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from brainjar_sweep.config import compose, resolve_experiment
from brainjar_sweep.jar.runner import Jar
from brainjar_sweep.store import ExperimentStore


def once(overrides: list[str], db: Path | None, eid: str) -> tuple[float, int]:
    exp = resolve_experiment(compose(overrides))
    if db is None:
        tic = time.perf_counter()
        res = Jar(exp, experiment_id=eid).run()
        return time.perf_counter() - tic, res.metrics["total_cycles"]
    with ExperimentStore(db) as store:
        tic = time.perf_counter()
        res = Jar(exp, experiment_id=eid, store=store).run()
        return time.perf_counter() - tic, res.metrics["total_cycles"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    cases = {
        "default (unstable_memory), SQLite": ([], True),
        "default, no database (baseline)": ([], False),
        "hive_cluster (4 minds), SQLite": (["mode=hive_cluster"], True),
    }
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (ov, with_db) in cases.items():
            times = []
            for i in range(args.repeat):
                db = Path(tmp) / f"{len(rows)}_{i}.db" if with_db else None
                t, n = once([f"max_cycles={args.cycles}", *ov], db, f"bench{i}")
                assert n == args.cycles
                times.append(t)
            rows.append((name, statistics.median(times)))
    base = rows[1][1]
    print(
        f"| case ({args.cycles} cycles, median of {args.repeat}) | runner time (s) | cycles/s | vs. no-DB baseline |"
    )
    print("|---|---|---|---|")
    for name, t in rows:
        print(f"| {name} | {t:.3f} | {args.cycles / t:,.0f} | {t / base:.2f}x |")


if __name__ == "__main__":
    main()
