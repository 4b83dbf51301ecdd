"""A report printed in a terminal (rich)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from brainjar_sweep.analysis.report.document import Fold, Report, Table


def _print_blocks(blocks: Sequence[Any], console: Any) -> None:
    from rich import box
    from rich.table import Table as RichTable
    from rich.text import Text

    for block in blocks:
        if isinstance(block, Fold):
            console.print(Text(f"  + {block.summary} (folded; in --output and --html)"))
        elif isinstance(block, Table):
            t = RichTable(
                title=Text(block.title, style="bold"),
                box=box.SIMPLE_HEAD,
                caption=Text(block.note) if block.note else None,
                title_justify="left",
                caption_justify="left",
            )
            for i, c in enumerate(block.columns):
                t.add_column(Text(c), justify="left" if i < 2 else "right", overflow="fold")
            for row in block.rows:
                t.add_row(*(Text(c) for c in row))
            console.print(t)
        elif isinstance(block, list):
            for item in block:
                console.print(Text("  - " + item))
        else:
            console.print(Text(block))


def print_report(report: Report, console: Any = None) -> None:
    """Print the report with rich (tables, rules); plain text when not on a terminal.

    Example:
        >>> import io
        >>> from brainjar_sweep.analysis.report.document import Section
        >>> from rich.console import Console
        >>> buf = io.StringIO()
        >>> print_report(Report("T", [Section("S", ["[x] stays"])]), Console(file=buf, width=60))
        >>> "[x] stays" in buf.getvalue()
        True
    """
    from rich.console import Console
    from rich.text import Text

    if console is None:
        console = Console()
    console.print(Text(report.title, style="bold"))
    for sec in report.sections:
        style = "bold cyan" if sec.level <= 2 else "cyan"
        console.rule(Text(sec.title, style=style), characters="=" if sec.level < 2 else "─")
        _print_blocks(sec.blocks, console)
        console.print()
