"""One owner per sweep directory: a lock held for the sweep's life, and who holds it.

A sweep (or a resume) takes ``<sweep dir>/.owner.lock`` with ``flock`` for as long as it
runs; Linux releases it the moment the process dies, however it dies. ``owner.json`` beside
it says who owns the dir (pid, host, start, a heartbeat rewritten every few seconds) and the
pid of every job it has running. A second sweep or resume of the same dir:

- refuses in one line while the lock is held (a live owner), or while ``owner.json`` names
  another host whose heartbeat is fresh (a sweep over a shared filesystem);
- takes over a dead owner's dir once the jobs it lists are gone (they die with their sweep,
  see docs/launcher.md); if one still runs after a grace period it refuses, so that no job
  ever runs twice at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from brainjar_sweep._clock import utc_now
from brainjar_sweep.sweep.errors import SweepRefused

LOCK_NAME = ".owner.lock"
OWNER_NAME = "owner.json"
HEARTBEAT_S = 5.0
# an owner on another host whose heartbeat is older than this is taken to be dead
STALE_AFTER_S = 60.0
# how long a new owner waits for a dead owner's jobs to go before refusing
JOBS_GONE_WAIT_S = 30.0


class SweepBusy(SweepRefused):
    """The sweep dir has a live owner, or jobs of a dead one still run."""


def _create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return None


def process_alive(pid: int, created: float | None = None) -> bool:
    """Whether process ``pid`` (created at ``created``, if known) still runs on this host.

    >>> process_alive(os.getpid()), process_alive(os.getpid(), created=0.0)
    (True, False)
    """
    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return created is None or abs(proc.create_time() - created) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def wait_gone(procs: dict[int, float | None], limit: float) -> list[int]:
    """Wait up to ``limit`` seconds for processes ``{pid: create time}`` to end; the live ones.

    >>> wait_gone({}, 1.0)
    []
    """
    deadline = time.monotonic() + limit
    while True:
        alive = [pid for pid, created in procs.items() if process_alive(pid, created)]
        if not alive or time.monotonic() >= deadline:
            return alive
        time.sleep(0.1)


def _write_quick(path: Path, body: dict[str, Any]) -> None:
    """Atomic (a reader sees the old file or the new one) but not synced to disk: what the
    file says, live processes, means nothing after a power cut anyway."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body, indent=2) + "\n")
    os.replace(tmp, path)


def read_owner(sweep_dir: str | Path) -> dict[str, Any] | None:
    """What ``owner.json`` says (None if there is none or it cannot be read).

    >>> read_owner("/nonexistent") is None
    True
    """
    try:
        body = json.loads((Path(sweep_dir) / OWNER_NAME).read_text())
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


@dataclass
class Ownership:
    """This process's hold on one sweep dir (see :func:`claim`)."""

    sweep_dir: Path
    fd: int
    previous: dict[str, Any] | None = None
    jobs: dict[int, tuple[int, float | None]] = field(default_factory=dict)
    started_at: str = field(default_factory=lambda: utc_now("seconds"))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    # the dirs claiming created (the sweep dir and any missing parents), deepest first
    created: list[Path] = field(default_factory=list)

    def write(self) -> None:
        """Rewrite ``owner.json`` (atomically): who owns the dir, its heartbeat, its jobs."""
        with self._lock:
            if self._stop.is_set():
                return  # released: the file is gone for good
            body = {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "created": _create_time(os.getpid()),
                "started_at": self.started_at,
                "heartbeat": time.time(),
                "jobs": {str(k): {"pid": p, "created": c} for k, (p, c) in self.jobs.items()},
            }
            with contextlib.suppress(OSError):  # a full disk must not stop the sweep
                _write_quick(self.sweep_dir / OWNER_NAME, body)

    def job_started(self, job_num: int, pid: int) -> None:
        self.jobs[job_num] = (pid, _create_time(pid))
        self.write()

    def job_ended(self, job_num: int) -> None:
        # the next heartbeat rewrites the file: a job that ended is dead, listed or not
        self.jobs.pop(job_num, None)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            self.write()

    def release(self, drop_dir: bool = False) -> None:
        """Give the dir up (the sweep ended): ``owner.json`` goes, then the lock; with
        ``drop_dir``, the dir too if nothing else is in it."""
        with self._lock:  # not while the heartbeat rewrites the file
            self._stop.set()
        _HELD.pop(self.sweep_dir, None)
        with contextlib.suppress(OSError):
            (self.sweep_dir / OWNER_NAME).unlink()
        if drop_dir and [p.name for p in self.sweep_dir.iterdir()] == [LOCK_NAME]:
            with contextlib.suppress(OSError):
                (self.sweep_dir / LOCK_NAME).unlink()
                for made in self.created or [self.sweep_dir]:  # empty parents it made too
                    made.rmdir()
        os.close(self.fd)


_HELD: dict[Path, Ownership] = {}


def held(sweep_dir: str | Path) -> Ownership | None:
    """This process's ownership of ``sweep_dir``, if it holds it."""
    return _HELD.get(Path(sweep_dir))


def _busy(sweep_dir: Path, owner: dict[str, Any] | None, why: str) -> SweepBusy:
    who = (
        f"pid {owner.get('pid')} on {owner.get('host')}, started {owner.get('started_at')}"
        if owner
        else "another process"
    )
    return SweepBusy(f"{sweep_dir} is in use by the sweep of {who} ({why}); wait for it to end")


def try_claim(sweep_dir: str | Path) -> Ownership | None:
    """Take the dir's lock if nobody holds it (None if a live process does)."""
    sweep_dir = Path(sweep_dir)
    mine = held(sweep_dir)
    if mine is not None:
        return mine
    created = [d for d in (sweep_dir, *sweep_dir.parents) if not d.exists()]
    sweep_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(sweep_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return Ownership(sweep_dir, fd, created=created)


def claim(sweep_dir: str | Path, wait_s: float = JOBS_GONE_WAIT_S) -> Ownership:
    """Own ``sweep_dir`` for this process's life, or raise :class:`SweepBusy` (one line).

    Re-entrant: a process that holds the dir gets its ownership back. A dead owner's dir is
    taken over once its jobs are gone; :attr:`Ownership.previous` is what it left in
    ``owner.json`` (None if the dir had no owner or was released cleanly).

    >>> import tempfile
    >>> own = claim(tempfile.mkdtemp())
    >>> read_owner(own.sweep_dir)["pid"] == os.getpid(), claim(own.sweep_dir) is own
    (True, True)
    >>> own.release()
    >>> read_owner(own.sweep_dir) is None
    True
    """
    sweep_dir = Path(sweep_dir)
    mine = held(sweep_dir)
    if mine is not None:
        return mine
    own = try_claim(sweep_dir)
    if own is None:
        raise _busy(sweep_dir, read_owner(sweep_dir), "it holds the dir's lock")
    try:
        take_over(own, wait_s)
    except BaseException:
        os.close(own.fd)
        raise
    return own


def take_over(own: Ownership, wait_s: float = JOBS_GONE_WAIT_S) -> None:
    """Having the lock, check what a previous owner left, then announce this one."""
    prev = read_owner(own.sweep_dir)
    if prev is not None and prev.get("pid") != os.getpid():
        if prev.get("host") != socket.gethostname():
            age = time.time() - float(prev.get("heartbeat") or 0)
            if age < STALE_AFTER_S:
                raise _busy(own.sweep_dir, prev, f"its heartbeat is {age:.0f} s old")
        else:
            jobs = {
                int(j["pid"]): j.get("created")
                for j in (prev.get("jobs") or {}).values()
                if isinstance(j, dict) and j.get("pid")
            }
            alive = wait_gone(jobs, wait_s)
            if alive:
                pids = ", ".join(map(str, alive))
                raise _busy(own.sweep_dir, prev, f"its job process(es) {pids} still run")
        own.previous = prev
    _HELD[own.sweep_dir] = own
    own.write()
    threading.Thread(target=own._beat, name="sweep-heartbeat", daemon=True).start()
