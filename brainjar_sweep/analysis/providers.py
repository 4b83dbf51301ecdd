"""Optional parts of a report, asked for by the report and the plots instead of imported both ways.

A provider contributes a section (or none, for a sweep it does not concern), the plots that
section shows, and the figures of those plots. The report asks :func:`report_providers` for
their sections; :mod:`.plots` asks them to draw a plot of their kind. A provider imports the
report's document model, never the report or the plots. The one provider today is the Optuna
study (:mod:`.optuna_study`); its module is imported when first asked for.

Example:
    >>> import pandas as pd
    >>> from brainjar_sweep.analysis.load import SweepData
    >>> [p.name for p in report_providers()]
    ['optuna']
    >>> [p.section(SweepData(jobs=pd.DataFrame()), seed=0) for p in report_providers()]
    [None]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from brainjar_sweep.analysis.load import SweepData
    from brainjar_sweep.analysis.report.document import Plot, Section


@dataclass(frozen=True)
class Provider:
    """An optional part of the report."""

    name: str
    kinds: tuple[str, ...]
    """The kinds of :class:`~brainjar_sweep.analysis.report.document.Plot` it draws."""
    section: Callable[..., Section | None]
    """``section(data, *, seed)``: its section with its plots, or None."""
    draw: Callable[[SweepData, Plot], Figure | None]
    """The figure of one of its plots (None when it cannot be drawn)."""
    figures: Callable[[SweepData], Iterator[tuple[str, str, Figure]]]
    """``(file name, caption, figure)`` of every plot it has for the sweeps."""


def report_providers() -> list[Provider]:
    """The providers, in the order their sections appear."""
    from brainjar_sweep.analysis import optuna_study as optuna

    return [
        Provider(
            "optuna",
            ("history", "curves"),
            optuna.report_section,
            optuna.draw,
            optuna.history_figures,
        )
    ]


def provider_for(kind: str) -> Provider | None:
    """The provider that draws plots of ``kind``, or None.

    Example:
        >>> provider_for("history").name, provider_for("metric")
        ('optuna', None)
    """
    return next((p for p in report_providers() if kind in p.kinds), None)
