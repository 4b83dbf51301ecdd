"""Pruning: a study's trial that reports its objective as it runs and stops when told to.

The sweeper gives each trial's job one environment variable, :data:`TRIAL_ENV`, holding a
small JSON object (:class:`TrialLink`): the study's storage URL and name, the trial's number
and id, the objective, how often to report and the pruner. The app reads it
(:func:`reporter_from_env`) and hands the jar a :class:`TrialReporter`, which the jar calls at
the end of every cycle with the metrics so far; every ``report_every`` cycles it computes
the objective, reports it to the study as the trial's intermediate value at that cycle
(``trial.report(value, step=cycle)``) and asks ``trial.should_prune()``. Optuna is imported
only when a job has such a link.

>>> link = TrialLink("sqlite:///s.db", "st", 0, 1, "crash_rate", 2, "median", {})
>>> TrialLink.from_json(link.to_json()) == link
True
>>> reporter_from_env({}) is None
True
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from brainjar_sweep._imports import try_import
from brainjar_sweep.sweep.errors import SearchSpaceError
from brainjar_sweep.sweep.objective import Objective

log = logging.getLogger("brainjar_sweep")

TRIAL_ENV = "BRAINJAR_OPTUNA_TRIAL"
"""The environment variable that links a job to its trial (set through Hydra's
``hydra.job.env_set``, so only that job's process sees it)."""

PRUNERS = ("none", "median", "percentile", "successive_halving", "hyperband", "threshold")
"""The pruners ``hydra.sweeper.pruner`` can name."""

SQLITE_BUSY_TIMEOUT_S = 60
"""How long a writer of a SQLite study waits for another one's transaction (the sweeper and
every running trial write to the same file)."""


@dataclass(frozen=True)
class TrialLink:
    """What a job needs to report to its trial."""

    storage: str
    study_name: str
    trial_number: int
    trial_id: int
    objective: str
    report_every: int = 1
    pruner: str = "none"
    pruner_kwargs: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The link as compact JSON (the value of :data:`TRIAL_ENV`)."""
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> TrialLink:
        """The link a job was given."""
        return cls(**json.loads(text))


def make_pruner(optuna: Any, name: str, kwargs: Mapping[str, Any]) -> Any:
    """The pruner called ``name`` (``none``: Optuna's NopPruner); one line for a bad one.

    >>> import optuna
    >>> type(make_pruner(optuna, "median", {"n_startup_trials": 2})).__name__
    'MedianPruner'
    >>> make_pruner(optuna, "sometimes", {})
    Traceback (most recent call last):
    ...
    brainjar_sweep.sweep.errors.SearchSpaceError: hydra.sweeper.pruner=sometimes is not allowed: one of none, median, percentile, successive_halving, hyperband, threshold
    """
    p = optuna.pruners
    classes = {
        "none": p.NopPruner,
        "median": p.MedianPruner,
        "percentile": p.PercentilePruner,
        "successive_halving": p.SuccessiveHalvingPruner,
        "hyperband": p.HyperbandPruner,
        "threshold": p.ThresholdPruner,
    }
    if name not in classes:
        raise SearchSpaceError(
            f"hydra.sweeper.pruner={name} is not allowed: one of {', '.join(PRUNERS)}"
        )
    try:
        return classes[name](**dict(kwargs))
    except (TypeError, ValueError) as e:
        raise SearchSpaceError(
            f"hydra.sweeper.pruner_kwargs={dict(kwargs)} is not allowed for the {name} pruner: {e}"
        ) from e


def open_storage(optuna: Any, url: str, *, existing: bool = False) -> Any:
    """The study storage at ``url``; a SQLite file is opened with a long busy timeout, so
    that the sweeper and the running trials take turns instead of failing. ``existing``: the
    sweeper made the tables already (a trial's job), so their creation and version check
    (which imports alembic, half a second per job) are skipped.

    >>> import optuna
    >>> type(open_storage(optuna, "sqlite:///:memory:")).__name__
    'RDBStorage'
    """
    if url.startswith("sqlite"):
        return optuna.storages.RDBStorage(
            url,
            engine_kwargs={"connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S}},
            skip_compatibility_check=existing,
            skip_table_creation=existing,
        )
    return url


class TrialReporter:
    """Reports a running trial's objective to its study and says when to stop.

    Called by the jar at the end of each cycle (a :data:`~brainjar_sweep.jar.runner.CycleWatcher`).
    A cycle where the objective cannot be computed yet (a metric with no value so far, e.g. a
    self-report score before the first self-report) is not reported.
    """

    def __init__(self, link: TrialLink) -> None:
        with try_import("optuna") as imported:
            import optuna
        imported.check()
        self.link = link
        self.objective = Objective(link.objective)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.load_study(
            study_name=link.study_name,
            storage=open_storage(optuna, link.storage, existing=True),
            pruner=make_pruner(optuna, link.pruner, link.pruner_kwargs),
        )
        self.trial = optuna.trial.Trial(study, link.trial_id)
        self.reported: list[tuple[int, float]] = []

    def __call__(self, cycle: int, metrics_so_far: Callable[[], dict[str, Any]]) -> bool:
        """Report at this cycle if due; True when the study's pruner says stop."""
        if cycle % max(1, self.link.report_every):
            return False
        try:
            value = self.objective(metrics_so_far())
        except (ValueError, ZeroDivisionError, OverflowError):
            return False
        if not math.isfinite(value):
            return False
        self.trial.report(value, step=cycle)
        self.reported.append((cycle, value))
        if self.trial.should_prune():
            log.info(
                "trial %d pruned after cycle %d (%s = %.4g)",
                self.link.trial_number,
                cycle,
                self.link.objective,
                value,
            )
            return True
        return False


def reporter_from_env(env: Mapping[str, str] | None = None) -> TrialReporter | None:
    """The reporter of this job's trial, or None when the job is not a study's trial."""
    text = (os.environ if env is None else env).get(TRIAL_ENV)
    if not text:
        return None
    return TrialReporter(TrialLink.from_json(text))


__all__ = [
    "PRUNERS",
    "TRIAL_ENV",
    "TrialLink",
    "TrialReporter",
    "make_pruner",
    "open_storage",
    "reporter_from_env",
]
