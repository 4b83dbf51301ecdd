"""Reading an original brain-in-jar experiment JSON as the base experiment.

The original's ``ExperimentConfig`` JSON (``experiments/examples/*.json``) maps onto
this schema almost key for key; mode parameters that the original passed through
``epistemic_frame.custom_beliefs`` (or a ``hive_config`` block) go to the mode's
typed block instead. ``model_path``, ``track_beliefs`` and ``collect_metrics`` were
informational there and are dropped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.modes import mode_specs

_RESOURCE_KEYS = (
    "ram_limit_gb",
    "context_window",
    "max_tokens_per_response",
    "cpu_threads",
    "gpu_layers",
)
_SCHEDULE_KEYS = ("on_startup", "on_cycles", "every_n_cycles", "before_crash", "after_resurrection")
_FRAME_KEYS = (
    "can_die",
    "remembers_deaths",
    "being_watched",
    "knows_being_watched",
    "has_agency",
    "other_minds_exist",
    "is_in_simulation",
)
_IGNORED = {"model_path", "track_beliefs", "collect_metrics", "hive_config"}
_TOP = {
    "experiment_id",
    "name",
    "mode",
    "description",
    "resource_constraints",
    "max_cycles",
    "max_duration_seconds",
    "epistemic_frame",
    "initial_prompt_override",
    "interventions",
    "self_report_schedule",
    "custom_questions",
    "tags",
    "research_question",
} | _IGNORED


_MAX_BYTES = 16 * 1024 * 1024

# the JSON type each section of the original ExperimentConfig must have (null: left out)
_SHAPES: dict[str, tuple[type | tuple[type, ...], str]] = {
    "experiment_id": (str, "a text"),
    "name": (str, "a text"),
    "description": (str, "a text"),
    "research_question": (str, "a text"),
    "initial_prompt_override": (str, "a text"),
    "max_cycles": (int, "an integer"),
    "max_duration_seconds": ((int, float), "a number"),
    "resource_constraints": (dict, "an object of " + ", ".join(_RESOURCE_KEYS)),
    "self_report_schedule": (dict, "an object of " + ", ".join(_SCHEDULE_KEYS)),
    "epistemic_frame": (dict, "an object of " + ", ".join((*_FRAME_KEYS, "custom_beliefs"))),
    "interventions": (list, "a list of intervention objects"),
    "custom_questions": (list, "a list of texts"),
    "tags": (list, "a list of texts"),
    "hive_config": (dict, "an object with num_instances, instances, ..."),
}


_BIGGEST = 2**63 - 1  # what the experiments database stores


def _huge_number(value: Any, key: str) -> None:
    """Refuse a number no database column holds (a 400-digit integer, 1e999), naming its key."""
    if isinstance(value, dict):
        for k, v in value.items():
            _huge_number(v, f"{key}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _huge_number(v, f"{key}.{i}")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if abs(value) > _BIGGEST or not math.isfinite(value):
            raise ConfigError(key, value, f"a finite number of at most {_BIGGEST}")


def _check_shape(raw: dict[str, Any]) -> None:
    """Refuse a section of the wrong JSON type (``"resource_constraints": 5``), naming it."""
    _huge_number(raw, "base_experiment")
    for key, (kind, what) in _SHAPES.items():
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"base_experiment.{key}", value, what)
    for key, value in (raw.get("resource_constraints") or {}).items():
        if key in _RESOURCE_KEYS and value is not None:
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise ConfigError(f"base_experiment.resource_constraints.{key}", value, "a number")
    frame = raw.get("epistemic_frame") or {}
    if frame.get("custom_beliefs") is not None and not isinstance(frame["custom_beliefs"], dict):
        raise ConfigError(
            "base_experiment.epistemic_frame.custom_beliefs", frame["custom_beliefs"], "an object"
        )
    for i, iv in enumerate(raw.get("interventions") or []):
        if not isinstance(iv, dict):
            raise ConfigError(
                f"base_experiment.interventions.{i}",
                iv,
                "an object with intervention_type, trigger, trigger_params, parameters",
            )
        for key in ("trigger_params", "parameters"):
            if iv.get(key) is not None and not isinstance(iv[key], dict):
                raise ConfigError(f"base_experiment.interventions.{i}.{key}", iv[key], "an object")
    hive = raw.get("hive_config") or {}
    instances = hive.get("instances")
    if instances is not None and (
        not isinstance(instances, list) or not all(isinstance(x, dict) for x in instances)
    ):
        raise ConfigError(
            "base_experiment.hive_config.instances", instances, "a list of objects with a role"
        )


def load_original_experiment(path: str | Path) -> dict[str, Any]:
    """Convert an original experiment JSON file into this project's config keys.

    The result is a partial config (a plain dict) to merge over the defaults.

    >>> import json, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "e.json")
    >>> _ = open(p, "w").write(json.dumps({"experiment_id": "x", "name": "x",
    ...     "mode": "amnesiac_loop", "max_cycles": 7}))
    >>> load_original_experiment(p)["max_cycles"]
    7
    """
    raw = _read_json(path)
    if not isinstance(raw, dict) or "mode" not in raw:
        raise ConfigError(
            "base_experiment", str(path), "an original ExperimentConfig JSON object (with a 'mode')"
        )
    for key in raw:
        if key not in _TOP:
            raise ConfigError(
                f"base_experiment.{key}", raw[key], "a key of the original ExperimentConfig"
            )
    _check_shape(raw)
    mode_name = raw["mode"]
    modes = mode_specs()
    if not isinstance(mode_name, str) or mode_name not in modes:
        raise ConfigError("base_experiment.mode", mode_name, "one of " + ", ".join(modes))

    out: dict[str, Any] = {}
    for key in (
        "experiment_id",
        "name",
        "description",
        "research_question",
        "initial_prompt_override",
        "max_cycles",
        "max_duration_seconds",
    ):
        if raw.get(key) is not None:
            out[key] = raw[key]
    if raw.get("tags"):
        out["tags"] = list(raw["tags"])

    rc = raw.get("resource_constraints") or {}
    out["resources"] = {k: rc[k] for k in _RESOURCE_KEYS if k in rc}

    sched = raw.get("self_report_schedule") or {}
    sr = {k: sched[k] for k in _SCHEDULE_KEYS if k in sched}
    if raw.get("custom_questions"):
        sr["custom_questions"] = list(raw["custom_questions"])
    out["self_report"] = sr

    frame = raw.get("epistemic_frame") or {}
    custom = dict(frame.get("custom_beliefs") or {})
    out["mode"] = _mode_block(mode_name, custom, raw.get("hive_config") or {})
    out["epistemic_frame"] = {k: frame[k] for k in _FRAME_KEYS if frame.get(k) is not None}
    out["epistemic_frame"]["custom_beliefs"] = custom
    out["interventions"] = [
        _intervention(i, iv) for i, iv in enumerate(raw.get("interventions") or [])
    ]
    return out


def _read_json(path: str | Path) -> Any:
    """The JSON document of ``path``; a file that is missing, too big or not JSON is refused."""
    p = Path(path)
    try:
        if p.stat().st_size > _MAX_BYTES:
            raise ConfigError(
                "base_experiment", str(path), f"a JSON file of at most {_MAX_BYTES} bytes"
            )
        return json.loads(p.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError("base_experiment", str(path), "an existing JSON file") from None
    except OSError as e:
        why = e.strerror or type(e).__name__
        raise ConfigError("base_experiment", str(path), f"a readable JSON file ({why})") from None
    except UnicodeDecodeError:
        raise ConfigError("base_experiment", str(path), "a UTF-8 JSON text file") from None
    except json.JSONDecodeError as e:
        raise ConfigError("base_experiment", str(path), f"valid JSON ({e})") from None
    except (RecursionError, ValueError):  # too deeply nested, an integer too long to read
        raise ConfigError(
            "base_experiment", str(path), "an ExperimentConfig JSON object (not deeply nested)"
        ) from None


def _mode_block(name: str, custom: dict[str, Any], hive: Mapping[str, Any]) -> dict[str, Any]:
    """The mode block: the mode's parameters the original passed as custom beliefs (taken out
    of ``custom``) or in its ``hive_config``."""
    fields = set(mode_specs()[name].config.__dataclass_fields__) - {"name"}
    mode: dict[str, Any] = {"name": name}
    for key in list(custom):
        if key in fields:
            mode[key] = custom.pop(key)
    if name == "hive_cluster" and hive:
        for key in ("num_instances", "consensus_interval", "buffer_size", "consensus_threshold"):
            if key in hive:
                mode[key] = hive[key]
        roles = [inst.get("role") for inst in hive.get("instances", []) if inst.get("role")]
        if roles:
            mode["roles"] = roles
    return mode


def _intervention(i: int, iv: Mapping[str, Any]) -> dict[str, Any]:
    """One original intervention as an entry of ``interventions``."""
    return {
        "intervention_id": iv.get("intervention_id", f"intervention_{i}"),
        "intervention_type": iv.get("intervention_type"),
        "trigger": iv.get("trigger"),
        "trigger_params": dict(iv.get("trigger_params") or {}),
        "parameters": dict(iv.get("parameters") or {}),
        "description": iv.get("description", ""),
    }
