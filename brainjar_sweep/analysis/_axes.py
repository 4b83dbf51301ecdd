"""The axes of the analysis's plots: tick labels, value and parameter axes in words, the
legend outside the plot, error bars.

Example:
    >>> tick_text(2.0), in_words("crash rate (crashes per cycle)")
    ('2', 'crash rate')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd


def tick_text(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def is_numeric_axis(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
        for v in present
    )


def positions(values: Sequence[Any]) -> tuple[list[float], bool]:
    if is_numeric_axis(values) and None not in values:
        return [float(v) for v in values], True
    return [float(i) for i in range(len(values))], False


def in_words(text: str) -> str:
    """A label without its parenthesised unit, for titles."""
    return text.split(" (")[0]


def legend_outside(ax: Any, **kw: Any) -> None:
    """The legend right of the axes, never over the data."""
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        borderaxespad=0.0,
        fontsize="small",
        title_fontsize="small",
        frameon=False,
        **kw,
    )


def integer_like(values: Sequence[Any]) -> bool:
    present = [v for v in values if v is not None]
    return bool(present) and all(
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, bool)
        and math.isfinite(float(v))
        and float(v) == int(float(v))
        for v in present
    )


def value_axis(ax: Any, metric: str, values: np.ndarray) -> None:
    """Label the metric axis in words with unit and range; fix its scale to the metric's
    range (0-100 for a self-report) and give counts integer ticks."""
    from matplotlib.ticker import MaxNLocator

    from brainjar_sweep.analysis.metrics import bounds, is_count, label

    ax.set_ylabel(label(metric))
    low, high = bounds(metric)
    finite = values[np.isfinite(values)] if len(values) else values
    if low is not None and high is not None:
        pad = 0.03 * (high - low)
        ax.set_ylim(low - pad, high + pad)
    elif low is not None and len(finite) and finite.min() >= low:
        ax.set_ylim(bottom=low)
    if is_count(metric) or integer_like(finite.tolist()):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def param_axis(ax: Any, param: str, values: Sequence[Any], numeric: bool) -> None:
    from matplotlib.ticker import MaxNLocator

    from brainjar_sweep.analysis.metrics import param_label

    ax.set_xlabel(param_label(param))
    if numeric and integer_like(values):
        if len(values) <= 12:
            ax.set_xticks([float(v) for v in values], [str(int(float(v))) for v in values])
        else:
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def error_bars(cells: pd.DataFrame) -> np.ndarray | None:
    mean = cells["mean"].to_numpy(dtype=float)
    lo = cells["ci_low"].to_numpy(dtype=float)
    hi = cells["ci_high"].to_numpy(dtype=float)
    if np.all(np.isnan(lo)):
        return None
    below = np.where(np.isnan(lo), 0.0, np.clip(mean - lo, 0.0, None))
    above = np.where(np.isnan(hi), 0.0, np.clip(hi - mean, 0.0, None))
    return np.vstack([below, above])
