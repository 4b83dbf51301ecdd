"""Sweep machinery shared by our Hydra plugins: fast per-job composition, sweep files, a
sweep's identity and its one owner."""

from brainjar_sweep.sweep.compose import JobComposer
from brainjar_sweep.sweep.identity import experiment_id_for, resolve_sweep_dir, sweep_id_for
from brainjar_sweep.sweep.ownership import SweepBusy, claim

__all__ = [
    "JobComposer",
    "SweepBusy",
    "claim",
    "experiment_id_for",
    "resolve_sweep_dir",
    "sweep_id_for",
]
