"""A sweep's lifecycle hooks for brainjar experiments: done-or-not on resume, duration estimates.

The ``brainjar`` sweeper stays generic and calls these through dotted paths in its config
(``hydra.sweeper.job_state`` and ``hydra.sweeper.estimate``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

# seconds per cycle and mind, and per job, when no past run says better
DEFAULT_CYCLE_SECONDS = {"simulated": 0.0005}
JOB_OVERHEAD_SECONDS = 0.5


class SweepFailed(HydraException):
    """Jobs of a sweep failed (and failures are not allowed); the summary lists them."""


class SweepDefinitionChanged(HydraException):
    """Resume was asked for a sweep dir whose saved definition differs from this one."""


class JobFailure(Exception):
    """A job's process ended without a result: killed by a signal or an exit code."""


class JobTimeout(JobFailure):
    """A job ran past its timeout and was stopped."""


class JobInterrupted(JobFailure):
    """A job was stopped because the sweep was interrupted (Ctrl-C, SIGTERM)."""


def job_state(cfg: DictConfig, job_dir: str | Path) -> str:
    """What a job's ``result.json`` says: ``completed`` only if its config hash matches ``cfg``.

    Anything else (missing, unreadable, failed, interrupted, another config) is returned
    as a status that makes resume run the job again.
    """
    from brainjar_sweep.app import config_hash
    from brainjar_sweep.config import resolve_experiment

    path = Path(job_dir) / "result.json"
    try:
        body = json.loads(path.read_bytes())
    except FileNotFoundError:
        return "missing"
    except (OSError, ValueError, RecursionError):
        return "unreadable"
    if not isinstance(body, dict):
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
    from brainjar_sweep.store._check import stored_status

    url = exp["db"].get("url")
    if not url:
        cwd = OmegaConf.select(cfg, "hydra.runtime.cwd", default=None) or os.getcwd()
        path = Path(exp["db"]["path"]).expanduser()
        url = f"sqlite:///{path if path.is_absolute() else Path(cwd) / path}"
    try:
        status = stored_status(url, experiment_id)
    except Exception:  # noqa: BLE001 - an unreadable DB: run the job again
        return "not readable in the experiments DB"
    if status == "completed":
        return "completed"
    return "not in the experiments DB" if status is None else f"{status} in the experiments DB"


def _past_cycle_seconds(cfg: DictConfig) -> float | None:
    """Mean seconds per cycle of completed experiments of the same mode and mind in the DB."""
    import sqlalchemy as sa

    db = OmegaConf.select(cfg, "db")
    if db is None:
        return None
    url = db.url
    if not url:
        path = Path(str(OmegaConf.select(cfg, "hydra.runtime.cwd", default=".") or ".")) / db.path
        if not path.is_file():
            return None
        url = f"sqlite:///{path}"
    from brainjar_sweep.store._engine import make_engine

    try:
        engine = make_engine(url, read_only=True, connect_timeout_s=5)
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "select sum(duration_seconds), sum(total_cycles) from experiments "
                    "where status = 'completed' and mode = :mode and total_cycles > 0 "
                    "and config_json like :mind"
                ),
                {"mode": cfg.mode.name, "mind": f'%"kind": "{cfg.mind.kind}"%'},
            ).one()
        engine.dispose()
    except Exception:  # an unreadable DB only means no refinement
        return None
    if not row[0] or not row[1]:
        return None
    return float(row[0]) / float(row[1])


def estimate_seconds(cfg: DictConfig) -> float:
    """Estimated wall time of one experiment job, refined by past runs of the same kind.

    >>> from brainjar_sweep.config import compose
    >>> 0 < estimate_seconds(compose(["max_cycles=10"])) < 60
    True
    """
    from brainjar_sweep.config.validate import mind_ids

    per_cycle = _past_cycle_seconds(cfg)
    if per_cycle is None:
        per_cycle = DEFAULT_CYCLE_SECONDS.get(str(cfg.mind.kind), 1.0) * len(mind_ids(cfg.mode))
    return JOB_OVERHEAD_SECONDS + per_cycle * int(cfg.max_cycles)


def format_duration(seconds: float) -> str:
    """``~1h 05m``, ``~3m 20s`` or ``~12s``.

    >>> format_duration(3900), format_duration(200), format_duration(12.4)
    ('~1h 05m', '~3m 20s', '~12s')
    """
    s = int(round(seconds))
    if s >= 3600:
        return f"~{s // 3600}h {s % 3600 // 60:02d}m"
    if s >= 60:
        return f"~{s // 60}m {s % 60:02d}s"
    return f"~{s}s"


def describe(value: Any) -> str:
    """A short text for a JobReturn's failure (its exception)."""
    from brainjar_sweep._secrets import scrub

    if isinstance(value, BaseException):
        text = (
            f"{type(value).__name__}: {value}" if not isinstance(value, JobFailure) else str(value)
        )
        return scrub(text.splitlines()[0]) if text else type(value).__name__
    return scrub(str(value))
