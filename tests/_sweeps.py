"""What the sweep tests of several packages share: a job that runs until stopped, an Optuna
study run from the command line and the states of its trials, the results of a sweep dir, and
the processes of a sweep's family still alive."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from contextlib import closing
from pathlib import Path

import psutil
from _cli import cli

LONG_JOB = ["max_cycles=100000000", "resources=desktop", "self_report=none"]
# sweeps in which some jobs must time out: those run for ~11 days (max_duration_seconds=1e6), the
# others for 0.2 s, and the timeout is far longer than a short job needs on a loaded machine
TIMEOUT_S = 30
# the test apps (tests/apps/): put on PYTHONPATH by apps_env() for a sweep that uses them
APPS = Path(__file__).parent / "apps"


def apps_env() -> dict[str, str]:
    """This process's environment with the test apps first on ``PYTHONPATH``."""
    return dict(os.environ, PYTHONPATH=f"{APPS}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")


def optuna_sweep(
    cwd: Path, *args: str, timeout: float = 300, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m brainjar_sweep -m hydra/sweeper=brainjar_optuna <args>`` in ``cwd``,
    output captured."""
    return cli(cwd, "-m", "hydra/sweeper=brainjar_optuna", *args, timeout=timeout, env=env)


def trial_states(db: Path) -> dict[int, str]:
    """The state of each trial (by number) of the Optuna study in the SQLite file ``db``,
    read without waiting on the sweep that writes it: {} while there is no file or table yet,
    or the file is busy."""
    if not db.is_file():
        return {}
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as con:
            return {int(n): str(s) for n, s in con.execute("SELECT number, state FROM trials")}
    except sqlite3.Error:
        return {}


def trial_counts(db: Path) -> dict[str, int]:
    """How many trials of the study in ``db`` are in each state (see :func:`trial_states`)."""
    return dict(Counter(trial_states(db).values()))


def settled_trial_states(db: Path) -> dict[int, str]:
    """The state of each trial of the Optuna study in ``db`` once every process that wrote it
    is dead. A sweep killed inside a transaction leaves a hot journal, which a read-only
    connection cannot roll back (SQLITE_READONLY_ROLLBACK), so this opens the file for writing
    and rolls it back, as the next sweep on the study would; any error is raised, not hidden."""
    with closing(sqlite3.connect(db, timeout=30)) as con:
        return {int(n): str(s) for n, s in con.execute("SELECT number, state FROM trials")}


def settled_trial_counts(db: Path) -> dict[str, int]:
    """How many trials of the study in ``db`` are in each state (see
    :func:`settled_trial_states`)."""
    return dict(Counter(settled_trial_states(db).values()))


def results(sweep: Path) -> dict[int, dict]:
    """Each job's ``result.json`` in the sweep dir ``sweep``, by job number."""
    out = {}
    for p in sweep.glob("*/result.json"):
        if p.is_file():
            out[int(p.parent.name)] = json.loads(p.read_text())
    return out


def family(proc: subprocess.Popen) -> list[int]:
    """The process ids of ``proc`` and of all its descendants now."""
    try:
        return [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    except psutil.NoSuchProcess:
        return [proc.pid]


def survivors(pids: list[int], limit: float = 60.0) -> list[int]:
    """The processes of ``pids`` still alive after up to ``limit`` seconds (killed then, so
    that nothing is left behind even when the test fails)."""
    deadline = time.monotonic() + limit
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            for pid in alive:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            return alive
        time.sleep(0.1)
