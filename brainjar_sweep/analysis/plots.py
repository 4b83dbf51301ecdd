"""Plots of a sweep with matplotlib (Agg, no display needed): PNG files or PNG bytes.

- :func:`metric_vs_param`: a metric against one swept parameter, one line per
  combination of the other swept parameters; each point is the mean over its
  replicates with a bootstrap confidence interval as error bar (never a zig-zag
  through unrelated combinations);
- :func:`interaction_heatmap`: the mean of a metric for each pair of values of two
  parameters (replicates averaged first);
- :func:`belief_plot`: mention rate and net stance of a keyword per cycle, one line
  per value of a parameter.

Figures are built with the object-oriented API (no pyplot state), so plotting works
in threads and never opens a window.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "p": [0, 0, 1, 1],
    ...                      "seed": [0, 1, 0, 1], "m": [0.1, 0.2, 0.6, 0.8]})
    >>> data = SweepData(jobs=jobs, params=["p"], metrics=["m"])
    >>> png = figure_png(metric_vs_param(data, "m", "p"))
    >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from brainjar_sweep.analysis._axes import (
    error_bars,
    in_words,
    legend_outside,
    param_axis,
    positions,
    tick_text,
    value_axis,
)
from brainjar_sweep.analysis._figure import new_figure
from brainjar_sweep.analysis._names import safe_name
from brainjar_sweep.analysis._values import plain_value
from brainjar_sweep.analysis.beliefs import DEFAULT_KEYWORDS, belief_evolution
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.providers import provider_for, report_providers
from brainjar_sweep.analysis.stats import (
    MAX_LEVELS,
    N_BOOT,
    conditional_statistics,
    interaction_table,
    levels,
    parameter_statistics,
)

__all__ = [
    "MAX_LINES",
    "belief_plot",
    "draw",
    "figure_png",
    "interaction_heatmap",
    "metric_vs_param",
    "plot_figures",
    "write_plots",
]


MAX_LINES = 10
"""With more combinations of the other parameters, lines are drawn thin and unlabelled."""


_DPI = 110


def figure_png(fig: Figure, *, dpi: int = _DPI) -> bytes:
    """Render a figure to PNG bytes.

    Example:
        >>> figure_png(new_figure())[:4]
        b'\\x89PNG'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def metric_vs_param(
    data: SweepData,
    metric: str,
    param: str,
    *,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
    level: float | None = None,
) -> Figure:
    """``metric`` against ``param``: a labelled line per combination of the other swept
    parameters; ``level`` (a level the question is about) is a labelled dashed line.

    Points are cell means over replicates, error bars the bootstrap CI of that mean
    (none for a single replicate). With more than :data:`MAX_LINES` combinations the
    pooled mean is drawn with the band the combinations' means span. A numeric
    parameter sampled continuously (an Optuna search) is a scatter of the jobs, never
    binned. Axes are labelled in words with units; the metric's axis spans its range.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "a": [0, 1, 0, 1],
        ...                      "b": ["x", "x", "y", "y"], "m": [1.0, 2.0, 1.5, 3.0]})
        >>> fig = metric_vs_param(SweepData(jobs=jobs, params=["a", "b"]), "m", "a")
        >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        ['x', 'y']
    """
    from brainjar_sweep.analysis.metrics import label, param_label

    done = data.completed
    column = done[param] if param in done else pd.Series(dtype=float)
    if pd.api.types.is_numeric_dtype(column) and column.nunique() > MAX_LEVELS:
        return _scatter(data, metric, param)
    others = [p for p in data.swept if p != param]
    cells = conditional_statistics(
        data, param, metric, others=others, confidence=confidence, n_boot=n_boot, seed=seed
    )
    cells = cells[cells["n"] > 0]
    xs_all = levels(cells[param].tolist()) if not cells.empty else []
    pos, numeric = positions(xs_all)
    bottom = 0.7
    if not numeric and xs_all:
        longest = max(len(tick_text(v)) for v in xs_all)
        bottom = min(1.8, 0.7 + (0.035 * longest if len(xs_all) > 6 else 0.1))
    groups = list(cells.groupby(others, dropna=False, sort=False)) if others else []
    many = len(groups) > MAX_LINES
    legend = bool(others) or data.replicate is not None or level is not None
    fig = new_figure(8.0, 4.6, bottom=bottom, right=2.0 if legend else 0.3, left=0.85)
    ax = fig.add_subplot()
    where = {repr(v): p for v, p in zip(xs_all, pos, strict=True)}
    if level is not None:
        ax.axhline(
            level, color="0.35", ls="--", lw=1.0, label=f"level {tick_text(level)}", zorder=1
        )
    if cells.empty:
        ax.text(0.5, 0.5, "no completed jobs with this metric", ha="center", transform=ax.transAxes)
    elif others and not many:
        _lines(ax, groups, others, param, where)
    elif others:
        _band(ax, cells, param, others, xs_all, where, len(groups))
        _pooled(ax, data, metric, param, where, confidence, n_boot, seed, "mean over all jobs")
        legend_outside(ax)
    else:
        _one_line(ax, data, cells, metric, param, where, legend)
    if not numeric and xs_all:
        ax.set_xticks(pos, [tick_text(v) for v in xs_all], rotation=30 if len(pos) > 6 else 0)
    note = _note(cells, confidence, many, data.replicate)
    fig.suptitle(f"{in_words(label(metric))} by {in_words(param_label(param))}")
    ax.set_title(note, fontsize="small", color="0.3")
    values = pd.to_numeric(cells["mean"], errors="coerce").to_numpy(dtype=float)
    value_axis(ax, metric, values)
    param_axis(ax, param, xs_all, numeric)
    ax.grid(True, alpha=0.3)
    return fig


def _lines(
    ax: Any, groups: list[Any], others: list[str], param: str, where: dict[str, float]
) -> None:
    """A labelled line per combination of the other parameters, with its error bars."""
    from brainjar_sweep.analysis.metrics import param_label

    for key, group in groups:
        key_t = key if isinstance(key, tuple) else (key,)
        if len(others) == 1:
            text = tick_text(plain_value(key_t[0]))
        else:
            text = ", ".join(
                f"{o}={tick_text(plain_value(k))}" for o, k in zip(others, key_t, strict=True)
            )
        x = [where[repr(plain_value(v))] for v in group[param].tolist()]
        y = group["mean"].to_numpy(dtype=float)
        ax.errorbar(x, y, yerr=error_bars(group), marker="o", capsize=3, label=text, lw=1.5)
    title = in_words(param_label(others[0])) if len(others) == 1 else None
    legend_outside(ax, title=title)


def _band(
    ax: Any,
    cells: pd.DataFrame,
    param: str,
    others: list[str],
    xs_all: list[Any],
    where: dict[str, float],
    n_groups: int,
) -> None:
    """The band the combinations' means span (too many combinations for a line each)."""
    from brainjar_sweep.analysis.metrics import param_label

    spans = cells.groupby(param, sort=False)["mean"].agg(["min", "max"])
    span = {repr(plain_value(v)): (lo, hi) for v, lo, hi in spans.itertuples()}
    order = [v for v in xs_all if repr(v) in span]
    lo = [span[repr(v)][0] for v in order]
    hi = [span[repr(v)][1] for v in order]
    ax.fill_between(
        [where[repr(v)] for v in order],
        lo,
        hi,
        color="tab:blue",
        alpha=0.18,
        label=f"range of the {n_groups} combinations of "
        + ", ".join(in_words(param_label(o)) for o in others),
    )


def _one_line(
    ax: Any,
    data: SweepData,
    cells: pd.DataFrame,
    metric: str,
    param: str,
    where: dict[str, float],
    legend: bool,
) -> None:
    """The mean with its error bars, and each job when there are replicates (one parameter)."""
    x = [where[repr(plain_value(v))] for v in cells[param].tolist()]
    y = cells["mean"].to_numpy(dtype=float)
    ax.errorbar(x, y, yerr=error_bars(cells), marker="o", capsize=3, lw=1.8, label="mean")
    jobs = data.completed
    if data.replicate is not None and len(jobs) <= 2000:
        jx = [where.get(repr(plain_value(v))) for v in jobs[param].tolist()]
        jy = pd.to_numeric(jobs[metric], errors="coerce").to_numpy(dtype=float)
        keep = [i for i, v in enumerate(jx) if v is not None]
        ax.plot(
            [jx[i] for i in keep],
            jy[keep],
            ".",
            color="0.45",
            alpha=0.5,
            label=f"one job per {data.replicate}",
        )
    if legend:
        legend_outside(ax)


def _note(cells: pd.DataFrame, confidence: float, many: bool, reps: str | None) -> str:
    """The plot's subtitle: what its points, bars and band are, over how many jobs."""
    n_min = int(cells["n"].min()) if not cells.empty else 0
    n_max = int(cells["n"].max()) if not cells.empty else 0
    n_text = f"n={n_min}" if n_min == n_max else f"n={n_min}-{n_max}"
    ci = f"{confidence:.0%} bootstrap CI"
    if many:
        note = f"line: mean over all jobs, bars: {ci}; band: the cells' means ({n_text} each)"
    elif n_max <= 1:
        note = "one job per cell: no error bars"
    else:
        note = f"points: mean over {reps or 'replicate'}s per cell ({n_text}); bars: {ci}"
    return note


def _scatter(data: SweepData, metric: str, param: str) -> Figure:
    """Every job of a continuously sampled parameter as a point (no bins)."""
    from brainjar_sweep.analysis.metrics import label, param_label

    done = data.completed
    x = pd.to_numeric(done[param], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(done[metric], errors="coerce").to_numpy(dtype=float)
    others = [p for p in data.swept if p != param]
    hue = next((o for o in others if done[o].nunique() <= MAX_LINES), None)
    fig = new_figure(8.0, 4.6, right=2.0, left=0.85)
    ax = fig.add_subplot()
    if hue is None:
        ax.scatter(x, y, s=22, alpha=0.8, label=f"one job ({len(done)})")
        legend_outside(ax)
    else:
        for i, value in enumerate(levels(done[hue].tolist())):
            sel = (done[hue].map(plain_value).map(repr) == repr(value)).to_numpy()
            ax.scatter(x[sel], y[sel], s=22, alpha=0.8, color=f"C{i}", label=tick_text(value))
        legend_outside(ax, title=in_words(param_label(hue)))
    fig.suptitle(f"{in_words(label(metric))} by {in_words(param_label(param))}")
    ax.set_title(
        f"each point one job; {in_words(param_label(param))} sampled continuously (not binned)",
        fontsize="small",
        color="0.3",
    )
    value_axis(ax, metric, y)
    ax.set_xlabel(param_label(param))
    ax.grid(True, alpha=0.3)
    return fig


def _pooled(
    ax: Any,
    data: SweepData,
    metric: str,
    param: str,
    where: dict[str, float],
    confidence: float,
    n_boot: int,
    seed: int,
    label: str,
) -> None:
    st = parameter_statistics(data, param, metric, confidence=confidence, n_boot=n_boot, seed=seed)
    st = st[st["n"] > 0]
    x = [where[repr(plain_value(v))] for v in st.index.tolist()]
    ax.errorbar(
        x,
        st["mean"].to_numpy(dtype=float),
        yerr=error_bars(st),
        marker="o",
        color="black",
        capsize=3,
        lw=2,
        label=label,
    )


def interaction_heatmap(data: SweepData, metric: str, row_param: str, col_param: str) -> Figure:
    """Heatmap of the mean of ``metric`` over two parameters (replicates averaged first).

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "a": [0, 0, 1, 1],
        ...                      "b": [0, 1, 0, 1], "m": [1.0, 2.0, 3.0, 4.0]})
        >>> fig = interaction_heatmap(SweepData(jobs=jobs, params=["a", "b"]), "m", "a", "b")
        >>> fig.axes[0].get_title(), fig.axes[0].get_xlabel()
        ('m by a and b', 'b')
    """
    from brainjar_sweep.analysis.metrics import bounds, label, param_label

    table = interaction_table(data, row_param, col_param, metric)
    rows, cols = table.shape
    row_text = max((len(tick_text(r)) for r in table.index), default=1)
    col_text = max((len(tick_text(c)) for c in table.columns), default=1)
    left = 0.75 + 0.075 * row_text
    bottom = 0.7 + (0.035 * col_text if cols > 6 else 0.0)
    fig = new_figure(
        max(6.0, left + 2.2 + 0.75 * cols),
        max(3.6, bottom + 0.9 + 0.4 * rows),
        left=left,
        right=0.3,
        top=0.45,
        bottom=bottom,
    )
    ax = fig.add_subplot()
    values = table.to_numpy(dtype=float)
    low, high = bounds(metric)
    image = ax.imshow(
        np.ma.masked_invalid(values),
        aspect="auto",
        cmap="viridis",
        origin="lower",
        vmin=low if low is not None and high is not None else None,
        vmax=high if low is not None and high is not None else None,
    )
    fig.colorbar(image, ax=ax, label=label(metric))
    ax.set_xticks(
        range(cols), [tick_text(c) for c in table.columns], rotation=30 if cols > 6 else 0
    )
    ax.set_yticks(range(rows), [tick_text(r) for r in table.index])
    ax.set_xlabel(param_label(col_param))
    ax.set_ylabel(param_label(row_param))
    ax.set_title(
        f"{in_words(label(metric))} by {in_words(param_label(row_param))}"
        f" and {in_words(param_label(col_param))}"
    )
    if rows * cols <= 200 and np.isfinite(values).any():
        finite = values[np.isfinite(values)]
        lo = float(finite.min()) if low is None or high is None else low
        hi = float(finite.max()) if low is None or high is None else high
        mid = (lo + hi) / 2
        for i in range(rows):
            for j in range(cols):
                v = values[i, j]
                if math.isnan(v):
                    continue
                ax.text(
                    j,
                    i,
                    f"{v:.3g}",
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="black" if v > mid else "white",
                )
    return fig


def belief_plot(data: SweepData, keyword: str, param: str) -> Figure:
    """Net stance on ``keyword`` per reporting cycle (columns) for each value of ``param``
    (rows), on a diverging scale: red always negated (-1), white balanced, blue always
    affirmed (+1); grey where no job mentioned it.

    Example:
        >>> reports = pd.DataFrame({"experiment_id": ["a", "a", "b", "b"], "attempt": [1] * 4,
        ...     "status": ["completed"] * 4, "cycle_number": [0, 3, 0, 3], "p": [0, 0, 1, 1],
        ...     "response": ["I trust it", "I trust it", "I trust it", "I do not trust it"]})
        >>> d = SweepData(jobs=pd.DataFrame({"status": ["completed"]}), self_reports=reports)
        >>> fig = belief_plot(d, "trust", "p")
        >>> [t.get_text() for t in fig.axes[0].get_yticklabels()], fig.axes[1].get_ylabel()[:10]
        (['0', '1'], 'net stance')
    """
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from brainjar_sweep.analysis.metrics import param_label

    ev = belief_evolution(data, param, keyword)
    values = levels(ev[param].tolist()) if not ev.empty else []
    cycles = sorted(pd.to_numeric(ev["cycle_number"], errors="coerce").dropna().unique())
    grid = np.full((max(1, len(values)), max(1, len(cycles))), np.nan)
    col = {c: i for i, c in enumerate(cycles)}
    for i, v in enumerate(values):
        sel = ev[ev[param].map(plain_value).map(repr) == repr(v)]
        for c, stance in zip(sel["cycle_number"], sel["net_stance"], strict=True):
            if c in col and stance == stance:
                grid[i, col[c]] = stance
    left = 0.75 + 0.075 * max((len(tick_text(v)) for v in values), default=1)
    fig = new_figure(8.0, max(3.2, 1.6 + 0.3 * len(values)), left=left, right=0.3, top=0.55)
    ax = fig.add_subplot()
    ax.set_facecolor("0.85")
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        cmap="RdBu",
        vmin=-1.0,
        vmax=1.0,
        origin="lower",
        interpolation="nearest",
    )
    bar = fig.colorbar(image, ax=ax, ticks=[-1, 0, 1], pad=0.02)
    bar.set_label("net stance (-1 negated, +1 affirmed)")
    ax.set_yticks(range(len(values)), [tick_text(v) for v in values])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=12))
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda x, _: (
                tick_text(int(cycles[int(x)])) if 0 <= int(x) < len(cycles) and x == int(x) else ""
            )
        )
    )
    ax.set_xlabel("reporting cycle")
    ax.set_ylabel(param_label(param))
    ax.set_title(
        f'"{keyword}" in self-reports: net stance per cycle by {in_words(param_label(param))}\n'
        "(whole word, negation-aware; grey: not mentioned in that cycle)",
        fontsize="medium",
    )
    if ev.empty:
        ax.text(0.5, 0.5, "no self-reports", ha="center", transform=ax.transAxes)
    return fig


def plot_figures(
    data: SweepData,
    metrics: Sequence[str],
    *,
    keywords: Sequence[str] = DEFAULT_KEYWORDS,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> Iterator[tuple[str, str, Figure]]:
    """Yield ``(file name, caption, figure)`` for every plot of the report.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [0, 1], "m": [0.0, 1.0]})
        >>> [name for name, _, _ in plot_figures(SweepData(jobs=jobs, params=["p"]), ["m"])]
        ['m__vs__p.png']
    """
    swept = data.swept
    for metric in metrics:
        for param in swept:
            yield (
                f"{safe_name(metric)}__vs__{safe_name(param)}.png",
                f"{metric} vs {param}",
                metric_vs_param(data, metric, param, n_boot=n_boot, seed=seed),
            )
    for i, a in enumerate(swept):
        for b in swept[i + 1 :]:
            for metric in metrics:
                yield (
                    f"heatmap__{safe_name(metric)}__{safe_name(a)}__x__{safe_name(b)}.png",
                    f"{metric}: {a} x {b}",
                    interaction_heatmap(data, metric, a, b),
                )
    if not data.self_reports.empty and "response" in data.self_reports:
        for keyword in keywords:
            for param in swept:
                yield (
                    f"belief__{safe_name(keyword)}__by__{safe_name(param)}.png",
                    f'"{keyword}" per cycle by {param}',
                    belief_plot(data, keyword, param),
                )
    for provider in report_providers():
        yield from provider.figures(data)


def draw(data: SweepData, plot: Any, *, n_boot: int = N_BOOT, seed: int = 0) -> Figure | None:
    """Draw one :class:`~brainjar_sweep.analysis.report.Plot` of a report (None if it cannot be).

    Example:
        >>> from brainjar_sweep.analysis.report import Plot
        >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [0, 1], "m": [0.0, 1.0]})
        >>> fig = draw(SweepData(jobs=jobs, params=["p"]), Plot("m.png", "m", "metric", "m", "p"))
        >>> fig.axes[0].get_xlabel()
        'p'
    """
    if plot.kind == "metric":
        return metric_vs_param(
            data, plot.metric, plot.param, n_boot=n_boot, seed=seed, level=plot.level
        )
    if plot.kind == "heatmap":
        return interaction_heatmap(data, plot.metric, plot.param, plot.other)
    if plot.kind == "belief":
        return belief_plot(data, plot.metric, plot.param)
    provider = provider_for(plot.kind)
    if provider is not None:
        return provider.draw(data, plot)
    return None


def write_plots(
    data: SweepData,
    out_dir: str | Path,
    metrics: Sequence[str],
    *,
    keywords: Sequence[str] = DEFAULT_KEYWORDS,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> list[Path]:
    """Write every plot of :func:`plot_figures` as a PNG into ``out_dir``; return the paths.

    Example:
        >>> import tempfile
        >>> jobs = pd.DataFrame({"status": ["completed"] * 2, "p": [0, 1], "m": [0.0, 1.0]})
        >>> paths = write_plots(SweepData(jobs=jobs, params=["p"]), tempfile.mkdtemp(), ["m"])
        >>> [p.name for p in paths]
        ['m__vs__p.png']
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, _, fig in plot_figures(data, metrics, keywords=keywords, n_boot=n_boot, seed=seed):
        path = out / name
        fig.savefig(path, format="png", dpi=_DPI)
        written.append(path)
    return written
