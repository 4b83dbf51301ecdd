"""The experiment schema, its validation and the helpers that compose a config.

>>> from brainjar_sweep.config import compose, resolve_experiment
>>> resolve_experiment(compose(["mode=split_brain", "max_cycles=3"]))["mode"]["name"]
'split_brain'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omegaconf import DictConfig

from brainjar_sweep.config import _register  # noqa: F401  (fills the ConfigStore)
from brainjar_sweep.config._aliases import ALIASES, rewrite_aliases
from brainjar_sweep.config._paths import conf_dir
from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.legacy import load_original_experiment
from brainjar_sweep.config.mode_spec import ModeSpec
from brainjar_sweep.config.schema import (
    INTERVENTION_TYPES,
    MODE_CLASSES,
    MODES,
    TRIGGERS,
    ExperimentConfig,
)
from brainjar_sweep.config.validate import mind_ids, validate
from brainjar_sweep.modes import MODE_MODULES, mode_specs, multi_mind_modes

MULTI_MIND_MODES: tuple[str, ...] = multi_mind_modes()

__all__ = [
    "ALIASES",
    "ConfigError",
    "ExperimentConfig",
    "INTERVENTION_TYPES",
    "MODES",
    "MODE_CLASSES",
    "MODE_MODULES",
    "MULTI_MIND_MODES",
    "ModeSpec",
    "TRIGGERS",
    "check_group_choices",
    "expand_base_experiment",
    "original_as_hydra_config",
    "group_options",
    "compose",
    "conf_dir",
    "load_original_experiment",
    "mind_ids",
    "mode_specs",
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

    from brainjar_sweep._hydra_compat import hydra_state, restore_hydra_state

    args = expand_base_experiment(rewrite_aliases(overrides))
    if GlobalHydra.instance().is_initialized():
        return hydra_compose("config", overrides=args, return_hydra_config=return_hydra_config)
    # leave Hydra's global state (e.g. its version base) as it was, for whoever runs Hydra next
    state = hydra_state()
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            return hydra_compose("config", overrides=args, return_hydra_config=return_hydra_config)
    finally:
        restore_hydra_state(state)


def original_as_hydra_config(path: str) -> dict[str, Any]:
    """An original experiment JSON as a global-package Hydra config (its mode as a default).

    >>> import json, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "e.json")
    >>> _ = open(p, "w").write(json.dumps({"mode": "split_brain", "max_cycles": 4}))
    >>> doc = original_as_hydra_config(p)
    >>> doc["defaults"][0], doc["max_cycles"]
    ({'override /mode': 'split_brain'}, 4)
    """
    base = load_original_experiment(path)
    mode = base.pop("mode")
    return {"defaults": [{"override /mode": mode.pop("name")}, "_self_"], **base, "mode": mode}


def expand_base_experiment(args: Sequence[str]) -> list[str]:
    """Turn ``base_experiment=<original.json>`` into a Hydra config the command line composes over.

    The JSON is converted once into ``experiment/<name>.yaml`` (package ``_global_``, with its
    mode as an ``override /mode`` default) in a directory added to Hydra's search path, so every
    other override, including ``interventions.0.parameters.corruption_rate=...`` on the JSON's
    own interventions, applies on top of it, in single runs and sweeps alike.
    """
    import hashlib
    import tempfile
    from pathlib import Path

    import yaml

    out = list(args)
    hits = [i for i, a in enumerate(out) if a.split("=", 1)[0] == "base_experiment" and "=" in a]
    if not hits:
        return out
    path = out[hits[-1]].split("=", 1)[1]
    doc = original_as_hydra_config(path)
    chosen = [a.split("=", 1)[1] for a in out if a.split("=", 1)[0] == "mode" and "=" in a]
    json_mode = doc["defaults"][0]["override /mode"]
    if chosen and chosen[-1] != json_mode:
        raise ConfigError(
            "mode",
            chosen[-1],
            f"the base experiment's mode ({json_mode}); drop mode= or base_experiment=",
        )
    text = "# @package _global_\n" + yaml.safe_dump(doc, sort_keys=False)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / f"brainjar_sweep-base-{digest}"
    target = root / "experiment" / f"base_{digest}.yaml"
    if not target.is_file():
        from brainjar_sweep._atomic import write_text_atomic

        write_text_atomic(target, text)
    # right after base_experiment=: Hydra takes overrides as one run of positional arguments
    at = hits[-1] + 1
    return [*out[:at], f"hydra.searchpath=[file://{root}]", f"+experiment=base_{digest}", *out[at:]]


def group_options(group: str) -> list[str]:
    """The options of one of the experiment's config groups.

    >>> group_options("interventions")[:2]
    ['all_triggers', 'corruption_on_crash']
    """
    from brainjar_sweep.config.schema import MIND_CLASSES

    if group == "mode":
        return sorted(mode_specs())
    if group == "mind":
        return sorted(MIND_CLASSES)
    return sorted(p.stem for p in (conf_dir() / group).glob("*.yaml"))


def check_group_choices(args: Sequence[str]) -> None:
    """Refuse a group override whose value is not an option name (e.g. ``interventions=[...]``)."""
    for arg in args:
        key, eq, value = arg.lstrip("+").partition("=")
        if not eq or key not in GROUPS:
            continue
        names = [v.strip() for v in value.split(",")]
        # mode and mind options are the schema's own; the other groups may gain options from
        # a search path, but a name Hydra reads as a number, a boolean or null is never one
        fixed = key in ("mode", "mind")
        if any(
            not n
            or not n.replace("_", "").replace("-", "").isalnum()
            or (fixed and n not in group_options(key))
            or n.lower() in ("true", "false", "null", "nan", "inf")
            or n.lstrip("-").replace("_", "").isdigit()
            for n in names
        ):
            hint = (
                "; set list items with interventions.0.<key>=..." if key == "interventions" else ""
            )
            raise ConfigError(key, value, "one of " + ", ".join(group_options(key)) + hint)


def resolve_experiment(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """Turn a composed config into the validated, plain experiment dict the jar runs.

    Raises :class:`ConfigError` on a bad value, an interpolation that does not resolve
    (``max_cycles=${nope}``) included. A plain dict (``JobComposer.experiment``'s, already
    resolved) is checked as it is.
    """
    from omegaconf.errors import InterpolationResolutionError

    try:
        return validate(cfg)
    except InterpolationResolutionError as e:
        raise interpolation_error(cfg, e) from None


def interpolation_error(cfg: Any, e: Exception) -> ConfigError:
    """The one-line error of an interpolation of ``cfg`` that does not resolve: its key, its
    value as written and why.

    >>> from omegaconf import OmegaConf
    >>> cfg = OmegaConf.create({"max_cycles": "${nope}"})
    >>> try:
    ...     cfg.max_cycles
    ... except Exception as e:
    ...     print(interpolation_error(cfg, e))
    max_cycles='${nope}' is not allowed: an interpolation that resolves (Interpolation key 'nope' not found)
    """
    key = str(getattr(e, "full_key", "") or "?")
    raw: Any = "?"
    try:
        from brainjar_sweep._hydra_compat import raw_value

        raw = raw_value(cfg, key)
    except Exception:  # noqa: BLE001 - the key is named anyway
        pass
    why = str(e.msg if getattr(e, "msg", None) else e).splitlines()[0]
    return ConfigError(key, raw, f"an interpolation that resolves ({why})")


def validate_job(cfg: DictConfig | dict[str, Any]) -> None:
    """Validator the ``brainjar`` sweeper calls on every job before launching: the job's
    composed config, or its experiment as ``JobComposer.experiment`` gives it."""
    resolve_experiment(cfg)
