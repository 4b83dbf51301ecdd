"""The sweeper's options as users of Hydra's own Optuna sweeper spell them, turned into ours.

- ``hydra/sweeper/sampler=tpe`` selects a sampler node (``{name: tpe, seed: null, ...}``)
  whose fields are set one by one (``hydra.sweeper.sampler.seed=1``); its non-null fields
  other than ``name`` and ``seed`` are the sampler's keyword arguments;
- ``hydra.sweeper.direction=minimize`` (a plain string) is one direction; the same for
  ``objective``;
- a pruner may be a node too: ``{name: median, n_startup_trials: 2}``.

What cannot be read is refused on one line that shows our spelling.

>>> named_node("sampler", {"name": "tpe", "seed": 1, "multivariate": None})
('tpe', {'seed': 1})
>>> one_or_many("direction", "MAXIMIZE", ["minimize"])
['maximize']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from brainjar_sweep.sweep.errors import SearchSpaceError

_EXAMPLES = {
    "sampler": "hydra.sweeper.sampler=tpe or hydra/sweeper/sampler=tpe hydra.sweeper.sampler.seed=1",
    "pruner": "hydra.sweeper.pruner=median 'hydra.sweeper.pruner_kwargs={n_startup_trials: 4}'",
    "direction": "hydra.sweeper.direction=minimize or 'hydra.sweeper.direction=[minimize,maximize]'",
    "objective": "hydra.sweeper.objective=crash_rate or 'hydra.sweeper.objective=[crash_rate]'",
}


def _plain(value: Any) -> Any:
    if isinstance(value, (DictConfig, ListConfig)):
        return OmegaConf.to_container(value, resolve=True)
    return value


def named_node(key: str, value: Any) -> tuple[str, dict[str, Any]]:
    """``(name, keyword arguments)`` of a sampler or pruner given as a name or as a node.

    >>> named_node("pruner", "median")
    ('median', {})
    >>> named_node("pruner", {"_target_": "optuna.pruners.MedianPruner"})
    Traceback (most recent call last):
    ...
    brainjar_sweep.sweep.errors.SearchSpaceError: hydra.sweeper.pruner={'_target_': 'optuna.pruners.MedianPruner'} is not allowed: a name, or a node with a name (hydra.sweeper.pruner=median 'hydra.sweeper.pruner_kwargs={n_startup_trials: 4}')
    """
    value = _plain(value)
    if isinstance(value, str):
        return value, {}
    if isinstance(value, Mapping) and isinstance(value.get("name"), str):
        kwargs = {str(k): v for k, v in value.items() if k != "name" and v is not None}
        return str(value["name"]), kwargs
    raise SearchSpaceError(
        f"hydra.sweeper.{key}={value} is not allowed: a name, or a node with a name "
        f"({_EXAMPLES[key]})"
    )


def one_or_many(key: str, value: Any, default: list[str]) -> list[str]:
    """A list of texts given as one text or a list (directions are lower-cased).

    >>> one_or_many("objective", ["crash_rate", "peak_memory_mb"], [])
    ['crash_rate', 'peak_memory_mb']
    """
    value = _plain(value)
    if value is None:
        return list(default)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value) or not value:
        raise SearchSpaceError(
            f"hydra.sweeper.{key}={value} is not allowed: a text or a list of texts "
            f"({_EXAMPLES[key]})"
        )
    out = [str(v) for v in value]
    return [v.lower() for v in out] if key == "direction" else out


def normalize(sweeper: Any) -> None:
    """Turn the sweeper's options, as given, into ours (in place), or refuse on one line."""
    sweeper.sampler, node_kwargs = named_node("sampler", sweeper.sampler or "tpe")
    node_seed = node_kwargs.pop("seed", None)
    if sweeper.seed is None:
        sweeper.seed = node_seed
    sweeper.sampler_kwargs = {**node_kwargs, **_plain(sweeper.sampler_kwargs or {})}
    sweeper.direction = one_or_many("direction", sweeper.direction, ["minimize"])
    sweeper.objective = one_or_many("objective", sweeper.objective, ["crash_rate"])
    sweeper.pruner, pruner_kwargs = named_node("pruner", sweeper.pruner or "none")
    sweeper.pruner_kwargs = {**pruner_kwargs, **_plain(sweeper.pruner_kwargs or {})}
    if sweeper.mode not in ("async", "batch"):
        raise SearchSpaceError(f"hydra.sweeper.mode={sweeper.mode} is not allowed: async or batch")
    if not isinstance(sweeper.report_every, int) or sweeper.report_every < 1:
        raise SearchSpaceError(
            f"hydra.sweeper.report_every={sweeper.report_every} is not allowed: "
            "a whole number of cycles >= 1"
        )


DIRECTIONS = ("minimize", "maximize")


def check(sweeper: Any) -> None:
    """Refuse, on one line, options that do not fit together (after :func:`normalize`)."""
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
