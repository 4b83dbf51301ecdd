"""Design-aware tests: one pre-declared test per metric and parameter, corrected together.

Every function takes a :class:`~brainjar_sweep.analysis.design.Design` (from
:func:`~brainjar_sweep.analysis.design.detect_design`). The unit of replication is the
replicate (seed):

- **blocked** (the same seeds in every cell, common random numbers): the values of a
  parameter are compared within seed. Per seed and value, the other parameters' cells
  are averaged; the omnibus test is Friedman's (ranks within seed), its p-value exact
  over all within-seed permutations (Monte Carlo when there are too many); the trend
  test for a numeric parameter is Page's L (two-sided); the effect is the mean
  within-seed difference between the last and the first value with a paired t CI.
- **independent** (different seeds per cell, or no seed): jobs are the units; the
  omnibus test is Kruskal-Wallis with a permutation p-value (values permuted within
  each combination of the other parameters); the trend test is Spearman's rho with
  the same permutations; the effect is last minus first value with a Welch t CI.
- **nested** run lengths (``max_cycles`` with the same seeds) are strata: the other
  parameters are tested at each run length separately.
- **interactions** of two parameters: two-way ANOVA (statsmodels OLS) with seed as
  block when blocked.

No test runs without replication (one seed for all cells, or one job per cell); every
p-value of a report is corrected together (Holm by default, or Benjamini-Hochberg) by
:func:`adjust`.

The package's modules: :mod:`.results` (a test's result, CIs, the correction), :mod:`.units`
(what a test compares), :mod:`.permutation` (the permutation tests), :mod:`.effects` (the
tests per metric and parameter), :mod:`.interactions` and :mod:`.levels` (descriptives and
level crossings).

Example:
    >>> import numpy as np
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.design import detect_design
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> rng = np.random.default_rng(0)
    >>> jobs = pd.DataFrame({"status": "completed", "p": np.repeat([0, 1, 2], 6),
    ...     "seed": np.tile(range(6), 3)})
    >>> jobs["m"] = jobs["p"] * 5.0 + rng.normal(size=18)
    >>> d = detect_design(SweepData(jobs=jobs, params=["p", "seed"], metrics=["m"]), ["m"])
    >>> tests = adjust(effect_tests(d))
    >>> [(t.kind, t.test, t.p < 0.01) for t in tests]
    [('omnibus', 'Friedman (blocked on seed)', True), ('trend', "Page's L (blocked on seed)", True)]
"""

from __future__ import annotations

from brainjar_sweep.analysis.inference.effects import effect_tests
from brainjar_sweep.analysis.inference.interactions import interaction_tests
from brainjar_sweep.analysis.inference.levels import Crossing, level_crossings, level_summary
from brainjar_sweep.analysis.inference.results import (
    CORRECTIONS,
    HypothesisTest,
    adjust,
    t_interval,
)
from brainjar_sweep.analysis.inference.units import strata

__all__ = [
    "CORRECTIONS",
    "Crossing",
    "HypothesisTest",
    "adjust",
    "effect_tests",
    "interaction_tests",
    "level_crossings",
    "level_summary",
    "strata",
    "t_interval",
]
