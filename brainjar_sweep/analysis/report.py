"""The sweep report: one model rendered as a rich terminal report, Markdown or HTML; exports.

:func:`build_report` runs every analysis once and returns a :class:`Report` (sections
of paragraphs and tables of formatted text). :func:`render_markdown`,
:func:`render_html` (one self-contained file, plots embedded as base64 PNGs) and
:func:`print_report` (rich tables) only format it. :func:`export` writes the tidy
tables as CSV, Parquet or JSON.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "rate": [0, 0, 1, 1],
    ...     "seed": [0, 1, 0, 1], "crash_rate": [0.0, 0.1, 0.4, 0.5]})
    >>> data = SweepData(jobs=jobs, params=["rate"], metrics=["crash_rate"])
    >>> md = render_markdown(build_report(data))
    >>> "## Effect of rate" in md and "| crash_rate | rate | all | Friedman | 2 |" in md
    True
"""

from __future__ import annotations

import base64
import html
import importlib
import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis._filenames import file_part as _safe
from brainjar_sweep.analysis._values import plain_value as _clean
from brainjar_sweep.analysis.beliefs import (
    DEFAULT_KEYWORDS,
    belief_evolution,
    belief_summary,
    top_responses,
)
from brainjar_sweep.analysis.design import Design, detect_design
from brainjar_sweep.analysis.inference import (
    CORRECTIONS,
    Crossing,
    HypothesisTest,
    adjust,
    effect_tests,
    interaction_tests,
    level_crossings,
    level_summary,
    strata,
    t_interval,
)
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.sections import Fold, Plot, Section, Table
from brainjar_sweep.analysis.stats import (
    MAX_LEVELS,
    N_BOOT,
    cell_statistics,
    conditional_table,
    default_metrics,
    interaction_table,
    levels,
    optimal_parameters,
    replicate_counts,
    threshold_effects,
)

__all__ = [
    "EXPORT_FORMATS",
    "Fold",
    "MissingExtraError",
    "Plot",
    "Report",
    "Section",
    "Table",
    "build_report",
    "combine",
    "export",
    "print_report",
    "render_html",
    "render_markdown",
]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "parquet", "json")
"""Formats :func:`export` writes."""

_MAX_WARNINGS = 25
_MAX_ROWS = 150
_MAX_CYCLE_COLUMNS = 10
_ALPHA = 0.05


class MissingExtraError(RuntimeError):
    """An optional dependency is not installed; the message names the pip command.

    Example:
        >>> str(MissingExtraError("x needs y: pip install z"))
        'x needs y: pip install z'
    """


def _require(module: str, extra: str, what: str) -> Any:
    """Import an optional dependency or raise :class:`MissingExtraError` naming the extra."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{what} needs {module}: pip install brainjar-sweep[{extra}]"
        ) from None


# ------------------------------------------------------------------------- the model


@dataclass
class Report:
    """The whole report, independent of its output format."""

    title: str
    sections: list[Section]
    figures: list[tuple[str, str]] = field(default_factory=list)
    """(file name, caption) of further plots to link at the end."""
    metrics: list[str] = field(default_factory=list)
    """The metrics the report covers."""

    @property
    def plots(self) -> list[Plot]:
        """Every plot of the report, in the order it shows them.

        Example:
            >>> Report("T", [Section("S", plots=[Plot("a.png", "a", "metric")])]).plots[0].name
            'a.png'
        """
        return [plot for sec in self.sections for plot in sec.plots]


# ------------------------------------------------------------------------ formatting


def _num(x: Any, digits: int = 4) -> str:
    if x is None:
        return "–"
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else "no"
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e12:
        return str(int(v))
    return f"{v:.{digits}g}"


def _p(p: float) -> str:
    if p is None or math.isnan(p):
        return "–"
    if p < 0.001:
        return "<0.001"
    return f"{p:.3f}"


def _ci(lo: float, hi: float) -> str:
    if lo is None or math.isnan(lo):
        return "–"
    return f"[{_num(lo)}, {_num(hi)}]"


def _value(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "(unset)"
    if isinstance(v, float):
        return _num(v, 6)
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    return str(v)


# ------------------------------------------------------------------------- building


def build_report(
    data: SweepData,
    *,
    metrics: Sequence[str] | None = None,
    keywords: Sequence[str] = DEFAULT_KEYWORDS,
    threshold: float = 0.5,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
    question: str | None = None,
    cross: dict[str, float] | None = None,
    replicate: str | None = None,
    correction: str = "holm",
) -> Report:
    """Run the analyses and return the report model.

    ``metrics`` defaults to :func:`~brainjar_sweep.analysis.stats.default_metrics`
    minus the ones that are constant over all completed jobs. ``question`` replaces
    the research question the sweeps recorded; ``cross`` (``{metric: level}``) adds
    level crossings to the ones the sweeps declared; ``replicate`` names the
    replicate key (default ``seed``); ``correction`` is ``holm`` or ``fdr_bh``.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed", "failed"], "p": [0, 1],
        ...     "m": [1.0, None], "reason": [None, "boom"]})
        >>> r = build_report(SweepData(jobs=jobs, params=["p"], metrics=["m"]), metrics=["m"])
        >>> [s.title for s in r.sections]
        ['Question and answer', 'Results', 'Optimal parameters', 'Design', 'Overview', 'Job status']
    """
    done = data.completed
    notes: list[str] = []
    folded: list[str] = []
    if metrics is None:
        chosen = default_metrics(data) or list(data.metrics)
        constant = [m for m in chosen if m in done and done[m].nunique(dropna=True) <= 1]
        metrics = [m for m in chosen if m not in constant]
        if constant:
            notes.append("Constant over all completed jobs: " + ", ".join(constant) + ".")
            folded.append(
                "constant in every job: "
                + ", ".join(
                    f"{m} = {_num(done[m].dropna().iloc[0])}"
                    for m in constant
                    if len(done[m].dropna())
                )
            )
        if not metrics:
            metrics = chosen
    metrics = list(metrics)
    constant_all = {m for m in metrics if m in done and done[m].nunique(dropna=True) <= 1}
    asked = question if question is not None else _question(data)
    levels_to_cross: dict[str, float] = {}
    for s in data.sweeps:
        levels_to_cross.update(s.cross)
    levels_to_cross.update(cross or {})
    qa = Section("Question and answer")
    overview = _overview(data, data.swept, notes)
    status = _status_section(data)
    kw = {"confidence": confidence, "n_boot": n_boot, "seed": seed}
    if done.empty:
        qa.blocks += _question_blocks(asked) + ["No job completed: nothing to answer."]
        sections = [qa, overview] + ([status] if status else [])
        sections.append(Section("Results", ["No job completed: there is nothing to compare."]))
        return Report(_title(data), sections, metrics=metrics)
    design = detect_design(data, metrics, replicate=replicate)
    tests = effect_tests(design, confidence=confidence, seed=seed)
    if len(design.params) >= 2:
        tests += interaction_tests(design)
    tests = adjust(tests, correction, _ALPHA)
    crossings = []
    for metric, level in levels_to_cross.items():
        if metric in design.frame:
            crossings += level_crossings(
                design, metric, level, confidence=confidence, n_boot=n_boot, seed=seed
            )
        else:
            notes.append(f"Level crossing of {metric}: no such metric in these jobs.")
    qa.blocks += _question_blocks(asked) + _answer_blocks(design, tests, crossings, correction)
    flat_sweep = bool(metrics) and all(m in constant_all for m in metrics)
    if flat_sweep:
        answer = next(b for b in qa.blocks if isinstance(b, list))
        answer.insert(0, "Every metric is the same in every job: nothing changed with anything.")
    shown = design.outcomes + design.design_quantities
    findings: list[Section] = []
    details: list[Section] = []
    if design.params and not flat_sweep:
        for param in design.params:
            sec = _param_section(design, param, shown, threshold, kw, tests)
            sec.plots = _metric_plots(design, tests, param)
            findings.append(sec)
        if len(design.params) >= 2:
            sec = _interaction_section(design, tests, shown)
            sec.plots = _heatmap_plots(design, tests)
            findings.append(sec)
        if crossings or levels_to_cross:
            findings.append(_crossing_section(crossings, confidence))
        details.append(_tests_section(design, tests, correction))
    elif not design.params:
        findings.append(_single_cell_section(data, metrics, kw))
    from brainjar_sweep.analysis.optuna_study import has_curves, optuna_section

    study = optuna_section(data, seed=seed)
    if study is not None:
        ids = ", ".join(s.sweep_id for s in data.sweeps)
        study.plots = [
            Plot("optuna_history.png", f"optimisation history ({ids})", "history", score=2.0)
        ]
        if has_curves(data):
            study.plots.append(
                Plot(
                    "optuna_curves.png",
                    f"objective per cycle of each trial, pruned ones marked ({ids})",
                    "curves",
                    score=2.0,
                )
            )
        findings.append(study)
    belief = _belief_section(data, design.params, keywords, n_boot, seed)
    if belief is not None:
        findings.append(belief)
    details.append(_optimum_section(design, shown, confidence))
    details.append(_design_section(design))
    sections = [qa, *findings, *details, overview] + ([status] if status else [])
    for plot in (p for sec in sections for p in sec.plots):
        if plot.kind == "metric" and plot.metric in levels_to_cross:
            plot.level = levels_to_cross[plot.metric]
    _rank_plots(sections)
    if folded:
        qa.blocks.append("Folded away: " + "; ".join(folded) + ".")
    return Report(_title(data), sections, metrics=shown or metrics)


def _metric_range(design: Design, metric: str) -> float:
    """The span a metric's movements are measured against: its range when it is bounded
    (0-100 for a self-report), else the largest cell mean's size."""
    from brainjar_sweep.analysis.metrics import bounds

    low, high = bounds(metric)
    if low is not None and high is not None and high > low:
        return high - low
    x = pd.to_numeric(design.frame[metric], errors="coerce").abs()
    return float(x.max()) if len(x) and x.max() > 0 else 1.0


def _cell_means(design: Design, metric: str) -> pd.Series:
    frame = design.frame
    x = pd.to_numeric(frame[metric], errors="coerce")
    return x.groupby([frame[p].astype(str) for p in design.params], dropna=False).mean()


def _strength(design: Design, metric: str, param: str) -> float:
    """Largest move of the metric's cell means along ``param`` (other parameters held),
    as a share of the metric's range; 0 when it is flat along ``param``."""
    if metric not in design.frame or param not in design.params:
        return 0.0
    cells = _cell_means(design, metric)
    others = [p for p in design.params if p != param]
    if others:
        spans = cells.groupby(level=[design.params.index(o) for o in others]).agg(np.ptp)
        move = float(spans.max()) if len(spans) else 0.0
    else:
        move = float(np.ptp(cells.to_numpy(dtype=float))) if len(cells) else 0.0
    if not math.isfinite(move) or move <= 1e-12:
        return 0.0
    return move / _metric_range(design, metric)


def _found(tests: list[HypothesisTest], metric: str, param: str) -> bool:
    return any(
        t.metric == metric and t.param == param and not math.isnan(t.p_adj) and t.p_adj < _ALPHA
        for t in tests
    )


def _metric_plots(design: Design, tests: list[HypothesisTest], param: str) -> list[Plot]:
    """A plot per outcome that moves along ``param`` (flat ones are folded away)."""
    from brainjar_sweep.analysis.metrics import label

    out = []
    for metric in design.outcomes:
        score = _strength(design, metric, param)
        if score <= 0:
            continue
        score += 1.0 if _found(tests, metric, param) else 0.0
        out.append(
            Plot(
                f"{_safe(metric)}__vs__{_safe(param)}.png",
                f"{label(metric)} against {param}",
                "metric",
                metric,
                param,
                score=score,
            )
        )
    return out


def _heatmap_plots(design: Design, tests: list[HypothesisTest]) -> list[Plot]:
    """A heatmap per metric and pair of parameters whose effects do not simply add up."""
    from brainjar_sweep.analysis.metrics import label

    out = []
    params = design.params
    for i, a in enumerate(params):
        for b in params[i + 1 :]:
            for metric in design.outcomes:
                table = interaction_table(design.frame, a, b, metric, params=params)
                values = table.to_numpy(dtype=float)
                if values.size < 4 or not np.isfinite(values).all():
                    continue
                resid = (
                    values
                    - values.mean(axis=1, keepdims=True)
                    - values.mean(axis=0, keepdims=True)
                    + values.mean()
                )
                share = float(np.abs(resid).max()) / _metric_range(design, metric)
                hit = _found(tests, metric, f"{a} x {b}")
                if share < 0.02 and not hit:
                    continue
                out.append(
                    Plot(
                        f"heatmap__{_safe(metric)}__{_safe(a)}__x__{_safe(b)}.png",
                        f"{label(metric)}: {a} x {b}",
                        "heatmap",
                        metric,
                        a,
                        b,
                        score=share + (1.0 if hit else 0.0),
                    )
                )
    return out


_LEAD_PLOTS = 2


def _rank_plots(sections: list[Section]) -> None:
    """Order each section's plots by score, number every file by its rank in the report,
    and show the best plots in the answer itself (the first section)."""
    ranked = sorted((p for sec in sections for p in sec.plots), key=lambda p: (-p.score, p.name))
    width = max(2, len(str(len(ranked))))
    for rank, plot in enumerate(ranked, 1):
        plot.name = f"{rank:0{width}d}-{plot.name}"
    for sec in sections:
        sec.plots.sort(key=lambda p: (-p.score, p.name))
    lead = [p for p in ranked[:_LEAD_PLOTS] if p.score >= 1.0 or p is ranked[0]]
    for sec in sections[1:]:
        sec.plots = [p for p in sec.plots if p not in lead]
    sections[0].plots = lead


def combine(reports: Sequence[Report], title: str) -> Report:
    """One report holding several sweeps' reports: a list of the sweeps with each one's
    answer, then each report under its own heading (its sections one level down).
    Plot file names are prefixed with the sweep's name, a folder of its own.

    Example:
        >>> a = Report("Sweep analysis: a", [Section("Question and answer", ["Question: q"])])
        >>> b = Report("Sweep analysis: b", [Section("Question and answer", ["Question: r"])])
        >>> r = combine([a, b], "2 sweeps")
        >>> [(s.level, s.title) for s in r.sections]
        [(2, 'Sweeps'), (2, 'Sweep analysis: a'), (3, 'Question and answer'), (2, 'Sweep analysis: b'), (3, 'Question and answer')]
    """
    listing = Section(
        "Sweeps",
        [
            f"{len(reports)} sweeps, each analysed on its own (brainjar-analyze --pool pools"
            " sweeps of the same grid into one analysis).",
            [_first_line(r) for r in reports],
        ],
    )
    sections = [listing]
    for r in reports:
        folder = r.title.removeprefix("Sweep analysis: ").split(" (")[0].split(",")[0] or "sweep"
        sections.append(Section(r.title, level=2))
        for sec in r.sections:
            for plot in sec.plots:
                plot.name = f"{_safe(folder)}/{plot.name}"
            sections.append(Section(sec.title, sec.blocks, sec.plots, sec.level + 1))
    metrics = list(dict.fromkeys(m for r in reports for m in r.metrics))
    return Report(title, sections, metrics=metrics)


def _first_line(report: Report) -> str:
    qa = report.sections[0].blocks if report.sections else []
    question = next((b for b in qa if isinstance(b, str) and b.startswith("Question:")), "")
    answer = next((b for b in qa if isinstance(b, list) and b), [""])
    found = [a for a in answer if not a.startswith("No replication")] or answer
    name = report.title.removeprefix("Sweep analysis: ")
    asked = question.removeprefix("Question: ")
    asked = "" if asked.startswith("none recorded") else asked + " "
    return f"{name}: {asked}{found[0]}".strip()


def _question(data: SweepData) -> str:
    asked = list(dict.fromkeys(s.question for s in data.sweeps if s.question))
    return " / ".join(asked)


def _question_blocks(asked: str) -> list[str | list[str] | Table]:
    if asked:
        return [f"Question: {asked}"]
    return ["Question: none recorded (a preset's research_question, or --question TEXT)."]


def _descriptive_lines(
    tests: list[HypothesisTest], design: Design | None = None, limit: int = 5
) -> list[str]:
    """'m along p at S: a / b / c (one run each)' for the curves that move most (as a share
    of the metric's range), largest first; design quantities are left out."""
    scored = []
    for t in tests:
        if t.kind == "omnibus" and len(t.means) >= 2 and np.ptp(t.means) > 0:
            if design is not None and t.metric in design.design_quantities:
                continue
            span = _metric_range(design, t.metric) if design is not None else 1.0
            at = f" at {t.stratum}" if t.stratum else ""
            curve = " / ".join(_num(m) for m in t.means)
            line = f"Descriptive: {t.metric} along {t.param}{at}: {curve} (one run each)."
            scored.append((-float(np.ptp(t.means)) / span, len(scored), line))
    lines = [line for _, _, line in sorted(scored)]
    more = len(lines) - limit
    return lines[:limit] + ([f"... and {more} smaller changes below."] if more > 0 else [])


def _simple_effects(
    tests: list[HypothesisTest], metric: str, a: str, b: str, design: Design | None = None
) -> str:
    """': at max_cycles=10 x -> y, at ...' from the stratified tests of a (or b), if any."""
    for param in (a, b):
        parts = [
            f"at {t.stratum}: {_num(t.means[0])} -> {_num(t.means[-1])}"
            for t in tests
            if t.kind == "omnibus"
            and t.metric == metric
            and t.param == param
            and t.stratum
            and t.means
        ]
        if parts:
            return f"; {param} first -> last value " + ", ".join(parts)
    if design is None:
        return ""
    table = interaction_table(design.frame, b, a, metric, params=design.params)
    if table.shape[1] < 2:
        return ""
    parts = [
        f"at {b}={_value(level)}: {_num(row.iloc[0])} -> {_num(row.iloc[-1])}"
        for level, row in table.iterrows()
    ]
    return f"; {a} first -> last value " + ", ".join(parts)


def _fmt_p(t: HypothesisTest) -> str:
    name = t.test.replace(" (", ", ").rstrip(")")
    return f"{name}; p {_p(t.p)}, adjusted {_p(t.p_adj)}"


def _answer_blocks(
    design: Design,
    tests: list[HypothesisTest],
    crossings: list[Crossing],
    correction: str,
) -> list[str | list[str] | Table]:
    out: list[str | list[str] | Table] = [f"Design: {design.describe()}"]
    answer: list[str] = []
    method = CORRECTIONS[correction]
    if not design.params:
        answer.append(
            "No parameter varies among the analysed jobs"
            + (f" ({', '.join(design.inert)} changed nothing measured)" if design.inert else "")
            + ": there is no effect to test."
        )
    elif not design.replicated:
        rep = design.replicate or "seed"
        answer.append(
            f"No replication: every cell holds one run ({rep} the same in every cell or absent)."
            " The report shows descriptives only, without p-values; add seed=0,1,2 (or more)"
            " to the sweep to test."
        )
        answer += _descriptive_lines(tests, design)
    else:
        family = [t for t in tests if not math.isnan(t.p_adj)]
        hits = [t for t in family if t.p_adj < _ALPHA]
        main: dict[tuple[str, str], list[HypothesisTest]] = {}
        for t in tests:
            if t.kind != "interaction":
                main.setdefault((t.metric, t.param), []).append(t)
        for (metric, param), group in main.items():
            sig = [t for t in group if not math.isnan(t.p_adj) and t.p_adj < _ALPHA]
            if not sig:
                continue
            best = min(sig, key=lambda t: t.p_adj)
            where = sorted({t.stratum for t in sig if t.stratum})
            strata_all = sorted({t.stratum for t in group if t.stratum})
            at = ""
            if where:
                only = " only" if len(where) < len(strata_all) else ""
                at = f" at {', '.join(where)}{only}"
            shift = (
                f"; {_num(best.means[0])} -> {_num(best.means[-1])} from first to last value"
                if best.means
                else ""
            )
            answer.append(f"{metric} changes with {param}{at} ({_fmt_p(best)}{shift}).")
        for t in tests:
            if t.kind == "interaction" and not math.isnan(t.p_adj) and t.p_adj < _ALPHA:
                a, b = t.param.split(" x ")
                answer.append(
                    f"The effect of {a} on {t.metric} depends on {b} (interaction; {_fmt_p(t)})"
                    + _simple_effects(tests, t.metric, a, b, design)
                    + "."
                )
        if not hits:
            answer.append(
                f"Nothing changes detectably: no outcome differs across any swept parameter"
                f" after {method} correction over {len(family)} tests (alpha {_ALPHA})."
            )
        else:
            answer.append(
                f"'Changes' means a {method}-adjusted p below {_ALPHA} over the"
                f" {len(family)} tests of this report."
            )
        blind = [t for t in tests if t.tested and math.isnan(t.p_adj)]
        if blind:
            answer.append(
                f"{len(blind)} tests cannot reach p < {_ALPHA} with {design.units}"
                f" {design.replicate or 'unit'}s whatever the data: add replicates to test them."
            )
    crossed = []
    for c in crossings:
        if c.lower is None:
            continue
        ci = f", {_ci(c.ci_low, c.ci_high)} over {c.n} {design.replicate or 'job'}s"
        at = f" at {c.where}" if c.where else ""
        crossed.append(
            f"{c.metric} {c.direction} {_num(c.level)} between {c.param}={_value(c.lower)} and"
            f" {_value(c.upper)}{at} (crossing at {_num(c.point)}{ci if c.n >= 2 else ''})."
        )
    # the levels the question is about answer it directly: they come first
    answer[:0] = crossed
    if design.design_quantities:
        answer.append(
            "Not tested, fixed by the design (in the tables, not plotted): "
            + ", ".join(design.design_quantities)
            + "."
        )
    out += ["Answer:", answer]
    return out


def _title(data: SweepData) -> str:
    ids = [s.sweep_id for s in data.sweeps]
    if not ids:
        return "Sweep analysis"
    swept = f" ({' x '.join(data.swept)})" if data.swept else ""
    if len(ids) > 3:
        return f"Sweep analysis: {ids[0]} and {len(ids) - 1} more sweeps{swept}"
    return "Sweep analysis: " + ", ".join(ids) + swept


def _overview(data: SweepData, swept: list[str], notes: list[str]) -> Section:
    sec = Section("Overview")
    jobs = data.jobs
    counts = Counter(jobs["status"].tolist())
    found = sum(s.jobs_found for s in data.sweeps)
    foreign = sum(1 for _, why in data.skipped if why.startswith("foreign entry"))
    skipped = len(data.skipped) - foreign
    parts = ", ".join(
        f"{counts[s]} {s}" for s in ("completed", "pruned", "failed", "timeout") if counts[s]
    )
    sec.blocks.append(
        f"Jobs: {found} found, {len(jobs)} used ({parts or 'none'}), {skipped} skipped"
        + (f"; {foreign} other entries ignored" if foreign else "")
        + ". Statistics use completed jobs only."
    )
    sweeps = []
    for s in data.sweeps:
        grid = f", grid of {s.grid_size}" if s.grid_size else ""
        sweeps.append(
            f"{s.path} (sweep {s.sweep_id}; read from {s.source}; "
            f"{s.jobs_used} of {s.jobs_found} jobs used{grid})"
        )
    if sweeps:
        sec.blocks.append("Sweeps:")
        sec.blocks.append(sweeps)
    sec.blocks.append(
        "Experiments DB: " + (", ".join(data.db_urls) if data.db_urls else "none read")
    )
    done = data.completed
    if swept:
        described = []
        for p in swept:
            vals = levels(done[p].tolist())
            shown = ", ".join(_value(v) for v in vals[:12]) + (" ..." if len(vals) > 12 else "")
            binned = ""
            if len(vals) > MAX_LEVELS and pd.api.types.is_numeric_dtype(done[p]):
                binned = "; grouped into quantile bins of about equal size for comparisons"
            described.append(f"{p}: {len(vals)} values ({shown}{binned})")
        sec.blocks.append("Swept parameters:")
        sec.blocks.append(described)
    else:
        sec.blocks.append("No parameter varies among the completed jobs.")
    rep = data.replicate
    if rep is not None:
        per = replicate_counts(data)
        lo, hi = int(per.min()), int(per.max())
        span = str(lo) if lo == hi else f"{lo}-{hi}"
        sec.blocks.append(
            f"Replicates: {rep} takes {done[rep].nunique()} values; {span} completed jobs per"
            " cell. Cells (combinations of the swept parameters) average their replicates;"
            f" {rep} is never compared as a parameter."
        )
    reruns = _reruns(done)
    if reruns:
        sec.blocks.append(
            f"{reruns} completed jobs repeat the configuration and seed of another job"
            " (re-runs); identical ones count once, the others are averaged within their"
            " cell and seed."
        )
    fixed = data.fixed
    if fixed:
        sec.blocks.append(
            "Fixed: " + ", ".join(f"{k}={_value(v)}" for k, v in sorted(fixed.items()))
        )
    for s in data.sweeps:
        if s.optimization:
            best = {k: v for k, v in s.optimization.items() if k.startswith("best")}
            sec.blocks.append(f"Optimization results of {s.sweep_id}: {json.dumps(best)}")
    sec.blocks += notes
    if data.warnings:
        shown = data.warnings[:_MAX_WARNINGS]
        more = len(data.warnings) - len(shown)
        sec.blocks.append(f"Warnings ({len(data.warnings)}):")
        sec.blocks.append(shown + ([f"... and {more} more"] if more > 0 else []))
    return sec


def _reruns(done: pd.DataFrame) -> int:
    if "config_hash" not in done or done["config_hash"].isna().all():
        return 0
    keyed = done.dropna(subset=["config_hash"])
    return int(keyed.duplicated(subset=["config_hash"]).sum())


def _status_section(data: SweepData) -> Section | None:
    jobs = data.jobs
    bad = jobs[jobs["status"] != "completed"]
    if bad.empty and not data.skipped:
        return None
    sec = Section("Job status")
    rows = []
    for status, group in jobs.groupby("status", sort=True):
        reasons = Counter(r for r in group["reason"].tolist() if isinstance(r, str) and r)
        top = "; ".join(f"{r} ({n})" for r, n in reasons.most_common(2))
        rows.append([str(status), str(len(group)), top or "–"])
    if data.skipped:
        reasons = Counter(why.split(" (")[0] for _, why in data.skipped)
        top = "; ".join(f"{r} ({n})" for r, n in reasons.most_common(3))
        rows.append(["skipped", str(len(data.skipped)), top])
    sec.blocks.append(Table("Jobs by status", ["status", "jobs", "most common reasons"], rows))
    return sec


def _design_section(design: Design) -> Section:
    sec = Section("Design")
    rep = design.replicate
    if not design.replicated:
        sec.blocks.append(
            "Replicates: none. Every cell holds one run"
            + (f" with the same {rep}" if rep else "")
            + ", so there is no independent repetition to estimate noise from."
        )
    elif rep is None:
        sec.blocks.append("Replicates: no replicate key; each job is its own unit.")
    elif design.blocked:
        sec.blocks.append(
            f"Replicates: {rep} is the unit of replication ({design.units} values). The same"
            f" {rep} values recur across cells (common random numbers), so every comparison is"
            f" made within {rep} (blocked): per {rep}, the cells of the other parameters are"
            f" averaged, and {rep}s are the independent units of each test."
        )
    else:
        sec.blocks.append(
            f"Replicates: {rep} differs between cells, so cells are independent samples; jobs"
            " are the units of each test."
        )
    sec.blocks += design.notes or ["No copies, nesting or design quantities found."]
    if not design.replicated and design.params:
        sec.blocks.append(
            "No replication: no test is run (a test over one job per cell would compare"
            " single runs). Add seed=0,1,2 to the sweep."
        )
    return sec


def _verdict(t: HypothesisTest) -> str:
    if not t.tested:
        return "no (identical)" if t.note.startswith(("identical", "no variation")) else "–"
    if math.isnan(t.p_adj):
        return "no (too few units)"
    return "yes" if t.p_adj < _ALPHA else "no"


def _effect(t: HypothesisTest) -> str:
    if math.isnan(t.effect):
        return "–"
    if t.kind == "interaction":
        return f"{_num(t.effect, 3)} (partial eta²)"
    return f"{_num(t.effect)} {_ci(t.effect_low, t.effect_high)}"


def _tests_section(design: Design, tests: list[HypothesisTest], correction: str) -> Section:
    sec = Section("What changed with what")
    rep = design.replicate or "job"
    method = CORRECTIONS[correction]
    if not design.replicated:
        sec.blocks.append(
            "No test: the design has no replication (see Design). The per-value statistics"
            " below are descriptive."
        )
        return sec
    if design.blocked:
        how = (
            f"Blocked on {rep}: Friedman (ranks within {rep}; exact permutation p) across the"
            f" values, and for numeric parameters Page's L trend test (two-sided)."
        )
    else:
        how = (
            "Independent cells: Kruskal-Wallis across the values and, for numeric parameters,"
            " Spearman's rho trend test, both with permutation p-values (values permuted"
            " within the other parameters' cells)."
        )
    sec.blocks.append(
        "One pre-declared test per metric and parameter (and a trend test beside it). "
        + how
        + f" Interactions: two-way ANOVA. Every p-value of the report is corrected together"
        f" ({method}, statsmodels); 'yes' when the adjusted p is below {_ALPHA}. Effect: mean"
        f" of the last value minus the first, with its t CI over the {rep}s."
    )
    rows = []
    for t in tests:
        if t.kind == "interaction":
            continue
        rows.append([t.metric, t.param, t.stratum or "all", t.test.split(" (")[0], *_test_cells(t)])
    sec.blocks.append(
        Table(
            "Tests",
            [
                "metric",
                "parameter",
                "at",
                "test",
                "n",
                "statistic",
                "p",
                f"p ({method})",
                "last - first [CI]",
                "changes?",
                "note",
            ],
            rows,
            note=f"n: independent units ({rep}s). Effect CI: t interval over the units (paired"
            " when blocked, Welch otherwise); with fewer than 5 units it relies on normality"
            " and is rough. 'not counted': an exact test that cannot reach the level with so"
            " few units is left out of the correction (Tarone).",
        )
    )
    if not rows:
        sec.blocks.append("No outcome to test.")
    return sec


def _crossing_section(crossings: list[Crossing], confidence: float) -> Section:
    sec = Section("Level crossings")
    sec.blocks.append(
        "Where the mean of a metric crosses a level along a numeric parameter (one curve per"
        " combination of the other parameters): the two adjacent values between which it"
        " crosses, the linearly interpolated crossing point and its"
        f" {confidence:.0%} percentile bootstrap CI over the replicates (seeds resampled"
        " together)."
    )
    rows = []
    for c in crossings:
        rows.append(
            [
                c.metric,
                _num(c.level),
                c.param,
                c.where or "all",
                " / ".join(_num(m) for m in c.means),
                c.direction,
                "–" if c.lower is None else f"{_value(c.lower)} - {_value(c.upper)}",
                _num(c.point),
                _ci(c.ci_low, c.ci_high),
                str(c.n),
                "–" if math.isnan(c.no_cross_share) else f"{c.no_cross_share:.0%}",
            ]
        )
    if rows:
        sec.blocks.append(
            Table(
                "Crossings",
                [
                    "metric",
                    "level",
                    "parameter",
                    "at",
                    "means",
                    "",
                    "between",
                    "crossing",
                    "CI",
                    "n",
                    "no crossing in",
                ],
                rows,
                note="n: replicates behind each mean; fewer than 5 give a rough CI."
                " 'no crossing in': share of resamples whose mean curve does not cross.",
            )
        )
    else:
        sec.blocks.append("No numeric parameter to follow.")
    return sec


def _param_section(
    design: Design,
    param: str,
    metrics: list[str],
    threshold: float,
    kw: dict[str, Any],
    tests: Sequence[HypothesisTest] = (),
) -> Section:
    sec = Section(f"Effect of {param}")
    conf = f"{kw['confidence']:.0%}"
    rep = design.replicate or "job"
    unit = f"{rep}s" if design.blocked else "jobs"
    rows = []
    quiet: list[list[str]] = []  # metrics no test finds changing (when there are tests)
    flat: list[str] = []
    flat_metrics: list[str] = []
    for metric in metrics:
        target = rows
        if design.replicated and tests and not _found(list(tests), metric, param):
            target = quiet
        summaries = [
            (label, level_summary(design, metric, param, where, confidence=kw["confidence"]))
            for label, where in strata(design, param)
        ]
        # flat: the same mean at every value of param, in every stratum (run length)
        per = []
        for label, st in summaries:
            means = st["mean"].to_numpy(dtype=float)
            means = means[np.isfinite(means)]
            per.append((label, means))
        if all(len(m) > 1 and np.ptp(m) == 0 for _, m in per):
            values = [(label, _num(m[0])) for label, m in per]
            if len({v for _, v in values}) == 1:
                flat.append(f"{metric} = {values[0][1]}")
            else:
                flat.append(f"{metric} ({', '.join(f'{v} at {lab}' for lab, v in values)})")
            flat_metrics.append(metric)
            continue
        for label, st in summaries:
            for _, r in st.iterrows():
                target.append(
                    [
                        metric,
                        label or "all",
                        _value(r[param]),
                        _num(r["n"]),
                        _num(r["mean"]),
                        _ci(r["ci_low"], r["ci_high"]),
                        _num(r["std"]),
                    ]
                )
    avg = (
        f"each {rep}'s value averages the other parameters' cells"
        if design.blocked
        else "jobs pooled over the other parameters"
    )
    if flat:
        sec.blocks.append(f"The same at every value of {param}: {', '.join(flat)}.")
    if rows:
        sec.blocks.append(_per_value_table(param, rows, avg, unit, conf))
    if quiet:
        names = list(dict.fromkeys(r[0] for r in quiet))
        sec.blocks.append(
            Fold(
                f"Per-value statistics of the metrics no test finds changing with {param}:"
                f" {', '.join(names)}",
                [_per_value_table(param, quiet, avg, unit, conf)],
            )
        )
    others = [p for p in design.params if p != param]
    metrics = [m for m in metrics if m not in flat_metrics]  # one line above says it all
    frame = design.frame
    if others:
        values: list[Any] = []
        rows = []
        for metric in metrics:
            table = conditional_table(frame, param, metric, others=others, test=False)
            cols = [c for c in table.columns if c not in ("n", "kruskal_p")]
            values = values or cols
            for key, r in table.iterrows():
                key_t = key if isinstance(key, tuple) else (key,)
                if len(others) == 1:
                    label = _value(key_t[0])
                else:
                    label = ", ".join(
                        f"{o}={_value(k)}" for o, k in zip(others, key_t, strict=True)
                    )
                cells = {repr(c): _num(r[c]) for c in cols}
                rows.append(
                    [metric, label] + [cells.get(repr(v), "–") for v in values] + [_num(r["n"])]
                )
        truncated = len(rows) > _MAX_ROWS
        shown = rows[:_MAX_ROWS] if truncated else rows
        detail = Fold(f"Cell means of {param} for each combination of {', '.join(others)}")
        sec.blocks.append(detail)
        detail.blocks.append(
            Table(
                f"{param} (columns), conditioned on {', '.join(others)} (rows): cell means",
                ["metric", ", ".join(others)] + [_value(v) for v in values] + ["n"],
                shown,
                note="Each cell is the mean over its replicates (descriptive; the tests are in"
                " 'What changed with what')."
                + (
                    f" Showing {len(shown)} of {len(rows)} rows (see --export)."
                    if truncated
                    else ""
                ),
            )
        )
    rows = []
    for metric in metrics:
        t = threshold_effects(frame, param, metric, threshold=threshold)
        for _, r in t.iterrows():
            rows.append(
                [
                    metric,
                    f"{_value(r['from'])} -> {_value(r['to'])}",
                    _num(r["mean_from"]),
                    _num(r["mean_to"]),
                    _num(r["change"]),
                    f"{r['relative_change']:.0%}",
                    "yes" if r["from_zero"] else "",
                ]
            )
    if rows:
        sec.blocks.append(
            Fold(
                f"Threshold effects of {param}: {len(rows)} steps of {threshold:.0%} or more",
                [
                    Table(
                        f"{param}: threshold effects (relative change >= {threshold:.0%})",
                        [
                            "metric",
                            "step",
                            "mean before",
                            "mean after",
                            "change",
                            "relative",
                            "from zero",
                        ],
                        rows,
                        note="relative = |change| / max(|mean before|, 10% of the largest"
                        " |mean|); descriptive (no test): see the tests and --cross METRIC=LEVEL.",
                    )
                ],
            )
        )
    else:
        sec.blocks.append(f"Threshold effects of {param}: none at {threshold:.0%}.")
    return sec


def _per_value_table(param: str, rows: list[list[str]], avg: str, unit: str, conf: str) -> Table:
    return Table(
        f"{param}: per-value statistics ({avg})",
        ["metric", "at", param, f"n ({unit})", "mean", f"{conf} CI", "std"],
        rows,
        note=f"CI: t interval of the mean over the {unit}; with fewer than 5 it relies on"
        " normality and is rough.",
    )


def _test_cells(t: HypothesisTest) -> list[str]:
    """A test's row in a report table after its names: n, statistic, p, adjusted p, effect,
    verdict and note."""
    return [
        str(t.n),
        _num(t.statistic),
        _p(t.p),
        _p(t.p_adj),
        _effect(t),
        _verdict(t),
        t.note,
    ]


def _interaction_section(
    design: Design, tests: list[HypothesisTest], metrics: list[str]
) -> Section:
    sec = Section("Interactions")
    rows = [[t.metric, t.param, t.test, *_test_cells(t)] for t in tests if t.kind == "interaction"]
    if rows:
        sec.blocks.append(
            Table(
                "Interaction tests (does the effect of one parameter depend on the other?)",
                [
                    "metric",
                    "parameters",
                    "test",
                    "n",
                    "F",
                    "p",
                    "p adjusted",
                    "effect",
                    "interaction?",
                    "note",
                ],
                rows,
            )
        )
    sec.blocks.append(
        "Mean of each metric for each pair of values of two parameters; replicates are"
        " averaged within cells first, then cells over the remaining parameters."
    )
    swept = design.params
    for i, a in enumerate(swept):
        for b in swept[i + 1 :]:
            rows = []
            cols: list[Any] = []
            for metric in metrics:
                t = interaction_table(design.frame, a, b, metric, params=swept)
                cols = list(t.columns)
                for value, r in t.iterrows():
                    rows.append([metric, _value(value)] + [_num(r[c]) for c in cols])
            sec.blocks.append(
                Fold(
                    f"Cell means of {a} x {b} ({len(rows)} rows)",
                    [Table(f"{a} x {b}", ["metric", a] + [f"{b}={_value(c)}" for c in cols], rows)],
                )
            )
    return sec


def _single_cell_section(data: SweepData, metrics: list[str], kw: dict[str, Any]) -> Section:
    sec = Section("Results")
    rows = []
    for metric in metrics:
        c = cell_statistics(data, metric, params=[], **kw).iloc[0]
        rows.append(
            [
                metric,
                _num(c["n"]),
                _num(c["mean"]),
                _ci(c["ci_low"], c["ci_high"]),
                _num(c["std"]),
                _num(c["min"]),
                _num(c["max"]),
            ]
        )
    sec.blocks.append(
        Table(
            "All completed jobs",
            ["metric", "n", "mean", f"{kw['confidence']:.0%} CI", "std", "min", "max"],
            rows,
        )
    )
    return sec


def _optimum_section(design: Design, metrics: list[str], confidence: float) -> Section:
    sec = Section("Optimal parameters")
    sec.blocks.append(
        "Best cell (combination of the swept parameters) for each metric; a cell's value is"
        " the mean over its replicates, with its t CI (rough with fewer than 5 replicates)."
    )
    rows = []
    frame = design.frame
    for metric in metrics:
        for minimize in (True, False):
            best = optimal_parameters(
                frame, metric, minimize=minimize, params=design.params, n_boot=0
            )
            if best is None:
                rows.append([metric, "lowest" if minimize else "highest", "–", "–", "–", "–"])
                continue
            where = ", ".join(f"{k}={_value(v)}" for k, v in best.parameters.items()) or "(all)"
            if best.ties:
                where += f" (+{best.ties} tied)"
            sel = frame
            for k, v in best.parameters.items():
                sel = sel[sel[k] == v]
            lo, hi = t_interval(pd.to_numeric(sel[metric], errors="coerce"), confidence)
            rows.append(
                [
                    metric,
                    "lowest" if minimize else "highest",
                    where,
                    _num(best.value),
                    _ci(lo, hi),
                    str(best.n),
                ]
            )
    sec.blocks.append(Table("Optimal cells", ["metric", "", "at", "mean", "CI", "n"], rows))
    return sec


def _belief_section(
    data: SweepData, swept: list[str], keywords: Sequence[str], n_boot: int, seed: int
) -> Section | None:
    reports = data.self_reports
    if reports.empty or "response" not in reports:
        return None
    sec = Section("Self-reports and beliefs")
    sec.blocks.append(
        "Keywords are matched as whole words and negation-aware ('trust' does not match"
        " 'distrust'; 'I do not trust' counts against). Net stance = (affirmed - negated) /"
        " mentions per job, from -1 (always negated) to +1 (always affirmed), then averaged"
        " over jobs; early/late = first and last third of each job's reporting cycles."
    )
    params = swept or []
    for param in params:
        rows = []
        for keyword in keywords:
            s = belief_summary(data, param, keyword, n_boot=n_boot, seed=seed)
            for _, r in s.iterrows():
                rows.append(
                    [
                        keyword,
                        _value(r[param]),
                        _num(r["jobs"]),
                        _num(r["mentions"]),
                        _num(r["mention_rate"], 3),
                        _num(r["net_stance"], 3),
                        _ci(r["ci_low"], r["ci_high"]),
                        f"{_num(r['early'], 3)} -> {_num(r['late'], 3)}",
                    ]
                )
        sec.blocks.append(
            Table(
                f"Beliefs by {param}",
                [
                    "keyword",
                    param,
                    "jobs",
                    "mentions",
                    "mention rate",
                    "net stance",
                    "CI",
                    "early -> late",
                ],
                rows,
            )
        )
        evolution = _evolution_table(data, param, keywords)
        sec.blocks.append(Fold(f"Net stance per cycle by {param}", [evolution]))
        for keyword in keywords:
            stance = [float(r[5]) for r in rows if r[0] == keyword and r[5] not in ("–", "")]
            mentioned = any(r[0] == keyword and r[3] not in ("0", "–") for r in rows)
            if not mentioned:
                continue
            spread = (max(stance) - min(stance)) / 2 if stance else 0.0
            if spread < 0.05:  # the stance hardly moves with the parameter: no plot
                continue
            sec.plots.append(
                Plot(
                    f"belief__{_safe(keyword)}__by__{_safe(param)}.png",
                    f'"{keyword}" in self-reports per cycle by {param}',
                    "belief",
                    keyword,
                    param,
                    score=spread,
                )
            )
    qids = _text_questions(reports)
    if qids and params:
        param = params[0]
        rows = []
        for q in qids:
            top = top_responses(data, q, param)
            for _, r in top.iterrows():
                text = str(r["response"])
                rows.append(
                    [
                        q,
                        _value(r[param]),
                        text if len(text) <= 90 else text[:87] + "...",
                        f"{r['share']:.0%} of {r['responses']}",
                    ]
                )
        sec.blocks.append(
            Table(
                f"Most frequent answer to the free-text questions by {param}",
                ["question", param, "answer", "share"],
                rows,
            )
        )
    return sec


def _evolution_table(data: SweepData, param: str, keywords: Sequence[str]) -> Table:
    cycles = sorted(
        pd.to_numeric(data.self_reports["cycle_number"], errors="coerce").dropna().unique()
    )
    if len(cycles) > _MAX_CYCLE_COLUMNS:
        edges = np.linspace(cycles[0], cycles[-1], _MAX_CYCLE_COLUMNS + 1)
    else:
        edges = None
    rows = []
    header: list[str] = []
    for keyword in keywords:
        ev = belief_evolution(data, param, keyword)
        if ev.empty:
            continue
        if edges is not None:
            bins = np.clip(
                np.searchsorted(edges, ev["cycle_number"], side="right") - 1, 0, len(edges) - 2
            )
            ev = ev.assign(_col=[f"{edges[b]:.0f}-{edges[b + 1]:.0f}" for b in bins])
            labels = [f"{edges[b]:.0f}-{edges[b + 1]:.0f}" for b in range(len(edges) - 1)]
        else:
            ev = ev.assign(_col=[_num(c) for c in ev["cycle_number"]])
            labels = [_num(c) for c in cycles]
        header = labels
        for value in levels(ev[param].tolist()):
            sel = ev[ev[param].map(lambda v: repr(_clean(v))) == repr(value)]
            means = sel.groupby("_col", sort=False)["net_stance"].mean()
            rows.append([keyword, _value(value)] + [_num(means.get(c), 2) for c in labels])
    return Table(
        f"Net stance per cycle by {param}",
        ["keyword", param] + [f"cycle {c}" for c in header],
        rows,
        note="– where no job mentioned the keyword in that cycle.",
    )


def _text_questions(reports: pd.DataFrame) -> list[str]:
    """Question ids whose answers carry no number or yes/no (free text)."""
    if "question_id" not in reports:
        return []
    numeric = (
        pd.to_numeric(reports["scale_value"], errors="coerce").notna()
        | pd.to_numeric(reports["yes_no"], errors="coerce").notna()
    )
    has_number = numeric.groupby(reports["question_id"]).any()
    return sorted(str(q) for q, v in has_number.items() if not v)


# -------------------------------------------------------------------------- rendering


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _slug(title: str, taken: dict[str, int]) -> str:
    """The anchor a Markdown renderer (GitHub's rule) gives a heading; unique in ``taken``."""
    import re

    base = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    n = taken.get(base, 0)
    taken[base] = n + 1
    return base if n == 0 else f"{base}-{n}"


def _anchors(report: Report) -> list[str]:
    taken: dict[str, int] = {_slug(report.title, {}): 1, "contents": 1}
    return [_slug(sec.title, taken) for sec in report.sections]


def _contents(report: Report, anchors: list[str]) -> list[tuple[int, str, str]]:
    """(depth, title, anchor) of each section after the first, for the table of contents."""
    top = min((sec.level for sec in report.sections), default=2)
    return [
        (sec.level - top, sec.title, anchor)
        for sec, anchor in zip(report.sections[1:], anchors[1:], strict=True)
    ]


def _md_blocks(blocks: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Fold):
            out += [f"<details><summary>{html.escape(block.summary)}</summary>", ""]
            out += _md_blocks(block.blocks)
            out += ["</details>", ""]
        elif isinstance(block, Table):
            out += [f"**{block.title}**", ""]
            out.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
            out.append("|" + "|".join("---" for _ in block.columns) + "|")
            for row in block.rows:
                out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            out.append("")
            if block.note:
                out += [f"_{block.note}_", ""]
        elif isinstance(block, list):
            out += [f"- {item}" for item in block] + [""]
        else:
            out += [block, ""]
    return out


def render_markdown(
    report: Report, *, plots_dir: str | Path | None = None, base: str | Path | None = None
) -> str:
    """The report as Markdown (pipe tables); plots are linked when ``plots_dir`` is given.

    The first section (the answer) comes first, then a table of contents; each
    section's plots follow its text; folded blocks are ``<details>``.

    Example:
        >>> r = Report("T", [Section("S", ["text", ["a", "b"], Table("t", ["x"], [["1"]])])])
        >>> print(render_markdown(r))
        # T
        <BLANKLINE>
        ## S
        <BLANKLINE>
        text
        <BLANKLINE>
        - a
        - b
        <BLANKLINE>
        **t**
        <BLANKLINE>
        | x |
        |---|
        | 1 |
        <BLANKLINE>
    """
    root = None if plots_dir is None else Path(plots_dir)

    def link(name: str) -> str:
        assert root is not None
        path = root / name
        if base is not None:
            try:
                path = Path(os.path.relpath(path, base))
            except ValueError:
                pass
        return path.as_posix()

    anchors = _anchors(report)
    out = [f"# {report.title}", ""]
    for i, sec in enumerate(report.sections):
        out += [f"{'#' * sec.level} {sec.title}", ""]
        out += _md_blocks(sec.blocks)
        if root is not None:
            for plot in sec.plots:
                out += [f"![{plot.caption}]({link(plot.name)})", ""]
        if i == 0 and len(report.sections) > 2:
            out += ["## Contents", ""]
            out += [
                f"{'  ' * depth}- [{title}](#{anchor})"
                for depth, title, anchor in _contents(report, anchors)
            ]
            out.append("")
    if root is not None and report.figures:
        out += ["## Plots", ""]
        for name, caption in report.figures:
            out += [f"![{caption}]({link(name)})", ""]
    return "\n".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.2em auto;max-width:1200px;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0 .4em}
h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1.08em;margin-top:1.3em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
.note{color:#555;font-size:.85em;margin-top:-.6em}
figure{display:inline-block;margin:.4em .6em .4em 0;vertical-align:top}
figure img{width:540px;max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#444;max-width:540px}
details{margin:.4em 0}summary{cursor:pointer;color:#2a5d8f}
nav.toc{font-size:.9em;columns:2;background:#f7f7f7;padding:.4em 1em;border:1px solid #e3e3e3}
nav.toc ul{margin:.2em 0;padding-left:1.2em}
.answer ul{margin-top:.2em}
"""


def _html_blocks(blocks: Sequence[Any]) -> list[str]:
    e = html.escape
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Fold):
            out.append(f"<details><summary>{e(block.summary)}</summary>")
            out += _html_blocks(block.blocks)
            out.append("</details>")
        elif isinstance(block, Table):
            out.append(f"<table><caption>{e(block.title)}</caption><thead><tr>")
            out += [f"<th>{e(c)}</th>" for c in block.columns]
            out.append("</tr></thead><tbody>")
            for row in block.rows:
                out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            out.append("</tbody></table>")
            if block.note:
                out.append(f'<p class="note">{e(block.note)}</p>')
        elif isinstance(block, list):
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block) + "</ul>")
        else:
            out.append(f"<p>{e(block)}</p>")
    return out


def _figure(caption: str, png: bytes) -> str:
    e = html.escape
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )


def render_html(
    report: Report,
    figures: Sequence[tuple[str, bytes]] = (),
    *,
    images: dict[str, bytes] | None = None,
) -> str:
    """One self-contained HTML page, PNGs embedded as base64.

    ``images`` maps a plot's file name to its PNG, shown after its section's text;
    ``figures`` are further (caption, PNG) shown at the end.

    Example:
        >>> page = render_html(Report("T", [Section("S", ["x < y"])]), [("c", b"\\x89PNG")])
        >>> "x &lt; y" in page and "data:image/png;base64,iVBORw==" in page
        True
    """
    e = html.escape
    images = images or {}
    anchors = _anchors(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    for i, (sec, anchor) in enumerate(zip(report.sections, anchors, strict=True)):
        tag = f"h{min(6, sec.level)}"
        out.append('<section class="answer">' if i == 0 else "<section>")
        out.append(f'<{tag} id="{e(anchor)}">{e(sec.title)}</{tag}>')
        out += _html_blocks(sec.blocks)
        out += [_figure(p.caption, images[p.name]) for p in sec.plots if p.name in images]
        out.append("</section>")
        if i == 0 and len(report.sections) > 2:
            out.append('<nav class="toc" id="contents"><strong>Contents</strong><ul>')
            for depth, title, target in _contents(report, anchors):
                pad = f' style="margin-left:{depth * 1.2}em"' if depth else ""
                out.append(f'<li{pad}><a href="#{e(target)}">{e(title)}</a></li>')
            out.append("</ul></nav>")
    if figures:
        out.append("<h2>Plots</h2>")
        out += [_figure(caption, png) for caption, png in figures]
    out.append("</body></html>")
    return "\n".join(out)


def _print_blocks(blocks: Sequence[Any], console: Any) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    for block in blocks:
        if isinstance(block, Fold):
            console.print(Text(f"  + {block.summary} (folded; in --output and --html)"))
        elif isinstance(block, Table):
            t = RichTable(
                title=Text(block.title, style="bold"),
                box=box.SIMPLE_HEAD,
                caption=Text(block.note) if block.note else None,
                title_justify="left",
                caption_justify="left",
            )
            for i, c in enumerate(block.columns):
                t.add_column(Text(c), justify="left" if i < 2 else "right", overflow="fold")
            for row in block.rows:
                t.add_row(*(Text(c) for c in row))
            console.print(t)
        elif isinstance(block, list):
            for item in block:
                console.print(Text("  - " + item))
        else:
            console.print(Text(block))


def print_report(report: Report, console: Any = None) -> None:
    """Print the report with rich (tables, rules); plain text when not on a terminal.

    Example:
        >>> import io
        >>> from rich.console import Console
        >>> buf = io.StringIO()
        >>> print_report(Report("T", [Section("S", ["[x] stays"])]), Console(file=buf, width=60))
        >>> "[x] stays" in buf.getvalue()
        True
    """
    from rich.console import Console
    from rich.text import Text

    if console is None:
        console = Console()
    console.print(Text(report.title, style="bold"))
    for sec in report.sections:
        style = "bold cyan" if sec.level <= 2 else "cyan"
        console.rule(Text(sec.title, style=style), characters="=" if sec.level < 2 else "─")
        _print_blocks(sec.blocks, console)
        console.print()


# ---------------------------------------------------------------------------- export


def export(
    data: SweepData,
    fmt: str,
    path: str | Path,
    *,
    metrics: Sequence[str] | None = None,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> list[Path]:
    """Write the jobs table to ``path`` and the other tables next to it; return the paths.

    Besides ``path`` (one row per job), ``<stem>.cells.<ext>`` holds the plotted
    data (per cell and metric: n, mean, std, CI) and ``<stem>.<table>.<ext>`` the
    non-empty long tables (cycles, crashes, interventions, self_reports). JSON files
    are ``{"parameters", "replicate", "metrics", "rows": [...]}`` objects.

    Raises:
        ValueError: unknown format.
        MissingExtraError: parquet without pyarrow installed.

    Example:
        >>> import tempfile
        >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [0, 1], "m": [0.5, 1.0]})
        >>> out = Path(tempfile.mkdtemp()) / "sweep.csv"
        >>> [p.name for p in export(SweepData(jobs=jobs, params=["p"], metrics=["m"]), "csv", out)]
        ['sweep.csv', 'sweep.cells.csv']
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; allowed: {', '.join(EXPORT_FORMATS)}")
    if fmt == "parquet":
        _require("pyarrow", "parquet", "parquet export")
    from brainjar_sweep.analysis._spreadsheet import neutralise_formulas

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    chosen = list(metrics) if metrics is not None else list(data.metrics)
    tables: list[tuple[Path, pd.DataFrame]] = [(path, data.jobs)]
    cells = _cells_long(data, chosen, n_boot, seed)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    ext = path.suffix or f".{fmt}"
    tables.append((path.with_name(f"{stem}.cells{ext}"), cells))
    for name in ("cycles", "crashes", "interventions", "self_reports"):
        frame = getattr(data, name)
        if not frame.empty:
            tables.append((path.with_name(f"{stem}.{name}{ext}"), frame))
    for target, frame in tables:
        if fmt == "csv":  # opened in spreadsheets: no cell runs as a formula
            neutralise_formulas(frame).to_csv(target, index=False)
        elif fmt == "parquet":
            _for_parquet(frame).to_parquet(target, index=False)
        else:
            body = {
                "parameters": data.swept,
                "replicate": data.replicate,
                "metrics": chosen,
                "rows": json.loads(frame.to_json(orient="records", default_handler=str)),
            }
            target.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return [t for t, _ in tables]


def _for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if out[c].dtype == object:
            kinds = {type(v) for v in out[c].tolist() if v is not None}
            if len(kinds) > 1:
                out[c] = out[c].map(lambda v: None if v is None else str(v))
    return out


def _cells_long(data: SweepData, metrics: Sequence[str], n_boot: int, seed: int) -> pd.DataFrame:
    parts = []
    for metric in metrics:
        cells = cell_statistics(data, metric, n_boot=n_boot, seed=seed)
        cells.insert(len(data.swept), "metric", metric)
        parts.append(cells)
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, ignore_index=True)
