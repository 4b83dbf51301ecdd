"""A ``job_state`` hook for the sweeper that reads a job's composed config only: the app's own,
wrapped, without its ``reads_plans`` (so the sweeper composes each job for it)."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from brainjar_sweep.sweep.lifecycle import job_state as _app_job_state


def job_state(cfg: DictConfig, job_dir: str | Path) -> str:
    """The app's ``job_state``, refusing anything but a composed config."""
    if not isinstance(cfg, DictConfig):
        raise TypeError(f"a composed config was expected, not {type(cfg).__name__}")
    return _app_job_state(cfg, job_dir)
