"""A sweep job's ids and experiments database, from its composed config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

__all__ = ["db_exists", "experiment_ids"]


def experiment_ids(cfg: DictConfig) -> tuple[dict[str, Any], str, str, str]:
    """(resolved experiment, experiment id, sweep id, DB URL) of a sweep job's config."""
    from brainjar_sweep.config import resolve_experiment
    from brainjar_sweep.records import experiment_id_for, sweep_id_for
    from brainjar_sweep.store import experiment_db_url

    exp = resolve_experiment(cfg)
    cwd = OmegaConf.select(cfg, "hydra.runtime.cwd", default=None) or os.getcwd()
    sweep_id = sweep_id_for(str(cfg.hydra.sweep.dir), exp["sweep_id"], cwd)
    eid = experiment_id_for(sweep_id, int(cfg.hydra.job.num), exp["experiment_id"])
    return exp, eid, sweep_id, experiment_db_url(exp["db"], cwd)


def db_exists(url: str) -> bool:
    """Whether the database at ``url`` may hold rows (a SQLite file that exists, or a server).

    >>> db_exists("sqlite:////nonexistent/x.db"), db_exists("postgresql://lab@db/x")
    (False, True)
    """
    if not url.startswith("sqlite"):
        return True
    path = url.split(":///", 1)[-1]
    return bool(path) and Path(path).is_file()
