"""Sweep analysis: load multirun dirs and the experiments DB, compare, test, plot, report.

The ``brainjar-analyze`` command (:mod:`brainjar_sweep.analysis.cli`) and this API do
the same thing: :func:`load` gives a :class:`SweepData` (a tidy row per job, long
tables of cycles and self-reports), the functions of :mod:`.stats` and
:mod:`.beliefs` compute, :func:`build_report` and the renderers write the report,
:mod:`.plots` draws. The analysis only reads: it never writes to the store.

Example:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> sweep = Path(tempfile.mkdtemp()) / "12-00-00"
    >>> for n, (rate, crash) in enumerate([(0, 0.0), (0, 0.1), (1, 0.5), (1, 0.7)]):
    ...     job = sweep / str(n)
    ...     (job / ".hydra").mkdir(parents=True)
    ...     _ = (job / ".hydra" / "overrides.yaml").write_text(f"- corruption_rate={rate}\\n")
    ...     _ = (job / "result.json").write_text(json.dumps({"experiment_id": f"e{n}",
    ...         "status": "completed", "attempt": 1, "metrics": {"crash_rate": crash}}))
    >>> data = load([sweep], use_db=False)
    >>> parameter_statistics(data, "corruption_rate", "crash_rate")["mean"].tolist()
    [0.05, 0.6]
    >>> round(significance(data, "corruption_rate", "crash_rate").eta_sq, 3)
    0.924
"""

from brainjar_sweep.analysis.beliefs import (
    DEFAULT_KEYWORDS,
    belief_evolution,
    belief_summary,
    compare_self_report_responses,
    response_beliefs,
    top_responses,
)
from brainjar_sweep.analysis.design import NESTING_KEYS, Design, detect_design
from brainjar_sweep.analysis.inference import (
    CORRECTIONS,
    Crossing,
    HypothesisTest,
    adjust,
    effect_tests,
    interaction_tests,
    level_crossings,
    level_summary,
    t_interval,
)
from brainjar_sweep.analysis.load import (
    REPLICATE_KEYS,
    LoadError,
    SweepData,
    SweepInfo,
    find_sweeps,
    load,
    load_each,
    parse_value,
    pool_problem,
    sort_levels,
)
from brainjar_sweep.analysis.metrics import label
from brainjar_sweep.analysis.report import (
    EXPORT_FORMATS,
    MissingExtraError,
    Report,
    build_report,
    export,
    print_report,
    render_html,
    render_markdown,
)
from brainjar_sweep.analysis.stats import (
    DEFAULT_METRICS,
    EffectTest,
    Optimum,
    bootstrap_ci,
    cell_statistics,
    compare_by_parameter,
    comparison_table,
    conditional_statistics,
    conditional_table,
    default_metrics,
    interaction_table,
    levels,
    optimal_parameters,
    parameter_statistics,
    significance,
    threshold_effects,
)
from brainjar_sweep.analysis.synthetic import synthetic_sweep

__all__ = [
    "CORRECTIONS",
    "NESTING_KEYS",
    "Crossing",
    "Design",
    "HypothesisTest",
    "adjust",
    "detect_design",
    "effect_tests",
    "interaction_tests",
    "level_crossings",
    "level_summary",
    "synthetic_sweep",
    "t_interval",
    "DEFAULT_KEYWORDS",
    "DEFAULT_METRICS",
    "EXPORT_FORMATS",
    "REPLICATE_KEYS",
    "EffectTest",
    "LoadError",
    "MissingExtraError",
    "Optimum",
    "Report",
    "SweepData",
    "SweepInfo",
    "belief_evolution",
    "belief_summary",
    "bootstrap_ci",
    "build_report",
    "cell_statistics",
    "compare_by_parameter",
    "compare_self_report_responses",
    "comparison_table",
    "conditional_statistics",
    "conditional_table",
    "default_metrics",
    "export",
    "find_sweeps",
    "interaction_table",
    "levels",
    "label",
    "load",
    "load_each",
    "optimal_parameters",
    "parameter_statistics",
    "parse_value",
    "pool_problem",
    "print_report",
    "render_html",
    "render_markdown",
    "response_beliefs",
    "significance",
    "sort_levels",
    "threshold_effects",
    "top_responses",
]
