"""Sweep analysis: load multirun dirs and the experiments DB, compare, test, plot, report.

The names below are imported on first use (``brainjar-analyze --help`` stays light). The
``brainjar-analyze`` command (:mod:`brainjar_sweep.analysis.cli`) and this API do
the same thing: :func:`load` gives a :class:`SweepData` (a tidy row per job, long
tables of cycles and self-reports), the functions of :mod:`.stats` and
:mod:`.beliefs` compute, :func:`build_report` and the renderers write the report,
:mod:`.plots` draws. The analysis only reads: it never writes to the store.

Example:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> from brainjar_sweep.analysis import load, parameter_statistics, significance
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

from __future__ import annotations

import sys
import types

from brainjar_sweep._lazy import lazy_exports

_EXPORTS = {
    "CORRECTIONS": "brainjar_sweep.analysis.inference",
    "NESTING_KEYS": "brainjar_sweep.analysis.design",
    "Crossing": "brainjar_sweep.analysis.inference",
    "Design": "brainjar_sweep.analysis.design",
    "HypothesisTest": "brainjar_sweep.analysis.inference",
    "adjust": "brainjar_sweep.analysis.inference",
    "detect_design": "brainjar_sweep.analysis.design",
    "effect_tests": "brainjar_sweep.analysis.inference",
    "interaction_tests": "brainjar_sweep.analysis.inference",
    "level_crossings": "brainjar_sweep.analysis.inference",
    "level_summary": "brainjar_sweep.analysis.inference",
    "synthetic_sweep": "brainjar_sweep.analysis.synthetic",
    "t_interval": "brainjar_sweep.analysis.inference",
    "DEFAULT_KEYWORDS": "brainjar_sweep.analysis.beliefs",
    "DEFAULT_METRICS": "brainjar_sweep.analysis.stats",
    "EXPORT_FORMATS": "brainjar_sweep.analysis.report",
    "REPLICATE_KEYS": "brainjar_sweep.analysis.load",
    "EffectTest": "brainjar_sweep.analysis.stats",
    "LoadError": "brainjar_sweep.analysis.load",
    "MissingExtraError": "brainjar_sweep.analysis.report",
    "Optimum": "brainjar_sweep.analysis.stats",
    "Report": "brainjar_sweep.analysis.report",
    "SweepData": "brainjar_sweep.analysis.load",
    "SweepInfo": "brainjar_sweep.analysis.load",
    "belief_evolution": "brainjar_sweep.analysis.beliefs",
    "belief_summary": "brainjar_sweep.analysis.beliefs",
    "bootstrap_ci": "brainjar_sweep.analysis.stats",
    "build_report": "brainjar_sweep.analysis.report",
    "cell_statistics": "brainjar_sweep.analysis.stats",
    "compare_by_parameter": "brainjar_sweep.analysis.stats",
    "compare_self_report_responses": "brainjar_sweep.analysis.beliefs",
    "comparison_table": "brainjar_sweep.analysis.stats",
    "conditional_statistics": "brainjar_sweep.analysis.stats",
    "conditional_table": "brainjar_sweep.analysis.stats",
    "default_metrics": "brainjar_sweep.analysis.stats",
    "export": "brainjar_sweep.analysis.report",
    "find_sweeps": "brainjar_sweep.analysis.load",
    "interaction_table": "brainjar_sweep.analysis.stats",
    "levels": "brainjar_sweep.analysis.stats",
    "label": "brainjar_sweep.analysis.metrics",
    "load": "brainjar_sweep.analysis.load",
    "load_each": "brainjar_sweep.analysis.load",
    "optimal_parameters": "brainjar_sweep.analysis.stats",
    "parameter_statistics": "brainjar_sweep.analysis.stats",
    "parse_value": "brainjar_sweep.analysis.load",
    "pool_problem": "brainjar_sweep.analysis.load",
    "print_report": "brainjar_sweep.analysis.report",
    "render_html": "brainjar_sweep.analysis.report",
    "render_markdown": "brainjar_sweep.analysis.report",
    "response_beliefs": "brainjar_sweep.analysis.beliefs",
    "significance": "brainjar_sweep.analysis.stats",
    "sort_levels": "brainjar_sweep.analysis.load",
    "threshold_effects": "brainjar_sweep.analysis.stats",
    "top_responses": "brainjar_sweep.analysis.beliefs",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())


class _Package(types.ModuleType):
    """This package, whose ``load`` stays the function when its module ``load`` is imported.

    Importing a submodule sets it as an attribute of its package; ``load`` (the function)
    would then be hidden by ``load`` (the module) after the first use of the analysis.
    """

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == value.__name__:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
