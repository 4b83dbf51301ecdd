"""A continued study: what a dead sweep left behind settled, and where job numbers go on.

A sweep that died (killed, rebooted) may have left trials RUNNING: each becomes PRUNED when
its job's ``result.json`` says it was pruned (only the telling was lost), else FAIL. A trial
asked just before the sweep died may not have been given its job number yet: it gets the
next free one (its job never started, so no job dir has it) and is FAIL, so that every trial
a sweep asked has a job number and counts toward ``n_trials``. Job numbers go on after the
highest job dir and the highest ``job_num`` of the study: no job dir is written twice.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEAD_SWEEP = "the sweep that ran this trial ended before it finished"
NEVER_STARTED = "the sweep that asked this trial ended before its job started"


def highest_job_dir(sweep_dir: Path) -> int:
    """The highest job number among the sweep dir's job dirs (-1 when none or no dir).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (Path(d) / "3").mkdir(); (Path(d) / "12").mkdir(); (Path(d) / "x").mkdir()
    ...     highest_job_dir(Path(d)), highest_job_dir(Path(d) / "missing")
    (12, -1)
    """
    if not sweep_dir.is_dir():
        return -1
    nums = [int(p.name) for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    return max(nums, default=-1)


def finished(optuna: Any, study: Any) -> list[Any]:
    """The study's finished trials: complete, pruned or failed."""
    ts = optuna.trial.TrialState
    return study.get_trials(deepcopy=False, states=(ts.COMPLETE, ts.FAIL, ts.PRUNED))


def fail_dead_trials(optuna: Any, study: Any) -> int:
    """Mark trials left RUNNING by a sweep that died as FAIL; return how many."""
    n = 0
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if "fail_reason" not in t.user_attrs:
            study._storage.set_trial_user_attr(t._trial_id, "fail_reason", DEAD_SWEEP)
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)
        n += 1
    return n


def _settle_left_running(optuna: Any, study: Any, sweep_dir: Path) -> tuple[int, int]:
    """Trials a dead sweep left RUNNING: PRUNED when their job's ``result.json`` says it was
    pruned (it was, only the telling was lost), else FAIL. Returns (pruned, failed)."""
    from brainjar_sweep.records import ResultUnreadable, read_result

    ts = optuna.trial.TrialState
    pruned = 0
    for t in study.get_trials(deepcopy=False, states=(ts.RUNNING,)):
        job = t.user_attrs.get("job_num")
        try:
            body = read_result(sweep_dir / str(job)) if job is not None else None
        except (OSError, ResultUnreadable):
            body = None
        if body is not None and body.get("status") == "pruned":
            study.tell(t.number, state=ts.PRUNED)
            pruned += 1
    return pruned, fail_dead_trials(optuna, study)


def _number_untagged(optuna: Any, study: Any, next_job: int) -> int:
    """Give each trial left RUNNING without a job number (the sweep died between asking it
    and numbering it) the next free number, saying its job never started; return the next
    free number after them."""
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        if "job_num" not in t.user_attrs:
            study._storage.set_trial_user_attr(t._trial_id, "job_num", next_job)
            study._storage.set_trial_user_attr(t._trial_id, "fail_reason", NEVER_STARTED)
            next_job += 1
    return next_job


def continue_study(optuna: Any, study: Any, sweep_dir: Path, n_trials: int) -> tuple[int, int]:
    """Settle what a dead sweep left, and return (trials finished so far, next job number)."""
    known = [t.user_attrs.get("job_num") for t in study.get_trials(deepcopy=False)]
    first = max([highest_job_dir(sweep_dir), *(int(k) for k in known if k is not None)]) + 1
    next_job = _number_untagged(optuna, study, first)
    saved, dead = _settle_left_running(optuna, study, sweep_dir)
    earlier = len(finished(optuna, study))
    if earlier or dead or saved:
        log.info(
            "continuing study %r: %d trial(s) finished earlier (%d left running by a dead "
            "sweep, now FAIL%s); %d to run; job numbers from %d",
            study.study_name,
            earlier,
            dead,
            f"; {saved} pruned before it died, now PRUNED" if saved else "",
            max(0, n_trials - earlier),
            next_job,
        )
    return earlier, next_job
