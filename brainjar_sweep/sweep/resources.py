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
