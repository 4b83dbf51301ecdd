"""Reading an original brain-in-jar experiment JSON as the base experiment.

The original's ``ExperimentConfig`` JSON (``experiments/examples/*.json``) maps onto
this schema almost key for key; mode parameters that the original passed through
``epistemic_frame.custom_beliefs`` (or a ``hive_config`` block) go to the mode's
typed block instead. ``model_path``, ``track_beliefs`` and ``collect_metrics`` were
informational there and are dropped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from brainjar_sweep.config.errors import ConfigError
from brainjar_sweep.config.schema import MODE_CLASSES, MODES

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
    p = Path(path)
    try:
        raw = json.loads(p.read_text())
    except FileNotFoundError:
        raise ConfigError("base_experiment", str(path), "an existing JSON file") from None
    except (OSError, json.JSONDecodeError) as e:
        raise ConfigError("base_experiment", str(path), f"a readable JSON file ({e})") from None
    if not isinstance(raw, dict) or "mode" not in raw:
        raise ConfigError(
            "base_experiment", str(path), "an original ExperimentConfig JSON object (with a 'mode')"
        )
    for key in raw:
        if key not in _TOP:
            raise ConfigError(
                f"base_experiment.{key}", raw[key], "a key of the original ExperimentConfig"
            )
    mode_name = raw["mode"]
    if mode_name not in MODES:
        raise ConfigError("base_experiment.mode", mode_name, "one of " + ", ".join(MODES))

    out: dict[str, Any] = {}
    for key in (
        "experiment_id",
        "name",
        "description",
        "research_question",
        "initial_prompt_override",
    ):
        if raw.get(key) is not None:
            out[key] = raw[key]
    if raw.get("max_cycles") is not None:
        out["max_cycles"] = raw["max_cycles"]
    if raw.get("max_duration_seconds") is not None:
        out["max_duration_seconds"] = raw["max_duration_seconds"]
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
    mode_fields = set(MODE_CLASSES[mode_name].__dataclass_fields__) - {"name"}
    mode: dict[str, Any] = {"name": mode_name}
    for key in list(custom):
        if key in mode_fields:
            mode[key] = custom.pop(key)
    hive = raw.get("hive_config") or {}
    if mode_name == "hive_cluster" and hive:
        for key in ("num_instances", "consensus_interval", "buffer_size", "consensus_threshold"):
            if key in hive:
                mode[key] = hive[key]
        roles = [inst.get("role") for inst in hive.get("instances", []) if inst.get("role")]
        if roles:
            mode["roles"] = roles
    out["mode"] = mode
    out["epistemic_frame"] = {k: frame[k] for k in _FRAME_KEYS if frame.get(k) is not None}
    out["epistemic_frame"]["custom_beliefs"] = custom

    ivs = []
    for i, iv in enumerate(raw.get("interventions") or []):
        ivs.append(
            {
                "intervention_id": iv.get("intervention_id", f"intervention_{i}"),
                "intervention_type": iv.get("intervention_type"),
                "trigger": iv.get("trigger"),
                "trigger_params": dict(iv.get("trigger_params") or {}),
                "parameters": dict(iv.get("parameters") or {}),
                "description": iv.get("description", ""),
            }
        )
    out["interventions"] = ivs
    return out
