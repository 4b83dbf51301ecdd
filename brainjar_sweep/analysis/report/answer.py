"""The answer to the research question: the question asked, what each parameter does to
each metric, in words, with its test.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> research_question(SweepData(jobs=pd.DataFrame()))
    ''
"""

from __future__ import annotations

import math

import numpy as np

from brainjar_sweep.analysis.design import Design
from brainjar_sweep.analysis.inference import (
    CORRECTIONS,
    Crossing,
    HypothesisTest,
)
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.report.document import Table
from brainjar_sweep.analysis.report.figures import metric_range
from brainjar_sweep.analysis.report.formatting import ALPHA, ci_text, num_text, p_text, value_text
from brainjar_sweep.analysis.stats import (
    interaction_table,
)


def research_question(data: SweepData) -> str:
    asked = list(dict.fromkeys(s.question for s in data.sweeps if s.question))
    return " / ".join(asked)


def question_blocks(asked: str) -> list[str | list[str] | Table]:
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
            span = metric_range(design, t.metric) if design is not None else 1.0
            at = f" at {t.stratum}" if t.stratum else ""
            curve = " / ".join(num_text(m) for m in t.means)
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
            f"at {t.stratum}: {num_text(t.means[0])} -> {num_text(t.means[-1])}"
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
        f"at {b}={value_text(level)}: {num_text(row.iloc[0])} -> {num_text(row.iloc[-1])}"
        for level, row in table.iterrows()
    ]
    return f"; {a} first -> last value " + ", ".join(parts)


def _fmt_p(t: HypothesisTest) -> str:
    name = t.test.replace(" (", ", ").rstrip(")")
    return f"{name}; p {p_text(t.p)}, adjusted {p_text(t.p_adj)}"


def answer_blocks(
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
        answer += _tested_lines(design, tests, method)
    crossed = _crossed_lines(design, crossings)
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


def _tested_lines(design: Design, tests: list[HypothesisTest], method: str) -> list[str]:
    """The answer of a replicated sweep: what changes with what, the interactions, and what
    "changes" means (or that nothing does)."""
    answer: list[str] = []
    family = [t for t in tests if not math.isnan(t.p_adj)]
    hits = [t for t in family if t.p_adj < ALPHA]
    main: dict[tuple[str, str], list[HypothesisTest]] = {}
    for t in tests:
        if t.kind != "interaction":
            main.setdefault((t.metric, t.param), []).append(t)
    for (metric, param), group in main.items():
        sig = [t for t in group if not math.isnan(t.p_adj) and t.p_adj < ALPHA]
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
            f"; {num_text(best.means[0])} -> {num_text(best.means[-1])} from first to last value"
            if best.means
            else ""
        )
        answer.append(f"{metric} changes with {param}{at} ({_fmt_p(best)}{shift}).")
    for t in tests:
        if t.kind == "interaction" and not math.isnan(t.p_adj) and t.p_adj < ALPHA:
            a, b = t.param.split(" x ")
            answer.append(
                f"The effect of {a} on {t.metric} depends on {b} (interaction; {_fmt_p(t)})"
                + _simple_effects(tests, t.metric, a, b, design)
                + "."
            )
    if not hits:
        answer.append(
            f"Nothing changes detectably: no outcome differs across any swept parameter"
            f" after {method} correction over {len(family)} tests (alpha {ALPHA})."
        )
    else:
        answer.append(
            f"'Changes' means a {method}-adjusted p below {ALPHA} over the"
            f" {len(family)} tests of this report."
        )
    blind = [t for t in tests if t.tested and math.isnan(t.p_adj)]
    if blind:
        answer.append(
            f"{len(blind)} tests cannot reach p < {ALPHA} with {design.units}"
            f" {design.replicate or 'unit'}s whatever the data: add replicates to test them."
        )
    return answer


def _crossed_lines(design: Design, crossings: list[Crossing]) -> list[str]:
    """One line per level a metric crosses between two values of a parameter."""
    crossed = []
    for c in crossings:
        if c.lower is None:
            continue
        ci = f", {ci_text(c.ci_low, c.ci_high)} over {c.n} {design.replicate or 'job'}s"
        at = f" at {c.where}" if c.where else ""
        crossed.append(
            f"{c.metric} {c.direction} {num_text(c.level)} between {c.param}={value_text(c.lower)} and"
            f" {value_text(c.upper)}{at} (crossing at {num_text(c.point)}{ci if c.n >= 2 else ''})."
        )
    return crossed
