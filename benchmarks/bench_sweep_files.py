"""Benchmark: the sweep files as a sweep's jobs end, rewritten after every job or at most every 2 s.

Run: ``python benchmarks/bench_sweep_files.py [--jobs 2000] [--interval 2]``

A sweep of N jobs whose jobs end one after another as fast as the files can be written
(no-op jobs: the worst case), each end followed by the launcher's update of the sweep files.
Reported: the time of one whole rewrite at N jobs, and the time the file writing took over
the whole sweep, rewritten after every job (``write_sweep_files``) and through
``SweepFilesWriter`` (at most once every ``--interval`` seconds, and once at the end).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from brainjar_sweep.records import (
    JobRecord,
    SweepFilesWriter,
    read_sweep_results,
    write_sweep_files,
)


def records(n: int) -> list[JobRecord]:
    return [
        JobRecord(i, ["+sweep=x", f"seed={i}", f"corruption_rate={i % 5 / 10}"]) for i in range(n)
    ]


def finish(rec: JobRecord) -> None:
    rec.status = "completed"
    rec.experiment_id = f"s_exp{rec.job_num:04d}"
    rec.start_time, rec.end_time = "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00"
    rec.duration_seconds, rec.memory_gb = 60.0, 2.5
    rec.metrics = {"total_cycles": 20, "total_crashes": 1, "total_messages": 40, "crash_rate": 0.05}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=2000)
    ap.add_argument("--interval", type=float, default=2.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        full = records(args.jobs)
        for rec in full:
            finish(rec)
        tic = time.perf_counter()
        for _ in range(10):
            write_sweep_files(tmp, "s", full)
        one = (time.perf_counter() - tic) / 10
        print(f"one whole rewrite at {args.jobs} jobs: {one * 1000:.1f} ms\n")
        print("| sweep files | writes | writing time over the sweep | per job |")
        print("|---|---|---|---|")
        for name in ("after every job", f"at most every {args.interval:g} s"):
            out = Path(tmp) / name.replace(" ", "_")
            out.mkdir()
            recs = records(args.jobs)
            writer = SweepFilesWriter(out, "s", 0 if name == "after every job" else args.interval)
            writes = 0
            tic = time.perf_counter()
            for rec in recs:
                finish(rec)
                writes += writer.update(recs)
            writes += writer.flush()
            spent = time.perf_counter() - tic
            assert read_sweep_results(out)["completed_experiments"] == args.jobs
            print(f"| {name} | {writes} | {spent:.1f} s | {spent / args.jobs * 1000:.2f} ms |")


if __name__ == "__main__":
    main()
