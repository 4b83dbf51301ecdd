"""Every level of every swept parameter of every preset can matter.

For each preset (``conf/sweep/*.yaml``) and each parameter it sweeps, the runs at different
levels of that parameter must differ (their metrics or their memories are not identical) for
every combination of the other parameters, the three seeds included. The simulated mind runs
in-process, at each preset's own length; an Optuna preset's search space is probed at its
choices and at three points of each interval.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from functools import cache
from typing import Any

import pytest
import yaml
from _cli import cli, db_rows

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


@pytest.mark.slow  # runs every preset's grid (small) in this process: about half a minute
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


@pytest.mark.slow
def test_paranoia_is_not_saturated_in_the_observer_effect_preset() -> None:
    """Paranoia used to reach 1.0 after four hints, so hint frequencies up to 5 looked alike."""
    levels = grid("self_report_frequency")
    means = {}
    for n in levels["interventions.0.trigger_params.n"]:
        finals = [
            json.loads(
                outcome(
                    "self_report_frequency",
                    (
                        f"self_report.every_n_cycles={every}",
                        f"interventions.0.trigger_params.n={n}",
                        f"seed={seed}",
                    ),
                )
            )[0]["paranoia_final"]
            for every in levels["self_report.every_n_cycles"]
            for seed in levels["seed"]
        ]
        assert max(finals) < 0.99, n
        means[n] = sum(finals) / len(finals)
    assert means["2"] > means["3"] > means["5"]


@pytest.mark.slow
def test_a_preset_runs_its_seeds_records_its_question_and_reproduces(tmp_path) -> None:
    """The real sweep: ram_limits, cut to 8 cycles, through the sweeper and the launcher."""
    proc = cli(tmp_path, "-m", "+sweep=ram_limits", "max_cycles=8", "hydra.sweep.dir=sw")
    assert proc.returncode == 0, proc.stderr[-3000:]
    question = preset_doc("ram_limits")["research_question"]
    multirun = yaml.safe_load((tmp_path / "sw" / "multirun.yaml").read_text())
    assert multirun["research_question"] == question
    rows = list(csv.DictReader((tmp_path / "sw" / "sweep_table.csv").open()))
    cells = {(r["resources.ram_limit_gb"], r["seed"]) for r in rows}
    assert cells == {(g, s) for g in grid("ram_limits")["resources.ram_limit_gb"] for s in SEEDS}
    crashes = {
        g: [int(r["total_crashes"]) for r in rows if r["resources.ram_limit_gb"] == g]
        for g in ("1", "2", "8")
    }
    assert min(crashes["1"]) > max(crashes["2"]) > max(crashes["8"])
    # the same cell and seed give the same rows: run job 0 again, in another working dir with
    # its own database (the same sweep_id with another grid in one database is refused)
    other = tmp_path / "other"
    other.mkdir()
    again = cli(
        other,
        "-m",
        "+sweep=ram_limits",
        "max_cycles=8",
        "resources.ram_limit_gb=1",
        "seed=0",
        "hydra.sweep.dir=again",
    )
    assert again.returncode == 0, again.stderr[-3000:]
    sql = (
        "select cycle_number, mind_id, role, content, corrupted, injected, tokens from messages "
        "where experiment_id = 'ram_limits_sweep_001_exp0000' and attempt = 1 order by id"
    )
    first = db_rows(tmp_path, sql)
    assert first and first == db_rows(other, sql)
