"""Config of the ``brainjar_optuna`` sweeper (``hydra/sweeper=brainjar_optuna``)."""

# no `from __future__ import annotations` here: Hydra's plugin scan executes this module
# outside sys.modules, where dataclasses cannot resolve string annotations
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore


@dataclass
class BrainjarOptunaSweeperConf:
    _target_: str = "hydra_plugins.brainjar_optuna_sweeper.optuna_sweeper.BrainjarOptunaSweeper"
    # tpe, random, cmaes, gp, qmc, nsgaii or grid
    sampler: str = "tpe"
    # the sampler's seed (null = random)
    seed: int | None = None
    # further keyword arguments of the sampler's class (e.g. {multivariate: true} for tpe)
    sampler_kwargs: dict[str, Any] = field(default_factory=dict)
    # one direction per objective: minimize or maximize
    direction: list[str] = field(default_factory=lambda: ["minimize"])
    # one per objective: a metric of the task's returned dict, or an expression over them
    # such as "abs(memory_accuracy_mean - 50)" (+ - * / **, abs, min, max, log, sqrt)
    objective: list[str] = field(default_factory=lambda: ["crash_rate"])
    # trials of the whole study; a resumed study runs only the ones still missing
    n_trials: int = 20
    # trials asked per batch, launched together (the launcher decides how many run at once)
    n_jobs: int = 2
    # Optuna storage URL (null = sqlite:///<sweep dir>/optuna.db)
    storage: str | None = None
    # study name (null = sweep_id, or the sweep dir's last two parts)
    study_name: str | None = None
    # the search space in Hydra's sweep syntax: key -> "choice(...)", "a,b", "range(a,b[,s])",
    # "interval(a,b)", "tag(log, interval(a,b))", "int(interval(a,b))"; a plain value is fixed
    params: dict[str, str] | None = None
    # end the study when more than this share of this run's trials failed
    max_failure_rate: float = 0.2
    # require an existing study in the storage and continue it (a re-run with the same
    # hydra.sweep.dir continues its study anyway)
    resume: bool = False
    # dotted path of a function(job_config) that raises on a bad job (null = composition only)
    validator: str | None = "brainjar_sweep.config.validate_job"


ConfigStore.instance().store(
    group="hydra/sweeper",
    name="brainjar_optuna",
    node=BrainjarOptunaSweeperConf,
    provider="brainjar_sweep",
)
