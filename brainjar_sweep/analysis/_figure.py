"""A blank figure with fixed margins, drawn without pyplot (no global state, no display).

>>> new_figure(4.0, 3.0).get_size_inches().tolist()
[4.0, 3.0]
"""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def new_figure(
    width: float = 7.5,
    height: float = 4.6,
    *,
    left: float = 0.75,
    right: float = 0.25,
    bottom: float = 0.6,
    top: float = 0.7,
) -> Figure:
    """A figure with fixed margins in inches (a layout engine would double the drawing time)."""
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    fig.subplots_adjust(
        left=left / width,
        right=1 - right / width,
        bottom=bottom / height,
        top=1 - top / height,
        hspace=0.12,
    )
    return fig
