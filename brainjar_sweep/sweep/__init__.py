"""Sweep machinery shared by our Hydra plugins: fast per-job composition, a sweep's one
owner, and a study's objective and pruning (a sweep's identity and files are in
:mod:`brainjar_sweep.records`)."""

from brainjar_sweep.sweep.compose import JobComposer
from brainjar_sweep.sweep.objective import Objective
from brainjar_sweep.sweep.ownership import SweepBusy, claim
from brainjar_sweep.sweep.pruning import TrialLink, TrialReporter, reporter_from_env

__all__ = [
    "JobComposer",
    "Objective",
    "SweepBusy",
    "TrialLink",
    "TrialReporter",
    "claim",
    "reporter_from_env",
]
