"""Registers the schema in Hydra's ConfigStore (imported once by the package)."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from brainjar_sweep.config.schema import MIND_CLASSES, MODE_CLASSES, ExperimentConfig


def register() -> None:
    """Store the root schema and every ``mode`` and ``mind`` option (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="experiment_schema", node=ExperimentConfig)
    for name, cls in MODE_CLASSES.items():
        cs.store(group="mode", name=name, node=cls)
    for name, cls in MIND_CLASSES.items():
        cs.store(group="mind", name=name, node=cls)


register()
