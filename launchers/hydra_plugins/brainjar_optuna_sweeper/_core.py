"""Work of the ``brainjar_optuna`` sweeper, kept out of the module Hydra's plugin scan imports.

A study here: read the options (familiar spellings included, ``_options``); parse the search
space from Hydra's sweep syntax; check the fixed part of the job config (compose + validate)
before anything runs; on a dry run print the plan and stop; create or load the study from its
storage (SQLite in the sweep dir by default) with its pruner; settle trials a dead sweep left
running (PRUNED when their job's ``result.json`` says so, else FAIL); then, until ``n_trials``
trials are finished, ask ``n_jobs`` trials (:meth:`Study.ask`: validate the trial's job config,
give it its job number and, with a pruner, its link to the study), launch them as one batch
through the selected launcher, and tell Optuna each one (:meth:`Study.tell`: its objective
values, PRUNED or FAIL), printing a line per trial. At the end ``optimization_results.yaml``
holds the best trial (or the Pareto front)."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import math
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    IntervalSweep,
    Override,
    QuotedString,
    RangeSweep,
)
from hydra.core.utils import JobReturn, JobStatus
from hydra.errors import HydraException
from hydra_plugins._brainjar_hydra_compat import override_value
from omegaconf import OmegaConf

from brainjar_sweep._hooks import load_dotted  # noqa: E402
from brainjar_sweep._imports import MissingExtra, try_import
from brainjar_sweep.sweep.errors import SearchSpaceError, SweepDefinitionChanged, SweepFailed
from brainjar_sweep.sweep.objective import Objective

log = logging.getLogger(__name__)

SAMPLERS = ("tpe", "random", "cmaes", "gp", "qmc", "nsgaii", "grid")
DIRECTIONS = ("minimize", "maximize")
DEAD_SWEEP = "the sweep that ran this trial ended before it finished"


class OptunaMissing(MissingExtra, SweepFailed):
    """The ``[optuna]`` extra is not installed (reported on one line by the entry point)."""


class TrialConfigError(HydraException):
    """A job config of the study does not compose or validate (one line via ``one_line``)."""

    def __init__(self, job_num: int | str, overrides: Sequence[str], error: BaseException) -> None:
        self.job_num = job_num
        self.overrides = list(overrides)
        self.error = error
        super().__init__(f"job #{job_num} ({' '.join(overrides)}): {error}")


def import_optuna() -> Any:
    """Optuna, or :class:`OptunaMissing` naming the install command."""
    with try_import("optuna") as imported:
        import optuna
    if not imported.is_successful():
        raise OptunaMissing(imported.message())
    return optuna


# --------------------------------------------------------------------- search space


@dataclass
class Dimension:
    """One searched key: an Optuna distribution plus how a sampled value becomes an override."""

    key: str
    kind: str  # "categorical", "int" or "float"
    choices: list[Any] = field(default_factory=list)
    low: float = 0.0
    high: float = 0.0
    step: float | None = None
    log: bool = False
    digits: int | None = None  # decimals a stepped float is rounded to

    def distribution(self) -> Any:
        """The Optuna distribution of this dimension."""
        from optuna.distributions import (
            CategoricalDistribution,
            FloatDistribution,
            IntDistribution,
        )

        if self.kind == "categorical":
            return CategoricalDistribution(self.choices)
        if self.kind == "int":
            return IntDistribution(
                int(self.low), int(self.high), log=self.log, step=int(self.step or 1)
            )
        return FloatDistribution(self.low, self.high, log=self.log, step=self.step)

    def grid_values(self) -> list[Any]:
        """Every value of a discrete dimension (for the grid sampler)."""
        if self.kind == "categorical":
            return list(self.choices)
        if self.kind == "int":
            return list(range(int(self.low), int(self.high) + 1, int(self.step or 1)))
        if self.step is None:
            raise SearchSpaceError(
                f"hydra.sweeper.params.{self.key}: the grid sampler needs discrete values "
                "(choice or range), not an interval"
            )
        n = round((self.high - self.low) / self.step)
        return [self.value(self.low + i * self.step) for i in range(n + 1)]

    def value(self, raw: Any) -> Any:
        """A sampled value, cleaned (stepped floats rounded to the step's decimals)."""
        if self.kind == "float" and self.digits is not None:
            return round(float(raw), self.digits)
        return raw

    def override(self, raw: Any) -> str:
        """The override ``key=value`` for a sampled value."""
        return f"{self.key}={override_value(self.value(raw))}"


def _decimals(*xs: float) -> int:
    return max(max(0, -Decimal(repr(float(x))).normalize().as_tuple().exponent) for x in xs)


def _dimension(ov: Override) -> Dimension:
    key = ov.get_key_element()
    v = ov.value()
    tags = set(getattr(v, "tags", set()) or set())
    if isinstance(v, ChoiceSweep):
        choices = []
        for c in v.list:
            c = c.text if isinstance(c, QuotedString) else c
            if not (c is None or isinstance(c, (bool, int, float, str))):
                raise SearchSpaceError(
                    f"{ov.input_line}: choices must be plain values (numbers, strings, "
                    "booleans, null), not lists or dicts"
                )
            choices.append(c)
        return Dimension(key, "categorical", choices=choices)
    if isinstance(v, RangeSweep):
        values = list(ov.sweep_iterator())
        if not values:
            raise SearchSpaceError(f"{ov.input_line}: the range is empty (its end is exclusive)")
        step = abs(v.step)
        if all(isinstance(x, int) for x in (v.start, v.stop, v.step)):
            return Dimension(
                key, "int", low=min(values), high=max(values), step=step, log="log" in tags
            )
        digits = _decimals(v.start, v.step)
        low, high = round(min(values), digits), round(max(values), digits)
        return Dimension(key, "float", low=low, high=high, step=step, digits=digits)
    if isinstance(v, IntervalSweep):
        log_ = "log" in tags
        if isinstance(v.start, int) and isinstance(v.end, int):
            # Hydra's interval is a <= x < b: for integers the top value is b - 1
            return Dimension(key, "int", low=v.start, high=v.end - 1, step=1, log=log_)
        return Dimension(key, "float", low=float(v.start), high=float(v.end), log=log_)
    raise SearchSpaceError(
        f"{ov.input_line}: not supported by the optuna sweeper (use choice, "
        "a comma list, range or interval)"
    )


def search_space(
    params: dict[str, str] | None, arguments: Sequence[str], parser: OverridesParser
) -> tuple[list[Dimension], list[str]]:
    """The searched dimensions and the fixed overrides, from ``params`` and the command line.

    A command-line override of a key replaces the entry of ``params`` for that key.

    >>> dims, fixed = search_space({"x": "range(0,5)"}, ["y=1"], OverridesParser.create())
    >>> (dims[0].low, dims[0].high), fixed
    ((0, 4), ['y=1'])
    """
    lines: dict[str, str] = {}
    for k, v in (params or {}).items():
        lines[str(k)] = f"{k}={v}"
    for a in arguments:
        lines[a.partition("=")[0]] = a
    dims: list[Dimension] = []
    fixed: list[str] = []
    for ov in parser.parse_overrides(list(lines.values())):
        if ov.is_sweep_override():
            if ov.is_hydra_override():
                raise SearchSpaceError(f"{ov.input_line}: Hydra's own config cannot be searched")
            dims.append(_dimension(ov))
        else:
            fixed.append(ov.input_line)
    if not dims:
        raise SearchSpaceError(
            "nothing to search: give hydra.sweeper.params or a sweep override such as "
            "corruption_rate=interval(0,1)"
        )
    return dims, fixed


# --------------------------------------------------------------------- objectives


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


# --------------------------------------------------------------------- sampler and study


def make_sampler(
    optuna: Any, name: str, seed: int | None, kwargs: dict[str, Any], dims: Sequence[Dimension]
) -> Any:
    """The sampler called ``name``; a one-line error for an unknown one or a missing package."""
    s = optuna.samplers
    needs = {"cmaes": ("cmaes", "cmaes"), "gp": ("torch", "torch")}
    if name not in SAMPLERS:
        raise SearchSpaceError(
            f"hydra.sweeper.sampler={name} is not allowed: one of {', '.join(SAMPLERS)}"
        )
    if name in needs and importlib.util.find_spec(needs[name][0]) is None:
        raise SearchSpaceError(
            f"the {name} sampler needs the {needs[name][1]} package: pip install {needs[name][1]}"
        )
    kw = dict(kwargs)
    if name == "grid":
        space = {d.key: d.grid_values() for d in dims}
        # GridSampler calls study.stop() once the grid is done, which only works inside
        # study.optimize; this ask-and-tell loop stops by itself (n_trials <= grid size)
        grid = type("AskTellGridSampler", (s.GridSampler,), {"after_trial": _no_stop})
        return grid(space, seed=seed, **kw)
    cls = {
        "tpe": s.TPESampler,
        "random": s.RandomSampler,
        "cmaes": s.CmaEsSampler,
        "gp": getattr(s, "GPSampler", None),
        "qmc": s.QMCSampler,
        "nsgaii": s.NSGAIISampler,
    }[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return cls(seed=seed, **kw)


def _no_stop(self: Any, study: Any, trial: Any, state: Any, values: Any) -> None:
    """``after_trial`` of the grid sampler without its ``study.stop()``."""


def _default_storage(sweep_dir: Path) -> str:
    return f"sqlite:///{(sweep_dir / 'optuna.db').resolve()}"


def _study_name(sweeper: Any, sweep_dir: Path) -> str:
    if sweeper.study_name:
        return str(sweeper.study_name)
    from brainjar_sweep.records import sweep_id_for

    return sweep_id_for(sweep_dir, OmegaConf.select(sweeper.config, "sweep_id", default=None))


def _highest_job_dir(sweep_dir: Path) -> int:
    nums = [int(p.name) for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    return max(nums, default=-1)


def _definition(dims: Sequence[Dimension], fixed: Sequence[str], sweeper: Any) -> dict[str, Any]:
    return {
        "params": {d.key: repr(d.distribution()) for d in dims},
        "fixed": sorted(fixed),
        "objective": list(sweeper.objective),
        "direction": list(sweeper.direction),
    }


def _check_definition(study: Any, now: dict[str, Any]) -> None:
    before = study.user_attrs.get("definition")
    if before is None:
        study.set_user_attr("definition", now)
        return
    if before == now:
        return
    diffs = []
    for part in ("params", "fixed", "objective", "direction"):
        if before.get(part) != now.get(part):
            diffs.append(f"{part}: {before.get(part)} -> {now.get(part)}")
    raise SweepDefinitionChanged(
        f"cannot continue study {study.study_name!r}: its search definition differs: "
        + "; ".join(diffs)
        + " (use another hydra.sweep.dir or hydra.sweeper.study_name)"
    )


def fail_dead_trials(optuna: Any, study: Any) -> int:
    """Mark trials left RUNNING by a sweep that died as FAIL; return how many."""
    n = 0
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        study._storage.set_trial_user_attr(t._trial_id, "fail_reason", DEAD_SWEEP)
        study.tell(t.number, state=optuna.trial.TrialState.FAIL)
        n += 1
    return n


def _finished(optuna: Any, study: Any) -> list[Any]:
    ts = optuna.trial.TrialState
    return study.get_trials(deepcopy=False, states=(ts.COMPLETE, ts.FAIL, ts.PRUNED))


# --------------------------------------------------------------------- validation


def check_fixed_part(
    composer: Any,
    validator: Callable[..., Any] | None,
    dims: Sequence[Dimension],
    fixed: Sequence[str],
    first_job: int,
) -> None:
    """Compose and validate the corners of the space: every choice, every low and high."""
    base = {d.key: (d.choices[0] if d.kind == "categorical" else d.low) for d in dims}
    probes = [dict(base)]
    for d in dims:
        extremes = d.choices if d.kind == "categorical" else [d.low, d.high]
        for x in extremes:
            probes.append({**base, d.key: x})
    seen: set[tuple[str, ...]] = set()
    for probe in probes:
        ovs = [*fixed, *(d.override(probe[d.key]) for d in dims)]
        if tuple(ovs) in seen:
            continue
        seen.add(tuple(ovs))
        try:
            cfg = composer.compose(ovs)
            if validator is not None:
                validator(cfg)
        except Exception as e:
            raise TrialConfigError(first_job, ovs, e) from e


# --------------------------------------------------------------------- results


def write_results(optuna: Any, study: Any, sweep_dir: Path, storage: str) -> Path:
    """``optimization_results.yaml``: the best trial, or the Pareto front for several objectives."""
    trials = study.get_trials(deepcopy=False)
    ts = optuna.trial.TrialState
    body: dict[str, Any] = {
        "name": study.study_name,
        "storage": storage,
        "directions": [d.name.lower() for d in study.directions],
        "objective": study.user_attrs.get("definition", {}).get("objective"),
        "pruner": study.user_attrs.get("pruner"),
        "n_trials": {
            "complete": sum(t.state == ts.COMPLETE for t in trials),
            "pruned": sum(t.state == ts.PRUNED for t in trials),
            "fail": sum(t.state == ts.FAIL for t in trials),
            "total": len(trials),
        },
    }
    complete = [t for t in trials if t.state == ts.COMPLETE]
    if complete and len(study.directions) == 1:
        best = study.best_trial
        body.update(
            best_params=dict(best.params),
            best_value=float(best.value),
            best_trial=best.number,
            best_job_num=best.user_attrs.get("job_num"),
        )
    elif complete:
        body["solutions"] = [
            {
                "params": dict(t.params),
                "values": [float(v) for v in t.values],
                "trial": t.number,
                "job_num": t.user_attrs.get("job_num"),
            }
            for t in study.best_trials
        ]
    path = sweep_dir / "optimization_results.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    OmegaConf.save(OmegaConf.create(body), tmp)
    tmp.replace(path)
    return path


# --------------------------------------------------------------------- the sweep


def _failure_reason(ret: JobReturn) -> str:
    from brainjar_sweep.sweep.job_end import describe

    return describe(ret._return_value)


def _fmt(x: Any) -> str:
    """A value as a user reads it: 4 significant digits, not 17.

    >>> _fmt(0.30000000000000004), _fmt(49.2500001), _fmt("hive_cluster"), _fmt(3)
    ('0.3', '49.25', 'hive_cluster', '3')
    """
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def _params_text(params: dict[str, Any]) -> str:
    return " ".join(f"{k}={_fmt(v)}" for k, v in params.items())


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


def dry_run(sweeper: Any, dims: Sequence[Dimension], fixed: Sequence[str], n_trials: int) -> None:
    """Print what the study would do, having written nothing."""
    launcher = OmegaConf.select(sweeper.config, "hydra.launcher") or {}
    kw = ", ".join(f"{k}={v}" for k, v in sweeper.sampler_kwargs.items())
    pkw = ", ".join(f"{k}={v}" for k, v in sweeper.pruner_kwargs.items())
    out = [
        f"Dry run: an Optuna study of {n_trials} trials (nothing runs, nothing is written)",
        "Search space:",
        *(f"  {d.key}: {_describe(d)}" for d in dims),
        f"Fixed: {' '.join(fixed) if fixed else '(none)'}",
        "Objective: "
        + ", ".join(f"{d} {o}" for o, d in zip(sweeper.objective, sweeper.direction, strict=True)),
        f"Sampler: {sweeper.sampler} (seed {sweeper.seed}{', ' + kw if kw else ''})",
        f"Pruner: {sweeper.pruner}{' (' + pkw + ')' if pkw else ''}"
        + (f", reported every {sweeper.report_every} cycle(s)" if sweeper.pruner != "none" else ""),
        f"Trials: {n_trials}, "
        + (
            "each asked when a slot is free (mode=async); "
            if sweeper.mode == "async"
            else f"{sweeper.n_jobs} asked per batch; "
        )
        + f"launcher: {str(launcher.get('_target_', '?')).rsplit('.', 1)[-1]}",
        f"Storage: {sweeper.storage or 'sqlite:///<sweep dir>/optuna.db'}",
        f"Output: {sweeper.config.hydra.sweep.dir}",
    ]
    print("\n".join(out), flush=True)


def _describe(d: Dimension) -> str:
    if d.kind == "categorical":
        return "choice of " + ", ".join(_fmt(c) for c in d.choices)
    scale = ", log scale" if d.log else ""
    step = f" step {_fmt(d.step)}" if d.step and d.kind == "float" else ""
    return f"{d.kind} in [{_fmt(d.low)}, {_fmt(d.high)}]{step}{scale}"


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

    def ask(self) -> tuple[Any, list[str]] | None:
        """The next trial and its job's overrides; None when its config is refused (the
        trial is then told as failed and counted)."""
        from brainjar_sweep.sweep.pruning import TrialLink

        ts = self.optuna.trial.TrialState
        trial = self.study.ask({d.key: d.distribution() for d in self.dims})
        ovs = [*self.fixed, *(d.override(trial.params[d.key]) for d in self.dims)]
        try:
            cfg = self.composer.compose(ovs)
            if self.validator is not None:
                self.validator(cfg)
        except Exception as e:  # a bad point of the space: the trial fails, no job runs
            reason = str(TrialConfigError("-", ovs, e))
            trial.set_user_attr("fail_reason", reason)
            self.study.tell(trial, state=ts.FAIL)
            log.warning("trial %d not launched: %s", trial.number, reason)
            self.done, self.failed = self.done + 1, self.failed + 1
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
        print(self.progress_line(trial.number, state), flush=True)
        return state

    def progress_line(self, number: int, state: str) -> str:
        """One line per finished trial: k of n, its params, value or state, best so far."""
        t = self.study.get_trials(deepcopy=False)[number]  # numbers are 0, 1, ... in a study
        job = t.user_attrs.get("job_num")
        head = f"[{self.earlier + self.done}/{self.n_trials}] trial #{number} (job #{job}) {_params_text(t.params)}:"
        ts = self.optuna.trial.TrialState
        if state == "COMPLETE":
            head += " " + ", ".join(_fmt(v) for v in t.values)
        elif state == "PRUNED":
            step = t.last_step
            at = f" at cycle {step}" if step is not None else ""
            last = t.intermediate_values.get(step) if step is not None else None
            head += f" pruned{at}" + (f" ({_fmt(last)})" if last is not None else "")
        else:
            head += " failed"
        if len(self.study.directions) == 1:
            done = self.study.get_trials(deepcopy=False, states=(ts.COMPLETE,))
            if done:
                b = self.study.best_trial
                head += f" | best {_fmt(b.value)} (trial #{b.number}: {_params_text(b.params)})"
        return head


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


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Run or continue the study (see the module docstring)."""
    from hydra_plugins.brainjar_optuna_sweeper._options import normalize

    optuna = import_optuna()
    from brainjar_sweep.sweep.compose import JobComposer
    from brainjar_sweep.sweep.pruning import make_pruner, open_storage

    normalize(sweeper)
    if sweeper.n_trials < 1 or sweeper.n_jobs < 1:
        raise SearchSpaceError("hydra.sweeper.n_trials and hydra.sweeper.n_jobs must be >= 1")
    if len(sweeper.direction) != len(sweeper.objective):
        raise SearchSpaceError(
            f"hydra.sweeper.direction has {len(sweeper.direction)} entries but "
            f"hydra.sweeper.objective has {len(sweeper.objective)}: give one direction per objective"
        )
    bad_dir = [d for d in sweeper.direction if d not in DIRECTIONS]
    if bad_dir:
        raise SearchSpaceError(
            f"hydra.sweeper.direction={bad_dir[0]} is not allowed: minimize or maximize"
        )
    if sweeper.pruner != "none" and len(sweeper.objective) > 1:
        raise SearchSpaceError(
            f"hydra.sweeper.pruner={sweeper.pruner} is not allowed with "
            f"{len(sweeper.objective)} objectives: Optuna prunes single-objective studies "
            "only (use hydra.sweeper.pruner=none)"
        )
    pruner = make_pruner(optuna, sweeper.pruner, sweeper.pruner_kwargs)
    objectives = [Objective(str(o)) for o in sweeper.objective]
    loader = sweeper.hydra_context.config_loader
    dims, fixed = search_space(
        sweeper.params, arguments, OverridesParser.create(config_loader=loader)
    )

    sweep_dir = Path(str(sweeper.config.hydra.sweep.dir))
    composer = JobComposer(loader, sweeper.config)
    validator = load_dotted(sweeper.validator)
    first_job = _highest_job_dir(sweep_dir) + 1 if sweep_dir.is_dir() else 0
    check_fixed_part(composer, validator, dims, fixed, first_job)

    sampler = make_sampler(optuna, sweeper.sampler, sweeper.seed, sweeper.sampler_kwargs, dims)
    n_trials = sweeper.n_trials
    if sweeper.sampler == "grid":
        size = math.prod(len(d.grid_values()) for d in dims)
        if size < n_trials:
            log.info("the grid has %d points: n_trials %d -> %d", size, n_trials, size)
            n_trials = size
    if sweeper.dry_run:
        dry_run(sweeper, dims, fixed, n_trials)
        return []
    from brainjar_sweep.config.validate import check_sqlite_storage, check_sweep_dirs

    check_sweep_dirs(sweeper.config)  # before anything is written
    check_sqlite_storage("hydra.sweeper.storage", sweeper.storage)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    storage = sweeper.storage or _default_storage(sweep_dir)
    name = _study_name(sweeper, sweep_dir)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sweeper.resume:
        try:
            optuna.load_study(study_name=name, storage=open_storage(optuna, storage))
        except KeyError as e:
            raise SweepDefinitionChanged(
                f"cannot resume: no study {name!r} in {storage} (run it without resume first)"
            ) from e
    study = optuna.create_study(
        study_name=name,
        storage=open_storage(optuna, storage),
        sampler=sampler,
        pruner=pruner,
        directions=list(sweeper.direction),
        load_if_exists=True,
    )
    _check_definition(study, _definition(dims, fixed, sweeper))
    study.set_user_attr("pruner", {"name": sweeper.pruner, "kwargs": dict(sweeper.pruner_kwargs)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        study.set_metric_names(list(sweeper.objective))  # optuna-dashboard shows the names
    n_before = len(study.get_trials(deepcopy=False))
    if n_before and sweeper.seed is not None:
        # a continued study must not replay the first run's random draws
        study.sampler = make_sampler(
            optuna, sweeper.sampler, sweeper.seed + n_before, sweeper.sampler_kwargs, dims
        )
    saved, dead = _settle_left_running(optuna, study, sweep_dir)
    earlier = _finished(optuna, study)
    known = [t.user_attrs.get("job_num") for t in study.get_trials(deepcopy=False)]
    next_job = max([first_job - 1, *(int(k) for k in known if k is not None)]) + 1
    if earlier or dead or saved:
        log.info(
            "continuing study %r: %d trial(s) finished earlier (%d left running by a dead "
            "sweep, now FAIL%s); %d to run; job numbers from %d",
            name,
            len(earlier),
            dead,
            f"; {saved} pruned before it died, now PRUNED" if saved else "",
            max(0, n_trials - len(earlier)),
            next_job,
        )
    if not (sweep_dir / "multirun.yaml").is_file():
        OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")

    launcher = sweeper.launcher
    # lets the launcher list the earlier jobs of this study in its sweep files
    earlier_jobs = {
        int(t.user_attrs["job_num"]): list(t.user_attrs.get("overrides", []))
        for t in study.get_trials(deepcopy=False)
        if "job_num" in t.user_attrs
    }
    if getattr(launcher, "hand_over", None) is not None:
        from hydra_plugins.brainjar_jetson_launcher.plan import SweepPlan

        launcher.hand_over(SweepPlan(jobs=earlier_jobs, resume=bool(earlier_jobs)))
    run = Study(
        optuna=optuna,
        study=study,
        sweeper=sweeper,
        dims=dims,
        fixed=fixed,
        objectives=objectives,
        composer=composer,
        validator=validator,
        storage=storage,
        n_trials=n_trials,
        next_job=next_job,
        earlier=len(earlier),
    )
    ts = optuna.trial.TrialState
    all_returns: list[JobReturn] = []
    remaining = n_trials - len(earlier)

    def interrupted(trials: Iterable[Any]) -> None:
        for t in trials:
            if study._storage.get_trial(t._trial_id).state == ts.RUNNING:
                t.set_user_attr("fail_reason", "the sweep was interrupted")
                study.tell(t, state=ts.FAIL)
        write_results(optuna, study, sweep_dir, storage)
        print(
            f"Interrupted; continue the study with the same command and "
            f"hydra.sweep.dir={sweep_dir}",
            file=sys.stderr,
        )

    def too_many_failures() -> bool:
        return bool(run.failed and run.failed / run.done > sweeper.max_failure_rate)

    def stop_failed() -> SweepFailed:
        path = write_results(optuna, study, sweep_dir, storage)
        return SweepFailed(
            f"study {name!r} stopped: {run.failed} of {run.done} trials failed, more than "
            f"max_failure_rate={sweeper.max_failure_rate} (results so far: {path}; "
            f"continue with the same command and hydra.sweep.dir={sweep_dir})"
        )

    streams = getattr(launcher, "launch_each", None)
    if sweeper.mode == "async" and streams is not None and remaining > 0:
        # one trial asked per job the launcher can start; each told as its job ends
        asked: dict[int, Any] = {}

        def next_job() -> list[str] | None:
            nonlocal remaining
            while remaining > 0 and not too_many_failures():
                got = run.ask()
                remaining -= 1
                if got is not None:
                    trial, ovs = got
                    asked[int(trial.user_attrs["job_num"])] = trial
                    return ovs
            return None

        def on_done(num: int, ret: JobReturn) -> None:
            all_returns.append(ret)
            run.tell(asked.pop(num), ret)

        try:
            streams(next_job, on_done, run.next_job, total=remaining)
        except KeyboardInterrupt:
            interrupted(list(asked.values()))
            raise
        if too_many_failures():
            raise stop_failed()
        remaining = 0
    while remaining > 0:
        batch: list[tuple[Any, list[str]]] = []
        first = run.next_job
        for _ in range(min(sweeper.n_jobs, remaining)):
            asked = run.ask()
            remaining -= 1
            if asked is not None:
                batch.append(asked)
        if batch:
            try:
                returns = launcher.launch([ovs for _, ovs in batch], initial_job_idx=first)
            except KeyboardInterrupt:
                interrupted(t for t, _ in batch)
                raise
            for (trial, _), ret in zip(batch, returns, strict=True):
                all_returns.append(ret)
                run.tell(trial, ret)
        if too_many_failures():
            raise stop_failed()
    path = write_results(optuna, study, sweep_dir, storage)
    print(_summary(optuna, study, path), flush=True)
    return [all_returns]


def _summary(optuna: Any, study: Any, path: Path) -> str:
    ts = optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    n_ok = sum(t.state == ts.COMPLETE for t in trials)
    n_fail = sum(t.state == ts.FAIL for t in trials)
    n_pruned = sum(t.state == ts.PRUNED for t in trials)
    lines = [
        f"Study {study.study_name!r}: {len(trials)} trials, {n_ok} complete, "
        f"{n_pruned} pruned, {n_fail} failed"
    ]
    names = study.metric_names or [f"value {i}" for i in range(len(study.directions))]
    if n_ok and len(study.directions) == 1:
        b = study.best_trial
        lines.append(
            f"  best {names[0]}: {_fmt(b.value)} at {_params_text(b.params)} "
            f"(trial #{b.number}, job #{b.user_attrs.get('job_num')})"
        )
    elif n_ok:
        lines.append(f"  Pareto front: {len(study.best_trials)} trial(s)")
    lines.append(f"  results: {path}")
    return "\n".join(lines)
