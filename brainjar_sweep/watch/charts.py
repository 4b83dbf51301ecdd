"""Small charts drawn on the server as inline SVG: the page needs no charting script.

A mind's memory over its cycles is a line of a few hundred points at most; SVG text drawn here
is smaller than any charting library, works offline and in every browser, and needs nothing
installed. Every number is formatted by this module, so the markup holds no text from a file.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["memory_chart"]

_W, _H, _PAD = 560, 160, 34
_MAX_POINTS = 500


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def memory_chart(
    points: Sequence[tuple[int, float]],
    limit_mb: float | None = None,
    crash_cycles: Sequence[int] = (),
) -> str:
    """An SVG line chart of memory (MB) per cycle, the jar's limit dashed, crashes as red marks.

    >>> svg = memory_chart([(1, 1500.0), (2, 1700.0), (3, 2100.0)], 2048.0, [3])
    >>> svg.startswith("<svg") and "polyline" in svg and 'class="crash"' in svg
    True
    >>> "no memory recorded yet" in memory_chart([])
    True
    """
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {_H}" '
        'class="chart" role="img" aria-label="memory per cycle">'
    )
    pts = [(int(c), float(m)) for c, m in points if c is not None and m is not None]
    if len(pts) > _MAX_POINTS:  # more points than pixels: keep every k-th, and the last
        step = -(-len(pts) // _MAX_POINTS)
        pts = pts[::step] + ([pts[-1]] if (len(pts) - 1) % step else [])
    if not pts:
        return head + f'<text x="{_PAD}" y="{_H // 2}">no memory recorded yet</text></svg>'
    cycles = [c for c, _ in pts]
    values = [m for _, m in pts] + ([float(limit_mb)] if limit_mb else [])
    high, low = max(values), min(values)
    # the range the values span, not from zero: a mind near its limit moves by a few percent
    margin = max((high - low) * 0.1, high * 0.01, 1.0)
    top, bottom = high + margin, max(low - margin, 0.0)
    c0, c1 = min(cycles), max(cycles)
    span = max(c1 - c0, 1)

    def x(c: float) -> float:
        return _PAD + (c - c0) / span * (_W - 2 * _PAD)

    def y(m: float) -> float:
        return _H - _PAD + 10 - (m - bottom) / (top - bottom) * (_H - _PAD - 10)

    parts = [head]
    parts.append(
        f'<line x1="{_PAD}" y1="{_fmt(y(bottom))}" x2="{_W - _PAD}" y2="{_fmt(y(bottom))}" '
        'class="axis"/>'
    )
    parts.append(f'<text x="2" y="14" class="label">{top:.0f} MB</text>')
    parts.append(f'<text x="2" y="{_fmt(y(bottom) - 3)}" class="label">{bottom:.0f} MB</text>')
    parts.append(
        f'<text x="{_PAD}" y="{_H - 4}" class="label">cycle {c0}</text>'
        f'<text x="{_W - _PAD}" y="{_H - 4}" class="label" text-anchor="end">cycle {c1}</text>'
    )
    if limit_mb:
        ly = _fmt(y(float(limit_mb)))
        parts.append(
            f'<line x1="{_PAD}" y1="{ly}" x2="{_W - _PAD}" y2="{ly}" class="limit"/>'
            f'<text x="{_W - _PAD}" y="{float(ly) - 3:.1f}" class="label" text-anchor="end">'
            f"limit {float(limit_mb):.0f} MB</text>"
        )
    for c in sorted(set(int(d) for d in crash_cycles if d is not None)):
        if c0 <= c <= c1:
            dx = _fmt(x(c))
            parts.append(
                f'<line x1="{dx}" y1="{_fmt(y(top))}" x2="{dx}" y2="{_fmt(y(bottom))}" '
                'class="crash"/>'
            )
    line = " ".join(f"{_fmt(x(c))},{_fmt(y(m))}" for c, m in pts)
    parts.append(f'<polyline points="{line}" class="memory"/>')
    parts.append("</svg>")
    return "".join(parts)
