"""The sweep report: one model rendered as a rich terminal report, Markdown or HTML; exports.

:func:`build_report` runs every analysis once and returns a :class:`Report` (sections
of paragraphs and tables of formatted text). :func:`render_markdown`,
:func:`render_html` (one self-contained file, plots embedded as base64 PNGs) and
:func:`print_report` (rich tables) only format it. :func:`export` writes the tidy
tables as CSV, Parquet or JSON.

The package's modules: :mod:`.document` (the model), the builders (:mod:`.build`, which
asks :mod:`.answer`, :mod:`.findings`, :mod:`.belief`, :mod:`.overview` and :mod:`.figures`
for its sections and plots, and :mod:`brainjar_sweep.analysis.providers` for optional ones),
the renderers (:mod:`.markdown`, :mod:`.html_page`, :mod:`.terminal`) and :mod:`.exports`.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "rate": [0, 0, 1, 1],
    ...     "seed": [0, 1, 0, 1], "crash_rate": [0.0, 0.1, 0.4, 0.5]})
    >>> data = SweepData(jobs=jobs, params=["rate"], metrics=["crash_rate"])
    >>> from brainjar_sweep.analysis.report import build_report, render_markdown
    >>> md = render_markdown(build_report(data))
    >>> "## Effect of rate" in md and "| crash_rate | rate | all | Friedman | 2 |" in md
    True
"""

from __future__ import annotations

from brainjar_sweep._lazy import lazy_exports

_EXPORTS = {
    "EXPORT_FORMATS": "brainjar_sweep.analysis.report.exports",
    "Fold": "brainjar_sweep.analysis.report.document",
    "MissingExtraError": "brainjar_sweep.analysis.report.exports",
    "Plot": "brainjar_sweep.analysis.report.document",
    "Report": "brainjar_sweep.analysis.report.document",
    "Section": "brainjar_sweep.analysis.report.document",
    "Table": "brainjar_sweep.analysis.report.document",
    "build_report": "brainjar_sweep.analysis.report.build",
    "combine": "brainjar_sweep.analysis.report.build",
    "export": "brainjar_sweep.analysis.report.exports",
    "print_report": "brainjar_sweep.analysis.report.terminal",
    "render_html": "brainjar_sweep.analysis.report.html_page",
    "render_markdown": "brainjar_sweep.analysis.report.markdown",
}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
