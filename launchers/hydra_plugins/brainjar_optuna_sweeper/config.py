"""Config of the ``brainjar_optuna`` sweeper (``hydra/sweeper=brainjar_optuna``)."""

# no `from __future__ import annotations` here: Hydra's plugin scan executes this module
# outside sys.modules, where dataclasses cannot resolve string annotations
from dataclasses import dataclass, field
from typing import Any

from hydra.core.config_store import ConfigStore

# hydra/sweeper/sampler=<name> options, as users of Hydra's Optuna sweeper know them: every
# field but the name is a keyword argument of the sampler's class; null keeps Optuna's default
SAMPLER_FIELDS = {
    "tpe": ("n_startup_trials", "n_ei_candidates", "multivariate", "group", "constant_liar"),
    "random": (),
    "cmaes": ("n_startup_trials", "sigma0", "consider_pruned_trials"),
    "gp": ("n_startup_trials", "deterministic_objective"),
    "qmc": ("qmc_type", "scramble"),
    "nsgaii": ("population_size", "mutation_prob", "crossover_prob", "swapping_prob"),
    "grid": (),
}


@dataclass
class BrainjarOptunaSweeperConf:
    # the sampler node is a config group (hydra/sweeper/sampler=random), tpe by default
    defaults: list[Any] = field(default_factory=lambda: ["_self_", {"sampler": "tpe"}])
    _target_: str = "hydra_plugins.brainjar_optuna_sweeper.optuna_sweeper.BrainjarOptunaSweeper"
    # the sampler: a name (tpe, random, cmaes, gp, qmc, nsgaii or grid), or a node chosen with
    # hydra/sweeper/sampler=<name> whose fields (seed, n_startup_trials, ...) can be set
    # one by one: hydra.sweeper.sampler.seed=1
    sampler: Any = None
    # the sampler's seed (null = random)
    seed: int | None = None
    # further keyword arguments of the sampler's class (e.g. {multivariate: true} for tpe)
    sampler_kwargs: Any = None
    # one direction per objective: minimize or maximize
    # (a single direction may be given as a plain string: direction=maximize)
    direction: Any = field(default_factory=lambda: ["minimize"])
    # one per objective: a metric of the task's returned dict, or an expression over them
    # such as "abs(memory_accuracy_mean - 50)" (+ - * / **, abs, min, max, log, sqrt)
    objective: Any = field(default_factory=lambda: ["crash_rate"])
    # trials of the whole study; a resumed study runs only the ones still missing
    n_trials: int = 20
    # trials asked per batch, launched together (the launcher decides how many run at once);
    # mode=batch only
    n_jobs: int = 2
    # async: a new trial is asked and started as soon as one ends, so every slot the
    # launcher's admission allows stays busy (needs a launcher with launch_each, such as the
    # jetson launcher; others run batches); batch: n_jobs trials at a time, each batch waits
    # for its slowest trial
    mode: str = "batch"
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
    # stop unpromising trials early: none, median, percentile, successive_halving, hyperband
    # or threshold; each running trial reports its objective so far to the study
    pruner: str = "none"
    # keyword arguments of the pruner's class, e.g. {n_startup_trials: 4, n_warmup_steps: 5}
    # for median (steps are cycles)
    pruner_kwargs: Any = None
    # a running trial reports its objective every this many cycles
    report_every: int = 1
    # print the search space, sampler, pruner and trials, and stop having written nothing
    dry_run: bool = False


for _name, _fields in SAMPLER_FIELDS.items():
    ConfigStore.instance().store(
        group="hydra/sweeper/sampler",
        name=_name,
        node={"name": _name, "seed": None, **{f: None for f in _fields}},
        provider="brainjar_sweep",
    )

ConfigStore.instance().store(
    group="hydra/sweeper",
    name="brainjar_optuna",
    node=BrainjarOptunaSweeperConf,
    provider="brainjar_sweep",
)
