"""The study: Optuna imported on demand, the sampler, and the study created or loaded from its
storage (SQLite in the sweep dir by default) with the search definition it was made for."""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra_plugins.brainjar_optuna_sweeper._space import Dimension
from omegaconf import OmegaConf

from brainjar_sweep._imports import MissingExtra, try_import
from brainjar_sweep.sweep.errors import SearchSpaceError, SweepDefinitionChanged, SweepFailed

SAMPLERS = ("tpe", "random", "cmaes", "gp", "qmc", "nsgaii", "grid")


class OptunaMissing(MissingExtra, SweepFailed):
    """The ``[optuna]`` extra is not installed (reported on one line by the entry point)."""


def import_optuna() -> Any:
    """Optuna, or :class:`OptunaMissing` naming the install command."""
    with try_import("optuna") as imported:
        import optuna
    if not imported.is_successful():
        raise OptunaMissing(imported.message())
    return optuna


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


def default_storage(sweep_dir: Path) -> str:
    """The study's storage when none is given: ``optuna.db`` in the sweep dir.

    >>> default_storage(Path("/data/sw"))
    'sqlite:////data/sw/optuna.db'
    """
    return f"sqlite:///{(sweep_dir / 'optuna.db').resolve()}"


def study_name(sweeper: Any, sweep_dir: Path) -> str:
    """``study_name``, or the sweep id (``sweep_id``, or made from the sweep dir)."""
    if sweeper.study_name:
        return str(sweeper.study_name)
    from brainjar_sweep.records import sweep_id_for

    return sweep_id_for(sweep_dir, OmegaConf.select(sweeper.config, "sweep_id", default=None))


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


def open_study(
    optuna: Any,
    sweeper: Any,
    dims: Sequence[Dimension],
    fixed: Sequence[str],
    sampler: Any,
    pruner: Any,
    storage: str,
    name: str,
) -> Any:
    """The study named ``name`` in ``storage``, created or loaded (``resume`` requires it to
    exist), checked against the search definition and labelled with its pruner and metrics."""
    from brainjar_sweep.sweep.pruning import open_storage

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
    return study
