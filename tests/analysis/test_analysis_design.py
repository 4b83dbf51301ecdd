"""The design-aware analysis on synthetic sweeps whose answer is known."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from brainjar_sweep.analysis import build_report, render_markdown
from brainjar_sweep.analysis.cli import main
from brainjar_sweep.analysis.design import detect_design
from brainjar_sweep.analysis.inference import (
    adjust,
    effect_tests,
    interaction_tests,
    level_crossings,
)
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.synthetic import synthetic_sweep


def _tests(data: SweepData, metrics: list[str] | None = None, method: str = "holm") -> list:
    design = detect_design(data, metrics or list(data.metrics))
    tests = effect_tests(design)
    if len(design.params) >= 2:
        tests += interaction_tests(design)
    return adjust(tests, method)


def _answer(data: SweepData, **kw: object) -> list[str]:
    report = build_report(data, n_boot=200, **kw)
    first = report.sections[0]
    assert first.title == "Question and answer"
    return next(b for b in first.blocks if isinstance(b, list))


def test_exact_copies_of_cells_are_collapsed_and_never_significant() -> None:
    # b changes nothing: the jobs at b=1 are exact copies of those at b=0 (same seed)
    base = synthetic_sweep({"a": [0, 1, 2]}, seeds=6, random_state=3).jobs
    jobs = pd.concat([base.assign(b=0), base.assign(b=1)], ignore_index=True)
    data = SweepData(jobs, params=["a", "b", "seed"], metrics=["m"])
    design = detect_design(data, ["m"])
    assert design.inert == ["b"] and design.params == ["a"] and design.collapsed == 18
    assert any("b changes nothing measured" in n for n in design.notes)
    tests = _tests(data)
    assert {t.param for t in tests} == {"a"}  # b is never tested
    assert all(t.n == 6 for t in tests)  # six seeds, not twelve copies
    assert not any(t.p_adj < 0.05 for t in tests if not math.isnan(t.p_adj))
    assert any(line.startswith("Nothing changes detectably") for line in _answer(data))


def test_copies_within_one_seed_are_identical_and_not_tested() -> None:
    # a has an effect only at b=1; at b=0 every value of a gives the same job per seed
    data = synthetic_sweep(
        {"a": [0, 1, 2], "b": [0, 1]}, seeds=6, effect=lambda c: 4.0 * c["a"] * c["b"]
    )
    jobs = data.jobs.copy()
    at0 = jobs["b"] == 0
    first = jobs[at0 & (jobs["a"] == 0)].set_index("seed")["m"]
    jobs.loc[at0, "m"] = jobs.loc[at0, "seed"].map(first).to_numpy()
    data = SweepData(jobs, params=data.params, metrics=["m"])
    tests = _tests(data)
    omni = [t for t in tests if t.kind == "omnibus" and t.param == "a"]
    assert len(omni) == 1 and omni[0].stratum == ""  # b is not nested: a is tested once
    inter = [t for t in tests if t.kind == "interaction"]
    assert inter[0].p_adj < 0.05
    answer = _answer(data)
    assert any(line.startswith("The effect of a on m depends on b") for line in answer)


def test_planted_strong_effect_is_detected_with_shared_seeds() -> None:
    data = synthetic_sweep({"a": [0, 1, 2, 3]}, seeds=6, effect=lambda c: 3.0 * c["a"])
    tests = _tests(data)
    by = {t.kind: t for t in tests}
    assert by["omnibus"].test == "Friedman (blocked on seed)" and by["omnibus"].n == 6
    assert by["trend"].test == "Page's L (blocked on seed)"
    assert by["omnibus"].p_adj < 0.01 and by["trend"].p_adj < 0.01
    assert by["omnibus"].effect_low < 9.0 < by["omnibus"].effect_high  # last - first = 9
    answer = _answer(data)
    assert any(line.startswith("m changes with a (") for line in answer)


def test_independent_cells_get_independent_sample_tests() -> None:
    data = synthetic_sweep(
        {"a": [0, 1, 2]}, seeds=6, shared_seeds=False, effect=lambda c: 3.0 * c["a"]
    )
    design = detect_design(data, ["m"])
    assert not design.blocked
    by = {t.kind: t for t in adjust(effect_tests(design))}
    assert by["omnibus"].test == "Kruskal-Wallis" and by["omnibus"].n == 18
    assert by["omnibus"].p_adj < 0.01 and by["trend"].test == "Spearman"


def test_design_quantities_are_shown_not_tested_and_repeats_shown_once() -> None:
    data = synthetic_sweep(
        {"a": [0, 1, 2]},
        seeds=5,
        design={"cycles": lambda c: 10 + 5 * c["a"], "hints": lambda c: (10 + 5 * c["a"]) // 3},
    )
    design = detect_design(data, ["m", "cycles", "hints"])
    assert design.design_quantities == ["cycles"] and design.outcomes == ["m"]
    assert design.same_information == {"cycles": ["hints"]}
    tests = _tests(data, ["m", "cycles", "hints"])
    assert {t.metric for t in tests} == {"m"}
    md = render_markdown(build_report(data, metrics=["m", "cycles", "hints"], n_boot=100))
    assert "Not tested, fixed by the design (in the tables, not plotted): cycles." in md
    assert "| cycles | a |" not in md  # no test row for a design quantity


def test_no_replication_gives_descriptives_without_p_values() -> None:
    data = synthetic_sweep({"a": [0, 0.5, 1], "b": [10, 20]}, seeds=1, effect=lambda c: c["a"])
    tests = _tests(data)
    assert tests and all(math.isnan(t.p) for t in tests)
    answer = _answer(data)
    assert answer[0].startswith("No replication: every cell holds one run")
    assert "add seed=0,1,2" in answer[0]


def test_nested_run_lengths_are_analysed_apart() -> None:
    data = synthetic_sweep(
        {"rate": [0, 0.5, 1], "max_cycles": [10, 20]},
        seeds=5,
        effect=lambda c: -40.0 * c["rate"] * (c["max_cycles"] == 20),
    )
    design = detect_design(data, ["m"])
    assert design.nested == "max_cycles"
    tests = _tests(data)
    rate = [t for t in tests if t.param == "rate" and t.kind == "omnibus"]
    assert [t.stratum for t in rate] == ["max_cycles=10", "max_cycles=20"]
    assert all(t.n == 5 for t in rate)  # five seeds, never 10 pooled runs
    assert rate[1].p_adj < 0.05
    answer = _answer(data)
    assert any("m changes with rate at max_cycles=20 only" in line for line in answer)


def test_headline_uses_the_adjusted_p_value() -> None:
    # three seeds: the smallest Friedman p with 3 values is 1/36; over several metrics
    # a raw p below 0.05 does not survive Holm
    rng = np.random.default_rng(5)
    jobs = synthetic_sweep({"a": [0, 1, 2]}, seeds=3).jobs
    for i in range(6):
        jobs[f"m{i}"] = jobs["a"] * 1.0 + rng.normal(0, 0.3, len(jobs))
    metrics = [f"m{i}" for i in range(6)]
    data = SweepData(jobs, params=["a", "seed"], metrics=metrics)
    tests = _tests(data, metrics)
    raw = [t for t in tests if t.p < 0.05]
    assert raw and all(t.p_adj >= 0.05 for t in raw)
    assert all(t.p_adj >= t.p for t in tests if t.tested)
    answer = _answer(data, metrics=metrics)
    assert any(line.startswith("Nothing changes detectably") for line in answer)
    fdr = _tests(data, metrics, method="fdr_bh")
    assert all(t.p_adj <= h.p_adj for t, h in zip(fdr, tests, strict=True) if t.tested)


def test_null_sweeps_rarely_say_changes() -> None:
    hits = 0
    for i in range(20):
        data = synthetic_sweep({"a": [0, 1, 2], "b": [0, 1]}, seeds=5, random_state=100 + i)
        family = [t for t in _tests(data) if not math.isnan(t.p_adj)]
        # a: Friedman and Page; a x b. b (two values, five seeds) cannot reach 0.05: not counted
        assert len(family) == 3
        if any(t.p_adj < 0.05 for t in family):
            hits += 1
    assert hits <= 3  # 5% of 20 is 1; 3 or more has probability < 0.08 under calibration


def test_level_crossing_between_levels_with_a_ci() -> None:
    data = synthetic_sweep(
        {"rate": [0.0, 0.25, 0.5, 0.75, 1.0]}, seeds=6, effect=lambda c: 90 - 80 * c["rate"]
    )
    design = detect_design(data, ["m"])
    (c,) = level_crossings(design, "m", 50.0, n_boot=500)
    assert (c.lower, c.upper, c.direction) == (0.5, 0.75, "falls below")
    assert c.ci_low < c.point < c.ci_high and 0.4 < c.point < 0.6
    md = render_markdown(build_report(data, cross={"m": 50.0}, n_boot=200))
    assert "m falls below 50 between rate=0.5 and 0.75" in md and "## Level crossings" in md


def _disk_sweep(root: Path, question: str = "") -> Path:
    sweep = root / "12-00-00"
    data = synthetic_sweep(
        {"corruption_rate": [0.0, 0.5, 1.0]},
        seeds=4,
        effect=lambda c: 90 - 60 * c["corruption_rate"],
    )
    for n, row in data.jobs.iterrows():
        job = sweep / str(n)
        (job / ".hydra").mkdir(parents=True)
        (job / ".hydra" / "overrides.yaml").write_text(
            f"- corruption_rate={row['corruption_rate']}\n- seed={row['seed']}\n"
        )
        body = {
            "experiment_id": f"e{n}",
            "status": "completed",
            "attempt": 1,
            "seed": int(row["seed"]),
            "metrics": {"memory_accuracy_mean": float(row["m"])},
        }
        (job / "result.json").write_text(json.dumps(body))
    if question:
        (sweep / "multirun.yaml").write_text(
            "research_question: " + json.dumps(question) + "\ncross:\n  memory_accuracy_mean: 50\n"
            "hydra:\n  overrides:\n    task: [corruption_rate=0,0.5,1, 'seed=0,1,2,3']\n"
        )
    return sweep


def test_cli_question_first_and_cross(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sweep = _disk_sweep(tmp_path, "Where does memory break down?")
    out_md = tmp_path / "r.md"
    code = main([str(sweep), "--no-db", "-o", str(out_md), "--bootstrap", "200"])
    assert code == 0, capsys.readouterr().err
    md = out_md.read_text()
    assert md.index("Question: Where does memory break down?") < md.index("|")
    assert "memory_accuracy_mean falls below 50 between corruption_rate=0.5 and 1" in md
    code = main(
        [
            str(sweep),
            "--no-db",
            "--question",
            "Other?",
            "--cross",
            "memory_accuracy_mean=70",
            "-o",
            str(out_md),
            "--bootstrap",
            "200",
        ]
    )
    assert code == 0
    md = out_md.read_text()
    assert "Question: Other?" in md and "falls below 70 between corruption_rate=0 and 0.5" in md


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cross", "memory_accuracy_mean"], "--cross='memory_accuracy_mean' is not allowed"),
        (["--cross", "m=abc"], "--cross='m=abc' is not allowed"),
        (["--cross", "nosuch=5"], "--cross='nosuch' names an unknown metric"),
        (["--replicate", "nosuch"], "--replicate='nosuch' is not a parameter"),
    ],
)
def test_cli_bad_cross_and_replicate_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    sweep = _disk_sweep(tmp_path)
    assert main([str(sweep), "--no-db", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.strip().count("\n") == 0


def test_blocked_interaction_equals_the_fit_with_a_seed_term() -> None:
    import statsmodels.formula.api as smf
    from statsmodels.stats.anova import anova_lm

    data = synthetic_sweep(
        {"a": [0, 1, 2], "b": [0, 1]}, seeds=5, effect=lambda c: 0.7 * c["a"] * c["b"]
    )
    (t,) = interaction_tests(detect_design(data, ["m"]))
    jobs = data.jobs.astype({"a": str, "b": str, "seed": str})
    ref = anova_lm(smf.ols("m ~ C(a) * C(b) + C(seed)", data=jobs).fit(), typ=2)
    assert t.statistic == pytest.approx(ref.loc["C(a):C(b)", "F"], rel=1e-9)
    assert t.p == pytest.approx(ref.loc["C(a):C(b)", "PR(>F)"], rel=1e-9)


def test_many_seeds_use_the_large_sample_forms() -> None:
    data = synthetic_sweep({"a": [0, 1, 2]}, seeds=20, effect=lambda c: 1.5 * c["a"])
    by = {t.kind: t for t in effect_tests(detect_design(data, ["m"]))}
    assert by["omnibus"].note.startswith("chi-square approximation")
    assert by["trend"].note.startswith("asymptotic p") or by["trend"].note.startswith("exact p")
    assert by["omnibus"].p < 0.01
