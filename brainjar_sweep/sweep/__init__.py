"""Sweep machinery shared by our Hydra plugins: fast per-job composition and a sweep's one
owner (a sweep's identity and files are in :mod:`brainjar_sweep.records`)."""

from brainjar_sweep.sweep.compose import JobComposer
from brainjar_sweep.sweep.ownership import SweepBusy, claim

__all__ = ["JobComposer", "SweepBusy", "claim"]
