"""What a watcher costs a sweep: its wall time with and without a watch page open.

The same sweep of the simulated mind (every event written as its cycle ends, so the database
changes all the time and the watcher re-reads it at every poll) runs ``--rounds`` times
without a watcher and ``--rounds`` times with ``brainjar-sweep watch`` serving it and two
pages' streams open (the sweep's, and job 0's events), alternately, each in a fresh directory.
The streams are read for the whole sweep, so the watcher polls the sweep files and the
database twice a second throughout. It prints each run's wall time, the medians and their
ratio (with / without).

Usage:
    python benchmarks/bench_watch.py [--jobs 4] [--cycles 1500] [--rounds 3]

Example:
    >>> sweep_args(2, 10)[:3]
    ['-m', 'seed=0,1', 'max_cycles=10']
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil


def sweep_args(jobs: int, cycles: int) -> list[str]:
    """The sweep's overrides: ``jobs`` seeds of ``cycles`` cycles, events written each cycle."""
    seeds = ",".join(str(i) for i in range(jobs))
    return ["-m", f"seed={seeds}", f"max_cycles={cycles}", "db.flush_every_cycles=1"]


def _read_stream(port: int, path: str, stop: threading.Event, counts: dict[str, int]) -> None:
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path)
            resp = conn.getresponse()
            if resp.status != 200:  # job 0 has no dir yet: ask again
                resp.read()
                conn.close()
                time.sleep(0.2)
                continue
            while not stop.is_set():
                line = resp.readline()
                if not line:
                    break
                if line.startswith(b"data: "):
                    counts[path] = counts.get(path, 0) + 1
            conn.close()
        except OSError:
            time.sleep(0.2)


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def run_once(jobs: int, cycles: int, watched: bool) -> tuple[float, float, dict[str, int]]:
    """One sweep: its wall time, the CPU seconds the watcher used while it ran (0 when alone),
    and the events the pages received."""
    cwd = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    sweep_dir = cwd / "sw"
    sweep_dir.mkdir()  # the watcher starts first, on the empty dir the sweep will fill
    counts: dict[str, int] = {}
    watch = None
    stop = threading.Event()
    readers: list[threading.Thread] = []
    if watched:
        watch = subprocess.Popen(
            [sys.executable, "-m", "brainjar_sweep.cli", "watch", str(sweep_dir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert watch.stdout is not None
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", watch.stdout.readline()).group(1))
        for path in ("/events", "/events/job/0"):
            t = threading.Thread(target=_read_stream, args=(port, path, stop, counts))
            t.start()
            readers.append(t)
    watcher = psutil.Process(watch.pid) if watch is not None else None
    cpu0 = _cpu(watcher) if watcher is not None else 0.0  # after its start-up
    tic = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "brainjar_sweep", *sweep_args(jobs, cycles), "hydra.sweep.dir=sw"],
        cwd=cwd,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - tic
    watch_cpu = _cpu(watcher) - cpu0 if watcher is not None else 0.0
    stop.set()
    if watch is not None:
        watch.terminate()
        watch.wait(timeout=60)
    for t in readers:
        t.join(timeout=60)
    return seconds, watch_cpu, counts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--jobs", type=int, default=4)
    p.add_argument("--cycles", type=int, default=1500)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    times: dict[bool, list[float]] = {False: [], True: []}
    share: list[float] = []
    for r in range(args.rounds):
        for watched in (False, True):
            s, watch_cpu, counts = run_once(args.jobs, args.cycles, watched)
            times[watched].append(s)
            what = "alone"
            if watched:
                share.append(watch_cpu / s)
                what = f"watched: the watcher used {watch_cpu:.2f} CPU s, {counts} events"
            print(f"round {r + 1}: {s:7.2f} s  {what}", flush=True)
    alone, watched = statistics.median(times[False]), statistics.median(times[True])
    print(
        f"median wall time: alone {alone:.2f} s, watched {watched:.2f} s, ratio {watched / alone:.3f}"
    )
    print(
        f"the watcher's CPU while the sweep ran: median {statistics.median(share):.1%} of one core"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
