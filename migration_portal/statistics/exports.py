"""Any statistics table as CSV or XLSX, built in memory: the same ``Table`` the page shows.

Both formats carry the same rows: title lines (the table, the period and filters, the
source), the heading rows, the figures, then the notes. CSV is UTF-8 with a byte-order
mark so that spreadsheet programs read Khmer names correctly; XLSX keeps the figures as
numbers, the headings bold, the highlighted cells filled, and the heading rows frozen.

Both are written through ``migration_portal.core.spreadsheets`` (``csv_content``,
``xlsx_append``), which neutralises spreadsheet formulas in every text cell: a label such as
an agency's or a provider's name is data, never a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from migration_portal.core.spreadsheets import csv_content, xlsx_append

from .tables import Table

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HIGHLIGHT = PatternFill("solid", fgColor="FBDDE2")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)


def title_lines(table: Table, context: Sequence[str]) -> list[list[str]]:
    """The lines above the table: its title, what it covers, the source."""
    title = f"{table.title} ({table.subtitle})" if table.subtitle else table.title
    return [[title], *([line] for line in context if line)]


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return value.quantize(Decimal("0.01"))  # still a number: a negative one is not neutralised as text
    return value


def csv_bytes(table: Table, context: Sequence[str]) -> bytes:
    rows = [*title_lines(table, context), [], *table.header_rows(), *([_cell(v) for v in row] for row in table.body())]
    if table.notes:
        rows += [[], *([note] for note in table.notes)]
    return csv_content(rows, bom=True).encode("utf-8")


def write_sheet(ws, table: Table, context: Sequence[str]) -> None:
    """Write one table on a worksheet (the page's download and each sheet of the ILO workbook)."""
    lines = title_lines(table, context)
    for i, line in enumerate(lines):
        xlsx_append(ws, line)
        ws.cell(row=ws.max_row, column=1).font = TITLE if i == 0 else Font(italic=True)
    ws.append([])
    labels = len(table.label_headers)
    first_header = ws.max_row + 1
    for header in table.header_rows():
        xlsx_append(ws, header)
        for col in range(1, len(header) + 1):
            c = ws.cell(row=ws.max_row, column=col)
            c.font = BOLD
            c.alignment = Alignment(horizontal="left" if col <= labels else "center", wrap_text=True)
    if table.groups:  # the band of groups spans its columns
        col = labels + 1
        for _label, span in table.groups:
            if span > 1:
                ws.merge_cells(start_row=first_header, start_column=col, end_row=first_header, end_column=col + span - 1)
            col += span
    ws.freeze_panes = f"{get_column_letter(labels + 1)}{ws.max_row + 1}"  # a coordinate: ws.cell() would add a row
    for row in table.rows:
        xlsx_append(ws, [*row.labels, *row.values])
        r = ws.max_row
        for i in range(len(row.values)):
            c = ws.cell(row=r, column=labels + 1 + i)
            if isinstance(row.values[i], Decimal):
                c.number_format = "#,##0.00"
            elif isinstance(row.values[i], int):
                c.number_format = "#,##0"
            if row.marked(i):
                c.fill = HIGHLIGHT
        if row.kind != "data":
            for col in range(1, labels + len(row.values) + 1):
                ws.cell(row=r, column=col).font = BOLD
    if table.notes:
        ws.append([])
        for note in table.notes:
            xlsx_append(ws, [note])
            ws.cell(row=ws.max_row, column=1).font = Font(italic=True)
    for col in range(1, labels + 1):
        width = max([len(str(r.labels[col - 1])) for r in table.rows] + [len(table.label_headers[col - 1]), 8])
        ws.column_dimensions[get_column_letter(col)].width = min(width + 2, 48)
    for col in range(labels + 1, labels + len(table.value_headers) + 1):
        ws.column_dimensions[get_column_letter(col)].width = max(12, min(len(table.value_headers[col - labels - 1]) + 2, 24))


def sheet_title(text: str, used: set[str]) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    clean = "".join(ch for ch in text if ch not in "[]:*?/\\")[:31] or "Sheet"
    name, n = clean, 2
    while name in used:
        suffix = f" ({n})"
        name, n = clean[: 31 - len(suffix)] + suffix, n + 1
    used.add(name)
    return name


def xlsx_bytes(sheets: Sequence[tuple[str, Table, Sequence[str]]]) -> bytes:
    """A workbook with one sheet per (sheet name, table, title lines)."""
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, table, context in sheets:
        write_sheet(wb.create_sheet(sheet_title(name, used)), table, context)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def filename(*parts) -> str:
    return "-".join(slugify(str(p)) for p in parts if p)


def download(table: Table, context: Sequence[str], fmt: str, name: str) -> HttpResponse:
    """The response for one table: ``fmt`` is "csv" or "xlsx"."""
    if fmt == "csv":
        response = HttpResponse(csv_bytes(table, context), content_type=CSV_TYPE)
    elif fmt == "xlsx":
        response = HttpResponse(xlsx_bytes([(table.title, table, context)]), content_type=XLSX_TYPE)
    else:  # pragma: no cover - the URL allows only these two
        raise ValueError(fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def workbook_response(sheets: Sequence[tuple[str, Table, Sequence[str]]], name: str) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def source_line() -> str:
    return _("Source: MOLVT labour migration register")
