"""Benchmark: a job's start, forked from a server that preloads the task's module, or also
what ``brainjar_sweep.sweep.startup.job_modules`` lists.

Run: ``python benchmarks/bench_job_startup.py [--jobs 10]``

Each job is a real run of one cycle of the default experiment, written to SQLite, in a
process forked from a forkserver (as the jetson launcher starts jobs). The server preloads
Hydra's plugins and the task's module (``brainjar_sweep.app``: what the launcher preloads
now), or that plus ``job_modules()``. Wall time from asking for the process to its end,
median of ``--jobs`` jobs of each, interleaved.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import tempfile
import time
from pathlib import Path

from brainjar_sweep.sweep.startup import job_modules

TODAY = ["hydra.core.plugins", "hydra.core.utils", "brainjar_sweep.app"]


def run_job(work: str) -> None:
    sys.argv = [
        "brainjar_sweep",
        "max_cycles=1",
        f"db.path={work}/x.db",
        f"hydra.run.dir={work}/run",
        "hydra/job_logging=disabled",
        "hydra/hydra_logging=disabled",
    ]
    from brainjar_sweep.app import main

    try:
        main()
    except SystemExit as e:
        if e.code:
            raise


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=10)
    args = ap.parse_args()
    cases = {"task's module (today)": TODAY, "+ job_modules()": TODAY + job_modules()}
    times: dict[str, list[float]] = {k: [] for k in cases}
    with tempfile.TemporaryDirectory() as tmp:
        # a process has one forkserver: each case gets a process of its own owning one
        for i in range(args.jobs):
            for name in cases:
                work = Path(tmp) / f"{i}_{name[:4]}"
                work.mkdir()
                times[name].append(_one(cases[name], str(work)))
    print("| server preloads | job wall time (median) |")
    print("|---|---|")
    for name, ts in times.items():
        print(f"| {name} | {statistics.median(ts) * 1000:.0f} ms |")


_SERVERS: dict[tuple[str, ...], tuple[mp.connection.Connection, mp.Process]] = {}


def _server(preload: list[str], conn: mp.connection.Connection) -> None:
    """A process that owns one forkserver with ``preload``, starting a job per request."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(preload)
    warm = ctx.Process(target=time.sleep, args=(0,))
    warm.start()
    warm.join()  # the server is up and has imported its preload
    conn.send("ready")
    while True:
        work = conn.recv()
        if work is None:
            return
        tic = time.perf_counter()
        p = ctx.Process(target=run_job, args=(work,))
        p.start()
        p.join()
        conn.send((time.perf_counter() - tic, p.exitcode))


def _one(preload: list[str], work: str) -> float:
    key = tuple(preload)
    if key not in _SERVERS:
        parent, child = mp.Pipe()
        proc = mp.get_context("fork").Process(target=_server, args=(preload, child))
        proc.start()
        assert parent.recv() == "ready"
        _SERVERS[key] = (parent, proc)
    conn, _ = _SERVERS[key]
    conn.send(work)
    wall, code = conn.recv()
    if code != 0:
        raise SystemExit(f"a job failed (exit code {code}) with preload {preload}")
    return wall


if __name__ == "__main__":
    try:
        main()
    finally:
        for conn, proc in _SERVERS.values():
            conn.send(None)
            proc.join()
