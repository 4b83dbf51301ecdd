"""Asking and telling: a running study's next trial (its job config validated, its job
number and, with a pruner, its link to the study given) and how a finished job is told."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser  # noqa: F401  (example)
from hydra.core.utils import JobReturn, JobStatus
from hydra_plugins.brainjar_optuna_sweeper._space import Dimension, TrialConfigError
from hydra_plugins.brainjar_optuna_sweeper._summary import best_so_far, fmt, params_text

from brainjar_sweep.sweep.objective import Objective

log = logging.getLogger(__name__)


def objective_values(objectives: Sequence[Objective], ret: JobReturn) -> list[float]:
    """The objective values of a completed job; ``ValueError`` when they cannot be read."""
    metrics = ret.return_value
    if not isinstance(metrics, dict):
        raise ValueError(f"the task returned {type(metrics).__name__}, not a dict of metrics")
    values = [o(metrics) for o in objectives]
    bad = [o.text for o, v in zip(objectives, values, strict=True) if not math.isfinite(v)]
    if bad:
        raise ValueError(f"objective {', '.join(bad)} is not finite")
    return values


def _failure_reason(ret: JobReturn) -> str:
    from brainjar_sweep.sweep.lifecycle import describe

    return describe(ret._return_value)


def trial_override(link: Any) -> str:
    """The override that gives a trial's job its link to the study (an environment variable
    of that job alone, through Hydra's ``hydra.job.env_set``).

    >>> from brainjar_sweep.sweep.pruning import TrialLink
    >>> link = TrialLink("sqlite:///it's.db", "s", 0, 1, "abs(x - 50)")
    >>> ov = OverridesParser.create().parse_override(trial_override(link))
    >>> ov.key_or_group, TrialLink.from_json(ov.value()) == link
    ('hydra.job.env_set.BRAINJAR_OPTUNA_TRIAL', True)
    """
    from brainjar_sweep.sweep.pruning import TRIAL_ENV

    text = link.to_json().replace("\\", "\\\\").replace("'", "\\'")
    return f"++hydra.job.env_set.{TRIAL_ENV}='{text}'"


@dataclass
class Study:
    """A running study: what asking for the next trial and telling a finished one need.

    The loop asks a batch of trials (:meth:`ask`), launches them, and tells each one
    (:meth:`tell`) as its job's return comes back; a launcher that reports jobs one by one
    as they end needs only to call :meth:`tell` per job and :meth:`ask` per free slot.
    """

    optuna: Any
    study: Any
    sweeper: Any
    dims: list[Dimension]
    fixed: list[str]
    objectives: list[Objective]
    composer: Any
    validator: Callable[..., Any] | None
    storage: str
    n_trials: int
    next_job: int
    earlier: int = 0  # trials finished before this run (a continued study)
    done: int = 0
    failed: int = 0
    pruned: int = 0
    # what the launcher was handed (its ``total`` is lowered for a trial that runs no job)
    plan: Any = None
    best: str = ""  # the best trial so far, in words (kept for the progress display)
    # the trials this run asked and has not told yet, by number (an interrupt fails them)
    live: dict[int, Any] = field(default_factory=dict)

    def status(self) -> str:
        """The study in one line for the progress display: trials told of the study's total,
        how many were pruned or failed, and the best so far (cheap: no storage read)."""
        told = f"study: {self.earlier + self.done}/{self.n_trials} trials told"
        counts = f"{self.pruned} pruned, {self.failed} failed"
        return " | ".join(x for x in (told, counts, self.best) if x)

    def too_many_failures(self) -> bool:
        """More than ``max_failure_rate`` of this run's trials failed."""
        return bool(self.failed and self.failed / self.done > self.sweeper.max_failure_rate)

    def ask(self) -> tuple[Any, list[str]] | None:
        """The next trial and its job's overrides; None when its config is refused (the
        trial is then told as failed and counted)."""
        from brainjar_sweep.sweep.pruning import TrialLink

        ts = self.optuna.trial.TrialState
        trial = self.study.ask({d.key: d.distribution() for d in self.dims})
        self.live[trial.number] = trial
        ovs = [*self.fixed, *(d.override(trial.params[d.key]) for d in self.dims)]
        try:
            cfg = self.composer.compose(ovs)
            if self.validator is not None:
                self.validator(cfg)
        except Exception as e:  # a bad point of the space: the trial fails, no job runs
            reason = str(TrialConfigError("-", ovs, e))
            trial.set_user_attr("fail_reason", reason)
            self.study.tell(trial, state=ts.FAIL)
            del self.live[trial.number]
            log.warning("trial %d not launched: %s", trial.number, reason)
            self.done, self.failed = self.done + 1, self.failed + 1
            if self.plan is not None and self.plan.total:
                self.plan.total -= 1  # no job runs for it
            return None
        trial.set_user_attr("job_num", self.next_job)
        trial.set_user_attr("overrides", ovs)
        self.next_job += 1
        sw = self.sweeper
        if sw.pruner == "none":
            return trial, ovs
        link = TrialLink(
            storage=self.storage,
            study_name=self.study.study_name,
            trial_number=trial.number,
            trial_id=trial._trial_id,
            objective=sw.objective[0],
            report_every=sw.report_every,
            pruner=sw.pruner,
            pruner_kwargs=dict(sw.pruner_kwargs),
        )
        return trial, [*ovs, trial_override(link)]

    def tell(self, trial: Any, ret: JobReturn) -> str:
        """Tell the study how a trial's job ended; return the trial's state's name."""
        ts = self.optuna.trial.TrialState
        self.done += 1
        value = ret._return_value if ret.status == JobStatus.COMPLETED else None
        if isinstance(value, dict) and value.get("status") == "pruned":
            self.study.tell(trial, state=ts.PRUNED)
            self.pruned += 1
            return self._said(trial, "PRUNED")
        if ret.status == JobStatus.COMPLETED:
            try:
                values = objective_values(self.objectives, ret)
            except ValueError as e:
                return self._fail(trial, str(e))
            self.study.tell(trial, values)
            return self._said(trial, "COMPLETE")
        return self._fail(trial, _failure_reason(ret))

    def _fail(self, trial: Any, reason: str) -> str:
        trial.set_user_attr("fail_reason", reason)
        self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
        self.failed += 1
        log.warning(
            "trial %d (job #%s) failed: %s", trial.number, trial.user_attrs.get("job_num"), reason
        )
        return self._said(trial, "FAIL")

    def _said(self, trial: Any, state: str) -> str:
        self.live.pop(trial.number, None)  # told
        self.best = best_so_far(self.study)
        print(self.progress_line(trial.number, state), flush=True)
        return state

    def progress_line(self, number: int, state: str) -> str:
        """One line per finished trial: k of n, its params, value or state, best so far."""
        t = self.study.get_trials(deepcopy=False)[number]  # numbers are 0, 1, ... in a study
        job = t.user_attrs.get("job_num")
        head = f"[{self.earlier + self.done}/{self.n_trials}] trial #{number} (job #{job})"
        head += f" {params_text(t.params)}:"
        if state == "COMPLETE":
            head += " " + ", ".join(fmt(v) for v in t.values)
        elif state == "PRUNED":
            step = t.last_step
            at = f" at cycle {step}" if step is not None else ""
            last = t.intermediate_values.get(step) if step is not None else None
            head += f" pruned{at}" + (f" ({fmt(last)})" if last is not None else "")
        else:
            head += " failed"
        return head + (f" | {self.best}" if self.best else "")
