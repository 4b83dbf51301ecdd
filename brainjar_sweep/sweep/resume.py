"""Resuming a sweep: which jobs are done, and what refuses to resume (another sweep's jobs
left running, a sweep id whose jobs another grid already holds)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from brainjar_sweep.sweep._job_ids import db_exists, experiment_ids
from brainjar_sweep.sweep.errors import SweepRefused

__all__ = ["check_left_running", "check_sweep_id", "job_state"]


def job_state(cfg: DictConfig | dict[str, Any], job_dir: str | Path) -> str:
    """What a job's ``result.json`` says: ``completed`` only if its config hash matches ``cfg``.

    ``cfg`` is the job's config, or its experiment as the sweeper checked it (a plain dict:
    the hook says it reads either, ``job_state.reads_plans``). Anything else (missing, unreadable, failed,
    interrupted, another config) is returned as a status that makes resume run the job again.

    >>> import tempfile
    >>> job_state({"max_cycles": 3}, tempfile.mkdtemp())
    'missing'
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


job_state.reads_plans = True  # type: ignore[attr-defined]  # a checked experiment will do


def _stored(exp: dict[str, Any], cfg: DictConfig | dict[str, Any], experiment_id: str) -> str:
    """``completed`` if the experiments database holds the experiment as completed, else why not.

    A database deleted or replaced while a sweep ran lost the rows of jobs whose
    ``result.json`` says completed; such a job is not done, resume runs it again.
    """
    from brainjar_sweep.store import experiment_db_url
    from brainjar_sweep.store._check import stored_status

    cwd = (
        None if isinstance(cfg, dict) else OmegaConf.select(cfg, "hydra.runtime.cwd", default=None)
    )
    cwd = cwd or os.getcwd()  # a plain experiment: the sweep's own dir, where its jobs started
    url = experiment_db_url(exp["db"], cwd)
    try:
        status = stored_status(url, experiment_id)
    except Exception:  # noqa: BLE001 - an unreadable DB: run the job again
        return "not readable in the experiments DB"
    if status == "completed":
        return "completed"
    return "not in the experiments DB" if status is None else f"{status} in the experiments DB"


def check_left_running(cfg: DictConfig) -> None:
    """Before a resume runs this job again: wait a while for the processes of its attempts the
    DB has ``running`` on this host to end, and refuse (:class:`SweepRefused`, one line) if one
    still runs. A config that is not a brainjar experiment is not checked.

    >>> check_left_running(OmegaConf.create({"x": 1}))
    """
    if OmegaConf.select(cfg, "db") is None or OmegaConf.select(cfg, "mode") is None:
        return
    _, eid, _, url = experiment_ids(cfg)
    if not db_exists(url):
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
    exp0, _, _, url = experiment_ids(cfgs[0])
    sweep_id = sweep_id_for(sweep_dir, exp0["sweep_id"])
    if not db_exists(url):
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
