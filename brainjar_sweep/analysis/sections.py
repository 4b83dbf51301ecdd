"""The blocks a report is made of: sections of paragraphs, bullet lists and tables of
formatted text (what :mod:`.report` renders, and what other analyses contribute to it).

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
class Section:
    """A report section: a title and blocks (paragraph strings, bullet lists, tables)."""

    title: str
    blocks: list[str | list[str] | Table] = field(default_factory=list)
