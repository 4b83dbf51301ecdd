"""The dry run: what a study would do (space, fixed part, objective, sampler, pruner, trials),
printed having written nothing.

>>> from hydra_plugins.brainjar_optuna_sweeper._space import Dimension
>>> describe(Dimension("x", "float", low=0.0, high=1.0, log=True))
'float in [0, 1], log scale'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hydra_plugins.brainjar_optuna_sweeper._space import Dimension
from hydra_plugins.brainjar_optuna_sweeper._summary import fmt
from omegaconf import OmegaConf


def dry_run(sweeper: Any, dims: Sequence[Dimension], fixed: Sequence[str], n_trials: int) -> None:
    """Print what the study would do, having written nothing."""
    launcher = OmegaConf.select(sweeper.config, "hydra.launcher") or {}
    kw = ", ".join(f"{k}={v}" for k, v in sweeper.sampler_kwargs.items())
    pkw = ", ".join(f"{k}={v}" for k, v in sweeper.pruner_kwargs.items())
    out = [
        f"Dry run: an Optuna study of {n_trials} trials (nothing runs, nothing is written)",
        "Search space:",
        *(f"  {d.key}: {describe(d)}" for d in dims),
        f"Fixed: {' '.join(fixed) if fixed else '(none)'}",
        "Objective: "
        + ", ".join(f"{d} {o}" for o, d in zip(sweeper.objective, sweeper.direction, strict=True)),
        f"Sampler: {sweeper.sampler} (seed {sweeper.seed}{', ' + kw if kw else ''})",
        f"Pruner: {sweeper.pruner}{' (' + pkw + ')' if pkw else ''}"
        + (f", reported every {sweeper.report_every} cycle(s)" if sweeper.pruner != "none" else ""),
        f"Trials: {n_trials}, "
        + (
            "each asked when a slot is free (mode=async); "
            if sweeper.mode == "async"
            else f"{sweeper.n_jobs} asked per batch; "
        )
        + f"launcher: {str(launcher.get('_target_', '?')).rsplit('.', 1)[-1]}",
        f"Storage: {sweeper.storage or 'sqlite:///<sweep dir>/optuna.db'}",
        f"Output: {sweeper.config.hydra.sweep.dir}",
    ]
    print("\n".join(out), flush=True)


def describe(d: Dimension) -> str:
    if d.kind == "categorical":
        return "choice of " + ", ".join(fmt(c) for c in d.choices)
    scale = ", log scale" if d.log else ""
    step = f" step {fmt(d.step)}" if d.step and d.kind == "float" else ""
    return f"{d.kind} in [{fmt(d.low)}, {fmt(d.high)}]{step}{scale}"
