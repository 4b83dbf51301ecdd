"""Statistics over a sweep: the original analyses with their bugs fixed, and more.

Every function takes a :class:`~brainjar_sweep.analysis.load.SweepData` or a plain
jobs DataFrame and uses completed jobs only. Fixed bugs of the original analysis:

- parameter values of any type sort (numbers, text, None, lists as text);
- threshold effects use a floor on the denominator (stable near zero) and report
  jumps that start from a zero mean;
- no crash when nothing completed (:func:`optimal_parameters` returns None);
- an experiment counts once (the loader drops duplicates); replicate seeds are not a
  parameter: cells are combinations of the other swept parameters, and cell means
  average their replicates before anything is compared across cells.

Beyond the original: statistics conditioned on the other swept parameters,
Kruskal-Wallis and one-way ANOVA with effect sizes (epsilon squared, eta squared),
seeded bootstrap confidence intervals and two-parameter interaction tables.

The package's modules: :mod:`.groups` (completed jobs grouped by parameter values),
:mod:`.bootstrap`, :mod:`.summary` (a group of values summarised), :mod:`.describe`
(statistics per parameter value), :mod:`.effects` (does a parameter change a metric) and
:mod:`.optimum` (cells and the best of them).

Example:
    >>> import pandas as pd
    >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "rate": [0, 0, 1, 1],
    ...                      "crash_rate": [0.1, 0.2, 0.5, 0.7]})
    >>> parameter_statistics(jobs, "rate", "crash_rate")["mean"].round(2).tolist()
    [0.15, 0.6]
"""

from __future__ import annotations

from brainjar_sweep.analysis.stats.bootstrap import N_BOOT, bootstrap_ci
from brainjar_sweep.analysis.stats.describe import (
    compare_by_parameter,
    comparison_table,
    conditional_statistics,
    conditional_table,
    interaction_table,
    parameter_statistics,
    parameter_statistics_many,
)
from brainjar_sweep.analysis.stats.effects import (
    Effects,
    EffectTest,
    significance,
    threshold_effects,
)
from brainjar_sweep.analysis.stats.groups import (
    DEFAULT_METRICS,
    MAX_LEVELS,
    default_metrics,
    levels,
    replicate_counts,
)
from brainjar_sweep.analysis.stats.optimum import Optimum, cell_statistics, optimal_parameters

__all__ = [
    "DEFAULT_METRICS",
    "MAX_LEVELS",
    "N_BOOT",
    "bootstrap_ci",
    "cell_statistics",
    "compare_by_parameter",
    "comparison_table",
    "conditional_statistics",
    "conditional_table",
    "default_metrics",
    "Effects",
    "EffectTest",
    "interaction_table",
    "levels",
    "optimal_parameters",
    "Optimum",
    "parameter_statistics",
    "parameter_statistics_many",
    "replicate_counts",
    "significance",
    "threshold_effects",
]
