"""The ``brainjar_optuna`` sweeper: an Optuna study whose trials are brainjar jobs.

Optuna is imported only when a sweep starts (in ``_core``), so the plugin scan works
without the ``[optuna]`` extra and only selecting this sweeper asks for it.
"""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.brainjar_optuna_sweeper.config import (  # noqa: F401  (registers)
    BrainjarOptunaSweeperConf,
)
from omegaconf import DictConfig


class BrainjarOptunaSweeper(Sweeper):
    """Asks Optuna for a trial whenever the launcher can start one (``mode=async``) or for
    ``n_jobs`` trials at a time launched as one batch (``mode=batch``); each running trial
    reports its objective per cycle, so the study's pruner can stop it."""

    def __init__(
        self,
        sampler: Any = "tpe",
        seed: int | None = None,
        sampler_kwargs: dict[str, Any] | None = None,
        direction: Any = None,
        objective: Any = None,
        n_trials: int = 20,
        n_jobs: int = 2,
        storage: str | None = None,
        study_name: str | None = None,
        params: dict[str, str] | None = None,
        max_failure_rate: float = 0.2,
        resume: bool = False,
        validator: str | None = None,
        pruner: Any = "none",
        pruner_kwargs: dict[str, Any] | None = None,
        report_every: int = 1,
        dry_run: bool = False,
        mode: str = "batch",
    ) -> None:
        # the familiar spellings (a sampler node, a direction string) are turned into ours,
        # or refused on one line, when the sweep starts (_options.normalize)
        self.sampler = sampler
        self.seed = seed
        self.sampler_kwargs = dict(sampler_kwargs or {})
        self.direction = direction if direction is not None else ["minimize"]
        self.objective = objective if objective is not None else ["crash_rate"]
        self.pruner = pruner
        self.pruner_kwargs = dict(pruner_kwargs or {})
        self.report_every = report_every
        self.dry_run = dry_run
        self.mode = mode
        self.n_trials = n_trials
        self.n_jobs = n_jobs
        self.storage = storage
        self.study_name = study_name
        self.params = dict(params or {})
        self.max_failure_rate = max_failure_rate
        self.resume = resume
        self.validator = validator
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.launcher: Any = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Keep the context and instantiate the selected launcher."""
        from hydra.core.plugins import Plugins

        self.config = config
        self.hydra_context = hydra_context
        self.launcher = Plugins.instance().instantiate_launcher(
            config=config, hydra_context=hydra_context, task_function=task_function
        )

    def sweep(self, arguments: list[str]) -> Any:
        """Run (or continue) the study; see ``_core.sweep``."""
        from hydra_plugins.brainjar_optuna_sweeper import _core

        return _core.sweep(self, arguments)
