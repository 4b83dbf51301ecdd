"""Calibration and power of the analysis' headline on synthetic sweeps with a known answer.

Each scenario generates many sweeps (:func:`brainjar_sweep.analysis.synthetic.synthetic_sweep`)
and runs what the report's answer rests on: the design (:func:`detect_design`), one test
per metric and parameter with its trend test and the interaction tests, corrected together
(:func:`adjust`). The answer says "changes" (or "depends on") exactly when an adjusted p is
below 0.05; the first sweeps of each scenario are also run through :func:`build_report`
to check that its answer agrees.

- **Null** scenarios (nothing changes with anything): the fraction of sweeps whose answer
  says "changes" is the false-positive rate per report; it must be at most 0.05 within
  binomial error (the 95% Clopper-Pearson interval must reach 0.05 or below).
- **Power** scenarios (a planted linear effect of the first parameter, in units of the
  noise's standard deviation): the fraction of sweeps whose answer says the metric
  changes with that parameter.
- For comparison, the previous rule (Kruskal-Wallis or one-way ANOVA over jobs pooled
  across the other parameters, p < 0.05, no correction) on the null sweeps.

Usage:
    python benchmarks/bench_calibration.py [--sweeps 400] [--power-sweeps 100] [--only TEXT]

Exit status 1 when a null scenario is not calibrated.

Example:
    >>> r = run_scenario(NULL_SCENARIOS[0], 2)
    >>> r["sweeps"], 0.0 <= r["rate"] <= 1.0
    (2, True)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from scipy import stats as sps

from brainjar_sweep.analysis import build_report
from brainjar_sweep.analysis.design import detect_design
from brainjar_sweep.analysis.inference import adjust, effect_tests, interaction_tests
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats import significance
from brainjar_sweep.analysis.synthetic import synthetic_sweep

ALPHA = 0.05


@dataclass(frozen=True)
class Scenario:
    """A family of synthetic sweeps."""

    name: str
    params: dict[str, list[Any]]
    seeds: int
    effect: Callable[[dict[str, Any]], float] | None = None
    shared_seeds: bool = True
    copies: str | None = None
    """A parameter added as exact copies of every job (an inert parameter)."""
    kwargs: dict[str, Any] = field(default_factory=dict)


GRID = {"a": [0, 1, 2, 3], "b": [0, 1, 2]}

NULL_SCENARIOS = [
    Scenario("null, 4x3 grid, 5 shared seeds (blocked)", GRID, 5),
    Scenario("null, 4x3 grid, 10 shared seeds (blocked)", GRID, 10),
    Scenario(
        "null, 4x3 grid, 3 seeds of its own per cell (independent)", GRID, 3, shared_seeds=False
    ),
    Scenario(
        "null, 4 values x an inert 2-value parameter (exact copies), 6 shared seeds",
        {"a": [0, 1, 2, 3]},
        6,
        copies="b",
    ),
]


def _linear(size: float) -> Callable[[dict[str, Any]], float]:
    return lambda cell: size * cell["a"] / 3.0


POWER_SCENARIOS = [
    Scenario(
        f"a moves m by {size:g} sd from first to last value, {seeds} shared seeds",
        GRID,
        seeds,
        effect=_linear(size),
    )
    for seeds in (5, 10)
    for size in (0.5, 1.0, 2.0)
]


def _sweep(s: Scenario, i: int) -> SweepData:
    data = synthetic_sweep(
        s.params,
        seeds=s.seeds,
        effect=s.effect,
        shared_seeds=s.shared_seeds,
        random_state=10_000 + i,
    )
    if s.copies:
        jobs = pd.concat([data.jobs.assign(**{s.copies: v}) for v in (0, 1)], ignore_index=True)
        data = SweepData(jobs, params=[*data.params, s.copies], metrics=data.metrics)
    return data


def _changes(data: SweepData) -> tuple[bool, bool]:
    """(the answer says anything changes, it says m changes with a)."""
    design = detect_design(data, ["m"])
    tests = effect_tests(design)
    if len(design.params) >= 2:
        tests += interaction_tests(design)
    hits = [t for t in adjust(tests) if not math.isnan(t.p_adj) and t.p_adj < ALPHA]
    return bool(hits), any(t.param == "a" and t.kind != "interaction" for t in hits)


def _report_says_changes(data: SweepData) -> bool:
    report = build_report(data, metrics=["m"], n_boot=0)
    answer = next(b for b in report.sections[0].blocks if isinstance(b, list))
    return any(" changes with " in line or " depends on " in line for line in answer)


def _old_rule(data: SweepData) -> bool:
    done = data.jobs
    return any(significance(done, p, "m").p_min < ALPHA for p in data.swept)


def run_scenario(s: Scenario, n: int, *, check: int = 10) -> dict[str, Any]:
    """Run ``n`` sweeps of scenario ``s``; the first ``check`` also through the report."""
    any_hits = a_hits = old = 0
    start = time.perf_counter()
    for i in range(n):
        data = _sweep(s, i)
        said, on_a = _changes(data)
        if i < check and _report_says_changes(data) != said:
            raise AssertionError(f"{s.name}: sweep {i}: the report's answer disagrees")
        any_hits += said
        a_hits += on_a
        old += _old_rule(data)
    hits = a_hits if s.effect is not None else any_hits
    ci = sps.binomtest(hits, n).proportion_ci(0.95, method="exact") if n else None
    return {
        "scenario": s.name,
        "sweeps": n,
        "hits": hits,
        "rate": hits / n if n else math.nan,
        "ci": (ci.low, ci.high) if ci else (math.nan, math.nan),
        "old_rate": old / n if n else math.nan,
        "seconds": time.perf_counter() - start,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sweeps", type=int, default=400, help="sweeps per null scenario")
    p.add_argument("--power-sweeps", type=int, default=100, help="sweeps per power scenario")
    p.add_argument(
        "--only", metavar="TEXT", default="", help="run the scenarios whose name has TEXT"
    )
    args = p.parse_args(argv)
    ok = True
    print("| null scenario | sweeps | 'changes' | rate [95% CI] | previous rule |")
    print("|---|---|---|---|---|")
    for s in NULL_SCENARIOS:
        if args.only not in s.name:
            continue
        r = run_scenario(s, args.sweeps)
        lo, hi = r["ci"]
        good = lo <= ALPHA
        ok &= good
        print(
            f"| {s.name} | {r['sweeps']} | {r['hits']} | {r['rate']:.3f} [{lo:.3f}, {hi:.3f}]"
            f"{'' if good else ' NOT CALIBRATED'} | {r['old_rate']:.3f} |",
            flush=True,
        )
    print()
    print("| planted effect | sweeps | detected | power [95% CI] |")
    print("|---|---|---|---|")
    for s in POWER_SCENARIOS:
        if args.only not in s.name:
            continue
        r = run_scenario(s, args.power_sweeps, check=3)
        lo, hi = r["ci"]
        print(
            f"| {s.name} | {r['sweeps']} | {r['hits']} | {r['rate']:.2f} [{lo:.2f}, {hi:.2f}] |",
            flush=True,
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
