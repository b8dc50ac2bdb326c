"""Spreadsheets built byte by byte for the upload tests: honest workbooks of any length, formulas,
zip bombs. Written directly as XML in a zip (no spreadsheet library), so that a workbook of
100,000 rows takes a second to make."""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
CONTENT_TYPES = _HEAD + (
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    b'<Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" '
    b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = _HEAD + (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    b'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = _HEAD + (
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = _HEAD + (
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    b'Target="worksheets/sheet1.xml"/></Relationships>'
)
LETTERS = [get_column_letter(i) for i in range(1, 61)]


class Formula(str):
    """A cell written as a formula (``<f>``), with a cached value of 0."""


def _cell(ref: str, value) -> str:
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape(value.lstrip("="))}</f><v>0</v></c>'
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    if value is None:
        return ""
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows) -> bytes:
    parts = [_HEAD + b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    for n, row in enumerate(rows, start=1):
        cells = "".join(_cell(f"{LETTERS[i]}{n}", v) for i, v in enumerate(row))
        parts.append(f'<row r="{n}">{cells}</row>'.encode())
    parts.append(b"</sheetData></worksheet>")
    return b"".join(parts)


def xlsx_bytes(rows=None, *, sheet: bytes | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    """A workbook whose first sheet holds ``rows`` (or the given sheet XML) and any ``extra`` parts."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", ROOT_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet if sheet is not None else sheet_xml(rows))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return out.getvalue()


def zip_bomb(unpacked_mb: int) -> bytes:
    """A workbook whose sheet is ``unpacked_mb`` MB of one repeated byte padding a valid sheet: a
    few hundred kilobytes on the wire, compressed about a thousand times."""
    padding = b" " * (unpacked_mb * 1024 * 1024)
    sheet = sheet_xml([["a"]]).replace(b"<sheetData>", b"<sheetData>" + padding, 1)
    return xlsx_bytes(sheet=sheet)


def many_rows(header: list[str], row: list, n: int) -> list[list]:
    return [header, *([*row] for _ in range(n))]
