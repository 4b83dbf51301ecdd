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
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.cm import ScalarMappable
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from brainjar_sweep.analysis._figure import new_figure
from brainjar_sweep.analysis.beliefs import DEFAULT_KEYWORDS, belief_evolution
from brainjar_sweep.analysis.load import SweepData
from brainjar_sweep.analysis.stats import (
    N_BOOT,
    conditional_statistics,
    interaction_table,
    levels,
    parameter_statistics,
)

__all__ = [
    "MAX_LINES",
    "belief_plot",
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


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _is_numeric_axis(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in present
    )


def _positions(values: Sequence[Any]) -> tuple[list[float], bool]:
    if _is_numeric_axis(values) and None not in values:
        return [float(v) for v in values], True
    return [float(i) for i in range(len(values))], False


def metric_vs_param(
    data: SweepData,
    metric: str,
    param: str,
    *,
    confidence: float = 0.95,
    n_boot: int = N_BOOT,
    seed: int = 0,
) -> Figure:
    """``metric`` against ``param``: a line per combination of the other swept parameters.

    Points are cell means over replicates, error bars the bootstrap CI of that mean
    (none for a single replicate). With more than :data:`MAX_LINES` combinations
    the lines are thin and grey, and the pooled mean with its CI is drawn on top.

    Example:
        >>> jobs = pd.DataFrame({"status": ["completed"] * 4, "a": [0, 1, 0, 1],
        ...                      "b": ["x", "x", "y", "y"], "m": [1.0, 2.0, 1.5, 3.0]})
        >>> fig = metric_vs_param(SweepData(jobs=jobs, params=["a", "b"]), "m", "a")
        >>> len(fig.axes[0].get_lines()) >= 2
        True
    """
    others = [p for p in data.swept if p != param]
    cells = conditional_statistics(
        data, param, metric, others=others, confidence=confidence, n_boot=n_boot, seed=seed
    )
    cells = cells[cells["n"] > 0]
    xs_all = levels(cells[param].tolist()) if not cells.empty else []
    pos, numeric = _positions(xs_all)
    bottom = 0.6
    if not numeric and xs_all:
        longest = max(len(_fmt(v)) for v in xs_all)
        bottom = min(1.8, 0.6 + (0.035 * longest if len(xs_all) > 6 else 0.1))
    fig = new_figure(bottom=bottom, right=0.25 if bottom < 0.75 else 0.45)
    ax = fig.add_subplot()
    where = {repr(v): p for v, p in zip(xs_all, pos, strict=True)}
    reps = data.replicate
    if cells.empty:
        ax.text(0.5, 0.5, "no completed jobs with this metric", ha="center", transform=ax.transAxes)
    elif others:
        groups = list(cells.groupby(others, dropna=False, sort=False))
        many = len(groups) > MAX_LINES
        for key, group in groups:
            key_t = key if isinstance(key, tuple) else (key,)
            if len(others) == 1:
                label = _fmt(_clean(key_t[0]))
            else:
                label = ", ".join(
                    f"{o}={_fmt(_clean(k))}" for o, k in zip(others, key_t, strict=True)
                )
            x = [where[repr(_clean(v))] for v in group[param].tolist()]
            y = group["mean"].to_numpy(dtype=float)
            if many:
                ax.plot(x, y, "-", color="0.6", lw=0.8, alpha=0.6)
            else:
                err = _errors(group)
                ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=label, lw=1.5)
        if many:
            _pooled(ax, data, metric, param, where, confidence, n_boot, seed, "pooled mean")
        if many:
            title = f"grey: {len(groups)} combinations of " + ", ".join(others)
        else:
            title = others[0] if len(others) == 1 else None
        ax.legend(
            title=title,
            fontsize="small",
            title_fontsize="small",
            loc="best",
        )
    else:
        x = [where[repr(_clean(v))] for v in cells[param].tolist()]
        y = cells["mean"].to_numpy(dtype=float)
        ax.errorbar(x, y, yerr=_errors(cells), marker="o", capsize=3, lw=1.8, label="mean")
        jobs = data.completed
        if reps is not None and len(jobs) <= 2000:
            jx = [where.get(repr(_clean(v))) for v in jobs[param].tolist()]
            jy = pd.to_numeric(jobs[metric], errors="coerce").to_numpy(dtype=float)
            keep = [i for i, v in enumerate(jx) if v is not None]
            ax.plot(
                [jx[i] for i in keep],
                jy[keep],
                ".",
                color="0.45",
                alpha=0.5,
                label=f"single jobs ({reps})",
            )
        ax.legend(fontsize="small", loc="best")
    if not numeric and xs_all:
        ax.set_xticks(pos, [_fmt(v) for v in xs_all], rotation=30 if len(pos) > 6 else 0)
    n_min = int(cells["n"].min()) if not cells.empty else 0
    n_max = int(cells["n"].max()) if not cells.empty else 0
    n_text = f"n={n_min}" if n_min == n_max else f"n={n_min}-{n_max}"
    ci = f"{confidence:.0%} bootstrap CI"
    if others and len(cells) and len(cells.groupby(others, dropna=False)) > MAX_LINES:
        note = f"grey: one line per cell ({n_text}); black: mean over all jobs, bars: {ci}"
    elif n_max <= 1:
        note = "one job per cell: no error bars"
    else:
        note = f"points: mean over {reps or 'replicate'}s per cell ({n_text}); bars: {ci}"
    fig.suptitle(f"{metric} vs {param}")
    ax.set_title(note, fontsize="small", color="0.3")
    ax.set_xlabel(param)
    ax.set_ylabel(metric)
    ax.grid(True, alpha=0.3)
    return fig


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def _errors(cells: pd.DataFrame) -> np.ndarray | None:
    mean = cells["mean"].to_numpy(dtype=float)
    lo = cells["ci_low"].to_numpy(dtype=float)
    hi = cells["ci_high"].to_numpy(dtype=float)
    if np.all(np.isnan(lo)):
        return None
    below = np.where(np.isnan(lo), 0.0, np.clip(mean - lo, 0.0, None))
    above = np.where(np.isnan(hi), 0.0, np.clip(hi - mean, 0.0, None))
    return np.vstack([below, above])


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
    x = [where[repr(_clean(v))] for v in st.index.tolist()]
    ax.errorbar(
        x,
        st["mean"].to_numpy(dtype=float),
        yerr=_errors(st),
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
        >>> fig.axes[0].get_title()
        'm: a x b'
    """
    table = interaction_table(data, row_param, col_param, metric)
    rows, cols = table.shape
    row_text = max((len(_fmt(r)) for r in table.index), default=1)
    col_text = max((len(_fmt(c)) for c in table.columns), default=1)
    left = 0.55 + 0.075 * row_text
    bottom = 0.6 + (0.035 * col_text if cols > 6 else 0.0)
    fig = new_figure(
        max(5.5, left + 1.6 + 0.75 * cols),
        max(3.6, bottom + 0.9 + 0.4 * rows),
        left=left,
        right=0.3,
        top=0.45,
        bottom=bottom,
    )
    ax = fig.add_subplot()
    values = table.to_numpy(dtype=float)
    image = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap="viridis", origin="lower")
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_xticks(range(cols), [_fmt(c) for c in table.columns], rotation=30 if cols > 6 else 0)
    ax.set_yticks(range(rows), [_fmt(r) for r in table.index])
    ax.set_xlabel(col_param)
    ax.set_ylabel(row_param)
    ax.set_title(f"{metric}: {row_param} x {col_param}")
    if rows * cols <= 200 and np.isfinite(values).any():
        finite = values[np.isfinite(values)]
        mid = (float(finite.min()) + float(finite.max())) / 2
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
    """Mention rate (top) and net stance (bottom) of ``keyword`` per cycle, a line per value.

    Example:
        >>> reports = pd.DataFrame({"experiment_id": ["a", "a", "b", "b"], "attempt": [1] * 4,
        ...     "status": ["completed"] * 4, "cycle_number": [0, 3, 0, 3], "p": [0, 0, 1, 1],
        ...     "response": ["I trust it", "I trust it", "I trust it", "I do not trust it"]})
        >>> d = SweepData(jobs=pd.DataFrame({"status": ["completed"]}), self_reports=reports)
        >>> len(belief_plot(d, "trust", "p").axes)
        2
    """
    ev = belief_evolution(data, param, keyword)
    values = levels(ev[param].tolist()) if not ev.empty else []
    many = len(values) > MAX_LINES
    fig = new_figure(8.3 if many else 7.5, 5.6, top=0.45, right=1.05 if many else 0.25)
    top, bottom = fig.subplots(2, 1, sharex=True)
    cmap = colormaps["viridis"]
    for i, v in enumerate(values):
        sel = ev[ev[param].map(_clean).map(repr) == repr(v)]
        color = cmap(i / max(1, len(values) - 1)) if many else f"C{i}"
        kw: dict[str, Any] = {"marker": "o", "ms": 3, "lw": 1.4, "color": color}
        if many:
            kw.update(marker=None, lw=1.0)
        else:
            kw["label"] = f"{param}={_fmt(v)}"
        top.plot(sel["cycle_number"], sel["mention_rate"], **kw)
        bottom.plot(sel["cycle_number"], sel["net_stance"], **kw)
    if many:
        scale = ScalarMappable(norm=Normalize(0, len(values) - 1), cmap=cmap)
        bar = fig.colorbar(scale, ax=[top, bottom], fraction=0.04, pad=0.02)
        ticks = np.linspace(0, len(values) - 1, min(len(values), 6)).round().astype(int)
        bar.set_ticks(ticks.tolist(), labels=[_fmt(values[t]) for t in ticks])
        bar.set_label(param)
    top.set_ylabel("mention rate")
    top.set_ylim(-0.02, 1.02)
    bottom.set_ylabel("net stance")
    bottom.set_ylim(-1.05, 1.05)
    bottom.axhline(0.0, color="0.5", lw=0.8)
    bottom.set_xlabel("cycle")
    top.set_title(f'"{keyword}" in self-reports by {param} (whole word, negation-aware)')
    for ax in (top, bottom):
        ax.grid(True, alpha=0.3)
    if values and not many:
        top.legend(fontsize="small", loc="best")
    if ev.empty:
        top.text(0.5, 0.5, "no self-reports", ha="center", transform=top.transAxes)
    return fig


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", name).strip("_") or "x"


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
                f"{_safe(metric)}__vs__{_safe(param)}.png",
                f"{metric} vs {param}",
                metric_vs_param(data, metric, param, n_boot=n_boot, seed=seed),
            )
    for i, a in enumerate(swept):
        for b in swept[i + 1 :]:
            for metric in metrics:
                yield (
                    f"heatmap__{_safe(metric)}__{_safe(a)}__x__{_safe(b)}.png",
                    f"{metric}: {a} x {b}",
                    interaction_heatmap(data, metric, a, b),
                )
    if not data.self_reports.empty and "response" in data.self_reports:
        for keyword in keywords:
            for param in swept:
                yield (
                    f"belief__{_safe(keyword)}__by__{_safe(param)}.png",
                    f'"{keyword}" per cycle by {param}',
                    belief_plot(data, keyword, param),
                )
    from brainjar_sweep.analysis.optuna_study import history_figures

    yield from history_figures(data)


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
