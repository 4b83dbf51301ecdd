"""Work of the ``brainjar_optuna`` sweeper, kept out of the module Hydra's plugin scan imports.

A study here: parse the search space from Hydra's sweep syntax; check the fixed part of
the job config (compose + validate) before anything runs; create or load the study from
its storage (SQLite in the sweep dir by default); mark trials a dead sweep left running
as failed; then, until ``n_trials`` trials are finished, ask ``n_jobs`` trials, validate
each trial's job config, launch them as one batch through the selected launcher with job
numbers that continue after every existing job dir, and tell Optuna each trial's
objective values (read from the task's returned metrics) or FAIL. At the end
``optimization_results.yaml`` holds the best trial (or the Pareto front).
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import logging
import math
import sys
import warnings
from collections.abc import Callable, Sequence
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
from omegaconf import OmegaConf

from brainjar_sweep._hooks import load_dotted  # noqa: E402
from brainjar_sweep._imports import MissingExtra, try_import
from brainjar_sweep.sweep.errors import SweepDefinitionChanged, SweepFailed

log = logging.getLogger(__name__)

SAMPLERS = ("tpe", "random", "cmaes", "gp", "qmc", "nsgaii", "grid")
DIRECTIONS = ("minimize", "maximize")
DEAD_SWEEP = "the sweep that ran this trial ended before it finished"


class OptunaMissing(MissingExtra, SweepFailed):
    """The ``[optuna]`` extra is not installed (reported on one line by the entry point)."""


class SearchSpaceError(SweepDefinitionChanged):
    """The sweeper's configuration (search space, objectives, sampler) is not usable.

    A kind of bad sweep definition, so the entry point reports it on one line (exit 2).
    """


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
        return f"{self.key}={Override._get_value_element_as_str(self.value(raw))}"


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

_FUNCS: dict[str, Callable[..., float]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "log": math.log,
    "sqrt": math.sqrt,
}
_BINOPS: dict[type, Callable[[float, float], float]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


class Objective:
    """An objective: a metric name or an arithmetic expression over the returned metrics.

    >>> Objective("abs(memory_accuracy_mean - 50)")({"memory_accuracy_mean": 42.0})
    8.0
    """

    def __init__(self, text: str) -> None:
        self.text = text
        try:
            self.tree = ast.parse(text, mode="eval").body
        except SyntaxError as e:
            raise SearchSpaceError(f"hydra.sweeper.objective: {text!r} is not an expression") from e
        self._check(self.tree)

    def _check(self, node: ast.AST) -> None:
        ok = (
            isinstance(node, ast.Name)
            or (isinstance(node, ast.Constant) and isinstance(node.value, (int, float)))
            or (isinstance(node, ast.BinOp) and type(node.op) in _BINOPS)
            or (isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)))
            or (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _FUNCS
                and not node.keywords
            )
        )
        if not ok:
            raise SearchSpaceError(
                f"hydra.sweeper.objective: {self.text!r}: only metric names, numbers, "
                f"+ - * / **, and {', '.join(_FUNCS)} are allowed"
            )
        children = node.args if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
        for child in children:
            if not isinstance(child, (ast.operator, ast.unaryop, ast.expr_context)):
                self._check(child)

    def __call__(self, metrics: dict[str, Any]) -> float:
        """The objective's value; ``ValueError`` if a metric is missing or not a number."""
        return float(self._eval(self.tree, metrics))

    def _eval(self, node: ast.AST, metrics: dict[str, Any]) -> float:
        if isinstance(node, ast.Name):
            value = metrics.get(node.id)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                shown = "missing" if node.id not in metrics else f"{value!r}, not a number"
                raise ValueError(f"metric {node.id} is {shown} in the task's returned metrics")
            return float(value)
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.BinOp):
            return _BINOPS[type(node.op)](
                self._eval(node.left, metrics), self._eval(node.right, metrics)
            )
        if isinstance(node, ast.UnaryOp):
            x = self._eval(node.operand, metrics)
            return -x if isinstance(node.op, ast.USub) else x
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        return float(_FUNCS[node.func.id](*(self._eval(a, metrics) for a in node.args)))


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
        "n_trials": {
            "complete": sum(t.state == ts.COMPLETE for t in trials),
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
    from brainjar_sweep.sweep.lifecycle import describe

    return describe(ret._return_value)


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Run or continue the study (see the module docstring)."""
    optuna = import_optuna()
    from brainjar_sweep.sweep.compose import JobComposer

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
    from brainjar_sweep.config.validate import check_sqlite_storage, check_sweep_dirs

    check_sweep_dirs(sweeper.config)  # before anything is written
    check_sqlite_storage("hydra.sweeper.storage", sweeper.storage)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    storage = sweeper.storage or _default_storage(sweep_dir)
    name = _study_name(sweeper, sweep_dir)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    if sweeper.resume:
        try:
            optuna.load_study(study_name=name, storage=storage)
        except KeyError as e:
            raise SweepDefinitionChanged(
                f"cannot resume: no study {name!r} in {storage} (run it without resume first)"
            ) from e
    study = optuna.create_study(
        study_name=name,
        storage=storage,
        sampler=sampler,
        directions=list(sweeper.direction),
        load_if_exists=True,
    )
    _check_definition(study, _definition(dims, fixed, sweeper))
    n_before = len(study.get_trials(deepcopy=False))
    if n_before and sweeper.seed is not None:
        # a continued study must not replay the first run's random draws
        study.sampler = make_sampler(
            optuna, sweeper.sampler, sweeper.seed + n_before, sweeper.sampler_kwargs, dims
        )
    dead = fail_dead_trials(optuna, study)
    earlier = _finished(optuna, study)
    n_trials = sweeper.n_trials
    if sweeper.sampler == "grid":
        size = math.prod(len(d.grid_values()) for d in dims)
        if size < n_trials:
            log.info("the grid has %d points: n_trials %d -> %d", size, n_trials, size)
            n_trials = size
    known = [t.user_attrs.get("job_num") for t in study.get_trials(deepcopy=False)]
    next_job = max([first_job - 1, *(int(k) for k in known if k is not None)]) + 1
    if earlier or dead:
        log.info(
            "continuing study %r: %d trial(s) finished earlier (%d left running by a dead "
            "sweep, now FAIL); %d to run; job numbers from %d",
            name,
            len(earlier),
            dead,
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
    distributions = {d.key: d.distribution() for d in dims}
    ts = optuna.trial.TrialState
    all_returns: list[JobReturn] = []
    done = failed = 0
    remaining = n_trials - len(earlier)
    while remaining > 0:
        batch_trials: list[Any] = []
        batch_ovs: list[list[str]] = []
        for _ in range(min(sweeper.n_jobs, remaining)):
            trial = study.ask(distributions)
            ovs = [*fixed, *(d.override(trial.params[d.key]) for d in dims)]
            try:
                cfg = composer.compose(ovs)
                if validator is not None:
                    validator(cfg)
            except Exception as e:  # a bad point of the space: the trial fails, no job runs
                reason = str(TrialConfigError("-", ovs, e))
                trial.set_user_attr("fail_reason", reason)
                study.tell(trial, state=ts.FAIL)
                log.warning("trial %d not launched: %s", trial.number, reason)
                done, failed, remaining = done + 1, failed + 1, remaining - 1
                continue
            trial.set_user_attr("job_num", next_job + len(batch_trials))
            trial.set_user_attr("overrides", ovs)
            batch_trials.append(trial)
            batch_ovs.append(ovs)
        if batch_trials:
            try:
                returns = launcher.launch(batch_ovs, initial_job_idx=next_job)
            except KeyboardInterrupt:
                for t in batch_trials:
                    if study._storage.get_trial(t._trial_id).state == ts.RUNNING:
                        t.set_user_attr("fail_reason", "the sweep was interrupted")
                        study.tell(t, state=ts.FAIL)
                write_results(optuna, study, sweep_dir, storage)
                print(
                    f"Interrupted; continue the study with the same command and "
                    f"hydra.sweep.dir={sweep_dir}",
                    file=sys.stderr,
                )
                raise
            next_job += len(batch_trials)
            for trial, ret in zip(batch_trials, returns, strict=True):
                all_returns.append(ret)
                done += 1
                remaining -= 1
                if ret.status == JobStatus.COMPLETED:
                    try:
                        values = objective_values(objectives, ret)
                    except ValueError as e:
                        trial.set_user_attr("fail_reason", str(e))
                        study.tell(trial, state=ts.FAIL)
                        failed += 1
                        log.warning("trial %d failed: %s", trial.number, e)
                        continue
                    study.tell(trial, values)
                else:
                    reason = _failure_reason(ret)
                    trial.set_user_attr("fail_reason", reason)
                    study.tell(trial, state=ts.FAIL)
                    failed += 1
                    log.warning(
                        "trial %d (job #%d) failed: %s",
                        trial.number,
                        trial.user_attrs["job_num"],
                        reason,
                    )
        if failed and failed / done > sweeper.max_failure_rate:
            path = write_results(optuna, study, sweep_dir, storage)
            raise SweepFailed(
                f"study {name!r} stopped: {failed} of {done} trials failed, more than "
                f"max_failure_rate={sweeper.max_failure_rate} (results so far: {path}; "
                f"continue with the same command and hydra.sweep.dir={sweep_dir})"
            )
    path = write_results(optuna, study, sweep_dir, storage)
    print(_summary(optuna, study, path), flush=True)
    return [all_returns]


def _summary(optuna: Any, study: Any, path: Path) -> str:
    ts = optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    n_ok = sum(t.state == ts.COMPLETE for t in trials)
    n_fail = sum(t.state == ts.FAIL for t in trials)
    lines = [f"Study {study.study_name!r}: {len(trials)} trials, {n_ok} complete, {n_fail} failed"]
    if n_ok and len(study.directions) == 1:
        b = study.best_trial
        params = " ".join(f"{k}={v}" for k, v in b.params.items())
        lines.append(f"  best: {b.value:.6g} at {params} (job #{b.user_attrs.get('job_num')})")
    elif n_ok:
        lines.append(f"  Pareto front: {len(study.best_trials)} trial(s)")
    lines.append(f"  results: {path}")
    return "\n".join(lines)
