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


ConfigStore.instance().store(
    group="hydra/sweeper", name="brainjar", node=BrainjarSweeperConf, provider="brainjar_sweep"
)
