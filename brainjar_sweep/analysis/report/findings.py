"""The sections of findings: the tests, the level crossings, each parameter's effect, the
interactions, a single cell's statistics and the best settings.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> data = SweepData(jobs=pd.DataFrame({"status": ["completed"] * 3, "m": [0.5, 1.0, 0.75]}))
    >>> sec = single_cell_section(data, ["m"], {"confidence": 0.95, "n_boot": 100, "seed": 0})
    >>> sec.title, sec.blocks[-1].rows
    ('Results', [['m', '3', '0.75', '[0.5, 1]', '0.25', '0.5', '1']])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from brainjar_sweep.analysis.design import Design
from brainjar_sweep.analysis.inference import (
    CORRECTIONS,
    Crossing,
    HypothesisTest,
    level_summary,
    strata,
    t_interval,
)
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.report.document import Fold, Section, Table
from brainjar_sweep.analysis.report.figures import found_change
from brainjar_sweep.analysis.report.formatting import (
    ALPHA,
    MAX_ROWS,
    ci_text,
    num_text,
    p_text,
    value_text,
)
from brainjar_sweep.analysis.stats import (
    cell_statistics,
    conditional_table,
    interaction_table,
    optimal_parameters,
    threshold_effects,
)


def _verdict(t: HypothesisTest) -> str:
    if not t.tested:
        return "no (identical)" if t.note.startswith(("identical", "no variation")) else "–"
    if math.isnan(t.p_adj):
        return "no (too few units)"
    return "yes" if t.p_adj < ALPHA else "no"


def _effect(t: HypothesisTest) -> str:
    if math.isnan(t.effect):
        return "–"
    if t.kind == "interaction":
        return f"{num_text(t.effect, 3)} (partial eta²)"
    return f"{num_text(t.effect)} {ci_text(t.effect_low, t.effect_high)}"


def tests_section(design: Design, tests: list[HypothesisTest], correction: str) -> Section:
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
        f" ({method}, statsmodels); 'yes' when the adjusted p is below {ALPHA}. Effect: mean"
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


def crossing_section(crossings: list[Crossing], confidence: float) -> Section:
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
                num_text(c.level),
                c.param,
                c.where or "all",
                " / ".join(num_text(m) for m in c.means),
                c.direction,
                "–" if c.lower is None else f"{value_text(c.lower)} - {value_text(c.upper)}",
                num_text(c.point),
                ci_text(c.ci_low, c.ci_high),
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


def param_section(
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
    rows, quiet, flat, flat_metrics = _per_value_rows(design, param, metrics, kw, tests)
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
    if others:
        sec.blocks.append(_conditional_fold(design.frame, param, metrics, others))
    sec.blocks.append(_threshold_block(design.frame, param, metrics, threshold))
    return sec


def _per_value_rows(
    design: Design,
    param: str,
    metrics: list[str],
    kw: dict[str, Any],
    tests: Sequence[HypothesisTest],
) -> tuple[list[list[str]], list[list[str]], list[str], list[str]]:
    """Rows of the per-value table, rows of the metrics no test finds changing (when there
    are tests), and the metrics that are the same at every value (a line each, and names)."""
    rows: list[list[str]] = []
    quiet: list[list[str]] = []
    flat: list[str] = []
    flat_metrics: list[str] = []
    for metric in metrics:
        target = rows
        if design.replicated and tests and not found_change(list(tests), metric, param):
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
            values = [(label, num_text(m[0])) for label, m in per]
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
                        value_text(r[param]),
                        num_text(r["n"]),
                        num_text(r["mean"]),
                        ci_text(r["ci_low"], r["ci_high"]),
                        num_text(r["std"]),
                    ]
                )
    return rows, quiet, flat, flat_metrics


def _conditional_fold(
    frame: pd.DataFrame, param: str, metrics: list[str], others: list[str]
) -> Fold:
    """The cell means of ``param`` for each combination of the other parameters, folded."""
    values: list[Any] = []
    rows = []
    for metric in metrics:
        table = conditional_table(frame, param, metric, others=others, test=False)
        cols = [c for c in table.columns if c not in ("n", "kruskal_p")]
        values = values or cols
        for key, r in table.iterrows():
            key_t = key if isinstance(key, tuple) else (key,)
            if len(others) == 1:
                label = value_text(key_t[0])
            else:
                label = ", ".join(
                    f"{o}={value_text(k)}" for o, k in zip(others, key_t, strict=True)
                )
            cells = {repr(c): num_text(r[c]) for c in cols}
            rows.append(
                [metric, label] + [cells.get(repr(v), "–") for v in values] + [num_text(r["n"])]
            )
    truncated = len(rows) > MAX_ROWS
    shown = rows[:MAX_ROWS] if truncated else rows
    detail = Fold(f"Cell means of {param} for each combination of {', '.join(others)}")
    detail.blocks.append(
        Table(
            f"{param} (columns), conditioned on {', '.join(others)} (rows): cell means",
            ["metric", ", ".join(others)] + [value_text(v) for v in values] + ["n"],
            shown,
            note="Each cell is the mean over its replicates (descriptive; the tests are in"
            " 'What changed with what')."
            + (f" Showing {len(shown)} of {len(rows)} rows (see --export)." if truncated else ""),
        )
    )
    return detail


def _threshold_block(
    frame: pd.DataFrame, param: str, metrics: list[str], threshold: float
) -> Fold | str:
    """The threshold effects of ``param`` (folded), or the line saying there are none."""
    rows = []
    for metric in metrics:
        t = threshold_effects(frame, param, metric, threshold=threshold)
        for _, r in t.iterrows():
            rows.append(
                [
                    metric,
                    f"{value_text(r['from'])} -> {value_text(r['to'])}",
                    num_text(r["mean_from"]),
                    num_text(r["mean_to"]),
                    num_text(r["change"]),
                    f"{r['relative_change']:.0%}",
                    "yes" if r["from_zero"] else "",
                ]
            )
    if not rows:
        return f"Threshold effects of {param}: none at {threshold:.0%}."
    return Fold(
        f"Threshold effects of {param}: {len(rows)} steps of {threshold:.0%} or more",
        [
            Table(
                f"{param}: threshold effects (relative change >= {threshold:.0%})",
                ["metric", "step", "mean before", "mean after", "change", "relative", "from zero"],
                rows,
                note="relative = |change| / max(|mean before|, 10% of the largest"
                " |mean|); descriptive (no test): see the tests and --cross METRIC=LEVEL.",
            )
        ],
    )


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
        num_text(t.statistic),
        p_text(t.p),
        p_text(t.p_adj),
        _effect(t),
        _verdict(t),
        t.note,
    ]


def interaction_section(design: Design, tests: list[HypothesisTest], metrics: list[str]) -> Section:
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
                    rows.append([metric, value_text(value)] + [num_text(r[c]) for c in cols])
            sec.blocks.append(
                Fold(
                    f"Cell means of {a} x {b} ({len(rows)} rows)",
                    [
                        Table(
                            f"{a} x {b}",
                            ["metric", a] + [f"{b}={value_text(c)}" for c in cols],
                            rows,
                        )
                    ],
                )
            )
    return sec


def single_cell_section(data: SweepData, metrics: list[str], kw: dict[str, Any]) -> Section:
    sec = Section("Results")
    rows = []
    for metric in metrics:
        c = cell_statistics(data, metric, params=[], **kw).iloc[0]
        rows.append(
            [
                metric,
                num_text(c["n"]),
                num_text(c["mean"]),
                ci_text(c["ci_low"], c["ci_high"]),
                num_text(c["std"]),
                num_text(c["min"]),
                num_text(c["max"]),
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


def optimum_section(design: Design, metrics: list[str], confidence: float) -> Section:
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
            where = ", ".join(f"{k}={value_text(v)}" for k, v in best.parameters.items()) or "(all)"
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
                    num_text(best.value),
                    ci_text(lo, hi),
                    str(best.n),
                ]
            )
    sec.blocks.append(Table("Optimal cells", ["metric", "", "at", "mean", "CI", "n"], rows))
    return sec
