"""The ``brainjar`` sweeper's hooks for brainjar experiments, by the dotted paths its config
names (``hydra.sweeper.job_state``, ``sweep_check``, ``estimate``; the launcher's ``job_end``).

Saved sweeps name these paths in their ``multirun.yaml``, so they stay here; the work is in
``sweep/resume.py`` (done-or-not on resume, refusals), ``sweep/durations.py`` (estimates) and
``sweep/job_end.py`` (how a job's end is recorded).

>>> from brainjar_sweep.sweep.lifecycle import job_state
>>> job_state.__module__
'brainjar_sweep.sweep.resume'
"""

from __future__ import annotations

from brainjar_sweep.sweep.durations import estimate_seconds
from brainjar_sweep.sweep.job_end import DB_STATUS, DEAD_OWNER, NO_RESULT, describe, record_job_end
from brainjar_sweep.sweep.resume import check_left_running, check_sweep_id, job_state

__all__ = [
    "DB_STATUS",
    "DEAD_OWNER",
    "NO_RESULT",
    "check_left_running",
    "check_sweep_id",
    "describe",
    "estimate_seconds",
    "job_state",
    "record_job_end",
]
