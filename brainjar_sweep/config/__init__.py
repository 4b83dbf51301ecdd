"""The experiment schema, its validation and the helpers that compose a config.

>>> from brainjar_sweep.config import compose, resolve_experiment
>>> resolve_experiment(compose(["mode=split_brain", "max_cycles=3"]))["mode"]["name"]
'split_brain'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig, OmegaConf, open_dict

from brainjar_sweep.config import _register  # noqa: F401  (fills the ConfigStore)
from brainjar_sweep.config._aliases import ALIASES, rewrite_aliases
from brainjar_sweep.config._paths import conf_dir
from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.legacy import load_original_experiment
from brainjar_sweep.config.schema import (
    INTERVENTION_TYPES,
    MODE_CLASSES,
    MODES,
    TRIGGERS,
    ExperimentConfig,
)
from brainjar_sweep.config.validate import MULTI_MIND_MODES, mind_ids, validate

__all__ = [
    "ALIASES",
    "ConfigError",
    "ExperimentConfig",
    "INTERVENTION_TYPES",
    "MODES",
    "MULTI_MIND_MODES",
    "TRIGGERS",
    "apply_base_experiment",
    "compose",
    "conf_dir",
    "load_original_experiment",
    "mind_ids",
    "resolve_experiment",
    "rewrite_aliases",
    "validate",
    "validate_job",
]

GROUPS = ("mode", "mind", "resources", "self_report", "interventions")


def compose(overrides: Sequence[str] = (), *, return_hydra_config: bool = False) -> DictConfig:
    """Compose the experiment config from ``conf/`` with Hydra's compose API.

    Handy in notebooks and tests; the command line does the same through ``@hydra.main``.

    >>> compose(["max_cycles=7"]).max_cycles
    7
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():
        return hydra_compose(
            "config", overrides=rewrite_aliases(overrides), return_hydra_config=return_hydra_config
        )
    with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
        return hydra_compose(
            "config", overrides=rewrite_aliases(overrides), return_hydra_config=return_hydra_config
        )


def _value_overrides(overrides: Sequence[str]) -> list[tuple[str, Any]]:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    parsed = OverridesParser.create().parse_overrides(list(overrides))
    out = []
    for ov in parsed:
        key = ov.key_or_group
        if key in GROUPS or key.startswith("hydra") or key == "base_experiment" or ov.is_delete():
            continue
        out.append((key, ov.value()))
    return out


def apply_base_experiment(cfg: DictConfig, overrides: Sequence[str] = ()) -> DictConfig:
    """Merge ``cfg.base_experiment`` (an original JSON experiment) under the command-line overrides.

    The JSON replaces the composed defaults; the overrides given on the command line
    (``overrides``, e.g. ``["max_cycles=5"]``) still win over the JSON.
    """
    base = load_original_experiment(cfg.base_experiment)
    mode = base.pop("mode")
    chosen = [o for o in overrides if o.split("=", 1)[0] == "mode"]
    if chosen and chosen[-1].split("=", 1)[1] != mode["name"]:
        raise ConfigError(
            "mode",
            chosen[-1].split("=", 1)[1],
            f"the base experiment's mode ({mode['name']}); drop mode= or base_experiment=",
        )
    c = OmegaConf.create(OmegaConf.to_container(cfg, resolve=False))
    out = OmegaConf.merge(OmegaConf.structured(ExperimentConfig), c)
    with open_dict(out):
        out.pop("hydra", None)
    out.mode = OmegaConf.merge(OmegaConf.structured(MODE_CLASSES[mode["name"]]), mode)
    out = OmegaConf.merge(out, base)
    for key, value in _value_overrides(overrides):
        OmegaConf.update(out, key, value, merge=False)
    assert isinstance(out, DictConfig)
    return out


def resolve_experiment(cfg: DictConfig, overrides: Sequence[str] | None = None) -> dict[str, Any]:
    """Turn a composed config into the validated, plain experiment dict the jar runs.

    ``overrides`` defaults to the job's own (``cfg.hydra.overrides.task``) when the
    config carries its ``hydra`` node. Raises :class:`ConfigError` on a bad value.
    """
    if overrides is None:
        hydra_ovr = OmegaConf.select(cfg, "hydra.overrides.task", default=None)
        overrides = list(hydra_ovr) if hydra_ovr is not None else []
    if cfg.get("base_experiment"):
        cfg = apply_base_experiment(cfg, overrides)
    return validate(cfg)


def validate_job(cfg: DictConfig) -> None:
    """Validator the ``brainjar`` sweeper calls on every job's composed config before launching."""
    resolve_experiment(cfg)
