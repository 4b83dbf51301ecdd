"""What one job of a sweep needs from the machine, read from its own composed config."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

OVERHEAD_GB = 0.5


def job_needs(cfg: DictConfig | dict[str, Any]) -> tuple[float | None, int]:
    """Memory (GB) and CPU threads an experiment job declares; ``(None, 1)`` for other apps.

    Memory is the RAM limit of each of the experiment's minds plus a fixed overhead; an
    unconstrained mind counts its model and full context. Real minds need their
    ``cpu_threads`` each; the simulated mind needs one thread.

    >>> from brainjar_sweep.config import compose
    >>> job_needs(compose(["mode=split_brain"]))
    (4.5, 1)
    >>> job_needs({"x": 1})
    (None, 1)
    """
    from brainjar_sweep.config.validate import mind_ids

    res = (
        OmegaConf.select(cfg, "resources") if isinstance(cfg, DictConfig) else cfg.get("resources")
    )
    mode = OmegaConf.select(cfg, "mode") if isinstance(cfg, DictConfig) else cfg.get("mode")
    if res is None or mode is None:
        return None, 1
    minds = len(mind_ids(mode))
    ram = res.get("ram_limit_gb")
    if ram is None:
        ram = (
            float(res["model_size_gb"])
            + res["context_window"] * float(res["kv_mb_per_token"]) / 1024
        )
    mind = (
        OmegaConf.select(cfg, "mind.kind") if isinstance(cfg, DictConfig) else cfg["mind"]["kind"]
    )
    threads = 1 if mind == "simulated" else int(res["cpu_threads"]) * minds
    return round(float(ram) * minds + OVERHEAD_GB, 3), threads


def machine_capacity(cfg: Any, hard_cap: int | None = None, reserve_fraction: float = 0.3) -> int:
    """Jobs like ``cfg``'s that this machine runs at once: min(memory budget / need, cores / threads, cap).

    Used by the ``jetson_n_jobs`` resolver, so that ``hydra/launcher=joblib`` users can
    write ``hydra.launcher.n_jobs: ${jetson_n_jobs:}``.

    >>> from brainjar_sweep.config import compose
    >>> machine_capacity(compose(), hard_cap=1)
    1
    """
    import os

    import psutil

    from brainjar_sweep.device import memory_budget_gb, parallel_capacity

    mem, threads = job_needs(cfg)
    budget = memory_budget_gb(psutil.virtual_memory().total / 1024**3, reserve_fraction)
    return parallel_capacity(
        budget_gb=budget,
        job_mem_gb=mem if mem is not None else 1.0,
        cpu_cores=os.cpu_count() or 1,
        threads_per_job=threads,
        hard_cap=hard_cap,
    )


def jetson_n_jobs(*args: object, _root_: Any) -> int:
    """The ``${jetson_n_jobs:}`` resolver (``${jetson_n_jobs:4}`` caps it at 4): a machine-aware
    ``n_jobs`` for another launcher, from :func:`machine_capacity` of the config it is in.

    >>> from brainjar_sweep.config import compose
    >>> jetson_n_jobs("1", _root_=compose())
    1
    """
    cap = int(str(args[0])) if args and args[0] not in (None, "") else None
    return machine_capacity(_root_, hard_cap=cap)
