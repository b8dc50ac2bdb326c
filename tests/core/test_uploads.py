"""Every upload path of the portal refuses what could hurt it: zip bombs, a workbook of
100,000 rows, formulas, files that are not what their name says. The refusal is a clear
message on the form, the API's 400 or the job's errors, never a 500, and nothing is saved.

The files are made here, byte by byte (``spreadsheet_files``). The shared reader itself
(``migration_portal.core.spreadsheets``) is tested first, then each upload route with each bad
file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from agencies.models import MonthlyReportLine
from agencies.uploads import COLUMNS as REPORT_COLUMNS
from migration_portal.core import spreadsheets as sp
from migration_portal.core.models import BackgroundJob, JobStatus
from remittances.models import Offer
from remittances.services import OFFER_COLUMNS
from workers.imports import COLUMNS as WORKER_COLUMNS
from workers.models import ReturnRecord, Worker
from workers.returns_import import COLUMNS as RETURN_COLUMNS

from ..agencies.test_pages import make_report, months_ago
from .spreadsheet_files import XLSX_TYPE, Formula, many_rows, xlsx_bytes, zip_bomb

LIMITS = sp.UploadLimits(max_bytes=2 * 1024 * 1024, max_rows=100, max_uncompressed=5 * 1024 * 1024, max_ratio=200,
                         max_columns=10)


def read_all(raw: bytes, name: str, limits: sp.UploadLimits = LIMITS) -> tuple[list[str], list]:
    table = sp.read_table(raw, name, limits)
    return table.headers, list(table.rows())


def error_of(exc: pytest.ExceptionInfo) -> tuple[str, str]:
    err = exc.value.error_dict["file"][0]
    return err.code, err.messages[0]


# --- The shared reader ---------------------------------------------------------------------------


class TestReader:
    def test_a_workbook_and_a_csv_read_the_same_rows(self):
        rows = [["name", "count"], ["Dara", 3], [None, None], ["=not a formula in CSV", 5]]
        headers, got = read_all(xlsx_bytes(rows[:3]), "f.xlsx")
        assert headers == ["name", "count"] and got == [(2, ["Dara", 3])]  # the blank row is skipped
        text = "name,count\nDara,3\n,\n=not a formula in CSV,5\n"
        headers, got = read_all(text.encode("utf-8-sig"), "f.csv")
        assert got == [(2, ["Dara", "3"]), (4, ["=not a formula in CSV", "5"])]  # in a CSV, '=' is data

    def test_a_formula_cell_is_refused_with_its_row_and_column(self):
        rows = [["a", "b", "c"], *[[1, 2, 3]] * 3, [1, 2, Formula("=SUM(A1:A4)")]]
        with pytest.raises(ValidationError) as exc:
            read_all(xlsx_bytes(rows), "f.xlsx")
        assert error_of(exc) == ("formula", "Row 5, column C: formulas are not accepted; paste the values instead.")
        read_all(xlsx_bytes(rows[:4]), "f.xlsx")  # the same file without row 5 is read

    @pytest.mark.parametrize("rows, refused", [(100, False), (101, True)])
    def test_the_row_cap_is_exact(self, rows, refused):
        for raw, name in [(xlsx_bytes(many_rows(["a"], ["x"], rows)), "f.xlsx"),
                          (("a\n" + "x\n" * rows).encode(), "f.csv")]:
            if refused:
                with pytest.raises(ValidationError) as exc:
                    read_all(raw, name)
                assert error_of(exc)[0] == "too_many_rows"
                with pytest.raises(ValidationError):
                    sp.count_rows(raw, name, LIMITS)
            else:
                assert len(read_all(raw, name)[1]) == rows
                assert sp.count_rows(raw, name, LIMITS) == rows

    def test_inspection_reads_the_header_and_counts_without_parsing_the_body(self):
        import openpyxl

        wb = openpyxl.Workbook()  # openpyxl writes text as shared strings, as Excel does
        wb.active.append(["name", None, "count"])
        for i in range(7):
            wb.active.append([f"person {i}", None, i])
        out = io.BytesIO()
        wb.save(out)
        got = sp.inspect_upload(out.getvalue(), "f.xlsx", LIMITS)
        assert (got.format, got.headers, got.rows) == ("xlsx", ["name", "", "count"], 7)
        got = sp.inspect_upload(xlsx_bytes([["a", "b"], ["x", 1], [None], ["y", 2]]), "f.xlsx", LIMITS)  # inline strings
        assert (got.headers, got.rows) == (["a", "b"], 3)
        got = sp.inspect_upload("a,b\nx,1\n".encode("utf-8-sig"), "f.csv", LIMITS)
        assert (got.format, got.headers, got.rows) == ("csv", ["a", "b"], 1)
        # A formula in the body is left to the full read; one in the header row is refused at once.
        assert sp.inspect_upload(xlsx_bytes([["a"], [Formula("=1+1")]]), "f.xlsx", LIMITS).rows == 1
        with pytest.raises(ValidationError) as exc:
            sp.inspect_upload(xlsx_bytes([["a", Formula("=1+1")]]), "f.xlsx", LIMITS)
        assert error_of(exc) == ("formula", "Row 1, column B: formulas are not accepted; paste the values instead.")

    def test_the_count_is_exact_across_the_chunks_it_streams(self):
        """Seven megabytes of sheet XML, read a megabyte at a time: no row tag lost at a boundary."""
        limits = sp.UploadLimits(max_bytes=10 * 1024 * 1024, max_rows=200_000, max_uncompressed=50 * 1024 * 1024)
        for n in (99_999, 100_000, 100_003):
            assert sp.inspect_upload(xlsx_bytes(many_rows(["a"], ["x"], n)), "f.xlsx", limits).rows == n

    def test_the_row_cap_applies_while_reading(self):
        """100,000 rows, a formula on row 50,000: the cap stops the reading long before the formula."""
        rows = many_rows(["a"], ["x"], 100_000)
        rows[50_000] = [Formula("=1+1")]
        limits = sp.UploadLimits(max_bytes=10 * 1024 * 1024, max_rows=100, max_uncompressed=50 * 1024 * 1024)
        with pytest.raises(ValidationError) as exc:
            read_all(xlsx_bytes(rows), "f.xlsx", limits)
        assert error_of(exc) == ("too_many_rows", "The file has more than 100 rows; split it.")

    def test_blank_rows_are_capped_too(self):
        """A workbook can claim a row a million lines down: the filler rows count against the cap."""
        sheet = (b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                 b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>'
                 b'<row r="1048576"><c r="A1048576"><v>1</v></c></row></sheetData></worksheet>')
        with pytest.raises(ValidationError) as exc:
            read_all(xlsx_bytes(sheet=sheet), "f.xlsx")
        assert error_of(exc)[0] == "too_many_rows"

    def test_a_zip_bomb_is_refused_from_the_zip_directory(self):
        raw = zip_bomb(20)
        assert len(raw) < 100_000
        with pytest.raises(ValidationError) as exc:
            sp.read_table(raw, "f.xlsx", LIMITS)
        assert error_of(exc)[0] == "zip_bomb" and "compressed" in error_of(exc)[1]

    def test_the_unpacked_size_is_checked_whatever_the_ratio(self):
        raw = zip_bomb(4)  # 4 MB unpacked: under a 5 MB limit, over a 3 MB one
        lax = sp.UploadLimits(**{**LIMITS.__dict__, "max_ratio": 10_000})
        sp.read_table(raw, "f.xlsx", lax).close()
        strict = sp.UploadLimits(**{**lax.__dict__, "max_uncompressed": 3 * 1024 * 1024})
        with pytest.raises(ValidationError) as exc:
            sp.read_table(raw, "f.xlsx", strict)
        assert error_of(exc)[0] == "zip_bomb" and "unpacks to 4" in error_of(exc)[1]

    def test_the_ratio_is_checked_member_by_member(self):
        raw = zip_bomb(4)
        sp.read_table(raw, "f.xlsx", LIMITS.__class__(**{**LIMITS.__dict__, "max_ratio": 10_000})).close()
        with pytest.raises(ValidationError) as exc:
            sp.read_table(raw, "f.xlsx", LIMITS)  # ratio 200
        assert error_of(exc)[0] == "zip_bomb"

    @pytest.mark.parametrize(
        "name, raw, code, words",
        [
            ("f.xlsx", b"name,count\nDara,3\n", "file_type", "not an Excel workbook"),
            ("f.csv", xlsx_bytes([["a"], ["b"]]), "file_type", "is a workbook"),
            ("f.csv", "name\nDara\n".encode("utf-16"), "file_type", "NUL bytes"),
            ("f.csv", "name\nSérey\n".encode("latin-1"), "encoding", "not UTF-8"),
            ("f.txt", b"name\nDara\n", "file_type", ".csv or .xlsx"),
            ("f.xlsx", b"PK\x03\x04 damaged", "unreadable", "damaged"),
        ],
    )
    def test_the_type_is_told_by_the_content(self, name, raw, code, words):
        with pytest.raises(ValidationError) as exc:
            read_all(raw, name)
        assert error_of(exc)[0] == code and words in error_of(exc)[1]

    def test_a_zip_that_is_not_a_workbook_is_refused(self):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("hello.txt", "hello")
        with pytest.raises(ValidationError) as exc:
            read_all(out.getvalue(), "f.xlsx")
        assert error_of(exc)[0] == "file_type"

    def test_size_and_columns_are_capped(self):
        with pytest.raises(ValidationError) as exc:
            read_all(b"a\n" + b"x" * LIMITS.max_bytes, "f.csv")
        assert error_of(exc)[0] == "too_large"
        read_all((",".join("abcdefghij") + "\n").encode(), "f.csv")  # 10 columns: allowed
        with pytest.raises(ValidationError) as exc:
            read_all((",".join("abcdefghijk") + "\n").encode(), "f.csv")
        assert error_of(exc)[0] == "too_many_columns"


# --- Every upload route --------------------------------------------------------------------------

# Limits lowered for the returns import only (its real cap, 300,000 rows, is above the 100,000-row
# file on purpose: it is read by the job); the others keep their real limits.
SMALL_RETURNS = {"max_rows": 50_000, "max_uncompressed": 20 * 1024 * 1024}


@pytest.fixture(autouse=True)
def _returns_limits(settings):
    uploads = {**settings.PORTAL["UPLOADS"], "returns_import": {**settings.PORTAL["UPLOADS"]["returns_import"], **SMALL_RETURNS}}
    settings.PORTAL = {**settings.PORTAL, "UPLOADS": uploads}


def _report_page(ctx, name, raw):
    report = ctx["report"]
    return ctx["client"](ctx["agency_user_a"]).post(
        f"/agency/reports/{report.pk}/upload/", {"version": report.version, "file": SimpleUploadedFile(name, raw)})


def _report_api(ctx, name, raw):
    report = ctx["report"]
    return ctx["api"](ctx["agency_user_a"]).post(
        f"/api/reports/{report.pk}/upload/", {"version": report.version, "file": SimpleUploadedFile(name, raw)},
        format="multipart")


def _worker_page(ctx, name, raw):
    return ctx["client"](ctx["agency_user_a"]).post("/agency/workers/import/", {"file": SimpleUploadedFile(name, raw)})


def _worker_api(ctx, name, raw):
    return ctx["api"](ctx["agency_user_a"]).post("/api/worker-imports/", {"file": SimpleUploadedFile(name, raw)},
                                                 format="multipart")


def _returns_page(ctx, name, raw):
    return ctx["client"](ctx["officer_a"]).post("/province/returns/import/", {"file": SimpleUploadedFile(name, raw)})


def _returns_api(ctx, name, raw):
    return ctx["api"](ctx["officer_a"]).post("/api/returns-imports/", {"file": SimpleUploadedFile(name, raw)},
                                             format="multipart")


def _offers_admin(ctx, name, raw):
    return ctx["client"](ctx["superuser"]).post("/admin/remittances/offer/import/",
                                                {"file": SimpleUploadedFile(name, raw, content_type=XLSX_TYPE)})


# route: (post, the columns of its files)
ROUTES = {
    "monthly report page": (_report_page, REPORT_COLUMNS),
    "monthly report API": (_report_api, REPORT_COLUMNS),
    "worker import page": (_worker_page, WORKER_COLUMNS),
    "worker import API": (_worker_api, WORKER_COLUMNS),
    "returns import page": (_returns_page, RETURN_COLUMNS),
    "returns import API": (_returns_api, RETURN_COLUMNS),
    "remittance offers admin": (_offers_admin, OFFER_COLUMNS),
}


def _row(columns: list[str]) -> list:
    return [f"value {i}" for i in range(len(columns))]


def _formula_file(columns):
    rows = [columns, *[_row(columns)] * 3]
    bad = _row(columns)
    bad[2] = Formula('=HYPERLINK("http://x","y")')
    return "f.xlsx", xlsx_bytes([*rows, bad])


def _many_rows_file(columns):
    # One short cell a row keeps 100,000 rows under every unpacked-size limit: the row cap refuses it.
    return "f.xlsx", xlsx_bytes(many_rows(columns, ["x"], 100_000))


BAD_FILES = {
    "formula": (_formula_file, "Row 5, column C: formulas are not accepted"),
    "100,000 rows": (_many_rows_file, "rows; split it"),
    "zip bomb": (lambda columns: ("f.xlsx", zip_bomb(60)), "compressed"),
    "xlsx that is not a zip": (lambda columns: ("f.xlsx", ",".join(columns).encode()), "not an Excel workbook"),
    "csv with NUL bytes": (lambda columns: ("f.csv", (",".join(columns) + "\n").encode("utf-16")), "NUL bytes"),
    "csv not UTF-8": (lambda columns: ("f.csv", (",".join(columns) + "\nSérey\n").encode("latin-1")), "not UTF-8"),
}


@pytest.fixture(scope="module")
def bad_file_cache():
    return {}


@pytest.mark.parametrize("bad", BAD_FILES)
@pytest.mark.parametrize("route", ROUTES)
def test_every_upload_route_refuses_every_bad_file_without_a_500(
    route, bad, bad_file_cache, client_for, api_for, agency_a, agency_user_a, officer_a, superuser,
    django_capture_on_commit_callbacks,
):
    post, columns = ROUTES[route]
    make, expected = BAD_FILES[bad]
    key = (bad, tuple(columns))
    if key not in bad_file_cache:
        bad_file_cache[key] = make(columns)
    name, raw = bad_file_cache[key]
    report = make_report(agency_a, months_ago(1), lines=[("TH", "CON", "M", 5, 5, 5, 0, 50)])
    ctx = {"client": client_for, "api": api_for, "agency_user_a": agency_user_a, "officer_a": officer_a,
           "superuser": superuser, "report": report}
    with django_capture_on_commit_callbacks(execute=True):  # a job queued by the request runs here
        response = post(ctx, name, raw)
    assert response.status_code < 500
    said = response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')
    jobs = list(BackgroundJob.objects.all())
    for job in jobs:  # the cheap checks passed the request: the job found the problem and saved nothing
        assert job.status == JobStatus.FAILED
        said += " ".join(e["message"] for e in job.errors)
    assert expected in said
    if not jobs:
        assert response.status_code in (200, 400)
    assert MonthlyReportLine.objects.filter(report=report).count() == 1
    assert not Worker.objects.exists() and not ReturnRecord.objects.exists() and not Offer.objects.exists()


def test_the_100000_row_workbook_is_refused_in_the_request_where_the_rows_are_read_there(client_for, agency_a, agency_user_a):
    """The review's case: a workbook of 100,000 rows sent as a monthly report. Refused while reading
    row 2,001 (the report's cap), with the reason on the form."""
    name, raw = _many_rows_file(REPORT_COLUMNS)
    report = make_report(agency_a, months_ago(1))
    response = client_for(agency_user_a).post(f"/agency/reports/{report.pk}/upload/",
                                              {"version": report.version, "file": SimpleUploadedFile(name, raw)})
    assert response.status_code == 200 and "The file has more than 2,000 rows; split it." in response.content.decode()


def test_background_imports_are_refused_in_the_request_from_a_cheap_count(client_for, agency_user_a):
    """Over the cap, no job is even created: the count builds no cell."""
    name, raw = _many_rows_file(WORKER_COLUMNS)
    response = client_for(agency_user_a).post("/agency/workers/import/", {"file": SimpleUploadedFile(name, raw)})
    assert response.status_code == 400 and "more than 20,000 rows" in response.content.decode()
    assert not BackgroundJob.objects.exists()


def test_a_figure_beyond_the_column_is_a_row_error_not_a_500(client_for, agency_a, agency_user_a):
    report = make_report(agency_a, months_ago(1))
    text = ",".join(REPORT_COLUMNS) + "\nTH,CON,M,99999999999999999999,1,1,0,1\nTH,CON,F,1000000,1,1,0,1\n"
    response = client_for(agency_user_a).post(f"/agency/reports/{report.pk}/upload/", {
        "version": report.version, "file": SimpleUploadedFile("r.csv", text.encode())})
    body = response.content.decode()
    assert response.status_code == 200 and "row 2, column recruited: 99999999999999999999 is more than 1,000,000" in body
    assert "row 3" not in body  # 1,000,000 itself is allowed
    assert not MonthlyReportLine.objects.filter(report=report).exists()


def test_a_formula_like_csv_cell_is_data(client_for, agency_a, agency_user_a):
    report = make_report(agency_a, months_ago(1))
    text = ",".join(REPORT_COLUMNS) + '\n"=HYPERLINK(""http://x"",""y"")",CON,M,1,1,1,0,1\n'
    response = client_for(agency_user_a).post(f"/agency/reports/{report.pk}/upload/", {
        "version": report.version, "file": SimpleUploadedFile("r.csv", text.encode())})
    assert "unknown country '=HYPERLINK" in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


# --- Writing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")'])
def test_formula_triggers_are_written_as_text(value):
    text = sp.csv_content([["name", value]])
    assert next(csv.reader(io.StringIO(text))) == ["name", "'" + value]
    raw = sp.xlsx_content([["name", value]])
    import openpyxl

    cell = openpyxl.load_workbook(io.BytesIO(raw)).active["B1"]
    assert cell.data_type == "s" and cell.value == value.replace("\r", "\n")  # XML reads a CR as a newline


@pytest.mark.parametrize("value", ["Dara", "1-2", "a=b", -5, 3.5, date(2026, 1, 2), None])
def test_other_values_are_written_as_they_are(value):
    text = sp.csv_content([[value]])
    assert next(csv.reader(io.StringIO(text)))[0] == ("" if value is None else str(value))
    import openpyxl

    raw = sp.xlsx_content([[value, "x"]])
    cell = openpyxl.load_workbook(io.BytesIO(raw)).active["A1"]
    if isinstance(value, int | float):
        assert cell.data_type == "n" and cell.value == value  # a negative number stays a number
    elif value is not None and not isinstance(value, date):
        assert cell.value == value
