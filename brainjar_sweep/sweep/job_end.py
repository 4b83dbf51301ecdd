"""How a sweep job's end is recorded: once, the same in the experiments database, its
``result.json`` and the sweep files (the ``job_end`` hook, :func:`record_job_end`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from brainjar_sweep._clock import utc_now
from brainjar_sweep.sweep._job_ids import db_exists, experiment_ids
from brainjar_sweep.sweep.errors import JobFailure

__all__ = ["DB_STATUS", "DEAD_OWNER", "NO_RESULT", "describe", "record_job_end"]


def describe(value: Any) -> str:
    """A short text for a JobReturn's failure (its exception)."""
    from brainjar_sweep._secrets import scrub

    if isinstance(value, BaseException):
        text = (
            f"{type(value).__name__}: {value}" if not isinstance(value, JobFailure) else str(value)
        )
        return scrub(text.splitlines()[0]) if text else type(value).__name__
    return scrub(str(value))


# what a job left running by a sweep that died (SIGKILL, power cut) is recorded as
DEAD_OWNER = "interrupted: its sweep died (killed) while it ran"

# what an attempt the DB has completed gets when no result.json says so (the job runs again)
NO_RESULT = "completed in the database, but its result.json was never written (or is lost)"

# how each way a job ends is stored in the experiments DB, whose statuses are completed,
# failed, interrupted and pruned: a timeout is a failure whose error says so
DB_STATUS = {
    "completed": "completed",
    "failed": "failed",
    "timeout": "failed",
    "interrupted": "interrupted",
    "pruned": "pruned",
}


def record_job_end(
    cfg: DictConfig, job_dir: str | Path, status: str, reason: str | None, pid: int | None
) -> None:
    """Record how a sweep job ended in the experiments DB and its ``result.json``.

    The launcher calls this once per job, with the one outcome it settled on (``completed``,
    ``failed``, ``timeout`` or ``interrupted``) and the job process's ``pid``. The attempt that
    process opened (or, with ``pid`` None, every attempt of the experiment still marked
    ``running``, or ``completed`` though no ``result.json`` says so: the caller knows their
    processes are gone, see :func:`check_left_running`) gets that outcome (see
    :data:`DB_STATUS`) unless it says so already; ``result.json`` is written unless it says so
    already. A completed job recorded itself (this costs nothing then), and a config that is
    not a brainjar experiment is left alone:

    >>> record_job_end(OmegaConf.create({"x": 1}), "/nonexistent", "failed", "boom", None)
    """
    import socket

    from brainjar_sweep.records import ResultUnreadable, config_hash, read_result, write_result

    # a completed job recorded itself, in the DB and its result.json, as it ended
    if status == "completed" or OmegaConf.select(cfg, "db") is None or cfg.get("mode") is None:
        return
    exp, eid, sweep_id, url = experiment_ids(cfg)
    attempt = None
    settled = False
    body: dict[str, Any] | None
    try:
        body = read_result(job_dir)
    except (OSError, ResultUnreadable):
        body = None
    if db_exists(url):
        from brainjar_sweep.store import ExperimentStore

        with ExperimentStore(url) as store:
            rows = store.rows("attempts", eid)
            if pid is not None:
                host = socket.gethostname()
                rows = [r for r in rows if r["pid"] == pid and r["hostname"] == host][-1:]
            else:
                # left running, or completed in the DB by a process killed before it wrote
                # its result.json: the job did not complete, and runs again
                done = body is not None and body.get("status") == "completed"
                rows = [
                    r
                    for r in rows
                    if r["status"] == "running" or (r["status"] == "completed" and not done)
                ]
                settled = bool(rows)
            for row in rows:
                attempt = row["attempt"]
                why = reason
                if pid is None and row["status"] == "completed":
                    why = f"{status}: {NO_RESULT}"
                if status != "completed" and row["status"] != DB_STATUS[status]:
                    store.finish_attempt(eid, attempt, status=DB_STATUS[status], error=why)
    if status == "completed" or (body is not None and body.get("status") == status):
        return
    if pid is None and body is not None and not settled:
        return  # nothing was left running
    if not Path(job_dir).is_dir():
        return  # the job never started
    now = utc_now("milliseconds")
    out = dict(body or {})
    out.update(
        experiment_id=eid,
        attempt=attempt if attempt is not None else out.get("attempt"),
        status=status,
        seed=exp.get("seed"),
        config_hash=config_hash(exp),
        metrics=out.get("metrics") or {},
        started_at=out.get("started_at"),
        ended_at=now,
        duration_seconds=out.get("duration_seconds"),
        stop_reason=None,
        error=reason,
        sweep_id=sweep_id,
        job_num=int(cfg.hydra.job.num),
    )
    write_result(job_dir, out)
