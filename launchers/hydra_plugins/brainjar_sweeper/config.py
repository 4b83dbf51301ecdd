"""Config of the ``brainjar`` sweeper (``hydra/sweeper=brainjar``)."""

# no `from __future__ import annotations` here: Hydra's plugin scan executes this module
# outside sys.modules, where dataclasses cannot resolve string annotations
from dataclasses import dataclass

from hydra.core.config_store import ConfigStore


@dataclass
class BrainjarSweeperConf:
    _target_: str = "hydra_plugins.brainjar_sweeper.brainjar_sweeper.BrainjarSweeper"
    # jobs handed to the launcher at once (null = the whole grid in one batch)
    max_batch_size: int | None = None
    # the grid, as in Hydra's basic sweeper: key -> "v1,v2,..." (command-line values win)
    params: dict[str, str] | None = None
    # dotted path of a function(job_config) that raises on a bad job; every job is checked before the first starts (null = composition only)
    validator: str | None = "brainjar_sweep.config.validate_job"
    # print the plan (grid, device, capacity, estimated duration) and run nothing, write nothing
    dry_run: bool = False
    # continue the sweep in hydra.sweep.dir: skip jobs already completed with the same config, run the rest
    resume: bool = False
    # re-run a failed job (not a completed one) up to this many times
    max_retries: int = 0
    # exit with 0 even when jobs failed (the summary still lists them)
    allow_failures: bool = False
    # dotted path of a function(job_config, job_dir) -> status; "completed" jobs are skipped on resume
    job_state: str | None = "brainjar_sweep.sweep.lifecycle.job_state"
    # dotted path of a function(job_configs, sweep_dir) that refuses, in one line, a new sweep whose ids another sweep's records use (null = no check)
    sweep_check: str | None = "brainjar_sweep.sweep.lifecycle.check_sweep_id"
    # dotted path of a function(job_config) -> seconds, for the dry run's estimate (null = none)
    estimate: str | None = "brainjar_sweep.sweep.lifecycle.estimate_seconds"


ConfigStore.instance().store(
    group="hydra/sweeper", name="brainjar", node=BrainjarSweeperConf, provider="brainjar_sweep"
)
