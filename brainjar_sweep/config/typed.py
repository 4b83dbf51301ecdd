"""A validated experiment as typed objects: the schema's own dataclasses, filled in.

:func:`~brainjar_sweep.config.validate.validate` gives a plain dict (it is what the store
records and what a sweep's jobs carry); code that reads an experiment reads it through
:func:`experiment_config`, by attribute, so that a misspelt key fails where it is written.

>>> from brainjar_sweep.config import compose, resolve_experiment
>>> cfg = experiment_config(resolve_experiment(compose(["mode=split_brain", "max_cycles=3"])))
>>> cfg.max_cycles, cfg.resources.context_window, cfg.mode.claim_strength_b
(3, 4096, 0.3)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainjar_sweep.config.schema import (
    MIND_CLASSES,
    DbConfig,
    EpistemicFrame,
    ExperimentConfig,
    InterventionConfig,
    ResourcesConfig,
    SelfReportConfig,
)
from brainjar_sweep.modes import mode_spec

__all__ = ["experiment_config"]


def experiment_config(exp: Mapping[str, Any]) -> ExperimentConfig:
    """The typed form of a validated experiment dict (its mode and mind blocks as their own
    dataclasses)."""
    return ExperimentConfig(
        **{
            **exp,
            "mode": mode_spec(exp["mode"]["name"]).config(**exp["mode"]),
            "mind": MIND_CLASSES[exp["mind"]["kind"]](**exp["mind"]),
            "resources": ResourcesConfig(**exp["resources"]),
            "self_report": SelfReportConfig(**exp["self_report"]),
            "epistemic_frame": EpistemicFrame(**exp["epistemic_frame"]),
            "interventions": [InterventionConfig(**iv) for iv in exp["interventions"]],
            "db": DbConfig(**exp["db"]),
        }
    )
