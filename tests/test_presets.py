"""Every level of every swept parameter of every preset can matter.

For each preset (``conf/sweep/*.yaml``) and each parameter it sweeps, the runs at different
levels of that parameter must differ (their metrics or their memories are not identical) for
every combination of the other parameters, the three seeds included. The simulated mind runs
in-process, at each preset's own length; an Optuna preset's search space is probed at its
choices and at three points of each interval.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from typing import Any

import pytest
import yaml

from brainjar_sweep.config import compose, conf_dir, resolve_experiment
from brainjar_sweep.jar.runner import Jar

PRESETS = sorted(p.stem for p in (conf_dir() / "sweep").glob("*.yaml"))
SEEDS = ["0", "1", "2"]
# wall-clock figures, not outcomes
_CLOCK = {"duration_seconds", "tokens_per_second", "model_load_seconds"}


def preset_doc(preset: str) -> dict[str, Any]:
    return yaml.safe_load((conf_dir() / "sweep" / f"{preset}.yaml").read_text())


def _levels(spec: Any) -> list[str]:
    """The values to run of one search-space entry (a grid's list, or Optuna's syntax)."""
    text = str(spec).strip()
    m = re.fullmatch(r"interval\(\s*([^,]+),\s*([^)]+)\)", text)
    if m:
        lo, hi = float(m.group(1)), float(m.group(2))
        return [f"{lo + (hi - lo) * q:g}" for q in (0.1, 0.5, 0.9)]
    m = re.fullmatch(r"choice\((.*)\)", text)
    if m:
        text = m.group(1)
    return [v.strip() for v in text.split(",")]


def grid(preset: str) -> dict[str, list[str]]:
    params = preset_doc(preset)["hydra"]["sweeper"]["params"]
    levels = {k: _levels(v) for k, v in params.items()}
    # an Optuna study samples its space; the test still runs each point with three seeds
    levels.setdefault("seed", SEEDS)
    return levels


@cache
def experiment(preset: str, overrides: tuple[str, ...]) -> dict[str, Any]:
    """The validated experiment of one point of a preset (composing is the slow part)."""
    sweeper = ["hydra/sweeper=brainjar_optuna"] if "optuna" in preset else []
    return resolve_experiment(compose([*sweeper, f"+sweep={preset}", *overrides]))


@cache
def outcome(preset: str, overrides: tuple[str, ...]) -> str:
    """Everything one run produced except wall-clock figures: metrics and each mind's memory."""
    seed = [o for o in overrides if o.startswith("seed=")]
    rest = tuple(sorted(o for o in overrides if not o.startswith("seed=")))
    exp = dict(experiment(preset, rest), seed=int(seed[-1].split("=")[1]))
    jar = Jar(exp, experiment_id="e")
    res = jar.run()
    assert res.status == "completed", res.error
    metrics = {k: v for k, v in res.metrics.items() if k not in _CLOCK}
    memory = {
        mid: [(m.role, m.content, m.corrupted, m.injected) for m in st.memory]
        for mid, st in jar.states.items()
    }
    return json.dumps([metrics, memory], sort_keys=True, default=str)


@pytest.mark.parametrize("preset", [p for p in PRESETS if "optuna" not in p])
def test_grid_presets_replicate_with_three_seeds(preset: str) -> None:
    assert _levels(preset_doc(preset)["hydra"]["sweeper"]["params"]["seed"]) == SEEDS


@pytest.mark.parametrize("preset", PRESETS)
def test_every_level_of_every_swept_parameter_changes_the_runs(preset: str) -> None:
    levels = grid(preset)
    keys = list(levels)
    for key in keys:
        if key == "seed":
            continue
        others = [k for k in keys if k != key]
        for combo in itertools.product(*(levels[k] for k in others)):
            fixed = [f"{k}={v}" for k, v in zip(others, combo, strict=True)]
            runs = {v: outcome(preset, tuple([*fixed, f"{key}={v}"])) for v in levels[key]}
            same = [(a, b) for a, b in itertools.combinations(levels[key], 2) if runs[a] == runs[b]]
            assert not same, f"{preset}: {key} at {same} gives identical runs with {fixed}"
