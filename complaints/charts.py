"""Charts drawn on the server as SVG, ready to drop into a template.

They must show in a browser without internet and in the WeasyPrint PDF, which runs no
JavaScript: so no chart library in the page, only markup. WeasyPrint draws SVG text
glyph by glyph, without the shaping Khmer needs (stacked consonants, reordered
vowels), so every label and number is HTML text beside the SVG, and the SVG holds only
the bars. That layout is also a table a screen reader can read.

Two shapes:
- ``bar_chart``: horizontal bars, one row per category (provinces, grounds, agencies),
  one bar per series (received / resolved, women / men...);
- ``column_chart``: vertical columns, one per category (quarters, stages).

Styles are inline so the chart looks the same in the portal pages and the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

BLUE = "#032ea1"  # the flag's blue, as in the portal's header
RED = "#c8102e"
GREY = "#8a94a6"
GREEN = "#2e7d32"
AMBER = "#b26a00"

Number = int | float | Decimal


@dataclass
class Series:
    name: str
    colour: str = BLUE


@dataclass
class Item:
    """One category: its label (with the Khmer name when there is one), its values (one per
    series; ``None`` draws no bar), and optionally the text shown for them."""

    label: str
    values: Sequence[Number | None]
    label_km: str = ""
    shown: Sequence[str] | None = None
    title: str = ""
    extra: dict = field(default_factory=dict)


def _fmt(value: Number | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return f"{value:,}"


def _shown(item: Item) -> list[str]:
    return list(item.shown) if item.shown is not None else [_fmt(v) for v in item.values]


def _top(items: Sequence[Item]) -> float:
    top = max((float(v) for i in items for v in i.values if v is not None), default=0.0)
    return top or 1.0


def _legend(series: Sequence[Series]) -> SafeString:
    if len(series) < 2:
        return mark_safe("")
    return format_html(
        '<div style="display:flex;gap:1rem;flex-wrap:wrap;font-size:.85em;margin:.2rem 0 .4rem">{}</div>',
        format_html_join("", '<span><svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" '
                             'style="vertical-align:middle"><rect width="10" height="10" fill="{}"/></svg> {}</span>',
                         ((s.colour, s.name) for s in series)),
    )


def _empty(title: str, text: str) -> SafeString:
    return format_html('<figure class="chart"><figcaption style="font-weight:600">{}</figcaption><p class="help">{}</p></figure>',
                       title, text)


def _label(item: Item) -> SafeString:
    km = format_html('<br><span class="km" lang="km">{}</span>', item.label_km) if item.label_km else ""
    return format_html("{}{}", item.label, km)


def bar_chart(*, title: str, items: Sequence[Item], series: Sequence[Series], note: str = "", empty: str = "") -> SafeString:
    """Horizontal bars: a row per item, a bar per series, the numbers at the end of the row."""
    if not items:
        return _empty(title, empty)
    top = _top(items)
    n = len(series)
    bar, gap = 7, 2
    height = n * bar + (n + 1) * gap
    rows = []
    for item in items:
        rects = "".join(
            f'<rect x="0" y="{gap + k * (bar + gap)}" width="{100 * float(v) / top:.2f}" height="{bar}" '
            f'fill="{escape(s.colour)}"/>'
            for k, (v, s) in enumerate(zip(item.values, series, strict=True)) if v is not None and float(v) > 0
        )
        described = ", ".join(f"{s.name}: {t}" for s, t in zip(series, _shown(item), strict=True))
        rows.append(format_html(
            '<tr{}><th scope="row" style="background:none;border:0;font-weight:normal;text-align:right;width:32%;'
            'padding:.15rem .5rem;vertical-align:middle">{}</th><td style="border:0;padding:.15rem 0;vertical-align:middle">'
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 {}" preserveAspectRatio="none" '
            'style="display:block;width:100%;height:{}px" role="img" aria-label="{}">{}</svg></td>'
            '<td style="border:0;text-align:right;white-space:nowrap;width:16%;padding:.15rem .4rem;vertical-align:middle;'
            'font-variant-numeric:tabular-nums">{}</td></tr>',
            format_html(' title="{}"', item.title) if item.title else "",
            _label(item), height, 2 * height, f"{item.label}: {described}", mark_safe(rects),
            " / ".join(_shown(item)),
        ))
    return format_html(
        '<figure class="chart" style="margin:1rem 0;break-inside:avoid"><figcaption style="font-weight:600">{}</figcaption>{}'
        '<table style="width:100%;border-collapse:collapse;margin:0;table-layout:fixed">{}</table>{}</figure>',
        title, _legend(series), mark_safe("".join(rows)),
        format_html('<p class="help" style="margin:.2rem 0">{}</p>', note) if note else "",
    )


def column_chart(*, title: str, items: Sequence[Item], series: Sequence[Series], height: int = 140, note: str = "",
                 empty: str = "") -> SafeString:
    """Vertical columns: one group per item (a quarter, a stage), a column per series,
    the numbers and the label under each group."""
    if not items:
        return _empty(title, empty)
    top = _top(items)
    n = len(series)
    width = 10 * n + 4
    bars, labels = [], []
    for item in items:
        rects = "".join(
            f'<rect x="{2 + 10 * k + 1}" y="{100 - 100 * float(v) / top:.2f}" width="8" height="{100 * float(v) / top:.2f}" '
            f'fill="{escape(s.colour)}"/>'
            for k, (v, s) in enumerate(zip(item.values, series, strict=True)) if v is not None and float(v) > 0
        )
        described = ", ".join(f"{s.name}: {t}" for s, t in zip(series, _shown(item), strict=True))
        bars.append(format_html(
            '<td style="border:0;border-bottom:1px solid #9aa4b1;vertical-align:bottom;text-align:center;padding:0 .3rem">'
            '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {} 100" preserveAspectRatio="none" '
            'style="display:block;width:100%;height:{}px;max-width:{}px;margin:0 auto" role="img" aria-label="{}">{}</svg></td>',
            width, height, 14 * width, f"{item.label}: {described}", mark_safe(rects),
        ))
        labels.append(format_html(
            '<td style="border:0;text-align:center;padding:.2rem .3rem;font-size:.9em"><strong style="font-variant-numeric:'
            'tabular-nums">{}</strong><br>{}</td>', " / ".join(_shown(item)), _label(item),
        ))
    return format_html(
        '<figure class="chart" style="margin:1rem 0;break-inside:avoid"><figcaption style="font-weight:600">{}</figcaption>{}'
        '<table style="width:100%;border-collapse:collapse;margin:0;table-layout:fixed"><tr>{}</tr><tr>{}</tr></table>'
        '{}</figure>',
        title, _legend(series), mark_safe("".join(bars)), mark_safe("".join(labels)),
        format_html('<p class="help" style="margin:.2rem 0">{}</p>', note) if note else "",
    )
