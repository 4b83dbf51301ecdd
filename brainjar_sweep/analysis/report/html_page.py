"""A report rendered as one self-contained HTML page, its plots inlined."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from typing import Any

from brainjar_sweep.analysis.report.document import Fold, Report, Table
from brainjar_sweep.analysis.report.markdown import heading_anchors, table_of_contents

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:1.2em auto;max-width:1200px;
padding:0 1em;color:#222;line-height:1.4}
h1{font-size:1.5em;margin:.2em 0 .4em}
h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
h3{font-size:1.08em;margin-top:1.3em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.88em}
th,td{border:1px solid #ccc;padding:.25em .55em;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}
caption{caption-side:top;text-align:left;font-weight:600;padding:.3em 0}
.note{color:#555;font-size:.85em;margin-top:-.6em}
figure{display:inline-block;margin:.4em .6em .4em 0;vertical-align:top}
figure img{width:540px;max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#444;max-width:540px}
details{margin:.4em 0}summary{cursor:pointer;color:#2a5d8f}
nav.toc{font-size:.9em;columns:2;background:#f7f7f7;padding:.4em 1em;border:1px solid #e3e3e3}
nav.toc ul{margin:.2em 0;padding-left:1.2em}
.answer ul{margin-top:.2em}
"""


def _html_blocks(blocks: Sequence[Any]) -> list[str]:
    e = html.escape
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Fold):
            out.append(f"<details><summary>{e(block.summary)}</summary>")
            out += _html_blocks(block.blocks)
            out.append("</details>")
        elif isinstance(block, Table):
            out.append(f"<table><caption>{e(block.title)}</caption><thead><tr>")
            out += [f"<th>{e(c)}</th>" for c in block.columns]
            out.append("</tr></thead><tbody>")
            for row in block.rows:
                out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
            out.append("</tbody></table>")
            if block.note:
                out.append(f'<p class="note">{e(block.note)}</p>')
        elif isinstance(block, list):
            out.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block) + "</ul>")
        else:
            out.append(f"<p>{e(block)}</p>")
    return out


def _figure(caption: str, png: bytes) -> str:
    e = html.escape
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )


def render_html(
    report: Report,
    figures: Sequence[tuple[str, bytes]] = (),
    *,
    images: dict[str, bytes] | None = None,
) -> str:
    """One self-contained HTML page, PNGs embedded as base64.

    ``images`` maps a plot's file name to its PNG, shown after its section's text;
    ``figures`` are further (caption, PNG) shown at the end.

    Example:
        >>> from brainjar_sweep.analysis.report.document import Section
        >>> page = render_html(Report("T", [Section("S", ["x < y"])]), [("c", b"\\x89PNG")])
        >>> "x &lt; y" in page and "data:image/png;base64,iVBORw==" in page
        True
    """
    e = html.escape
    images = images or {}
    anchors = heading_anchors(report)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(report.title)}</h1>",
    ]
    for i, (sec, anchor) in enumerate(zip(report.sections, anchors, strict=True)):
        tag = f"h{min(6, sec.level)}"
        out.append('<section class="answer">' if i == 0 else "<section>")
        out.append(f'<{tag} id="{e(anchor)}">{e(sec.title)}</{tag}>')
        out += _html_blocks(sec.blocks)
        out += [_figure(p.caption, images[p.name]) for p in sec.plots if p.name in images]
        out.append("</section>")
        if i == 0 and len(report.sections) > 2:
            out.append('<nav class="toc" id="contents"><strong>Contents</strong><ul>')
            for depth, title, target in table_of_contents(report, anchors):
                pad = f' style="margin-left:{depth * 1.2}em"' if depth else ""
                out.append(f'<li{pad}><a href="#{e(target)}">{e(title)}</a></li>')
            out.append("</ul></nav>")
    if figures:
        out.append("<h2>Plots</h2>")
        out += [_figure(caption, png) for caption, png in figures]
    out.append("</body></html>")
    return "\n".join(out)
