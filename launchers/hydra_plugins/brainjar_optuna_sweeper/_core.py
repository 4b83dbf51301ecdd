"""Work of the ``brainjar_optuna`` sweeper, kept out of the module Hydra's plugin scan imports.

A study here: read the options (familiar spellings included, ``_options``); parse the search
space from Hydra's sweep syntax and check its corners (``_space``); on a dry run print the plan
and stop (``_dry_run``); create or load the study from its storage with its pruner
(``_study``); settle what a dead sweep left (``_resume``); then ask, launch and tell trials
(``_trials``), a batch at a time (``_batch``) or one per free slot (``_async``), printing a
line per trial and handing the launcher one progress display for the whole study; an
interrupt or too many failures end it early (``_ending``). At the end
``optimization_results.yaml`` holds the best trial or the Pareto front (``_summary``).
"""

from __future__ import annotations

import logging
import math
import signal
from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn
from hydra_plugins.brainjar_optuna_sweeper._async import run_async
from hydra_plugins.brainjar_optuna_sweeper._batch import run_batches
from hydra_plugins.brainjar_optuna_sweeper._dry_run import dry_run
from hydra_plugins.brainjar_optuna_sweeper._resume import continue_study, highest_job_dir
from hydra_plugins.brainjar_optuna_sweeper._space import (
    Dimension,
    check_fixed_part,
    search_space,
)
from hydra_plugins.brainjar_optuna_sweeper._study import (
    default_storage,
    import_optuna,
    make_sampler,
    open_study,
    study_name,
)
from hydra_plugins.brainjar_optuna_sweeper._summary import best_so_far, summary, write_results
from hydra_plugins.brainjar_optuna_sweeper._trials import Study
from omegaconf import OmegaConf

from brainjar_sweep._hooks import load_dotted
from brainjar_sweep._supervisor import interrupt_on_sigterm
from brainjar_sweep.sweep.objective import Objective

log = logging.getLogger(__name__)


def _n_trials(sweeper: Any, dims: list[Dimension]) -> int:
    """``n_trials``, or the grid's size when the grid sampler has fewer points."""
    n_trials = sweeper.n_trials
    if sweeper.sampler == "grid":
        size = math.prod(len(d.grid_values()) for d in dims)
        if size < n_trials:
            log.info("the grid has %d points: n_trials %d -> %d", size, n_trials, size)
            n_trials = size
    return n_trials


def sweep(sweeper: Any, arguments: list[str]) -> Any:
    """Run or continue the study (see the module docstring)."""
    from hydra_plugins.brainjar_optuna_sweeper._options import check, normalize

    optuna = import_optuna()
    from brainjar_sweep.config.validate import check_sqlite_storage, check_sweep_dirs
    from brainjar_sweep.sweep.compose import JobComposer
    from brainjar_sweep.sweep.pruning import make_pruner

    normalize(sweeper)
    check(sweeper)
    pruner = make_pruner(optuna, sweeper.pruner, sweeper.pruner_kwargs)
    loader = sweeper.hydra_context.config_loader
    dims, fixed = search_space(
        sweeper.params, arguments, OverridesParser.create(config_loader=loader)
    )
    sweep_dir = Path(str(sweeper.config.hydra.sweep.dir))
    composer = JobComposer(loader, sweeper.config)
    validator = load_dotted(sweeper.validator)
    check_fixed_part(composer, validator, dims, fixed, highest_job_dir(sweep_dir) + 1)
    sampler = make_sampler(optuna, sweeper.sampler, sweeper.seed, sweeper.sampler_kwargs, dims)
    n_trials = _n_trials(sweeper, dims)
    if sweeper.dry_run:
        dry_run(sweeper, dims, fixed, n_trials)
        return []
    check_sweep_dirs(sweeper.config)  # before anything is written
    check_sqlite_storage("hydra.sweeper.storage", sweeper.storage)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    storage = sweeper.storage or default_storage(sweep_dir)
    name = study_name(sweeper, sweep_dir)
    study = open_study(optuna, sweeper, dims, fixed, sampler, pruner, storage, name)
    earlier, next_job = continue_study(optuna, study, sweep_dir, n_trials)
    if not (sweep_dir / "multirun.yaml").is_file():
        OmegaConf.save(sweeper.config, sweep_dir / "multirun.yaml")
    run = Study(
        optuna=optuna,
        study=study,
        sweeper=sweeper,
        dims=dims,
        fixed=fixed,
        objectives=[Objective(str(o)) for o in sweeper.objective],
        composer=composer,
        validator=validator,
        storage=storage,
        n_trials=n_trials,
        next_job=next_job,
        earlier=earlier,
        best=best_so_far(study),
    )
    returns = _run(run, sweeper.launcher, n_trials - earlier, sweep_dir)
    path = write_results(optuna, study, sweep_dir, storage)
    print(summary(optuna, study, path), flush=True)
    return [returns]


def _run(run: Study, launcher: Any, remaining: int, sweep_dir: Path) -> list[JobReturn]:
    """The trials still to run, through the launcher, in the sweeper's mode. SIGTERM and
    SIGHUP stop the study as Ctrl-C does, wherever it is (asking, launching, telling)."""
    study = run.study
    returns: list[JobReturn] = []
    # lets the launcher list the earlier jobs of this study in its sweep files, and keep one
    # progress display for the whole study with the study's words under it
    earlier_jobs = {
        int(t.user_attrs["job_num"]): list(t.user_attrs.get("overrides", []))
        for t in study.get_trials(deepcopy=False)
        if "job_num" in t.user_attrs
    }
    if getattr(launcher, "hand_over", None) is not None:
        from hydra_plugins.brainjar_jetson_launcher.plan import SweepPlan

        run.plan = SweepPlan(
            jobs=earlier_jobs, resume=bool(earlier_jobs), total=max(remaining, 0), status=run.status
        )
        launcher.hand_over(run.plan)
    streams = getattr(launcher, "launch_each", None)
    try:
        with interrupt_on_sigterm(signal.SIGHUP):
            if run.sweeper.mode == "async" and streams is not None and remaining > 0:
                run_async(run, streams, remaining, returns, sweep_dir)
            else:
                run_batches(run, launcher, remaining, returns, sweep_dir)
    finally:
        ended = getattr(launcher, "sweep_ended", None)
        if ended is not None:
            ended()  # the study's progress display closes
    return returns
