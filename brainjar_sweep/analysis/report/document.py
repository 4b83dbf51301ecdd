"""The report as a document, apart from any output format: sections of paragraphs, bullet
lists, tables of formatted text, folds and plots, in a :class:`Report` (what the builders make,
what the renderers format, and what other analyses contribute to it).

Example:
    >>> Section("Results", ["No job completed."]).blocks
    ['No job completed.']
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Table:
    """A titled table of already formatted cells (strings).

    Example:
        >>> Table("t", ["a"], [["1"]]).rows
        [['1']]
    """

    title: str
    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Fold:
    """Blocks folded away under a one-line summary (flat or self-evident results, long
    tables of detail): ``<details>`` in Markdown and HTML, the summary line in a terminal.

    Example:
        >>> Fold("3 more rows", [Table("t", ["x"], [["1"]])]).summary
        '3 more rows'
    """

    summary: str
    blocks: list[str | list[str] | Table] = field(default_factory=list)


@dataclass
class Plot:
    """A plot of the report: what to draw, its file name and caption, how much it shows.

    ``kind`` is ``metric`` (``metric`` against ``param``), ``heatmap`` (``metric`` over
    ``param`` x ``other``), ``belief`` (keyword ``metric`` per cycle by ``param``) or
    ``history`` (an Optuna study). ``score`` ranks plots: the share of the metric's range
    the parameter moves it across, plus one when a test finds the change.

    Example:
        >>> Plot("01-m__vs__p.png", "m vs p", "metric", "m", "p", score=0.5).kind
        'metric'
    """

    name: str
    caption: str
    kind: str
    metric: str = ""
    param: str = ""
    other: str = ""
    score: float = 0.0
    level: float | None = None
    """A level the question is about (``cross``), drawn as a labelled line."""


@dataclass
class Section:
    """A report section: a title, blocks (paragraphs, bullet lists, tables, folds), the
    plots shown after them, and its heading level (2; 3 inside a report of several sweeps)."""

    title: str
    blocks: list[str | list[str] | Table | Fold] = field(default_factory=list)
    plots: list[Plot] = field(default_factory=list)
    level: int = 2


@dataclass
class Report:
    """The whole report, independent of its output format."""

    title: str
    sections: list[Section]
    figures: list[tuple[str, str]] = field(default_factory=list)
    """(file name, caption) of further plots to link at the end."""
    metrics: list[str] = field(default_factory=list)
    """The metrics the report covers."""

    @property
    def plots(self) -> list[Plot]:
        """Every plot of the report, in the order it shows them.

        Example:
            >>> Report("T", [Section("S", plots=[Plot("a.png", "a", "metric")])]).plots[0].name
            'a.png'
        """
        return [plot for sec in self.sections for plot in sec.plots]
