"""The ``brainjar`` sweeper: Hydra's grid, with every job validated before the first one starts."""

from __future__ import annotations

from typing import Any

from hydra_plugins._brainjar_hydra_compat import BasicSweeper
from hydra_plugins.brainjar_sweeper.config import BrainjarSweeperConf  # noqa: F401  (registers)


class BrainjarSweeper(BasicSweeper):
    """Cartesian grid like ``basic``; validation of the whole grid comes first, then launching."""

    def __init__(
        self,
        max_batch_size: int | None = None,
        params: dict[str, str] | None = None,
        validator: str | None = None,
        dry_run: bool = False,
        resume: bool = False,
        max_retries: int = 0,
        allow_failures: bool = False,
        job_state: str | None = None,
        estimate: str | None = None,
        sweep_check: str | None = None,
    ) -> None:
        from brainjar_sweep.config.errors import ConfigError

        if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
            raise ConfigError("hydra.sweeper.max_retries", max_retries, "an integer >= 0")
        if max_batch_size is not None and (
            not isinstance(max_batch_size, int)
            or isinstance(max_batch_size, bool)
            or max_batch_size < 1
        ):
            raise ConfigError(
                "hydra.sweeper.max_batch_size", max_batch_size, "an integer >= 1, or null"
            )
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.validator = validator
        self.dry_run = dry_run
        self.resume = resume
        self.max_retries = max_retries
        self.allow_failures = allow_failures
        self.job_state = job_state
        self.estimate = estimate
        self.sweep_check = sweep_check

    def sweep(self, arguments: list[str]) -> Any:
        from hydra_plugins.brainjar_sweeper import _core

        return _core.sweep(self, arguments)
