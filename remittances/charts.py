"""A line chart drawn on the server as SVG: the cost of sending USD 200 over time.

``complaints/charts.py`` draws bars and columns; a trend against a target reads better
as lines, so this small module draws one. No JavaScript and no chart library: the page
works offline and prints. The SVG holds the lines, the target, the grid and the
numbers (ASCII only: quarters and percentages); the names of the series, which may
be Khmer, are HTML in the legend beside it, where the browser shapes them properly.
The same figures are in a table on the page for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#032ea1", "#0a7a3f", "#a15c00", "#7b1fa2", "#00838f", "#5d4037", "#c2185b", "#546e7a", "#827717", "#283593"]
TARGET_COLOUR = "#b00020"

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 34


@dataclass
class Line:
    name: str
    values: Sequence[Decimal | None]  # one per x label; None leaves a gap
    colour: str = PALETTE[0]
    width: float = 2
    name_km: str = ""


def _nice_top(value: float) -> float:
    for step in (1, 2, 2.5, 5, 10, 15, 20, 25, 50, 100):
        if value <= step:
            return float(step)
    return float(int(value) + 1)


def line_chart(*, title: str, labels: Sequence[str], lines: Sequence[Line], target: Decimal | None = None,
               target_name: str = "", unit: str = "%", empty: str = "") -> SafeString:
    """Lines over the x labels (oldest first), a dashed target line, and a legend."""
    values = [float(v) for line in lines for v in line.values if v is not None]
    if not labels or not values:
        return format_html('<figure class="chart"><figcaption>{}</figcaption><p class="help">{}</p></figure>', title, empty)
    top = _nice_top(max(values + ([float(target) * 1.2] if target is not None else [])))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    n = len(labels)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - v / top)

    parts: list[str] = []
    for k in range(5):  # grid and y-axis numbers
        v = top * k / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'stroke="#d8dde3" stroke-width="1"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="12" fill="#5b6472">'
                     f'{v:g}{escape(unit)}</text>')
    for i, label in enumerate(labels):  # x-axis labels
        parts.append(f'<text x="{x(i):.1f}" y="{HEIGHT - 12}" text-anchor="middle" font-size="12" fill="#5b6472">'
                     f'{escape(label)}</text>')
    if target is not None:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(float(target)):.1f}" y2="{y(float(target)):.1f}" '
                     f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>')
    for line in lines:
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, v in enumerate(line.values):
            if v is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{x(i):.1f},{y(float(v)):.1f}")
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(float(v)):.1f}" r="{line.width + 1.5}" fill="{escape(line.colour)}">'
                         f'<title>{escape(line.name)} {escape(labels[i])}: {v}{escape(unit)}</title></circle>')
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{escape(line.colour)}" '
                             f'stroke-width="{line.width}" stroke-linejoin="round"/>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" '
           f'aria-label="{escape(title)}" style="max-width:{WIDTH * 1.4:.0f}px;display:block">{"".join(parts)}</svg>')
    swatch = ('<span style="display:inline-flex;align-items:center;gap:.3rem;margin-right:1rem">'
              '<svg width="18" height="6" aria-hidden="true">'
              '<line x1="0" x2="18" y1="3" y2="3" stroke="{}" stroke-width="{}"{}/></svg>'
              '{}</span>')
    legend = format_html_join(
        "", swatch,
        [(line.colour, line.width, "", format_html("{}{}", line.name, format_html(' <span lang="km">{}</span>', line.name_km)
                                                    if line.name_km and line.name_km != line.name else ""))
         for line in lines]
        + ([(TARGET_COLOUR, 1.5, mark_safe(' stroke-dasharray="4 3"'), target_name)] if target is not None else []),  # constant
    )
    return format_html(
        '<figure class="chart line-chart" style="margin:1rem 0"><figcaption style="font-weight:600">{}</figcaption>{}'
        '<div class="legend" style="font-size:.88rem;margin-top:.3rem">{}</div></figure>',
        title, mark_safe(svg), legend,  # numbers and escaped text only
    )
