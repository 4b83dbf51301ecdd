"""The Jetson-aware launcher: admits jobs by memory, CPU and temperature, one process per job."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from hydra_plugins.brainjar_jetson_launcher.config import JetsonLauncherConf  # noqa: F401
from omegaconf import DictConfig


class JetsonLauncher(Launcher):
    """Thin plugin class; the scheduler and the worker live in ``_core``."""

    def __init__(self, **kwargs: Any) -> None:
        from hydra_plugins.brainjar_jetson_launcher import _core

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

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        from hydra_plugins.brainjar_jetson_launcher import _core

        return _core.launch(self, job_overrides, initial_job_idx)
