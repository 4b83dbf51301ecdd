"""brainjar-analyze: loading, statistics, beliefs, reports, plots and the CLI.

A multirun is built by hand with known values: job dirs (``.hydra/`` and
``result.json``), the launcher's sweep files (written by the launcher's own writer)
and a real SQLite experiments DB written through :class:`ExperimentStore`. Every
statistic is compared with an independent computation made here with numpy/scipy
from the values the fixture wrote, not from what the loader read. Broken copies of
the fixture check the warnings. A real 6-job sweep is analysed through the CLI (slow).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from _extras import missing, need
from scipy import stats as sps

from brainjar_sweep import analysis
from brainjar_sweep.analysis import (
    LoadError,
    SweepData,
    belief_evolution,
    belief_summary,
    bootstrap_ci,
    build_report,
    compare_by_parameter,
    compare_self_report_responses,
    comparison_table,
    conditional_statistics,
    conditional_table,
    export,
    interaction_table,
    load,
    optimal_parameters,
    parameter_statistics,
    render_html,
    render_markdown,
    significance,
    sort_levels,
    threshold_effects,
)
from brainjar_sweep.analysis.cli import main as cli_main
from brainjar_sweep.records import JobRecord, write_sweep_files
from brainjar_sweep.store import ExperimentStore

RATES = (0.0, 0.5, 1.0)
CYCLES = (10, 20)
SEEDS = (0, 1, 2)
SWEEP_ID = "2026-01-01_10-00-00"
FAILED = (1.0, 20, 2)  # this job failed: it never counts in statistics
RETRIED = (0.5, 10, 1)  # attempt 1 failed in the DB, attempt 2 is the job's result


# ------------------------------------------------------------------------- the fixture


def crash_rate(rate: float, cycles: int, seed: int) -> float:
    """Known crash rate of a job: zero without corruption, then a jump, plus seed noise."""
    if rate == 0:
        return 0.0
    return {0.5: 0.2, 1.0: 0.25}[rate] + 0.05 * (cycles == 20) + 0.02 * seed


def accuracy(rate: float, cycles: int, seed: int, cycle: int) -> float:
    """Known memory_accuracy answer (0-100) at a reporting cycle."""
    if cycle == 0:
        return 90.0 + seed
    return 90.0 - 60.0 * rate + 2.0 * seed - 5.0 * (cycles == 20)


def continuity_text(rate: float, cycle: int) -> str:
    if cycle == 0 or rate < 0.5:
        return "I am the same mind that began this, and I trust my memories."
    return "I am not the same mind. I do not trust my memories; I distrust them."


class Fixture:
    """Paths of the hand-made multirun and the values it was built from."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sweep = root / "multirun" / "2026-01-01" / "10-00-00"
        self.db = root / "logs" / "experiments.db"
        self.jobs: list[dict[str, Any]] = []

    def completed(self) -> list[dict[str, Any]]:
        return [j for j in self.jobs if j["status"] == "completed"]


def _write_job(fx: Fixture, n: int, rate: float, cycles: int, seed: int) -> dict[str, Any]:
    exp_id = f"{SWEEP_ID}_exp{n:04d}"
    status = "failed" if (rate, cycles, seed) == FAILED else "completed"
    attempt = 2 if (rate, cycles, seed) == RETRIED else 1
    cr = crash_rate(rate, cycles, seed)
    answers = {c: accuracy(rate, cycles, seed, c) for c in (0, cycles)}
    yes = [seed % 2 == 0, False]
    metrics = {
        "total_cycles": cycles,
        "total_crashes": round(cr * cycles),
        "crash_rate": cr,
        "messages_per_cycle": 1.0 - cr,
        "memory_accuracy_mean": float(np.mean(list(answers.values()))),
    }
    job = fx.sweep / str(n)
    (job / ".hydra").mkdir(parents=True)
    overrides = [f"corruption_rate={rate:g}", f"max_cycles={cycles}", f"seed={seed}"]
    (job / ".hydra" / "overrides.yaml").write_text(yaml.safe_dump(overrides))
    (job / ".hydra" / "hydra.yaml").write_text(
        "hydra:\n  runtime:\n    choices:\n      mode: unstable_memory\n"
        "      mind: simulated\n      hydra/launcher: jetson\n"
    )
    (job / ".hydra" / "config.yaml").write_text(
        yaml.safe_dump({"corruption_rate": rate, "max_cycles": cycles, "seed": seed})
    )
    result = {
        "experiment_id": exp_id,
        "attempt": attempt,
        "status": status,
        "seed": seed,
        "config_hash": f"hash{n:04d}",
        "metrics": metrics,
        "started_at": "2026-01-01T10:00:00+00:00",
        "ended_at": "2026-01-01T10:00:01+00:00",
        "duration_seconds": 1.0,
        "stop_reason": "max_cycles" if status == "completed" else None,
        "error": "boom" if status == "failed" else None,
        "sweep_id": SWEEP_ID,
        "job_num": n,
        "db_url": f"sqlite:///{fx.db}",
    }
    (job / "result.json").write_text(json.dumps(result, indent=2))
    return {
        "n": n,
        "experiment_id": exp_id,
        "rate": rate,
        "cycles": cycles,
        "seed": seed,
        "status": status,
        "attempt": attempt,
        "overrides": overrides,
        "metrics": metrics,
        "answers": answers,
        "yes": yes,
    }


def _write_db(fx: Fixture) -> None:
    with ExperimentStore(f"sqlite:///{fx.db}") as store:
        for j in fx.jobs:
            store.create_experiment(
                experiment_id=j["experiment_id"],
                name="fixture",
                mode="unstable_memory",
                config={"seed": j["seed"]},
                config_hash=f"hash{j['n']:04d}",
                sweep_id=SWEEP_ID,
                job_num=j["n"],
                seed=j["seed"],
            )
            if j["attempt"] == 2:  # a failed first attempt with different answers
                first = store.start_attempt(j["experiment_id"], hostname="h", pid=1)
                store.write_events(
                    j["experiment_id"],
                    first,
                    {
                        "self_reports": [
                            {
                                "cycle_number": 0,
                                "question_id": "memory_accuracy",
                                "response": "0",
                                "scale_value": 0.0,
                            }
                        ]
                    },
                )
                store.finish_attempt(j["experiment_id"], first, status="failed", error="x")
            attempt = store.start_attempt(j["experiment_id"], hostname="h", pid=1)
            reports = []
            for cycle, value in j["answers"].items():
                reports += [
                    {
                        "cycle_number": cycle,
                        "mind_id": "mind",
                        "trigger": "schedule",
                        "question_id": "memory_accuracy",
                        "category": "memory_trust",
                        "response": f"I'd say {value:g} out of 100.",
                        "scale_value": value,
                    },
                    {
                        "cycle_number": cycle,
                        "mind_id": "mind",
                        "trigger": "schedule",
                        "question_id": "surveillance_belief",
                        "category": "surveillance_belief",
                        "response": "Yes." if j["yes"][cycle != 0] else "No.",
                        "yes_no": j["yes"][cycle != 0],
                    },
                    {
                        "cycle_number": cycle,
                        "mind_id": "mind",
                        "trigger": "schedule",
                        "question_id": "self_continuity_narrative",
                        "category": "self_continuity",
                        "response": continuity_text(j["rate"], cycle),
                    },
                ]
            cycles = [
                {"cycle_number": c, "duration_seconds": 0.01, "deaths": 0}
                for c in range(1, j["cycles"] + 1)
            ]
            crashes = [
                {"cycle_number": c, "mind_id": "mind", "crash_number": i + 1, "reason": "oom"}
                for i, c in enumerate(range(2, 2 + j["metrics"]["total_crashes"]))
            ]
            store.write_events(
                j["experiment_id"],
                attempt,
                {"cycles": cycles, "crashes": crashes, "self_reports": reports},
            )
            store.finish_attempt(
                j["experiment_id"], attempt, status=j["status"], error=None, metrics={}
            )


def build_fixture(root: Path, *, sweep_files: bool = True) -> Fixture:
    """Write the hand-made multirun (18 jobs, one failed, one retried) and its DB."""
    fx = Fixture(root)
    fx.sweep.mkdir(parents=True)
    n = 0
    for rate in RATES:
        for cycles in CYCLES:
            for seed in SEEDS:
                fx.jobs.append(_write_job(fx, n, rate, cycles, seed))
                n += 1
    _write_db(fx)
    (fx.sweep / "multirun.yaml").write_text(
        yaml.safe_dump(
            {
                "hydra": {
                    "overrides": {
                        "task": ["corruption_rate=0,0.5,1", "max_cycles=10,20", "seed=0,1,2"]
                    },
                    "runtime": {
                        "cwd": str(root),
                        "choices": {"mode": "unstable_memory", "mind": "simulated"},
                    },
                },
                "db": {"path": "logs/experiments.db", "url": None},
                "corruption_rate": 0.3,
                "max_cycles": 20,
                "seed": 0,
            }
        )
    )
    if sweep_files:
        write_sweep_files(fx.sweep, SWEEP_ID, _records(fx))
    return fx


def _records(fx: Fixture) -> list[JobRecord]:
    records = []
    for j in fx.jobs:
        done = j["status"] == "completed"
        records.append(
            JobRecord(
                job_num=j["n"],
                overrides=j["overrides"],
                status=j["status"],
                reason=None if done else "RuntimeError: boom",
                experiment_id=j["experiment_id"] if done else None,
                start_time="2026-01-01T10:00:00+00:00",
                end_time="2026-01-01T10:00:01+00:00",
                duration_seconds=1.5,
                memory_gb=2.5,
                metrics=dict(j["metrics"]) if done else {},
            )
        )
    return records


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return build_fixture(tmp_path_factory.mktemp("analysis"))


@pytest.fixture(scope="module")
def data(fixture_dir: Fixture) -> SweepData:
    return load([fixture_dir.sweep])


# ------------------------------------------------------------------ independent values


def groups_by(fx: Fixture, key: str, value: Any) -> dict[Any, list[float]]:
    """{parameter value: [metric values of completed jobs]}, straight from the fixture."""
    out: dict[Any, list[float]] = defaultdict(list)
    for j in fx.completed():
        out[j[key]].append(value(j))
    return dict(sorted(out.items()))


def crash(j: dict[str, Any]) -> float:
    return j["metrics"]["crash_rate"]


def sr_accuracy(j: dict[str, Any]) -> float:
    return float(np.mean(list(j["answers"].values())))


def numpy_bootstrap(values: list[float], n_boot: int = 2000, seed: int = 0) -> tuple[float, float]:
    """The documented resampling, written out with numpy: means of index resamples."""
    x = np.asarray(values, dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(x), size=(n_boot, len(x)))
    means = x[idx].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


# ---------------------------------------------------------------------------- loading


def test_load_reads_every_job_with_parameters_metrics_and_db(
    data: SweepData, fixture_dir: Fixture
) -> None:
    jobs = data.jobs.set_index("experiment_id")
    assert len(jobs) == 18
    assert data.swept == ["corruption_rate", "max_cycles"]
    assert data.replicate == "seed"
    assert data.fixed == {"mode": "unstable_memory", "mind": "simulated"}
    assert data.sweeps[0].source == "sweep files"
    assert data.sweeps[0].grid_size == 18
    assert data.warnings == []
    assert jobs["corruption_rate"].dtype == np.float64 and jobs["max_cycles"].dtype == np.int64
    for j in fixture_dir.jobs:
        row = jobs.loc[j["experiment_id"]]
        assert row["status"] == j["status"]
        assert row["corruption_rate"] == j["rate"] and row["max_cycles"] == j["cycles"]
        assert row["seed"] == j["seed"] and row["attempt"] == j["attempt"]
        assert row["config_hash"] == f"hash{j['n']:04d}"
        if j["status"] == "completed":
            assert row["crash_rate"] == pytest.approx(j["metrics"]["crash_rate"])
            # per-job self-report score from the DB: only the job's own attempt counts
            assert row["memory_accuracy_mean"] == pytest.approx(sr_accuracy(j))
            assert row["surveillance_yes_rate"] == pytest.approx(np.mean(j["yes"]))


def test_long_tables_hold_only_each_jobs_own_attempt(data: SweepData, fixture_dir: Fixture) -> None:
    reports = data.self_reports
    assert set(reports["attempt"].unique()) <= {1, 2}
    retried = next(j for j in fixture_dir.jobs if j["attempt"] == 2)
    mine = reports[reports["experiment_id"] == retried["experiment_id"]]
    assert set(mine["attempt"]) == {2} and len(mine) == 6
    assert {"corruption_rate", "max_cycles", "status", "job_num"} <= set(reports.columns)
    assert len(data.cycles) == sum(j["cycles"] for j in fixture_dir.jobs)
    assert len(data.crashes) == sum(j["metrics"]["total_crashes"] for j in fixture_dir.jobs)
    assert data.interventions.empty


def test_job_dirs_fallback_matches_the_sweep_files(tmp_path: Path, data: SweepData) -> None:
    fx = build_fixture(tmp_path, sweep_files=False)
    slow = load([fx.sweep])
    assert slow.sweeps[0].source == "job dirs"
    columns = ["experiment_id", "status", "corruption_rate", "max_cycles", "seed", "attempt"]
    columns += ["crash_rate", "memory_accuracy_mean"]
    left = data.jobs[columns].sort_values("experiment_id").reset_index(drop=True)
    right = slow.jobs[columns].sort_values("experiment_id").reset_index(drop=True)
    # a failed job's partial metrics are in its result.json, not in the sweep table
    right.loc[right["status"] != "completed", ["crash_rate"]] = np.nan
    pd.testing.assert_frame_equal(left, right, check_dtype=False)


def test_date_dir_overlapping_paths_and_copies_count_each_experiment_once(
    tmp_path: Path,
) -> None:
    fx = build_fixture(tmp_path)
    copy = fx.sweep.parent / "10-30-00"
    shutil.copytree(fx.sweep, copy)
    data = load([fx.sweep.parent, fx.sweep])
    assert len(data.jobs) == 18
    assert data.jobs["experiment_id"].is_unique
    assert sum("duplicate of experiment" in w for w in data.warnings) == 18


def test_loading_never_writes_to_the_store(tmp_path: Path) -> None:
    fx = build_fixture(tmp_path)
    before = hashlib.sha256(fx.db.read_bytes()).hexdigest()
    for suffix in ("-wal", "-shm"):
        Path(f"{fx.db}{suffix}").unlink(missing_ok=True)
    data = load([fx.sweep])
    assert not data.cycles.empty
    assert hashlib.sha256(fx.db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in fx.db.parent.iterdir()) == ["experiments.db"]


def test_db_reads_through_sqlalchemy_too(fixture_dir: Fixture) -> None:
    """Non-SQLite URLs go through SQLAlchemy; the same queries work there."""
    from sqlalchemy import create_engine

    from brainjar_sweep.store import StoreReader

    load_module = sys.modules["brainjar_sweep.analysis.load.database"]
    ids = [j["experiment_id"] for j in fixture_dir.jobs]
    with StoreReader(create_engine(f"sqlite:///{fixture_dir.db}")) as reader:
        frame = load_module._read_events(reader, "self_reports", ids)
    assert len(frame) == 18 * 6 + 1  # plus the retried job's failed first attempt
    assert set(frame["attempt"]) == {1, 2}


def test_db_override_and_missing_db(tmp_path: Path) -> None:
    fx = build_fixture(tmp_path)
    moved = tmp_path / "elsewhere.db"
    shutil.move(fx.db, moved)
    data = load([fx.sweep])
    assert data.self_reports.empty and any("no experiments DB" in w for w in data.warnings)
    assert data.metrics.count("memory_accuracy_mean") == 1  # result.json's, one name
    data = load([fx.sweep], db=str(moved))
    assert data.db_urls == [f"sqlite:///{moved}"] and not data.self_reports.empty


def test_parameter_values_of_any_type_sort() -> None:
    mixed = sort_levels([10, "b", None, 2.5, "a", True, [1, 2], 10])
    assert mixed == [None, True, 2.5, 10, [1, 2], "a", "b"]
    jobs = pd.DataFrame(
        {"status": ["completed"] * 4, "p": [None, "abc", 3, "[1, 2]"], "m": [1.0, 2.0, 3.0, 4.0]}
    )
    assert list(compare_by_parameter(jobs, "p", "m")) == [None, 3, "[1, 2]", "abc"]


def test_continuous_parameters_are_binned_for_comparisons() -> None:
    """An Optuna-style sweep (a value per trial) is compared in quantile bins."""
    rng = np.random.default_rng(0)
    rate = rng.random(40)
    jobs = pd.DataFrame({"status": ["completed"] * 40, "p": rate, "m": 2 * rate})
    st = parameter_statistics(jobs, "p", "m")
    assert len(st) == 8 and st["n"].sum() == 40
    assert st["mean"].is_monotonic_increasing
    assert significance(jobs, "p", "m").k == 8


# ------------------------------------------------------------------------- statistics


def test_per_value_statistics_match_numpy(data: SweepData, fixture_dir: Fixture) -> None:
    for metric, value in (("crash_rate", crash), ("memory_accuracy_mean", sr_accuracy)):
        expected = groups_by(fixture_dir, "rate", value)
        st = parameter_statistics(data, "corruption_rate", metric)
        assert st.index.tolist() == list(expected)
        for v, xs in expected.items():
            row = st.loc[v]
            assert row["n"] == len(xs)
            assert row["mean"] == pytest.approx(np.mean(xs))
            assert row["std"] == pytest.approx(np.std(xs, ddof=1), abs=1e-12)
            assert row["median"] == pytest.approx(np.median(xs))
            assert row["min"] == pytest.approx(np.min(xs)) and row["max"] == pytest.approx(max(xs))
            lo, hi = numpy_bootstrap(xs)
            assert row["ci_low"] == pytest.approx(lo, abs=1e-9)
            assert row["ci_high"] == pytest.approx(hi, abs=1e-9)
    assert compare_by_parameter(data, "max_cycles", "crash_rate") == {
        c: pytest.approx(xs) for c, xs in groups_by(fixture_dir, "cycles", crash).items()
    }
    table = comparison_table(data, "corruption_rate", ["crash_rate", "memory_accuracy_mean"])
    assert table.columns.tolist() == [
        "n",
        "crash_rate_mean",
        "memory_accuracy_mean_mean",
        "crash_rate_std",
        "memory_accuracy_mean_std",
    ]
    assert table["crash_rate_mean"].tolist() == pytest.approx(
        [np.mean(x) for x in groups_by(fixture_dir, "rate", crash).values()]
    )


def test_bootstrap_is_seeded_and_agrees_with_scipy() -> None:
    x = [0.1, 0.4, 0.35, 0.8, 0.55, 0.2, 0.9, 0.05]
    assert bootstrap_ci(x, seed=3) == bootstrap_ci(x, seed=3)
    assert bootstrap_ci(x, seed=3) == pytest.approx(numpy_bootstrap(x, seed=3), abs=1e-12)
    ref = sps.bootstrap(
        (np.asarray(x),), np.mean, n_resamples=20000, method="percentile", random_state=1
    ).confidence_interval
    lo, hi = bootstrap_ci(x, n_boot=20000)
    assert lo == pytest.approx(ref.low, abs=0.03) and hi == pytest.approx(ref.high, abs=0.03)
    assert all(math.isnan(v) for v in bootstrap_ci([1.0]))
    assert bootstrap_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)


def test_tests_and_effect_sizes_match_scipy(data: SweepData, fixture_dir: Fixture) -> None:
    for key, param in (("rate", "corruption_rate"), ("cycles", "max_cycles")):
        for metric, value in (("crash_rate", crash), ("memory_accuracy_mean", sr_accuracy)):
            groups = list(groups_by(fixture_dir, key, value).values())
            r = significance(data, param, metric)
            h, kp = sps.kruskal(*groups)
            f, fp = sps.f_oneway(*groups)
            allv = np.concatenate(groups)
            n = len(allv)
            eta = sum(len(g) * (np.mean(g) - allv.mean()) ** 2 for g in groups) / np.sum(
                (allv - allv.mean()) ** 2
            )
            assert (r.k, r.n) == (len(groups), n)
            assert r.kruskal_h == pytest.approx(h) and r.kruskal_p == pytest.approx(kp)
            assert r.epsilon_sq == pytest.approx(h / (n - 1))
            assert r.anova_f == pytest.approx(f) and r.anova_p == pytest.approx(fp)
            assert r.eta_sq == pytest.approx(eta)
    flat = pd.DataFrame({"status": ["completed"] * 4, "p": [0, 0, 1, 1], "m": [1.0] * 4})
    assert significance(flat, "p", "m").note == "no variation"


def cells(fx: Fixture, value: Any) -> dict[tuple[float, int], list[float]]:
    out: dict[tuple[float, int], list[float]] = defaultdict(list)
    for j in fx.completed():
        out[(j["rate"], j["cycles"])].append(value(j))
    return out


def test_conditioned_statistics_and_interactions_aggregate_replicates(
    data: SweepData, fixture_dir: Fixture
) -> None:
    expected = cells(fixture_dir, sr_accuracy)
    cond = conditional_statistics(data, "corruption_rate", "memory_accuracy_mean")
    assert cond.columns.tolist()[:3] == ["max_cycles", "corruption_rate", "n"]
    for row in cond.itertuples():
        xs = expected[(row.corruption_rate, row.max_cycles)]
        assert row.n == len(xs) and row.mean == pytest.approx(np.mean(xs))
        assert (row.ci_low, row.ci_high) == pytest.approx(numpy_bootstrap(xs), abs=1e-9)
    table = conditional_table(data, "corruption_rate", "memory_accuracy_mean")
    for cycles in CYCLES:
        for rate in RATES:
            assert table.loc[cycles, rate] == pytest.approx(np.mean(expected[(rate, cycles)]))
        groups = [expected[(rate, cycles)] for rate in RATES]
        assert table.loc[cycles, "kruskal_p"] == pytest.approx(sps.kruskal(*groups).pvalue)
        assert table.loc[cycles, "n"] == sum(len(g) for g in groups)
    inter = interaction_table(data, "corruption_rate", "max_cycles", "crash_rate")
    crash_cells = cells(fixture_dir, crash)
    for rate in RATES:
        for cycles in CYCLES:
            # the failed job leaves 2 replicates in one cell: the cell mean is still theirs
            assert inter.loc[rate, cycles] == pytest.approx(np.mean(crash_cells[(rate, cycles)]))


def test_threshold_effects_are_stable_near_zero_and_report_jumps_from_zero(
    data: SweepData, fixture_dir: Fixture
) -> None:
    means = [np.mean(x) for x in groups_by(fixture_dir, "rate", crash).values()]
    floor = 0.1 * max(abs(m) for m in means)
    t = threshold_effects(data, "corruption_rate", "crash_rate", threshold=0.5)
    assert t[["from", "to"]].values.tolist() == [[0.0, 0.5]]
    assert bool(t["from_zero"].iloc[0])
    assert t["relative_change"].iloc[0] == pytest.approx((means[1] - means[0]) / floor)
    xa, xb = list(groups_by(fixture_dir, "rate", crash).values())[:2]
    assert t["p_value"].iloc[0] == pytest.approx(
        sps.mannwhitneyu(xa, xb, alternative="two-sided").pvalue
    )
    # a tiny change between two tiny means is not a jump
    tiny = pd.DataFrame({"status": ["completed"] * 3, "p": [0, 1, 2], "m": [0.001, 0.0011, 1.0]})
    assert threshold_effects(tiny, "p", "m")[["from", "to"]].values.tolist() == [[1, 2]]


def test_optimal_parameters_use_cell_means(data: SweepData, fixture_dir: Fixture) -> None:
    expected = {k: np.mean(v) for k, v in cells(fixture_dir, sr_accuracy).items()}
    best = optimal_parameters(data, "memory_accuracy_mean", minimize=True)
    (rate, cycles), value = min(expected.items(), key=lambda kv: kv[1])
    assert best is not None
    assert best.parameters == {"corruption_rate": rate, "max_cycles": cycles}
    assert best.value == pytest.approx(value)
    high = optimal_parameters(data, "memory_accuracy_mean", minimize=False)
    assert high is not None and high.value == pytest.approx(max(expected.values()))
    nothing = data.jobs.assign(status="failed")
    assert optimal_parameters(nothing, "crash_rate", params=["corruption_rate"]) is None


# ---------------------------------------------------------------------------- beliefs


def test_beliefs_are_whole_word_and_negation_aware(data: SweepData, fixture_dir: Fixture) -> None:
    s = belief_summary(data, "corruption_rate", "trust").set_index("corruption_rate")
    for rate in RATES:
        jobs = [j for j in fixture_dir.completed() if j["rate"] == rate]
        # 6 answers per job; only the continuity answers mention "trust" (never "distrust")
        assert s.loc[rate, "jobs"] == len(jobs) and s.loc[rate, "responses"] == 6 * len(jobs)
        assert s.loc[rate, "mentions"] == 2 * len(jobs)
        negated = len(jobs) if rate >= 0.5 else 0
        assert s.loc[rate, "negated"] == negated
        assert s.loc[rate, "affirmed"] == 2 * len(jobs) - negated
        assert s.loc[rate, "mention_rate"] == pytest.approx(2 / 6)
        assert s.loc[rate, "net_stance"] == pytest.approx(0.0 if rate >= 0.5 else 1.0)
        assert s.loc[rate, "early"] == pytest.approx(1.0)
        assert s.loc[rate, "late"] == pytest.approx(-1.0 if rate >= 0.5 else 1.0)
    ev = belief_evolution(data, "corruption_rate", "same")
    last = ev[ev["cycle_number"] > 0]
    assert set(last.loc[last["corruption_rate"] == 1.0, "net_stance"]) == {-1.0}
    assert set(last.loc[last["corruption_rate"] == 0.0, "net_stance"]) == {1.0}
    first = ev[ev["cycle_number"] == 0]
    assert first["jobs"].tolist() == [6, 6, 5] and set(first["net_stance"]) == {1.0}
    answers = compare_self_report_responses(data, "self_continuity_narrative", "corruption_rate")
    assert list(answers) == list(RATES)
    assert len(answers[1.0]) == 2 * 5 and answers[1.0][0].startswith("I am the same")


# ---------------------------------------------------------------------------- reports


def test_report_model_markdown_html_and_export(data: SweepData, tmp_path: Path) -> None:
    report = build_report(data, n_boot=500)
    titles = [s.title for s in report.sections]
    # the answer first, then the findings with their plots, the bookkeeping last
    assert titles[:3] == [
        "Question and answer",
        "Effect of corruption_rate",
        "Effect of max_cycles",
    ]
    assert titles[-3:] == ["Design", "Overview", "Job status"]
    # the plots that show most are numbered first and open the answer
    ranked = sorted(p.name for p in report.plots)
    lead = [p.name for p in report.sections[0].plots]
    assert lead and lead == ranked[: len(lead)] and lead[0].startswith("01-")
    assert len({p.name for p in report.plots}) == len(report.plots)
    assert "What changed with what" in titles and "Effect of corruption_rate" in titles
    assert "Self-reports and beliefs" in titles
    md = render_markdown(report)
    # blocked on seed, corruption_rate tested at each max_cycles (nested) separately
    assert "| crash_rate | corruption_rate | max_cycles=10 | Friedman | 3 |" in md
    assert "| crash_rate | corruption_rate | max_cycles=20 | Friedman | 2 |" in md  # failed job
    assert "Not tested, fixed by the design (in the tables, not plotted): total_cycles" in md
    assert "messages_per_cycle carries the same information as crash_rate" in md
    assert "seed takes 3 values; 2-3 completed jobs per cell" in md
    page = render_html(report, [("a plot", b"\x89PNG\r\n\x1a\n")])
    assert page.startswith("<!DOCTYPE html>") and "data:image/png;base64," in page
    written = export(data, "csv", tmp_path / "out.csv", metrics=["crash_rate"], n_boot=200)
    assert [p.name for p in written] == [
        "out.csv",
        "out.cells.csv",
        "out.cycles.csv",
        "out.crashes.csv",
        "out.self_reports.csv",
    ]
    back = pd.read_csv(tmp_path / "out.csv")
    assert len(back) == 18 and back["crash_rate"].notna().sum() == 17
    cells_back = pd.read_csv(tmp_path / "out.cells.csv")
    assert len(cells_back) == 6 and cells_back["n"].sum() == 17
    export(data, "json", tmp_path / "out.json", metrics=["crash_rate"], n_boot=200)
    body = json.loads((tmp_path / "out.json").read_text())
    assert body["parameters"] == ["corruption_rate", "max_cycles"] and len(body["rows"]) == 18


def test_parquet_export_or_a_one_line_install_hint(data: SweepData, tmp_path: Path) -> None:
    if missing("parquet"):
        with pytest.raises(
            analysis.MissingExtraError, match=r"pip install brainjar-sweep\[parquet\]"
        ):
            export(data, "parquet", tmp_path / "x.parquet")
        need("parquet")  # the export itself: skipped, or a failure where the extra is required
    export(data, "parquet", tmp_path / "x.parquet", metrics=["crash_rate"], n_boot=100)
    back = pd.read_parquet(tmp_path / "x.parquet")
    assert (
        len(back) == 18
        and back["corruption_rate"].tolist() == data.jobs["corruption_rate"].tolist()
    )
    assert len(pd.read_parquet(tmp_path / "x.self_reports.parquet")) == len(data.self_reports)


def test_plots_are_real_images(data: SweepData, tmp_path: Path) -> None:
    from PIL import Image

    from brainjar_sweep.analysis.plots import write_plots

    paths = write_plots(data, tmp_path, ["crash_rate"], keywords=("same",), n_boot=200)
    names = sorted(p.name for p in paths)
    assert names == [
        "belief__same__by__corruption_rate.png",
        "belief__same__by__max_cycles.png",
        "crash_rate__vs__corruption_rate.png",
        "crash_rate__vs__max_cycles.png",
        "heatmap__crash_rate__corruption_rate__x__max_cycles.png",
    ]
    with Image.open(tmp_path / "crash_rate__vs__corruption_rate.png") as im:
        assert im.format == "PNG" and im.width > 400 and im.height > 300
        assert len(np.unique(np.asarray(im.convert("L")))) > 10  # not a blank canvas


# ----------------------------------------------------------------- broken sweep dirs


def damage(fx: Fixture) -> None:
    """Truncated result.json, missing .hydra/, an interrupted job, foreign entries."""
    (fx.sweep / "1" / "result.json").write_text('{"experiment_id": "trunc')
    shutil.rmtree(fx.sweep / "2" / ".hydra")
    (fx.sweep / "4" / "result.json").unlink()  # killed before it wrote a result
    (fx.sweep / "notes.txt").write_text("not a job")
    (fx.sweep / "scratch").mkdir()
    other = fx.sweep / "99"
    shutil.copytree(fx.sweep / "3", other)
    result = json.loads((other / "result.json").read_text())
    result.update(sweep_id="another_sweep", experiment_id="another_sweep_exp0000")
    (other / "result.json").write_text(json.dumps(result))


@pytest.mark.parametrize("sweep_files", [True, False], ids=["sweep-files", "job-dirs"])
def test_broken_job_dirs_give_warnings_and_a_report_over_the_rest(
    tmp_path: Path, sweep_files: bool
) -> None:
    fx = build_fixture(tmp_path, sweep_files=sweep_files)
    if sweep_files:  # the table still says job 4 is running: the sweep was killed
        records = _records(fx)
        records[4].status = "running"
        write_sweep_files(fx.sweep, SWEEP_ID, records)
        table = fx.sweep / "sweep_table.csv"
        then = table.stat().st_mtime - 60  # the damage comes later than the sweep
        os.utime(table, (then, then))
    damage(fx)
    data = load([fx.sweep])
    why = {Path(p).name: reason for p, reason in data.skipped}
    assert why["1"] == "truncated or corrupt result.json"
    assert why["2"].startswith("no .hydra/")
    assert why["4"].startswith("unfinished") and "interrupted" in why["4"]
    assert why["99"].startswith("foreign job")
    assert why["notes.txt"].startswith("foreign entry") and why["scratch"].startswith("foreign")
    assert len(data.jobs) == 18 - 3
    assert sorted(data.jobs["job_num"].tolist()) == [n for n in range(18) if n not in (1, 2, 4)]
    assert sum(w.startswith("skipped ") for w in data.warnings) == 6
    md = render_markdown(build_report(data, n_boot=200))
    assert "Jobs: 19 found, 15 used (14 completed, 1 failed), 4 skipped; 2 other entries" in md
    assert "## Effect of corruption_rate" in md


def test_no_usable_job_is_a_load_error(tmp_path: Path) -> None:
    sweep = tmp_path / "multirun" / "d" / "t"
    (sweep / "0" / ".hydra").mkdir(parents=True)
    with pytest.raises(LoadError, match="no usable jobs"):
        load([sweep])
    with pytest.raises(LoadError, match="no such path"):
        load([tmp_path / "nope"])


# ------------------------------------------------------------------------------- CLI


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli_main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_one_line_errors(
    fixture_dir: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([str(tmp_path / "missing")], capsys)
    assert code == 2 and err.strip().count("\n") == 0 and err.startswith("error: no such path")
    code, out, err = run_cli([str(fixture_dir.sweep), "--metric", "nonsense"], capsys)
    assert code == 2 and err.startswith("error: unknown metric 'nonsense'; available:")
    assert err.strip().count("\n") == 0
    if missing("parquet"):
        code, out, err = run_cli(
            [str(fixture_dir.sweep), "--export", "parquet", "--export-path", str(tmp_path / "x")],
            capsys,
        )
        assert code == 2 and "pip install brainjar-sweep[parquet]" in err
        assert err.strip().count("\n") == 0


def test_cli_terminal_report_and_files(
    fixture_dir: Fixture, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli([str(fixture_dir.sweep.parent), "--bootstrap", "300"], capsys)
    assert code == 0, err
    assert "Effect of corruption_rate" in out and "Friedman" in out
    md = tmp_path / "r.md"
    args = [str(fixture_dir.sweep), "--metric", "crash_rate", "memory_accuracy_mean"]
    args += ["--output", str(md), "--export", "json", "--export-path", str(tmp_path / "e.json")]
    code, out, err = run_cli(args + ["--bootstrap", "300"], capsys)
    assert code == 0, err
    assert "memory_accuracy_mean" in md.read_text() and (tmp_path / "e.json").is_file()
    assert "18 jobs used (17 completed), 0 skipped" in out


# ---------------------------------------------------------------- a real sweep (slow)


def _run(cmd: list[str], cwd: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def _console_script() -> list[str]:
    script = shutil.which("brainjar-analyze")
    return [script] if script else [sys.executable, "-m", "brainjar_sweep.analysis"]


@pytest.fixture(scope="module")
def real_sweep(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    cwd = tmp_path_factory.mktemp("real")
    proc = _run(
        [
            sys.executable,
            "-m",
            "brainjar_sweep",
            "-m",
            "corruption_rate=0,0.5,1",
            "max_cycles=10,20",
        ],
        cwd,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    yield cwd


@pytest.mark.slow
def test_real_sweep_report_through_the_cli(real_sweep: Path) -> None:
    from PIL import Image

    (date_dir,) = (real_sweep / "multirun").iterdir()
    proc = _run(
        [*_console_script(), f"multirun/{date_dir.name}", "--plots", "plots", "-o", "report.md"],
        real_sweep,
    )
    assert proc.returncode == 0, proc.stderr
    assert "6 jobs used (6 completed), 0 skipped" in proc.stdout
    md = (real_sweep / "report.md").read_text()
    assert "Experiments DB: sqlite:///" in md
    # one seed for every cell: no replication, so descriptives without any p-value
    assert "No replication: every cell holds one run" in md and "Friedman" not in md
    for metric in ("memory_accuracy_mean", "reality_trust_mean"):
        assert f"| {metric} | max_cycles=10 | 0 | 1 |" in md  # per-value statistics with n
    # the same at every corruption rate within each run length: one line, no rows
    assert "The same at every value of corruption_rate: crash_rate (0.1 at max_cycles=10" in md
    assert "| metric | at | corruption_rate | n (seeds) | mean | 95% CI |" in md
    assert "Descriptive: memory_accuracy_mean along corruption_rate at max_cycles=20" in md
    top = "01-memory_accuracy_mean__vs__corruption_rate.png"
    assert (
        f"![memory accuracy, mean self-report (0-100) against corruption_rate](plots/{top})" in md
    )
    pngs = sorted((real_sweep / "plots").glob("*.png"))
    assert len(pngs) >= 10 and pngs[0].name == top
    for png in pngs[:3]:
        with Image.open(png) as im:
            im.verify()
        with Image.open(png) as im:
            assert im.width >= 500 and len(np.unique(np.asarray(im.convert("L")))) > 10


@pytest.mark.slow
def test_real_sweep_date_dir_alone_prints_the_report(real_sweep: Path) -> None:
    (date_dir,) = (real_sweep / "multirun").iterdir()
    proc = _run([*_console_script(), f"multirun/{date_dir.name}"], real_sweep)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Sweep analysis:" in out and "Effect of corruption_rate" in out
    assert "crash_rate" in out and "memory_accuracy_mean" in out and "95% CI" in out
    assert "No replication" in out and "Net stance per cycle by corruption_rate" in out
    assert out.index("Question and answer") < out.index("Overview")
