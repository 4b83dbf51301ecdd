"""What the sweep tests of several packages share: a job that runs until stopped, the results of
a sweep dir, and the processes of a family still alive."""

from __future__ import annotations

import json
import time
from pathlib import Path

import psutil

LONG_JOB = ["max_cycles=100000000", "resources=desktop", "self_report=none"]
# sweeps in which some jobs must time out: those run for ~11 days (max_duration_seconds=1e6), the
# others for 0.2 s, and the timeout is far longer than a short job needs on a loaded machine
TIMEOUT_S = 30


def results(sweep: Path) -> dict[int, dict]:
    out = {}
    for p in sweep.glob("*/result.json"):
        out[int(p.parent.name)] = json.loads(p.read_text())
    return out


def survivors(family: list[int], limit: float = 15.0) -> list[int]:
    """Processes of ``family`` still alive after up to ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while True:
        alive = [
            p
            for p in family
            if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE
        ]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)
