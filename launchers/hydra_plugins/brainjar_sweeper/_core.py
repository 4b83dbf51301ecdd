"""Work of the ``brainjar`` sweeper, kept out of the module Hydra's plugin scan imports."""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)


class SweepValidationError(HydraException):
    """A job of the grid has a bad config; raised before any job starts."""

    def __init__(self, job_num: int, overrides: Sequence[str], error: BaseException) -> None:
        self.job_num = job_num
        self.overrides = list(overrides)
        self.error = error
        super().__init__(f"job #{job_num} ({' '.join(overrides)}): {error}")


def _load_validator(path: str | None) -> Callable[[DictConfig], Any] | None:
    if not path:
        return None
    module, _, name = path.rpartition(".")
    fn = getattr(importlib.import_module(module), name)
    return fn


def grid(sweeper: Any, arguments: list[str]) -> list[list[list[str]]]:
    """The sweep's batches of per-job overrides, exactly as Hydra's basic sweeper orders them."""
    params_conf = [f"{k}={v}" for k, v in (sweeper.params or {}).items()]
    params_conf.extend(arguments)
    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    overrides = parser.parse_overrides(params_conf)
    return sweeper.split_arguments(overrides, sweeper.max_batch_size)


def validate_all(sweeper: Any, batches: list[list[list[str]]]) -> None:
    """Compose and validate every job of every batch; raise on the first bad one.

    Composition goes through :class:`brainjar_sweep.sweep.compose.JobComposer`, which
    composes once per group-choice set and applies each job's value overrides with
    Hydra's own function: the same configs as Hydra's serial check, for a fraction of
    its cost.
    """
    from brainjar_sweep.sweep.compose import JobComposer

    validator = _load_validator(sweeper.validator)
    composer = JobComposer(sweeper.hydra_context.config_loader, sweeper.config)
    tic = time.perf_counter()
    num = 0
    for batch in batches:
        for overrides in batch:
            try:
                cfg = composer.compose(overrides)
                if validator is not None:
                    validator(cfg)
            except Exception as e:  # composition or validation: report with the job
                raise SweepValidationError(num, overrides, e) from e
            num += 1
    log.debug("validated %d jobs in %.2f s", num, time.perf_counter() - tic)


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Validate the whole grid, save ``multirun.yaml``, then launch batch by batch."""
    batches = grid(sweeper, arguments)
    validate_all(sweeper, batches)
    sweeper.overrides = batches
    sweep_dir = Path(sweeper.config.hydra.sweep.dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")
    returns = []
    initial_job_idx = 0
    while not sweeper.is_done():
        batch = sweeper.get_job_batch()
        results = sweeper.launcher.launch(batch, initial_job_idx=initial_job_idx)
        for r in results:
            _ = r.return_value  # re-raises a failed job's exception, as Hydra's basic sweeper does
        initial_job_idx += len(batch)
        returns.append(results)
    return returns
