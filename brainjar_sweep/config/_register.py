"""Registers the schema in Hydra's ConfigStore (imported once by the package)."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from brainjar_sweep.config.schema import MIND_CLASSES, ExperimentConfig
from brainjar_sweep.modes import mode_specs


def register() -> None:
    """Store the root schema, every mode of :data:`~brainjar_sweep.modes.MODE_MODULES` and
    every ``mind`` option, and register the app's
    resolvers (idempotent)."""
    cs = ConfigStore.instance()
    cs.store(name="experiment_schema", node=ExperimentConfig)
    for name, spec in mode_specs().items():
        cs.store(group="mode", name=name, node=spec.config)
    for name, cls in MIND_CLASSES.items():
        cs.store(group="mind", name=name, node=cls)
    from brainjar_sweep.sweep.resources import jetson_n_jobs

    # ${jetson_n_jobs:}: a machine-aware n_jobs for another launcher (docs/launcher.md)
    OmegaConf.register_new_resolver("jetson_n_jobs", jetson_n_jobs, replace=True)


register()
