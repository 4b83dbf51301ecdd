"""Which plots a report shows: one per metric and parameter, heatmaps of two, ranked by how
much the parameter moves the metric, the best shown with the answer.

Example:
    >>> from brainjar_sweep.analysis.report.document import Plot, Section
    >>> flat, moved = Plot("x.png", "x", "metric", score=0.2), Plot("y.png", "y", "metric", score=1.5)
    >>> sections = [Section("Answer"), Section("Effects", plots=[flat, moved])]
    >>> rank_plots(sections)
    >>> [p.name for p in sections[0].plots], [p.name for p in sections[1].plots]
    (['01-y.png'], ['02-x.png'])
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from brainjar_sweep.analysis._names import safe_name
from brainjar_sweep.analysis.design import Design
from brainjar_sweep.analysis.inference import (
    HypothesisTest,
)
from brainjar_sweep.analysis.report.document import Plot, Section
from brainjar_sweep.analysis.report.formatting import ALPHA
from brainjar_sweep.analysis.stats import (
    interaction_table,
)


def metric_range(design: Design, metric: str) -> float:
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
    return move / metric_range(design, metric)


def found_change(tests: list[HypothesisTest], metric: str, param: str) -> bool:
    return any(
        t.metric == metric and t.param == param and not math.isnan(t.p_adj) and t.p_adj < ALPHA
        for t in tests
    )


def metric_plots(design: Design, tests: list[HypothesisTest], param: str) -> list[Plot]:
    """A plot per outcome that moves along ``param`` (flat ones are folded away)."""
    from brainjar_sweep.analysis.metrics import label

    out = []
    for metric in design.outcomes:
        score = _strength(design, metric, param)
        if score <= 0:
            continue
        score += 1.0 if found_change(tests, metric, param) else 0.0
        out.append(
            Plot(
                f"{safe_name(metric)}__vs__{safe_name(param)}.png",
                f"{label(metric)} against {param}",
                "metric",
                metric,
                param,
                score=score,
            )
        )
    return out


def heatmap_plots(design: Design, tests: list[HypothesisTest]) -> list[Plot]:
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
                share = float(np.abs(resid).max()) / metric_range(design, metric)
                hit = found_change(tests, metric, f"{a} x {b}")
                if share < 0.02 and not hit:
                    continue
                out.append(
                    Plot(
                        f"heatmap__{safe_name(metric)}__{safe_name(a)}__x__{safe_name(b)}.png",
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


def rank_plots(sections: list[Section]) -> None:
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
