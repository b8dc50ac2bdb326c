"""Uploaded spreadsheets read safely, and downloaded ones written safely: the one place for both.

Reading (every upload of the portal: monthly reports, the bulk imports of workers and of
returnees, the remittance offers) goes through :func:`read_table`:

* the type is told by the content, not the name: an ``.xlsx`` must be a zip archive holding a
  workbook, a ``.csv`` must be UTF-8 text without NUL bytes;
* a workbook is measured from its zip directory before anything is unpacked: the sum of its
  members' sizes and each member's compression ratio are checked against the limits, so a zip
  bomb is refused in milliseconds (Python's zip reader never inflates a member beyond the size
  its directory states, so the check cannot be outrun by a lying header);
* rows are read one at a time (openpyxl in read-only mode, the csv module over the text) and the
  row cap is applied while reading: the file is refused at the first row over the limit, never
  after loading it whole;
* a formula in a workbook cell is refused with its row and column: its cached value may be
  anything, and a formula is never data.

:func:`inspect_upload` reads a file's header row and counts its rows without building a cell
of the body (it streams the sheet's XML; openpyxl is not used, as it would load every shared
string first), so a request can refuse an over-long file, check its columns and size a
background job's progress bar before the job does the real, slower parse.

Writing (every CSV and XLSX download) goes through :func:`csv_content` and
:func:`xlsx_append`, which neutralise spreadsheet formulas (OWASP "CSV injection"): a text
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written as text, with a
leading apostrophe in CSV and as an explicit string cell in XLSX. Numbers stay numbers.

The limits per kind of upload are in ``settings.PORTAL["UPLOADS"]``.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

CSV = "csv"
XLSX = "xlsx"
ZIP_MAGIC = b"PK\x03\x04"
MAX_ZIP_MEMBERS = 500
RATIO_FLOOR = 1024 * 1024  # members smaller than this unpacked are never a bomb, whatever their ratio
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class UploadLimits:
    """What one kind of upload may be: bytes on the wire, rows of data, columns, and for a
    workbook the bytes unpacked and the compression ratio of any member."""

    max_bytes: int
    max_rows: int
    max_uncompressed: int
    max_ratio: int = 200
    max_columns: int = 60

    @classmethod
    def named(cls, kind: str) -> UploadLimits:
        conf = settings.PORTAL["UPLOADS"]
        return cls(**{**conf["default"], **conf.get(kind, {})})

    @property
    def max_physical_rows(self) -> int:
        """Rows read, blank ones included, before the file is refused: blank rows cost little but
        are not free (a workbook can claim a row a million lines down)."""
        return 2 * self.max_rows + 1000


def file_error(message: str, code: str = "invalid_file") -> ValidationError:
    """A form or API error on the ``file`` field."""
    return ValidationError({"file": ValidationError(message, code=code)})


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".removesuffix(".0")


def too_many_rows(limits: UploadLimits) -> ValidationError:
    return file_error(_("The file has more than %(n)s rows; split it.") % {"n": f"{limits.max_rows:,}"}, code="too_many_rows")


# --- Checks before parsing ----------------------------------------------------------------------


def check_size(size: int, limits: UploadLimits) -> None:
    """Refuse a file over the byte limit (call it on ``upload.size`` before reading the upload)."""
    if size > limits.max_bytes:
        raise file_error(_("The file is larger than %(mb)s MB; split it.") % {"mb": _mb(limits.max_bytes)}, code="too_large")


def detect_format(raw: bytes, name: str, limits: UploadLimits) -> str:
    """``"csv"`` or ``"xlsx"``, from the name and confirmed by the content; anything else refused."""
    check_size(len(raw), limits)
    lower = (name or "").lower()
    if not lower.endswith((".csv", ".xlsx")):
        raise file_error(_("Upload a .csv or .xlsx file."), code="file_type")
    is_zip = raw.startswith(ZIP_MAGIC)
    if lower.endswith(".xlsx"):
        if not is_zip:
            raise file_error(_("This .xlsx file is not an Excel workbook. Save it as 'Excel Workbook (.xlsx)' or as "
                               "'CSV UTF-8' and upload it again."), code="file_type")
        check_zip(raw, limits)
        return XLSX
    if is_zip:
        raise file_error(_("This .csv file is a workbook, not text. Save it as 'CSV UTF-8' or name it .xlsx."), code="file_type")
    return CSV


def check_zip(raw: bytes, limits: UploadLimits) -> None:
    """Refuse a workbook that would unpack to more than the limit, or any of whose members is
    compressed more than the ratio allows: read from the zip directory, nothing is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise file_error(_("The workbook is damaged and could not be opened."), code="unreadable")
    if len(members) > MAX_ZIP_MEMBERS:
        raise file_error(_("The workbook has too many parts to be a spreadsheet."), code="zip_bomb")
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise file_error(_("The workbook is compressed %(ratio)d times, more than a spreadsheet can be; it is "
                               "refused.") % {"ratio": m.file_size // max(m.compress_size, 1)}, code="zip_bomb")
    unpacked = sum(m.file_size for m in members)
    if unpacked > limits.max_uncompressed:
        raise file_error(_("The workbook unpacks to %(size)s MB, more than the %(limit)s MB allowed; split it or save it "
                           "as CSV.") % {"size": _mb(unpacked), "limit": _mb(limits.max_uncompressed)}, code="zip_bomb")
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise file_error(_("This .xlsx file is not an Excel workbook. Save it as 'Excel Workbook (.xlsx)' or as "
                           "'CSV UTF-8' and upload it again."), code="file_type")


def _decode_csv(raw: bytes) -> str:
    if b"\x00" in raw:
        raise file_error(_("The CSV file contains NUL bytes: it is not UTF-8 text. Save it as 'CSV UTF-8' and try again."),
                         code="file_type")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise file_error(_("The CSV file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."), code="encoding")


# --- Reading ------------------------------------------------------------------------------------


def _streaming_reader():
    """openpyxl's workbook reader, reading only the first worksheet and without the scan that
    openpyxl's read-only mode makes of a sheet to find its size when the sheet does not state it
    (a file without a ``<dimension>`` would otherwise be parsed whole before the first row is
    read). Styles, dates and shared strings are read by openpyxl as usual."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class StreamingSheet(ReadOnlyWorksheet):
        def _get_size(self):  # the rows are counted as they are read, with the cap
            return None

    class FirstSheetReader(ExcelReader):
        def read_worksheets(self):
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    self.wb._sheets.append(StreamingSheet(self.wb, sheet.name, rel.target, self.shared_strings))
                    return

    return FirstSheetReader


def _load_workbook(raw: bytes):
    try:
        # read_only streams the rows; data_only=False: a formula cell comes back as a formula
        # (data type "f"), to be refused. XML is parsed through defusedxml, which is installed.
        reader = _streaming_reader()(io.BytesIO(raw), read_only=True, keep_vba=False, data_only=False, keep_links=False)
        reader.read()
        workbook = reader.wb
        if not workbook.worksheets:
            raise ValueError("no worksheet")
        return workbook, workbook.worksheets[0]
    except ValidationError:
        raise
    except Exception:  # noqa: BLE001 - a malformed workbook of any kind gets one clear message
        raise _unreadable()


def _blank(values: Sequence) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


class Table:
    """An uploaded file's header and a stream of its data rows.

    ``headers`` are the first row's cells as text; :meth:`rows` yields ``(row_number, values)``
    for each non-blank data row (row numbers as the spreadsheet shows them: the header is
    row 1), each ``values`` as long as ``headers``. The row cap and the formula check apply
    while the rows are read.
    """

    def __init__(self, raw: bytes, name: str, limits: UploadLimits):
        self.limits = limits
        self.format = detect_format(raw, name, limits)
        self._workbook = None
        if self.format == XLSX:
            self._workbook, sheet = _load_workbook(raw)
            self._iter = self._xlsx_rows(sheet)
        else:
            self._iter = self._csv_rows(_decode_csv(raw))
        first = next(self._iter, None)
        self.headers = ["" if v is None else str(v).strip() for v in (first[1] if first else [])]
        while self.headers and not self.headers[-1]:
            self.headers.pop()
        if len(self.headers) > limits.max_columns:
            self.close()
            raise file_error(_("The file has more than %(n)d columns.") % {"n": limits.max_columns}, code="too_many_columns")

    def _csv_rows(self, text: str) -> Iterator[tuple[int, list]]:
        reader = csv.reader(io.StringIO(text, newline=""))
        n = 0
        try:
            for n, row in enumerate(reader, start=1):
                if n > self.limits.max_physical_rows:
                    raise too_many_rows(self.limits)
                yield n, row[: self.limits.max_columns + 1]
        except csv.Error as exc:
            raise file_error(_("Line %(line)d of the CSV file could not be read (%(error)s).") % {
                "line": reader.line_num or n + 1, "error": exc}, code="unreadable")

    def _xlsx_rows(self, sheet) -> Iterator[tuple[int, list]]:
        cap = self.limits.max_columns + 1
        try:
            rows = sheet.iter_rows(max_col=cap)
            for n, cells in enumerate(rows, start=1):
                if n > self.limits.max_physical_rows:
                    raise too_many_rows(self.limits)
                values = []
                for col, cell in enumerate(cells, start=1):
                    if cell.data_type == "f":
                        raise file_error(_("Row %(row)d, column %(col)s: formulas are not accepted; paste the values "
                                           "instead.") % {"row": n, "col": get_column_letter(col)}, code="formula")
                    values.append(cell.value)
                yield n, values
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001 - a damaged sheet found halfway gets the same message as at the start
            raise file_error(_("The file could not be read. Upload a CSV or XLSX file made from the template."),
                             code="unreadable")

    def rows(self) -> Iterator[tuple[int, list]]:
        width = len(self.headers)
        data_rows = 0
        try:
            for n, values in self._iter:
                values = list(values[:width]) + [None] * (width - len(values))
                if _blank(values):
                    continue
                data_rows += 1
                if data_rows > self.limits.max_rows:
                    raise too_many_rows(self.limits)
                yield n, values
        finally:
            self.close()

    def close(self) -> None:
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


def read_table(raw: bytes, name: str, limits: UploadLimits) -> Table:
    """Open an uploaded CSV or XLSX file for streaming; raises a ``ValidationError`` on ``file``."""
    return Table(raw, name, limits)


MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
CELL_REF = re.compile(r"([A-Z]+)")


@dataclass(frozen=True)
class Inspection:
    """What a request learns of an upload without parsing it: its format, header row and row count."""

    format: str
    headers: list[str]
    rows: int


def _unreadable() -> ValidationError:
    return file_error(_("The file could not be read. Upload a CSV or XLSX file made from the template."), code="unreadable")


def _first_sheet_path(archive: zipfile.ZipFile) -> str:
    """The first worksheet's part, from the workbook and its relationships (two small parts)."""
    from defusedxml.ElementTree import fromstring  # XML bombs in these parts are refused too

    workbook = fromstring(archive.read("xl/workbook.xml"))
    sheet = next(workbook.iter(f"{MAIN_NS}sheet"))
    rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(r.get("Target") for r in rels if r.get("Id") == sheet.get(REL_ID))
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"


def _column_index(ref: str) -> int:
    letters = CELL_REF.match(ref or "")
    if not letters:
        raise ValueError(ref)
    n = 0
    for ch in letters.group(1):
        n = n * 26 + ord(ch) - 64
    return n


def _xlsx_header(archive: zipfile.ZipFile, sheet_path: str, limits: UploadLimits) -> list[str]:
    """The first row of the sheet, read by streaming its XML up to the end of that row, and the
    shared strings it uses, streamed up to the last one needed."""
    from defusedxml.ElementTree import iterparse

    cells: dict[int, tuple[str, str | None]] = {}
    with archive.open(sheet_path) as stream:
        for _event, elem in iterparse(stream, events=("end",)):
            if elem.tag != f"{MAIN_NS}row":
                continue
            for c in elem.iter(f"{MAIN_NS}c"):
                col = _column_index(c.get("r"))
                if col > limits.max_columns:
                    raise file_error(_("The file has more than %(n)d columns.") % {"n": limits.max_columns},
                                     code="too_many_columns")
                if c.find(f"{MAIN_NS}f") is not None:
                    raise file_error(_("Row %(row)d, column %(col)s: formulas are not accepted; paste the values "
                                       "instead.") % {"row": 1, "col": get_column_letter(col)}, code="formula")
                kind = c.get("t", "n")
                if kind == "inlineStr":
                    cells[col] = ("text", "".join(t.text or "" for t in c.iter(f"{MAIN_NS}t")))
                else:
                    v = c.find(f"{MAIN_NS}v")
                    cells[col] = ("shared" if kind == "s" else "text", None if v is None else v.text)
            break
    wanted = {int(v) for kind, v in cells.values() if kind == "shared" and v is not None}
    strings: dict[int, str] = {}
    if wanted and "xl/sharedStrings.xml" in archive.namelist():
        with archive.open("xl/sharedStrings.xml") as stream:
            index = -1
            for _event, elem in iterparse(stream, events=("end",)):
                if elem.tag != f"{MAIN_NS}si":
                    continue
                index += 1
                if index in wanted:
                    strings[index] = "".join(t.text or "" for t in elem.iter(f"{MAIN_NS}t"))
                elem.clear()
                if index >= max(wanted):
                    break
    width = max(cells, default=0)
    out = []
    for col in range(1, width + 1):
        kind, v = cells.get(col, ("text", None))
        value = strings.get(int(v), "") if kind == "shared" and v is not None else (v or "")
        out.append(value.strip())
    return out


def _xlsx_count(archive: zipfile.ZipFile, sheet_path: str, limits: UploadLimits) -> int:
    """Row elements in the sheet's XML, inflated a megabyte at a time. ``bytes.count`` rather than a
    regular expression: several times faster, and text in a cell cannot fake a tag ("<" is escaped
    there). A sheet written with a namespace prefix (``<x:row>``) is under-counted here; the
    job's reading still applies the cap row by row."""
    count, tail = 0, b""
    with archive.open(sheet_path) as stream:
        while chunk := stream.read(1 << 20):
            # The last 4 bytes are carried over, so a tag split across two chunks is seen whole;
            # they are too short to hold a whole tag, so none is counted twice.
            data = tail + chunk
            count += data.count(b"<row ") + data.count(b"<row>")
            tail = data[-4:]
            if count > limits.max_rows + 1:
                raise too_many_rows(limits)
    if count > limits.max_rows + 1:
        raise too_many_rows(limits)
    return max(count - 1, 0)


def inspect_upload(raw: bytes, name: str, limits: UploadLimits) -> Inspection:
    """The cheap checks a request can afford before handing a big file to a background job: the
    type by content, the zip directory, the header row, and the number of rows after it (blank
    lines included) with the cap applied as they are counted. No cell of the body is built: a
    workbook's sheet is streamed and its row tags counted, a CSV's records are counted."""
    fmt = detect_format(raw, name, limits)
    if fmt == CSV:
        reader = csv.reader(io.StringIO(_decode_csv(raw), newline=""))
        headers: list[str] = []
        n = 0
        try:
            for n, row in enumerate(reader, start=1):
                if n == 1:
                    headers = [v.strip() for v in row[: limits.max_columns + 1]]
                if n > limits.max_rows + 1:
                    raise too_many_rows(limits)
        except csv.Error as exc:
            raise file_error(_("Line %(line)d of the CSV file could not be read (%(error)s).") % {
                "line": reader.line_num or n + 1, "error": exc}, code="unreadable")
        rows = max(n - 1, 0)
    else:
        try:
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                path = _first_sheet_path(archive)
                headers = _xlsx_header(archive, path, limits)
                rows = _xlsx_count(archive, path, limits)
        except ValidationError:
            raise
        except Exception:  # noqa: BLE001 - a malformed workbook of any kind gets one clear message
            raise _unreadable()
    while headers and not headers[-1]:
        headers.pop()
    if len(headers) > limits.max_columns:
        raise file_error(_("The file has more than %(n)d columns.") % {"n": limits.max_columns}, code="too_many_columns")
    return Inspection(fmt, headers, rows)


def count_rows(raw: bytes, name: str, limits: UploadLimits) -> int:
    """Rows after the header, counted as :func:`inspect_upload` does (the cap applied while counting)."""
    return inspect_upload(raw, name, limits).rows


# --- Writing ------------------------------------------------------------------------------------


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def safe_text(value) -> str:
    """A text a spreadsheet program will not run: a leading apostrophe before a formula trigger."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _plain(value):
    """Numbers, dates and booleans as they are; anything else (lazy translations included) as text."""
    if value is None or isinstance(value, bool | int | float | Decimal | date | datetime | time):
        return value
    return str(value)


def csv_value(value):
    value = _plain(value)
    return safe_text(value) if isinstance(value, str) else value


def csv_content(rows: Iterable[Sequence], *, bom: bool = False, lineterminator: str = "\r\n") -> str:
    """CSV text of ``rows``, every text cell neutralised. ``bom``: start with a byte-order mark so
    that spreadsheet programs read Khmer as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return ("\ufeff" if bom else "") + out.getvalue()


def xlsx_append(ws, row: Sequence) -> int:
    """Append ``row`` to a worksheet with every text cell stored as a string (never a formula,
    whatever it starts with); returns the new row's number."""
    r = ws._current_row + 1  # where ws.append() would write
    ws._current_row = r
    for col, value in enumerate(row, start=1):
        value = _plain(value)
        if value is None:
            continue
        cell = ws.cell(row=r, column=col)
        cell.value = value
        if isinstance(value, str):
            cell.data_type = "s"  # openpyxl makes a text starting with "=" a formula; this one is text
    return r


def xlsx_content(rows: Iterable[Sequence], *, title: str = "Sheet") -> bytes:
    """A one-sheet workbook of ``rows`` written through :func:`xlsx_append`."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = title[:31]
    for row in rows:
        xlsx_append(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
