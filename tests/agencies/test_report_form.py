"""The monthly report pages: opening a month, the figures formset, submitting, uploading a file.

Every bad input shows a message naming the field or the row, and leaves what was saved untouched.
"""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.choices import LicenceStatus, ReportStatus
from agencies.models import Agency, MonthlyReport
from agencies.uploads import COLUMNS
from tests.factories import country, sector

from .test_pages import content, make_report, months_ago

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def snapshot(report: MonthlyReport) -> tuple:
    """Everything saved about a report, to show a refused write changed nothing."""
    report.refresh_from_db()
    lines = sorted(report.lines.values_list("country__code", "sector__code", "sex", "recruited", "trained", "deployed",
                                            "returned", "abroad_end"))
    return report.status, report.version, report.complaints_received, report.fees_charged, report.notes, lines


def figures_post(report: MonthlyReport, rows: list[dict], **fields) -> dict:
    """POST data for the report page: the figures form and the lines formset."""
    data = {
        "version": report.version, "complaints_received": "2", "fees_charged": "150.00", "notes": "Quiet month",
        "lines-TOTAL_FORMS": str(len(rows)), "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "country" and value:
                value = country(value).pk
            elif key == "sector" and value:
                value = sector(value).pk
            data[f"lines-{i}-{key}"] = value
    data.update(fields)
    return data


def line(c="TH", s="CON", sex="M", recruited="10", trained="9", deployed="8", returned="1", abroad_end="100", **extra):
    return {"country": c, "sector": s, "sex": sex, "recruited": recruited, "trained": trained, "deployed": deployed,
            "returned": returned, "abroad_end": abroad_end, **extra}


@pytest.fixture
def report(agency_a):
    return make_report(agency_a, months_ago(1), lines=[("TH", "CON", "M", 5, 5, 5, 0, 50)])


@pytest.fixture
def client_a(client_for, agency_user_a):
    return client_for(agency_user_a)


# --- opening a month -------------------------------------------------------------------


def test_new_report_for_an_ended_month_opens_a_draft(client_a, agency_a):
    month = months_ago(2)
    response = client_a.post(reverse("agency-report-new"), {"period": month.strftime("%Y-%m")})
    report = MonthlyReport.objects.get(agency=agency_a)
    assert response.status_code == 302 and response["Location"] == reverse("agency-report", args=[report.pk])
    assert report.period == month and report.status == ReportStatus.DRAFT


def test_new_report_form_suggests_last_month(client_a):
    response = client_a.get(reverse("agency-report-new"))
    assert response.status_code == 200
    assert f'value="{months_ago(1).strftime("%Y-%m")}"' in content(response)


@pytest.mark.parametrize(
    ("month", "message"),
    [
        (lambda: timezone.localdate().strftime("%Y-%m"), "only on a month that has ended"),
        (lambda: (timezone.localdate() + timedelta(days=40)).strftime("%Y-%m"), "only on a month that has ended"),
        (lambda: "2025-13", "Enter the month as YYYY-MM"),
        (lambda: "last month", "Enter the month as YYYY-MM"),
        (lambda: "", "Choose the month you report on"),
    ],
)
def test_new_report_refuses_a_bad_month_next_to_the_field(client_a, agency_a, month, message):
    response = client_a.post(reverse("agency-report-new"), {"period": month()})
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["period"])
    assert message in content(response)
    assert not MonthlyReport.objects.exists()


def test_new_report_refuses_a_month_already_reported(client_a, report):
    before = snapshot(report)
    response = client_a.post(reverse("agency-report-new"), {"period": report.period.strftime("%Y-%m")})
    assert response.status_code == 200
    assert "There is already a report for" in " ".join(response.context["form"].errors["period"])
    assert MonthlyReport.objects.count() == 1 and snapshot(report) == before


def test_new_report_refused_for_a_cancelled_licence(client_a, agency_a):
    Agency.objects.filter(pk=agency_a.pk).update(licence_status=LicenceStatus.CANCELLED)
    response = client_a.post(reverse("agency-report-new"), {"period": months_ago(1).strftime("%Y-%m")})
    assert response.status_code == 200
    assert "cannot file reports" in " ".join(response.context["form"].errors["period"])
    assert not MonthlyReport.objects.exists()


# --- the figures formset ---------------------------------------------------------------------


def test_edit_page_prefills_existing_lines_and_adds_empty_rows(client_a, report):
    response = client_a.get(reverse("agency-report", args=[report.pk]))
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 1 + 3
    first = formset.forms[0].initial
    assert (first["country"], first["sector"], first["sex"], first["recruited"], first["abroad_end"]) == (
        country("TH").pk, sector("CON").pk, "M", 5, 50)
    assert all(not f.initial for f in formset.forms[1:])
    assert f'name="version" value="{report.version}"' in content(response)


def test_saving_replaces_the_lines_and_skips_blank_rows(client_a, report):
    rows = [line(), line(c="MY", s="MAN", sex="F", recruited="3", abroad_end="7"), {}, line(c="", s="", sex="", recruited="",
            trained="", deployed="", returned="", abroad_end="")]
    response = client_a.post(reverse("agency-report", args=[report.pk]), figures_post(report, rows))
    assert response.status_code == 302
    _status, version, complaints, fees, notes, lines = snapshot(report)
    assert version == 2 and complaints == 2 and str(fees) == "150.00" and notes == "Quiet month"
    assert lines == [("MY", "MAN", "F", 3, 9, 8, 1, 7), ("TH", "CON", "M", 10, 9, 8, 1, 100)]


def test_blank_figures_count_as_zero_and_remove_deletes_a_line(client_a, report):
    rows = [line(trained="", deployed="", returned=""), line(c="KR", DELETE="on")]
    response = client_a.post(reverse("agency-report", args=[report.pk]), figures_post(report, rows))
    assert response.status_code == 302
    assert snapshot(report)[5] == [("TH", "CON", "M", 10, 0, 0, 0, 100)]


@pytest.mark.parametrize(
    ("rows", "fields", "expected"),
    [
        ([line(), line(c="KR", recruited="-4")], {}, "Row 2, Recruited: cannot be negative."),
        ([line(abroad_end="lots")], {}, "Row 1, Abroad at month end: must be a whole number."),
        ([line(s="")], {}, "Row 1, Sector: Choose the sector."),
        ([line(c="", recruited="4")], {}, "Row 1, Destination: Choose the destination."),
        ([line(), line(c="KR"), line()], {}, "Row 3 repeats row 1: the same destination, sector and sex."),
        ([line()], {"complaints_received": "-1"}, "Complaints received this month</a>: cannot be negative."),
        ([line()], {"fees_charged": "abc"}, "must be an amount such as 1250.00."),
    ],
)
def test_bad_figures_name_the_row_or_field_and_save_nothing(client_a, report, rows, fields, expected):
    before = snapshot(report)
    response = client_a.post(reverse("agency-report", args=[report.pk]), figures_post(report, rows, **fields))
    assert response.status_code == 200
    body = content(response)
    assert "Nothing was saved" in body
    assert expected in body.replace("&#x27;", "'")
    assert snapshot(report) == before
    # What the user typed is still on the page.
    assert 'name="lines-0-recruited" value="10"' in body or rows[0].get("recruited") != "10"


def test_a_concurrent_edit_is_refused_with_a_clear_message(client_for, client_a, report, agency_a):
    from tests.factories import UserFactory

    colleague = UserFactory(username="clerk_a2", agency=agency_a, groups=["Agency users"])
    stale_version = report.version
    # The colleague saves first...
    assert client_for(colleague).post(
        reverse("agency-report", args=[report.pk]), figures_post(report, [line(recruited="1")])
    ).status_code == 302
    after_colleague = snapshot(report)
    # ...then our user posts the page loaded before.
    response = client_a.post(
        reverse("agency-report", args=[report.pk]), figures_post(report, [line(recruited="99")], version=stale_version)
    )
    assert response.status_code == 200
    assert "Someone else changed this report while you were editing it" in content(response)
    assert snapshot(report) == after_colleague
    assert 'name="lines-0-recruited" value="99"' in content(response)  # their typing is not lost


# --- submitting --------------------------------------------------------------------------------


def test_submit_sends_the_report_and_makes_it_read_only(client_a, report):
    response = client_a.post(reverse("agency-report-submit", args=[report.pk]), {"version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED and report.submitted_at is not None

    page = client_a.get(reverse("agency-report", args=[report.pk]))
    body = content(page)
    assert "Save figures" not in body and "Submit report" not in body and "Upload" not in body
    assert "Thailand" in body and "Construction" in body and ">50<" in body

    before = snapshot(report)
    refused = client_a.post(reverse("agency-report", args=[report.pk]), figures_post(report, [line()]), follow=True)
    assert "can no longer be changed" in content(refused)
    assert snapshot(report) == before


def test_submit_refuses_an_empty_report_and_a_stale_page(client_a, agency_a, report):
    empty = make_report(agency_a, months_ago(2))
    response = client_a.post(reverse("agency-report-submit", args=[empty.pk]), {"version": empty.version}, follow=True)
    assert "Add at least one line of figures before submitting" in content(response)
    assert snapshot(empty)[0] == ReportStatus.DRAFT

    response = client_a.post(reverse("agency-report-submit", args=[report.pk]), {"version": report.version + 5}, follow=True)
    assert "Someone else changed this report" in content(response)
    assert snapshot(report)[0] == ReportStatus.DRAFT


def test_returned_report_shows_the_ministrys_note_and_is_editable(client_a, agency_a):
    returned = make_report(agency_a, months_ago(3), status=ReportStatus.RETURNED, review_note="Add the Malaysia figures")
    body = content(client_a.get(reverse("agency-report", args=[returned.pk])))
    assert "Add the Malaysia figures" in body and "Save figures" in body


# --- uploading a file ---------------------------------------------------------------------------


def csv_file(text: str, name: str = "report.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def xlsx_file(rows: list[list]) -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(COLUMNS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("report.xlsx", buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_upload_csv_replaces_the_lines(client_a, report):
    upload = csv_file(f"{HEADER}\nTH,CON,M,10,10,8,2,120\nMalaysia,Manufacturing,F,4,4,4,0,12\n")
    response = client_a.post(reverse("agency-report-upload", args=[report.pk]), {"version": report.version, "file": upload})
    assert response.status_code == 302
    assert snapshot(report)[5] == [("MY", "MAN", "F", 4, 4, 4, 0, 12), ("TH", "CON", "M", 10, 10, 8, 2, 120)]
    assert "2 lines read from the file and saved." in content(client_a.get(response["Location"]))


def test_upload_xlsx_replaces_the_lines(client_a, report):
    upload = xlsx_file([["KR", "MAN", "F", 6, 6, 5, 0, 40], ["JP", "AGR", "M", 1, 1, 1, 0, 3]])
    response = client_a.post(reverse("agency-report-upload", args=[report.pk]), {"version": report.version, "file": upload})
    assert response.status_code == 302
    assert snapshot(report)[5] == [("JP", "AGR", "M", 1, 1, 1, 0, 3), ("KR", "MAN", "F", 6, 6, 5, 0, 40)]


@pytest.mark.parametrize(
    ("upload", "expected"),
    [
        (lambda: csv_file(f"{HEADER}\nTH,CON,M,10,10,8,2,120\nXX,CON,M,1,1,1,1,1\nTH,CON,F,-5,0,0,0,0\n"),
         ["row 3, column country: unknown country 'XX'", "row 4, column recruited: cannot be negative"]),
        (lambda: csv_file(f"{HEADER}\nTH,CON,M,1,1,1,1,1\nTH,CON,M,2,2,2,2,2\n"),
         ["row 3: repeats row 2 (same country, sector and sex)"]),
        (lambda: csv_file("country,sex\nTH,M\n"), ["Missing column(s): sector, recruited"]),
        (lambda: csv_file("hello", name="report.pdf"), ["Upload a .csv or .xlsx file."]),
        (lambda: SimpleUploadedFile("report.xlsx", b"this is not a spreadsheet"), ["This .xlsx file is not an Excel workbook."]),
        (lambda: xlsx_file([["TH", "CON", "Q", 1.5, 0, 0, 0, 0]]),
         ["row 2, column sex: write M or F, not 'Q'", "row 2, column recruited: '1.5' is not a whole number"]),
        (lambda: csv_file(f"{HEADER}\n"), ["The file has no rows of figures."]),
        (lambda: None, ["Choose a file to upload."]),
    ],
)
def test_bad_upload_lists_the_errors_and_saves_nothing(client_a, report, upload, expected):
    before = snapshot(report)
    data = {"version": report.version}
    if (file := upload()) is not None:
        data["file"] = file
    response = client_a.post(reverse("agency-report-upload", args=[report.pk]), data)
    assert response.status_code == 200
    body = content(response).replace("&#x27;", "'")
    assert "The file was not saved" in body
    for message in expected:
        assert message in body
    assert snapshot(report) == before


def test_upload_on_a_stale_page_is_refused(client_a, report):
    before = snapshot(report)
    upload = csv_file(f"{HEADER}\nTH,CON,M,1,1,1,1,1\n")
    stale = {"version": report.version + 1, "file": upload}
    response = client_a.post(reverse("agency-report-upload", args=[report.pk]), stale)
    assert response.status_code == 200
    assert "Someone else changed this report" in content(response)
    assert snapshot(report) == before


def test_template_csv_downloads_with_the_expected_header(client_a):
    response = client_a.get(reverse("agency-report-template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().splitlines()[0] == HEADER


# --- query budget of the report page -------------------------------------------------------------
# Editable report: session, user, groups; the report (agency, submitter, reviewer joined);
# its lines as initial data; the countries and the sectors for the choices (once for
# every row); notification count.
EDIT_QUERIES = 8
# Read-only report: session, user, groups; the report; its lines (destination and
# sector joined); notification count.
READ_ONLY_QUERIES = 6


@pytest.mark.parametrize(("status", "budget"), [(ReportStatus.DRAFT, EDIT_QUERIES), (ReportStatus.SUBMITTED, READ_ONLY_QUERIES)])
def test_report_page_query_budget_does_not_grow_with_lines(client_a, agency_a, django_assert_num_queries, status, budget):
    few = make_report(agency_a, months_ago(1), status=status, lines=[("TH", "CON", "M", 1, 1, 1, 0, 1)])
    many = make_report(agency_a, months_ago(2), status=status, lines=[
        (c, s, sex, 1, 1, 1, 0, 1) for c in ("TH", "KR", "MY", "JP") for s in ("CON", "MAN", "AGR") for sex in ("M", "F")])
    for report, n in ((few, 1), (many, 24)):
        with django_assert_num_queries(budget):
            response = client_a.get(reverse("agency-report", args=[report.pk]))
        assert response.status_code == 200
        rendered = len(response.context["formset"].forms) - 3 if status == ReportStatus.DRAFT else len(response.context["lines"])
        assert rendered == n


def test_a_new_report_is_prefilled_from_the_register_and_differences_are_kept(client_for, agency_a, agency_user_a):
    """Issue: the monthly report form is pre-filled from the register; the agency confirms or
    corrects, and every difference between its figures and the register is kept."""
    from datetime import timedelta

    from django.utils import timezone

    from agencies import services as agency_services
    from workers.models import Deployment, ReportDifference

    from ..workers.factories import DeploymentFactory, JobOrderFactory

    period = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    dep = DeploymentFactory(job_order=JobOrderFactory(agency=agency_a))
    Deployment.objects.filter(pk=dep.pk).update(status="abroad", departed_on=period + timedelta(days=3))
    report = agency_services.report_create(agency=agency_a, period=period, actor=agency_user_a)

    page = client_for(agency_user_a).get(reverse("agency-report", args=[report.pk]))
    first = page.context["formset"].forms[0].initial
    assert (first["country"], first["sex"], first["deployed"], first["abroad_end"]) == (dep.country_id, "M", 1, 1)

    # The agency reports 3 departures instead of the register's 1, and submits.
    lines = [agency_services.LineInput(country_id=dep.country_id, sector_id=dep.sector_id, sex="M", deployed=3, abroad_end=1,
                                       recruited=first["recruited"])]
    report = agency_services.report_save(report=report, actor=agency_user_a, lines=lines, complaints_received=0, fees_charged=0)
    agency_services.report_submit(report=report, actor=agency_user_a)
    diff = ReportDifference.objects.get(report=report, figure="deployed")
    assert (diff.reported, diff.register, diff.gap) == (3, 1, 2)
