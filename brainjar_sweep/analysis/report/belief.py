"""The section on beliefs in the self-reports: keyword mentions and stance per parameter
value, their evolution over the cycles, and the free-text questions asked.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> jobs = pd.DataFrame({"status": ["completed"], "m": [0.5]})
    >>> belief_section(SweepData(jobs=jobs), [], ["trust"], n_boot=100, seed=0) is None
    True
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from brainjar_sweep.analysis._names import safe_name
from brainjar_sweep.analysis._values import plain_value as _clean
from brainjar_sweep.analysis.beliefs import (
    belief_evolution,
    belief_summary,
    top_responses,
)
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.report.document import Fold, Plot, Section, Table
from brainjar_sweep.analysis.report.formatting import (
    MAX_CYCLE_COLUMNS,
    ci_text,
    num_text,
    value_text,
)
from brainjar_sweep.analysis.stats import (
    levels,
)


def belief_section(
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
        _param_beliefs(sec, data, param, keywords, n_boot, seed)
    answers = _top_answers(data, reports, params)
    if answers is not None:
        sec.blocks.append(answers)
    return sec


def _param_beliefs(
    sec: Section,
    data: SweepData,
    param: str,
    keywords: Sequence[str],
    n_boot: int,
    seed: int,
) -> None:
    """Add the beliefs by ``param`` to ``sec``: a table, the evolution per cycle (folded) and
    a plot of each keyword whose stance moves with the parameter."""
    rows = []
    for keyword in keywords:
        s = belief_summary(data, param, keyword, n_boot=n_boot, seed=seed)
        for _, r in s.iterrows():
            rows.append(
                [
                    keyword,
                    value_text(r[param]),
                    num_text(r["jobs"]),
                    num_text(r["mentions"]),
                    num_text(r["mention_rate"], 3),
                    num_text(r["net_stance"], 3),
                    ci_text(r["ci_low"], r["ci_high"]),
                    f"{num_text(r['early'], 3)} -> {num_text(r['late'], 3)}",
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
                f"belief__{safe_name(keyword)}__by__{safe_name(param)}.png",
                f'"{keyword}" in self-reports per cycle by {param}',
                "belief",
                keyword,
                param,
                score=spread,
            )
        )


def _top_answers(data: SweepData, reports: pd.DataFrame, params: list[str]) -> Table | None:
    """The most frequent answer to each free-text question by the first parameter."""
    qids = _text_questions(reports)
    if not (qids and params):
        return None
    param = params[0]
    rows = []
    for q in qids:
        top = top_responses(data, q, param)
        for _, r in top.iterrows():
            text = str(r["response"])
            rows.append(
                [
                    q,
                    value_text(r[param]),
                    text if len(text) <= 90 else text[:87] + "...",
                    f"{r['share']:.0%} of {r['responses']}",
                ]
            )
    return Table(
        f"Most frequent answer to the free-text questions by {param}",
        ["question", param, "answer", "share"],
        rows,
    )


def _evolution_table(data: SweepData, param: str, keywords: Sequence[str]) -> Table:
    cycles = sorted(
        pd.to_numeric(data.self_reports["cycle_number"], errors="coerce").dropna().unique()
    )
    if len(cycles) > MAX_CYCLE_COLUMNS:
        edges = np.linspace(cycles[0], cycles[-1], MAX_CYCLE_COLUMNS + 1)
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
            ev = ev.assign(_col=[num_text(c) for c in ev["cycle_number"]])
            labels = [num_text(c) for c in cycles]
        header = labels
        for value in levels(ev[param].tolist()):
            sel = ev[ev[param].map(lambda v: repr(_clean(v))) == repr(value)]
            means = sel.groupby("_col", sort=False)["net_stance"].mean()
            rows.append([keyword, value_text(value)] + [num_text(means.get(c), 2) for c in labels])
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
