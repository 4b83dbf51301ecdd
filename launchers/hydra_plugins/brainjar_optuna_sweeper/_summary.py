"""What a study says: values as a user reads them, ``optimization_results.yaml`` (the best
trial, or the Pareto front), the summary at the end, and the best-so-far words of the
progress display."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from omegaconf import OmegaConf


def fmt(x: Any) -> str:
    """A value as a user reads it: 4 significant digits, not 17.

    >>> fmt(0.30000000000000004), fmt(49.2500001), fmt("hive_cluster"), fmt(3)
    ('0.3', '49.25', 'hive_cluster', '3')
    """
    if isinstance(x, float):
        return f"{x:.4g}"
    return str(x)


def params_text(params: dict[str, Any]) -> str:
    """A trial's parameters as ``key=value`` words, values rounded as :func:`fmt` does.

    >>> params_text({"corruption_rate": 0.42371234567, "resources.ram_limit_gb": 8})
    'corruption_rate=0.4237 resources.ram_limit_gb=8'
    """
    return " ".join(f"{k}={fmt(v)}" for k, v in params.items())


def write_results(optuna: Any, study: Any, sweep_dir: Path, storage: str) -> Path:
    """``optimization_results.yaml``: the best trial, or the Pareto front for several objectives."""
    trials = study.get_trials(deepcopy=False)
    ts = optuna.trial.TrialState
    body: dict[str, Any] = {
        "name": study.study_name,
        "storage": storage,
        "directions": [d.name.lower() for d in study.directions],
        "objective": study.user_attrs.get("definition", {}).get("objective"),
        "pruner": study.user_attrs.get("pruner"),
        "n_trials": {
            "complete": sum(t.state == ts.COMPLETE for t in trials),
            "pruned": sum(t.state == ts.PRUNED for t in trials),
            "fail": sum(t.state == ts.FAIL for t in trials),
            "total": len(trials),
        },
    }
    complete = [t for t in trials if t.state == ts.COMPLETE]
    if complete and len(study.directions) == 1:
        best = study.best_trial
        body.update(
            best_params=dict(best.params),
            best_value=float(best.value),
            best_trial=best.number,
            best_job_num=best.user_attrs.get("job_num"),
        )
    elif complete:
        body["solutions"] = [
            {
                "params": dict(t.params),
                "values": [float(v) for v in t.values],
                "trial": t.number,
                "job_num": t.user_attrs.get("job_num"),
            }
            for t in study.best_trials
        ]
    path = sweep_dir / "optimization_results.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    OmegaConf.save(OmegaConf.create(body), tmp)
    tmp.replace(path)
    return path


# --------------------------------------------------------------------- the sweep


def summary(optuna: Any, study: Any, path: Path) -> str:
    ts = optuna.trial.TrialState
    trials = study.get_trials(deepcopy=False)
    n_ok = sum(t.state == ts.COMPLETE for t in trials)
    n_fail = sum(t.state == ts.FAIL for t in trials)
    n_pruned = sum(t.state == ts.PRUNED for t in trials)
    lines = [
        f"Study {study.study_name!r}: {len(trials)} trials, {n_ok} complete, "
        f"{n_pruned} pruned, {n_fail} failed"
    ]
    names = study.metric_names or [f"value {i}" for i in range(len(study.directions))]
    if n_ok and len(study.directions) == 1:
        b = study.best_trial
        lines.append(
            f"  best {names[0]}: {fmt(b.value)} at {params_text(b.params)} "
            f"(trial #{b.number}, job #{b.user_attrs.get('job_num')})"
        )
    elif n_ok:
        lines.append(f"  Pareto front: {len(study.best_trials)} trial(s)")
    lines.append(f"  results: {path}")
    return "\n".join(lines)


def best_so_far(study: Any) -> str:
    """The best trial so far in a few words (a single objective), or '' when none completed."""
    if len(study.directions) != 1:
        return ""
    try:
        b = study.best_trial
    except ValueError:  # no trial completed yet
        return ""
    return f"best {fmt(b.value)} (trial #{b.number}: {params_text(b.params)})"
