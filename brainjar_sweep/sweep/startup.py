"""What a sweep's job imports when it starts, for a launcher's job-process server to preload.

A launcher that forks each job from a preloaded server (the jetson launcher's forkserver)
already imports Hydra and the task's module (``brainjar_sweep.app``, with the config, the jar
and the simulated mind). What a job imports beyond that, each job pays again: the experiments
database (SQLAlchemy and the store, about 0.15 s of a job's start on a small machine) and the
mind its config asks for. :func:`job_modules` lists them; a launcher preloads them through a
hook (``function(job_cfg or None) -> list[str]``). ``tests/sweep/test_startup.py`` runs a real job
after importing them and checks that it imports nothing more of the app or SQLAlchemy.

>>> "brainjar_sweep.store._store" in job_modules()
True
>>> "brainjar_sweep.minds.llama_cpp" in job_modules({"mind": {"kind": "llama_cpp"}})
True
>>> job_modules({"db": {"url": "postgresql://u@db/x"}})[-1]
'sqlalchemy.dialects.postgresql'
"""

from __future__ import annotations

from typing import Any

# every experiment job: the task, and the store it writes to (SQLite)
_EVERY_JOB = (
    "brainjar_sweep.app",
    "brainjar_sweep.store",
    "brainjar_sweep.store._store",
    "brainjar_sweep.store._check",
    "brainjar_sweep.store.views",
    "brainjar_sweep.store.reader",
    "sqlite3",
    "sqlalchemy.dialects.sqlite",
)
# a mind of each kind, besides the simulated one the task's module imports already
_MIND = {
    "llama_cpp": ("brainjar_sweep.minds.llama_cpp", "brainjar_sweep.minds._host"),
    "openai": ("brainjar_sweep.minds.openai_server",),
}


def job_modules(job_cfg: Any = None) -> list[str]:
    """Modules a job of ``job_cfg`` (a composed config or a plain experiment; None: any
    job) imports besides Hydra, in an order that imports each once."""
    out = list(_EVERY_JOB)
    if job_cfg is None:
        return out
    from omegaconf import DictConfig, OmegaConf

    if isinstance(job_cfg, DictConfig):
        kind = OmegaConf.select(job_cfg, "mind.kind", default=None)
        url = OmegaConf.select(job_cfg, "db.url", default=None)
    else:
        kind = (job_cfg.get("mind") or {}).get("kind")
        url = (job_cfg.get("db") or {}).get("url")
    out += _MIND.get(str(kind), ())
    if url and str(url).lower().startswith("postgresql"):
        out.append("sqlalchemy.dialects.postgresql")
    return out
