"""Recovery: attempts and experiments left 'running' by a process that is gone."""

from __future__ import annotations

import os
import socket
from datetime import datetime

import psutil
from sqlalchemy import Connection, Row, select, update

from brainjar_sweep._clock import utc_now
from brainjar_sweep.store._attempts import seconds_between
from brainjar_sweep.store.schema import attempts, experiments

__all__ = ["STALE_ERROR", "mark_stale", "process_alive"]

STALE_ERROR = "left 'running' by a process that is no longer alive"


def process_alive(hostname: str | None, pid: int | None, started_at: str | None) -> bool:
    """Best-effort liveness check of the process that ran an attempt.

    Attempts from other hosts cannot be checked and count as alive. A pid
    that exists but belongs to a process created after the attempt started
    has been reused, so the original process is gone.

    >>> process_alive(socket.gethostname(), os.getpid(), None)
    True
    >>> process_alive(socket.gethostname(), None, None), process_alive("elsewhere", None, None)
    (False, True)
    """
    if hostname != socket.gethostname():
        return True
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        if started_at is not None:
            started = datetime.fromisoformat(started_at).timestamp()
            if process.create_time() > started + 1.0:
                return False
        return True
    except psutil.NoSuchProcess:
        return False
    except psutil.AccessDenied:
        return True


def _stale_attempts(conn: Connection, ids: list[str] | None) -> list[Row]:
    """The running attempts of ``ids`` (any of them), or those whose process is gone."""
    query = select(attempts).where(attempts.c.status == "running")
    if ids is not None:
        query = query.where(attempts.c.experiment_id.in_(ids))
    return [
        row
        for row in conn.execute(query)
        if ids is not None or not process_alive(row.hostname, row.pid, row.started_at)
    ]


def _stale_experiments(conn: Connection, ids: list[str] | None, stale: list[Row]) -> list[str]:
    """The running experiments of ``ids``, or those whose latest attempt is in ``stale``."""
    running = select(experiments.c.experiment_id, experiments.c.attempts).where(
        experiments.c.status == "running"
    )
    if ids is not None:
        candidates = conn.execute(running.where(experiments.c.experiment_id.in_(ids)))
        return [row.experiment_id for row in candidates]
    stale_keys = {(row.experiment_id, row.attempt) for row in stale}
    if not stale_keys:
        return []
    candidates = conn.execute(
        running.where(experiments.c.experiment_id.in_(sorted({k[0] for k in stale_keys})))
    )
    return [
        row.experiment_id for row in candidates if (row.experiment_id, row.attempts) in stale_keys
    ]


def mark_stale(conn: Connection, ids: list[str] | None, status: str) -> int:
    """Mark what was left running as ``status`` (see ``ExperimentStore.mark_stale_running``);
    return how many experiments."""
    stale = _stale_attempts(conn, ids)
    now = utc_now()
    for row in stale:
        conn.execute(
            update(attempts)
            .where(
                attempts.c.experiment_id == row.experiment_id,
                attempts.c.attempt == row.attempt,
            )
            .values(
                status=status,
                error=STALE_ERROR,
                ended_at=now,
                duration_seconds=seconds_between(row.started_at, now),
            )
        )
    marked = _stale_experiments(conn, ids, stale)
    if marked:
        conn.execute(
            update(experiments)
            .where(experiments.c.experiment_id.in_(marked))
            .values(status=status, error=STALE_ERROR, ended_at=now)
        )
    return len(marked)
