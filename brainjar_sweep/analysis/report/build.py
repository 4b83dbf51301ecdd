"""Building a report: every analysis of a sweep, in the order a reader needs them, and
several sweeps' reports combined into one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from brainjar_sweep.analysis._names import safe_name
from brainjar_sweep.analysis.beliefs import (
    DEFAULT_KEYWORDS,
)
from brainjar_sweep.analysis.design import Design, detect_design
from brainjar_sweep.analysis.inference import (
    Crossing,
    HypothesisTest,
    adjust,
    effect_tests,
    interaction_tests,
    level_crossings,
)
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.providers import report_providers
from brainjar_sweep.analysis.report.answer import answer_blocks, question_blocks, research_question
from brainjar_sweep.analysis.report.belief import belief_section
from brainjar_sweep.analysis.report.document import Report, Section
from brainjar_sweep.analysis.report.figures import (
    heatmap_plots,
    metric_plots,
    rank_plots,
)
from brainjar_sweep.analysis.report.findings import (
    crossing_section,
    interaction_section,
    optimum_section,
    param_section,
    single_cell_section,
    tests_section,
)
from brainjar_sweep.analysis.report.formatting import ALPHA, num_text
from brainjar_sweep.analysis.report.overview import (
    design_section,
    overview_section,
    report_title,
    status_section,
)
from brainjar_sweep.analysis.stats import (
    N_BOOT,
    default_metrics,
)


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
        >>> import pandas as pd
        >>> jobs = pd.DataFrame({"status": ["completed", "failed"], "p": [0, 1],
        ...     "m": [1.0, None], "reason": [None, "boom"]})
        >>> r = build_report(SweepData(jobs=jobs, params=["p"], metrics=["m"]), metrics=["m"])
        >>> [s.title for s in r.sections]
        ['Question and answer', 'Results', 'Optimal parameters', 'Design', 'Overview', 'Job status']
    """
    done = data.completed
    metrics, notes, folded = _metrics_shown(data, metrics)
    constant_all = {m for m in metrics if m in done and done[m].nunique(dropna=True) <= 1}
    asked = question if question is not None else research_question(data)
    levels_to_cross = {k: v for sw in data.sweeps for k, v in sw.cross.items()} | (cross or {})
    qa = Section("Question and answer")
    overview = overview_section(data, data.swept, notes)
    status = status_section(data)
    kw = {"confidence": confidence, "n_boot": n_boot, "seed": seed}
    if done.empty:
        qa.blocks += question_blocks(asked) + ["No job completed: nothing to answer."]
        sections = [qa, overview] + ([status] if status else [])
        sections.append(Section("Results", ["No job completed: there is nothing to compare."]))
        return Report(report_title(data), sections, metrics=metrics)
    design = detect_design(data, metrics, replicate=replicate)
    tests = effect_tests(design, confidence=confidence, seed=seed)
    if len(design.params) >= 2:
        tests += interaction_tests(design)
    tests = adjust(tests, correction, ALPHA)
    crossings = _crossings(design, levels_to_cross, notes, kw)
    qa.blocks += question_blocks(asked) + answer_blocks(design, tests, crossings, correction)
    flat_sweep = bool(metrics) and all(m in constant_all for m in metrics)
    if flat_sweep:
        answer = next(b for b in qa.blocks if isinstance(b, list))
        answer.insert(0, "Every metric is the same in every job: nothing changed with anything.")
    shown = design.outcomes + design.design_quantities
    findings, details = _findings(
        data,
        design,
        tests,
        crossings,
        levels_to_cross,
        shown,
        metrics,
        flat_sweep,
        threshold=threshold,
        kw=kw,
        correction=correction,
        keywords=keywords,
    )
    details.append(optimum_section(design, shown, confidence))
    details.append(design_section(design))
    sections = [qa, *findings, *details, overview] + ([status] if status else [])
    for plot in (p for sec in sections for p in sec.plots):
        if plot.kind == "metric" and plot.metric in levels_to_cross:
            plot.level = levels_to_cross[plot.metric]
    rank_plots(sections)
    if folded:
        qa.blocks.append("Folded away: " + "; ".join(folded) + ".")
    return Report(report_title(data), sections, metrics=shown or metrics)


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
                plot.name = f"{safe_name(folder)}/{plot.name}"
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


def _metrics_shown(
    data: SweepData, metrics: Sequence[str] | None
) -> tuple[list[str], list[str], list[str]]:
    """The metrics to report (the default ones minus the constant ones when none are asked
    for), with the notes for the overview and the lines folded away under the answer."""
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
                    f"{m} = {num_text(done[m].dropna().iloc[0])}"
                    for m in constant
                    if len(done[m].dropna())
                )
            )
        if not metrics:
            metrics = chosen
    return list(metrics), notes, folded


def _crossings(
    design: Design, levels_to_cross: dict[str, float], notes: list[str], kw: dict[str, Any]
) -> list[Crossing]:
    """Where each metric crosses the level asked for (a note for a metric not in the jobs)."""
    crossings = []
    for metric, level in levels_to_cross.items():
        if metric in design.frame:
            crossings += level_crossings(design, metric, level, **kw)
        else:
            notes.append(f"Level crossing of {metric}: no such metric in these jobs.")
    return crossings


def _findings(
    data: SweepData,
    design: Design,
    tests: list[HypothesisTest],
    crossings: list[Crossing],
    levels_to_cross: dict[str, float],
    shown: list[str],
    metrics: list[str],
    flat_sweep: bool,
    *,
    threshold: float,
    kw: dict[str, Any],
    correction: str,
    keywords: Sequence[str],
) -> tuple[list[Section], list[Section]]:
    """The sections of findings (each parameter, interactions, crossings, the providers'
    and the beliefs') and the first of details (the tests)."""
    confidence, n_boot, seed = kw["confidence"], kw["n_boot"], kw["seed"]
    findings: list[Section] = []
    details: list[Section] = []
    if design.params and not flat_sweep:
        for param in design.params:
            sec = param_section(design, param, shown, threshold, kw, tests)
            sec.plots = metric_plots(design, tests, param)
            findings.append(sec)
        if len(design.params) >= 2:
            sec = interaction_section(design, tests, shown)
            sec.plots = heatmap_plots(design, tests)
            findings.append(sec)
        if crossings or levels_to_cross:
            findings.append(crossing_section(crossings, confidence))
        details.append(tests_section(design, tests, correction))
    elif not design.params:
        findings.append(single_cell_section(data, metrics, kw))
    for provider in report_providers():
        extra = provider.section(data, seed=seed)
        if extra is not None:
            findings.append(extra)
    belief = belief_section(data, design.params, keywords, n_boot, seed)
    if belief is not None:
        findings.append(belief)
    return findings, details
