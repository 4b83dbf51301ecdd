"""The Jetson-aware launcher: admits jobs by memory, CPU and temperature, one process per job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.brainjar_jetson_launcher.config import JetsonLauncherConf  # noqa: F401
from omegaconf import DictConfig, OmegaConf


class JetsonLauncher(Launcher):
    """Thin plugin class; the scheduler and the worker live in ``_core``."""

    def __init__(self, **kwargs: Any) -> None:
        from hydra_plugins.brainjar_jetson_launcher import _core

        # plain Python values (the ray block arrives as a DictConfig)
        kwargs = {
            k: OmegaConf.to_container(v, resolve=True) if OmegaConf.is_config(v) else v
            for k, v in kwargs.items()
        }
        _core.check_params(kwargs)  # a bad option is one line, before any job
        self.params = kwargs
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    @property
    def checks_jobs(self) -> bool:
        """Whether :meth:`check_jobs` wants every job's config before the sweep starts."""
        return self.params.get("backend", "local") == "ray"

    def check_jobs(self, configs: Sequence[DictConfig]) -> None:
        """Refuse, in one line and before any job, what the backend cannot run."""
        if self.checks_jobs:
            from hydra_plugins.brainjar_jetson_launcher import _core, _ray

            _ray.check_jobs(self.params, list(configs), _core.declared_needs(self.params, configs))

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from hydra_plugins.brainjar_jetson_launcher import _core

        return _core.launch(self, job_overrides, initial_job_idx)
