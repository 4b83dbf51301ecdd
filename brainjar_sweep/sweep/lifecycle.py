"""A sweep's lifecycle hooks for brainjar experiments: done-or-not on resume, duration estimates.

The ``brainjar`` sweeper stays generic and calls these through dotted paths in its config
(``hydra.sweeper.job_state`` and ``hydra.sweeper.estimate``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from brainjar_sweep._clock import utc_now
from brainjar_sweep.sweep.durations import format_duration as format_duration  # the dry run's
from brainjar_sweep.sweep.errors import JobFailure, SweepRefused

# seconds per cycle and mind, and per job, when no past run says better


def job_state(cfg: DictConfig, job_dir: str | Path) -> str:
    """What a job's ``result.json`` says: ``completed`` only if its config hash matches ``cfg``.

    Anything else (missing, unreadable, failed, interrupted, another config) is returned
    as a status that makes resume run the job again.
    """
    from brainjar_sweep.config import resolve_experiment
    from brainjar_sweep.records import ResultUnreadable, config_hash, read_result

    try:
        body = read_result(job_dir)
    except FileNotFoundError:
        return "missing"
    except ResultUnreadable:
        return "unreadable"
    status = str(body.get("status"))
    if status != "completed":
        return status
    exp = resolve_experiment(cfg)
    if body.get("config_hash") != config_hash(exp):
        return "changed"
    return _stored(exp, cfg, str(body.get("experiment_id")))


def _stored(exp: dict[str, Any], cfg: DictConfig, experiment_id: str) -> str:
    """``completed`` if the experiments database holds the experiment as completed, else why not.

    A database deleted or replaced while a sweep ran lost the rows of jobs whose
    ``result.json`` says completed; such a job is not done, resume runs it again.
    """
    from brainjar_sweep.store import experiment_db_url
    from brainjar_sweep.store._check import stored_status

    cwd = OmegaConf.select(cfg, "hydra.runtime.cwd", default=None) or os.getcwd()
    url = experiment_db_url(exp["db"], cwd)
    try:
        status = stored_status(url, experiment_id)
    except Exception:  # noqa: BLE001 - an unreadable DB: run the job again
        return "not readable in the experiments DB"
    if status == "completed":
        return "completed"
    return "not in the experiments DB" if status is None else f"{status} in the experiments DB"


def estimate_seconds(cfg: DictConfig | dict[str, Any]) -> float:
    """Estimated wall time of one experiment job (the dry run's hook): the one estimator,
    ``sweep/durations.py``, learnt from past runs in the experiments database, else a default
    per mind kind. ``cfg`` is a job's composed config or its plain experiment.

    >>> from brainjar_sweep.config import compose
    >>> 0 < estimate_seconds(compose(["max_cycles=10"])) < 60
    True
    """
    from brainjar_sweep.sweep.durations import estimate_seconds as estimate

    return estimate(cfg)


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


def _experiment_ids(cfg: DictConfig) -> tuple[dict[str, Any], str, str, str]:
    """(resolved experiment, experiment id, sweep id, DB URL) of a sweep job's config."""
    from brainjar_sweep.config import resolve_experiment
    from brainjar_sweep.records import experiment_id_for, sweep_id_for
    from brainjar_sweep.store import experiment_db_url

    exp = resolve_experiment(cfg)
    cwd = OmegaConf.select(cfg, "hydra.runtime.cwd", default=None) or os.getcwd()
    sweep_id = sweep_id_for(str(cfg.hydra.sweep.dir), exp["sweep_id"], cwd)
    eid = experiment_id_for(sweep_id, int(cfg.hydra.job.num), exp["experiment_id"])
    return exp, eid, sweep_id, experiment_db_url(exp["db"], cwd)


def _db_exists(url: str) -> bool:
    if not url.startswith("sqlite"):
        return True
    path = url.split(":///", 1)[-1]
    return bool(path) and Path(path).is_file()


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
    already. A config that is not a brainjar experiment is left alone:

    >>> record_job_end(OmegaConf.create({"x": 1}), "/nonexistent", "failed", "boom", None)
    """
    import socket

    from brainjar_sweep.records import ResultUnreadable, config_hash, read_result, write_result

    if OmegaConf.select(cfg, "db") is None or OmegaConf.select(cfg, "mode") is None:
        return
    exp, eid, sweep_id, url = _experiment_ids(cfg)
    attempt = None
    settled = False
    body: dict[str, Any] | None
    try:
        body = read_result(job_dir)
    except (OSError, ResultUnreadable):
        body = None
    if _db_exists(url):
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


def check_left_running(cfg: DictConfig) -> None:
    """Before a resume runs this job again: wait a while for the processes of its attempts the
    DB has ``running`` on this host to end, and refuse (:class:`SweepRefused`, one line) if one
    still runs. A config that is not a brainjar experiment is not checked.

    >>> check_left_running(OmegaConf.create({"x": 1}))
    """
    if OmegaConf.select(cfg, "db") is None or OmegaConf.select(cfg, "mode") is None:
        return
    _, eid, _, url = _experiment_ids(cfg)
    if not _db_exists(url):
        return
    from brainjar_sweep.store import ExperimentStore

    with ExperimentStore(url) as store:
        rows = [r for r in store.rows("attempts", eid) if r["status"] == "running"]
    _check_gone(rows, eid)


def _check_gone(rows: list[dict[str, Any]], experiment_id: str) -> None:
    import socket

    from brainjar_sweep.sweep.ownership import JOBS_GONE_WAIT_S, SweepBusy, wait_gone

    host = socket.gethostname()
    procs = {}
    for row in rows:
        if row["hostname"] == host and row["pid"]:
            started = row["started_at"]
            procs[int(row["pid"])] = None if started is None else _epoch(started)
    alive = wait_gone({p: None for p in procs if _started_before(p, procs[p])}, JOBS_GONE_WAIT_S)
    if alive:
        raise SweepBusy(
            f"attempt of {experiment_id} still runs (pid {alive[0]} on {host}); "
            "stop it or wait for it to end before resuming"
        )


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso).timestamp()


def _started_before(pid: int, started: float | None) -> bool:
    """Whether process ``pid`` exists and was created before its attempt started (not a reuse)."""
    import psutil

    try:
        created = psutil.Process(pid).create_time()
    except psutil.Error:
        return False
    return started is None or created <= started + 1.0


def check_sweep_id(cfgs: list[DictConfig], sweep_dir: str | Path) -> None:
    """Refuse, in one line, a new sweep whose id the experiments DB gives to another sweep.

    Another sweep is one whose experiments ran with other configs, or more jobs, than this
    one composes: reusing its id would make this sweep's runs new attempts of its experiments.

    >>> check_sweep_id([], "multirun/2026-01-01/10-00-00")  # nothing to check
    """
    from brainjar_sweep.config import resolve_experiment
    from brainjar_sweep.records import config_hash, sweep_id_for
    from brainjar_sweep.store.reader import sweep_config_hashes

    if not cfgs or OmegaConf.select(cfgs[0], "db") is None:
        return
    exp0, _, _, url = _experiment_ids(cfgs[0])
    sweep_id = sweep_id_for(sweep_dir, exp0["sweep_id"])
    if not _db_exists(url):
        return
    try:
        rows = sweep_config_hashes(url, sweep_id)
    except Exception as e:  # noqa: BLE001  no readable DB (yet): no other sweep in it to clash with
        import logging

        logging.getLogger(__name__).debug("sweep_id check skipped: %s", e)
        return
    if not rows:
        return
    hashes: dict[int, str] = {}
    for num, h in sorted(rows, key=lambda r: -1 if r[0] is None else r[0]):
        if num is None or num >= len(cfgs):
            break
        if num not in hashes:
            hashes[num] = config_hash(resolve_experiment(cfgs[num]))
        if hashes[num] != h:
            break
    else:
        return
    raise SweepRefused(
        f"sweep_id={sweep_id} already names another sweep in the experiments DB ({len(rows)} "
        f"experiment(s) with other configs or job numbers than this sweep's {len(cfgs)}); "
        "choose another sweep_id, or resume that sweep's dir"
    )
