"""A Hydra callback that refuses a bad experiment before Hydra writes anything for the run."""

from __future__ import annotations

from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from brainjar_sweep.config.errors import ConfigError


class ConfigRejected(BaseException):
    """Carries a :class:`ConfigError` out of Hydra's callback dispatcher.

    Hydra turns an ``Exception`` raised by a callback into a warning and goes on, so
    the rejection travels as a ``BaseException`` and the entry point reports it.
    """

    def __init__(self, error: ConfigError) -> None:
        super().__init__(str(error))
        self.error = error


class ValidateBeforeRun(Callback):
    """Validate a single run's experiment in ``on_run_start``, before its output dir exists."""

    def on_run_start(self, config: DictConfig, **kwargs: Any) -> None:
        from brainjar_sweep.config import resolve_experiment
        from brainjar_sweep.config.validate import check_output_dir

        try:
            resolve_experiment(config)
            check_output_dir("hydra.run.dir", str(config.hydra.run.dir))
        except ConfigError as e:
            raise ConfigRejected(e) from None
