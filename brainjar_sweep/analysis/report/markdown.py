"""A report rendered as Markdown, with a table of contents and plots linked by file name."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from brainjar_sweep.analysis.report.document import Fold, Report, Table


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _slug(title: str, taken: dict[str, int]) -> str:
    """The anchor a Markdown renderer (GitHub's rule) gives a heading; unique in ``taken``."""
    import re

    base = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
    n = taken.get(base, 0)
    taken[base] = n + 1
    return base if n == 0 else f"{base}-{n}"


def heading_anchors(report: Report) -> list[str]:
    taken: dict[str, int] = {_slug(report.title, {}): 1, "contents": 1}
    return [_slug(sec.title, taken) for sec in report.sections]


def table_of_contents(report: Report, anchors: list[str]) -> list[tuple[int, str, str]]:
    """(depth, title, anchor) of each section after the first, for the table of contents."""
    top = min((sec.level for sec in report.sections), default=2)
    return [
        (sec.level - top, sec.title, anchor)
        for sec, anchor in zip(report.sections[1:], anchors[1:], strict=True)
    ]


def _md_blocks(blocks: Sequence[Any]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Fold):
            out += [f"<details><summary>{html.escape(block.summary)}</summary>", ""]
            out += _md_blocks(block.blocks)
            out += ["</details>", ""]
        elif isinstance(block, Table):
            out += [f"**{block.title}**", ""]
            out.append("| " + " | ".join(_md_cell(c) for c in block.columns) + " |")
            out.append("|" + "|".join("---" for _ in block.columns) + "|")
            for row in block.rows:
                out.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
            out.append("")
            if block.note:
                out += [f"_{block.note}_", ""]
        elif isinstance(block, list):
            out += [f"- {item}" for item in block] + [""]
        else:
            out += [block, ""]
    return out


def render_markdown(
    report: Report, *, plots_dir: str | Path | None = None, base: str | Path | None = None
) -> str:
    """The report as Markdown (pipe tables); plots are linked when ``plots_dir`` is given.

    The first section (the answer) comes first, then a table of contents; each
    section's plots follow its text; folded blocks are ``<details>``.

    Example:
        >>> from brainjar_sweep.analysis.report.document import Section, Table
        >>> r = Report("T", [Section("S", ["text", ["a", "b"], Table("t", ["x"], [["1"]])])])
        >>> print(render_markdown(r))
        # T
        <BLANKLINE>
        ## S
        <BLANKLINE>
        text
        <BLANKLINE>
        - a
        - b
        <BLANKLINE>
        **t**
        <BLANKLINE>
        | x |
        |---|
        | 1 |
        <BLANKLINE>
    """
    root = None if plots_dir is None else Path(plots_dir)

    def link(name: str) -> str:
        assert root is not None
        path = root / name
        if base is not None:
            try:
                path = Path(os.path.relpath(path, base))
            except ValueError:
                pass
        return path.as_posix()

    anchors = heading_anchors(report)
    out = [f"# {report.title}", ""]
    for i, sec in enumerate(report.sections):
        out += [f"{'#' * sec.level} {sec.title}", ""]
        out += _md_blocks(sec.blocks)
        if root is not None:
            for plot in sec.plots:
                out += [f"![{plot.caption}]({link(plot.name)})", ""]
        if i == 0 and len(report.sections) > 2:
            out += ["## Contents", ""]
            out += [
                f"{'  ' * depth}- [{title}](#{anchor})"
                for depth, title, anchor in table_of_contents(report, anchors)
            ]
            out.append("")
    if root is not None and report.figures:
        out += ["## Plots", ""]
        for name, caption in report.figures:
            out += [f"![{caption}]({link(name)})", ""]
    return "\n".join(out)
