"""The sweep's grid, as Hydra's basic sweeper builds it, and every job checked before the first starts."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from hydra_plugins._brainjar_hydra_compat import grid_batches

from brainjar_sweep._hooks import load_dotted

if TYPE_CHECKING:
    from brainjar_sweep.sweep.compose import JobConfigs

log = logging.getLogger(__name__)


class SweepValidationError(HydraException):
    """A job of the grid has a bad config; raised before any job starts."""

    def __init__(self, job_num: int, overrides: Sequence[str], error: BaseException) -> None:
        self.job_num = job_num
        self.overrides = list(overrides)
        self.error = error
        super().__init__(f"job #{job_num} ({' '.join(overrides)}): {error}")


def grid(sweeper: Any, arguments: list[str]) -> list[list[list[str]]]:
    """The sweep's batches of per-job overrides, exactly as Hydra's basic sweeper orders them."""
    parser = OverridesParser.create(config_loader=sweeper.hydra_context.config_loader)
    overrides = parser.parse_overrides(definition(sweeper, arguments))
    _check_grid_size(overrides)
    return grid_batches(overrides, sweeper.max_batch_size)


MAX_JOBS = 100_000  # a grid this large is a typo (range(0,100000000)), not a plan


def _check_grid_size(overrides: list[Any]) -> None:
    """Refuse a grid of more than :data:`MAX_JOBS` jobs before it is expanded (in memory)."""
    import math

    total = 1
    for ov in overrides:
        if not ov.is_sweep_override():
            continue
        value = ov.value()
        size = None
        if hasattr(value, "list"):
            size = len(value.list)
        elif all(hasattr(value, a) for a in ("start", "stop", "step")) and value.step:
            size = max(0, math.ceil((value.stop - value.start) / value.step))
        if size is None:
            continue
        total *= max(size, 1)
        if total > MAX_JOBS:
            from brainjar_sweep.config.errors import ConfigError

            raise ConfigError(
                ov.key_or_group,
                ov.input_line.partition("=")[2] if ov.input_line else "?",
                f"a sweep of at most {MAX_JOBS} jobs in all (this grid has more)",
            )


def definition(sweeper: Any, arguments: list[str]) -> list[str]:
    params_conf = [f"{k}={v}" for k, v in (sweeper.params or {}).items()]
    return params_conf + list(arguments)


def check_all(sweeper: Any, jobs: list[list[str]]) -> JobConfigs:
    """Check every job as the dry run plans it (its experiment built and validated, and kept:
    a plain dict, which the launcher's hooks read instead of composing the job again); raise
    on the first bad one. Return the jobs' configs, each composed when asked.

    Composition goes through :class:`brainjar_sweep.sweep.compose.JobComposer`, which
    composes once per group-choice set and applies each job's value overrides with Hydra's
    own function. What a sweep keeps per job is its overrides: the checks that read every
    job's config (the sweep's id, resume, the Ray check) compose them one at a time, and the
    launcher composes each job when it starts.
    """
    from brainjar_sweep.sweep.compose import JobComposer, JobConfigs

    composer = JobComposer(sweeper.hydra_context.config_loader, sweeper.config)
    experiments = _checked(sweeper, jobs, lambda num, ovs: composer.experiment(ovs), "checked")
    return JobConfigs(composer, jobs, experiments=experiments)


def _checked(
    sweeper: Any,
    jobs: list[list[str]],
    build: Callable[[int, list[str]], Any],
    done: str,
    keep: bool = True,
) -> list[Any]:
    """``build(num, overrides)`` for every job, each checked by the sweeper's validator (and
    kept if asked); the first that fails to build or validate raises
    :class:`SweepValidationError` naming it."""
    validator = load_dotted(sweeper.validator, "hydra.sweeper.validator")
    tic = time.perf_counter()
    out = []
    for num, overrides in enumerate(jobs):
        try:
            item = build(num, overrides)
            if validator is not None:
                validator(item)
        except Exception as e:  # composition or validation: report with the job
            raise SweepValidationError(num, overrides, e) from e
        if keep:
            out.append(item)
    log.debug("%s %d jobs in %.2f s", done, len(jobs), time.perf_counter() - tic)
    return out


def experiments_all(sweeper: Any, jobs: list[list[str]]) -> list[dict[str, Any]]:
    """Every job's experiment (a plain resolved dict), validated; raise on the first bad one.

    What a plan needs of each job (validation, its needs, its estimate) without composing
    its whole config: :meth:`JobComposer.experiment` resolves only the keys a job's values
    touch, and keeps no Hydra node per job, so a dry run of thousands of jobs stays cheap.
    """
    from brainjar_sweep.sweep.compose import JobComposer

    composer = JobComposer(sweeper.hydra_context.config_loader, sweeper.config)
    return _checked(sweeper, jobs, lambda num, ovs: composer.experiment(ovs), "planned")
