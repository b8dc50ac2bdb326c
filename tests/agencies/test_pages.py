"""The agency's own portal pages and the provincial dashboard: content, access, scoping and query budgets."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.choices import (
    AdvertisementStatus,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
    grade_for,
)
from agencies.models import (
    Advertisement,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionAction,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)
from tests.factories import AgencyFactory, MonthlyReportFactory, UserFactory, checklist, country, province, sector

pytestmark = pytest.mark.django_db


# --- helpers shared by the page tests -------------------------------------------------


def months_ago(n: int, today: date | None = None) -> date:
    """The first day of the month ``n`` months before the current one."""
    d = (today or timezone.localdate()).replace(day=1)
    for _ in range(n):
        d = (d - timedelta(days=1)).replace(day=1)
    return d


def make_report(agency, period: date, *, status=ReportStatus.DRAFT, lines=(), **fields) -> MonthlyReport:
    """A report with lines given as (country code, sector code, sex, recruited, trained, deployed, returned, abroad_end)."""
    report = MonthlyReportFactory(agency=agency, period=period, status=status, **fields)
    for code, sec, sex, *figures in lines:
        MonthlyReportLine.objects.create(
            report=report, country=country(code), sector=sector(sec), sex=sex,
            **dict(zip(MonthlyReportLine.FIGURES, figures, strict=True)),
        )
    return report


def make_ad(agency, *, status=AdvertisementStatus.SUBMITTED, code=None, title="Construction workers for Thailand",
            valid_from=None, valid_until=None, country_code="TH", **fields) -> Advertisement:
    today = timezone.localdate()
    return Advertisement.objects.create(
        agency=agency, status=status, code=code, title=title, country=country(country_code), sector=sector("CON"),
        occupation="Mason", positions_male=10, positions_female=5, text="Masons wanted.",
        valid_from=valid_from or today - timedelta(days=5), valid_until=valid_until or today + timedelta(days=30), **fields,
    )


def make_inspection(agency, *, score, conducted_on=None, status=InspectionStatus.APPROVED, findings="", actions=()):
    template = ChecklistTemplate.objects.first() or checklist(version=1)
    inspection = Inspection.objects.create(
        agency=agency, template=template, status=status, scheduled_for=conducted_on or timezone.localdate(),
        conducted_on=conducted_on or timezone.localdate(), score=Decimal(str(score)), grade=grade_for(score), findings=findings,
    )
    for description, due in actions:
        InspectionAction.objects.create(inspection=inspection, description=description, due_date=due)
    return inspection


def make_sanction(agency, kind=SanctionKind.WARNING, *, decided_on=None, reason="Late reports") -> Sanction:
    return Sanction.objects.create(
        agency=agency, kind=kind, reason=reason, reference="DEC-1", decided_on=decided_on or timezone.localdate()
    )


def content(response) -> str:
    return response.content.decode()


# --- the agency dashboard -------------------------------------------------------------


def test_dashboard_shows_the_agency_its_own_record(client_for, agency_a, agency_b, agency_user_a):
    Representative.objects.create(agency=agency_a, country=country("TH"), name="Somchai Rep")
    make_inspection(agency_a, score=91, findings="Exemplary contracts file.",
                    actions=[("Post the fee schedule", timezone.localdate() + timedelta(days=30))])
    make_inspection(agency_a, score=40, status=InspectionStatus.RECORDED, findings="UNPUBLISHED DRAFT FINDINGS",
                    conducted_on=timezone.localdate() - timedelta(days=3))
    make_sanction(agency_a, SanctionKind.COMMENDATION, reason="Good practice on contracts")
    make_report(agency_a, months_ago(1), status=ReportStatus.RETURNED, review_note="Thailand figures missing")
    make_ad(agency_b, title="Agency B secret ad")

    response = client_for(agency_user_a).get(reverse("agency-dashboard"))

    assert response.status_code == 200
    body = content(response)
    assert agency_a.name in body and agency_a.licence_number in body
    assert agency_a.name_km in body  # the Khmer name renders as such
    assert 'class="badge active"' in body
    assert "Thailand" in body and "Republic of Korea" in body  # authorised destinations
    assert "100,000.00" in body  # deposit balance from the ledger
    assert "deposit is short" not in body
    assert "Somchai Rep" in body
    assert "Exemplary contracts file." in body and "Post the fee schedule" in body
    assert "UNPUBLISHED DRAFT FINDINGS" not in body  # only approved inspections reach an agency
    assert "Good practice on contracts" in body
    assert "Thailand figures missing" in body and "Returned for correction" in body
    assert agency_b.name not in body and "Agency B secret ad" not in body
    assert "risk" not in body.lower()  # the risk profile is for ministry staff only


def test_dashboard_warns_when_the_deposit_is_short(client_for, agency_user_a):
    agency = AgencyFactory(deposit="60000")
    user = UserFactory(username="clerk_short", agency=agency, groups=["Agency users"])
    body = content(client_for(user).get(reverse("agency-dashboard")))
    assert "deposit is short" in body
    assert "60,000.00" in body and "40,000.00" in body  # balance and shortfall


# --- reports list ----------------------------------------------------------------------


def test_report_list_shows_status_submission_and_review_note(client_for, agency_a, agency_b, agency_user_a):
    submitted = make_report(agency_a, months_ago(2), status=ReportStatus.SUBMITTED, submitted_at=timezone.now())
    make_report(agency_a, months_ago(1), status=ReportStatus.RETURNED, review_note="Fees look wrong")
    make_report(agency_b, months_ago(3), review_note="B's private note")

    response = client_for(agency_user_a).get(reverse("agency-reports"))

    body = content(response)
    assert response.status_code == 200
    assert months_ago(2).strftime("%Y-%m") in body and months_ago(1).strftime("%Y-%m") in body
    assert timezone.localtime(submitted.submitted_at).strftime("%Y-%m-%d") in body
    assert "Fees look wrong" in body
    assert "B&#x27;s private note" not in body and months_ago(3).strftime("%Y-%m") not in body
    assert list(response.context["reports"]) == sorted(response.context["reports"], key=lambda r: r.period, reverse=True)


# --- derived periods -------------------------------------------------------------------


def _year_with_full_past_quarter():
    """A year and quarter wholly in the past, for derived-period tests."""
    today = timezone.localdate()
    return today.year - 1


def test_summary_derives_quarter_half_and_year_from_submitted_reports(client_for, agency_a, agency_b, agency_user_a):
    year = _year_with_full_past_quarter()
    # Q1: January and March submitted/accepted, February only a draft (left out).
    make_report(agency_a, date(year, 1, 1), status=ReportStatus.SUBMITTED,
                lines=[("TH", "CON", "M", 10, 9, 8, 1, 100), ("TH", "AGR", "M", 5, 5, 5, 0, 20),
                       ("TH", "CON", "F", 4, 4, 4, 0, 30)])
    make_report(agency_a, date(year, 2, 1), status=ReportStatus.DRAFT, lines=[("TH", "CON", "M", 999, 999, 999, 999, 999)])
    make_report(agency_a, date(year, 3, 1), status=ReportStatus.ACCEPTED, lines=[("TH", "CON", "M", 2, 2, 2, 3, 110)])
    # Q3 (second half): Malaysia.
    make_report(agency_a, date(year, 8, 1), status=ReportStatus.SUBMITTED, lines=[("MY", "MAN", "F", 7, 7, 6, 0, 6)])
    # Another agency's figures never count.
    make_report(agency_b, date(year, 1, 1), status=ReportStatus.SUBMITTED, lines=[("TH", "CON", "M", 500, 500, 500, 500, 500)])
    client = client_for(agency_user_a)

    quarters = client.get(reverse("agency-report-summary"), {"by": "quarter"}).context["periods"]
    assert [(p.year, p.number) for p in quarters] == [(year, 3), (year, 1)]
    q1 = quarters[1]
    assert len(q1.months) == 2 and not q1.complete
    th_m = next(r for r in q1.rows if r.country == "Thailand" and r.sex == "M")
    # Flows add up over January and March across sectors; the February draft is left out.
    assert (th_m.recruited, th_m.trained, th_m.deployed, th_m.returned) == (17, 16, 15, 4)
    # Abroad is a stock: the latest reported month (March) gives it, not the sum.
    assert th_m.abroad_end == 110
    th_f = next(r for r in q1.rows if r.country == "Thailand" and r.sex == "F")
    assert th_f.abroad_end == 0  # no women in Thailand reported at the end of March
    assert q1.total.recruited == 21

    halves = client.get(reverse("agency-report-summary"), {"by": "half"}).context["periods"]
    assert [(p.year, p.number) for p in halves] == [(year, 2), (year, 1)]
    assert halves[0].rows[0].country == "Malaysia" and halves[0].total.deployed == 6

    years = client.get(reverse("agency-report-summary"), {"by": "year"})
    assert years.status_code == 200
    (whole,) = years.context["periods"]
    assert whole.total.recruited == 28 and whole.total.abroad_end == 6  # August is the latest month
    assert "500" not in content(years)


def test_summary_unknown_view_falls_back_to_quarters(client_for, agency_user_a):
    response = client_for(agency_user_a).get(reverse("agency-report-summary"), {"by": "decade"})
    assert response.status_code == 200 and response.context["kind"] == "quarter"


# --- advertisements -------------------------------------------------------------------


def test_advertisement_list_shows_status_code_and_refusal(client_for, agency_a, agency_b, agency_user_a):
    make_ad(agency_a, title="Approved masons", status=AdvertisementStatus.APPROVED, code="AD-ABCDEFGH")
    make_ad(agency_a, title="Refused cooks", status=AdvertisementStatus.REFUSED, review_reason="Fee above the cap")
    make_ad(agency_b, title="Agency B welders", status=AdvertisementStatus.APPROVED, code="AD-BBBBBBBB")

    body = content(client_for(agency_user_a).get(reverse("agency-advertisements")))

    assert "Approved masons" in body and "AD-ABCDEFGH" in body
    assert "Refused cooks" in body and "Fee above the cap" in body
    assert "Agency B welders" not in body and "AD-BBBBBBBB" not in body


def _ad_post(**overrides) -> dict:
    today = timezone.localdate()
    data = {
        "title": "Factory workers for Malaysia", "country": country("MY").pk, "sector": sector("MAN").pk,
        "occupation": "Machine operator", "positions_male": "20", "positions_female": "30", "monthly_wage": "450",
        "wage_currency": "usd", "worker_fee": "0", "fee_currency": "USD", "text": "Apply at our office.",
        "media": "Facebook", "valid_from": today.isoformat(), "valid_until": (today + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def test_advertisement_submit_creates_a_submitted_ad_for_the_users_agency(client_for, agency_a, agency_b, agency_user_a):
    # A forged "agency" field is ignored: the agency is always the user's own.
    response = client_for(agency_user_a).post(reverse("agency-advertisement-new"), _ad_post(agency=agency_b.pk))

    assert response.status_code == 302 and response["Location"] == reverse("agency-advertisements")
    ad = Advertisement.objects.get()
    assert ad.agency == agency_a and ad.status == AdvertisementStatus.SUBMITTED and ad.code is None
    assert ad.wage_currency == "USD" and ad.positions == 50 and ad.submitted_by == agency_user_a


def test_advertisement_form_offers_only_authorised_destinations(client_for, agency_user_a):
    client = client_for(agency_user_a)
    form = client.get(reverse("agency-advertisement-new")).context["form"]
    assert {c.code for c in form.fields["country"].queryset} == {"TH", "KR", "MY"}

    response = client.post(reverse("agency-advertisement-new"), _ad_post(country=country("JP").pk))

    assert response.status_code == 200
    assert "not authorised to recruit for this destination" in content(response)
    assert response.context["form"].errors["country"]
    assert not Advertisement.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"positions_male": "0", "positions_female": "0"}, "positions_male", "at least one position"),
        ({"valid_until": "2000-01-01", "valid_from": "1999-12-01"}, "valid_until", "This date has passed"),
        ({"wage_currency": "dollars"}, "wage_currency", "three-letter currency code"),
        ({"positions_female": "-3"}, "positions_female", ""),
    ],
)
def test_advertisement_bad_input_is_shown_next_to_the_field(client_for, agency_user_a, overrides, field, message):
    response = client_for(agency_user_a).post(reverse("agency-advertisement-new"), _ad_post(**overrides))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not Advertisement.objects.exists()


@pytest.mark.parametrize("status", [LicenceStatus.SUSPENDED, LicenceStatus.CANCELLED])
def test_suspended_or_cancelled_agency_is_told_plainly_it_cannot_submit(client_for, agency_a, agency_user_a, status):
    type(agency_a).objects.filter(pk=agency_a.pk).update(licence_status=status)
    client = client_for(agency_user_a)

    page = client.get(reverse("agency-advertisement-new"))
    assert page.status_code == 200
    assert "you cannot submit advertisements" in content(page)
    assert "<form method=\"post\" novalidate>" not in content(page)
    assert "you cannot submit advertisements" in content(client.get(reverse("agency-advertisements")))

    response = client.post(reverse("agency-advertisement-new"), _ad_post())
    assert response.status_code == 200
    errors = response.context["form"].non_field_errors()
    assert any("you cannot submit advertisements" in e for e in errors)
    assert not Advertisement.objects.exists()


# --- provincial officers -----------------------------------------------------------------


def test_province_dashboard_lists_the_agencies_of_the_officers_province(client_for, agency_a, officer_a, officer_b):
    btb = AgencyFactory(name="Battambang Labour Link", province=province("02"))
    suspended = AgencyFactory(name="Phnom Penh Suspended Co.", licence_status=LicenceStatus.SUSPENDED)
    make_sanction(agency_a, SanctionKind.WARNING)

    response = client_for(officer_a).get(reverse("province-dashboard"))
    assert response.status_code == 200
    body = content(response)
    assert agency_a.name in body and suspended.name in body and btb.name not in body
    assert "Suspended: may not recruit" in body and "Warning on record" in body
    counts = {status: n for status, _label, n in response.context["status_counts"]}
    assert counts == {LicenceStatus.ACTIVE: 1, LicenceStatus.SUSPENDED: 1}
    assert reverse("public-licences") in body and reverse("public-advertisement") in body

    other = content(client_for(officer_b).get(reverse("province-dashboard")))
    assert btb.name in other and agency_a.name not in other


# --- access and scoping matrix -----------------------------------------------------------

AGENCY_PAGES = [
    ("agency-dashboard", {}),
    ("agency-reports", {}),
    ("agency-report-new", {}),
    ("agency-report-template", {}),
    ("agency-report-summary", {}),
    ("agency-advertisements", {}),
    ("agency-advertisement-new", {}),
]


@pytest.mark.parametrize(("name", "kwargs"), AGENCY_PAGES)
def test_agency_pages_open_for_agency_users_only(client_for, agency_user_a, officer_a, licensing_officer, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client_for(agency_user_a).get(url).status_code == 200
    assert client_for(officer_a).get(url).status_code == 403
    assert client_for(licensing_officer).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_report_pages_of_one_report_follow_the_same_rules(client_for, agency_a, agency_user_a, officer_a):
    report = make_report(agency_a, months_ago(1))
    url = reverse("agency-report", args=[report.pk])
    assert client_for(agency_user_a).get(url).status_code == 200
    assert client_for(officer_a).get(url).status_code == 403
    assert client_for(None).get(url)["Location"].startswith(reverse("login"))
    for name in ("agency-report-submit", "agency-report-upload"):
        assert client_for(officer_a).post(reverse(name, args=[report.pk])).status_code == 403


def test_province_dashboard_is_for_provincial_officers_only(client_for, agency_user_a, officer_a, director):
    url = reverse("province-dashboard")
    assert client_for(officer_a).get(url).status_code == 200
    assert client_for(agency_user_a).get(url).status_code == 403
    assert client_for(director).get(url).status_code == 403
    assert client_for(None).get(url)["Location"].startswith(reverse("login"))


def _snapshot(report: MonthlyReport) -> tuple:
    report.refresh_from_db()
    lines = list(report.lines.order_by("pk").values_list("country_id", "sex", "recruited"))
    return report.status, report.version, report.complaints_received, report.submitted_at, lines


def test_agency_user_can_neither_see_nor_act_on_another_agencys_report(client_for, agency_b, agency_user_a):
    report_b = make_report(agency_b, months_ago(1), lines=[("TH", "CON", "M", 1, 1, 1, 0, 1)])
    before = _snapshot(report_b)
    client = client_for(agency_user_a)

    assert client.get(reverse("agency-report", args=[report_b.pk])).status_code == 404
    save = {
        "version": report_b.version, "complaints_received": "9", "fees_charged": "0", "notes": "hijack",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0", "lines-0-country": country("KR").pk,
        "lines-0-sector": sector("CON").pk, "lines-0-sex": "F", "lines-0-recruited": "77",
    }
    assert client.post(reverse("agency-report", args=[report_b.pk]), save).status_code == 404
    version = {"version": report_b.version}
    assert client.post(reverse("agency-report-submit", args=[report_b.pk]), version).status_code == 404
    csv = b"country,sector,sex,recruited,trained,deployed,returned,abroad_end\nKR,CON,F,77,0,0,0,0\n"
    upload = SimpleUploadedFile("r.csv", csv)
    assert client.post(reverse("agency-report-upload", args=[report_b.pk]), {**version, "file": upload}).status_code == 404

    assert _snapshot(report_b) == before


# --- query budgets -----------------------------------------------------------------------
# Every signed-in page starts with the same four queries:
#   1. the session, 2. the user, 3. the user's groups (the scope),
#   and, last, the unread-notification count for the header (context processor).


def _grow_agency_rows(agency, n: int, start: int = 1) -> None:
    for i in range(start, start + n):
        make_report(agency, months_ago(i), status=ReportStatus.RETURNED, review_note="x",
                    submitted_at=timezone.now(), lines=[("TH", "CON", "M", 1, 1, 1, 0, 1)])
        make_ad(agency, title=f"Ad {i}", status=AdvertisementStatus.APPROVED, code=f"AD-Q{i:07d}")
        make_inspection(agency, score=60 + i, conducted_on=timezone.localdate() - timedelta(days=40 * i),
                        actions=[("Fix", timezone.localdate())])
        make_sanction(agency, SanctionKind.COMMENDATION, decided_on=timezone.localdate() - timedelta(days=i))
        Representative.objects.create(agency=agency, country=country("TH"), name=f"Rep {i}")
        DepositEntry.objects.create(agency=agency, kind="top_up", amount=Decimal("10"))


def _count(django_assert_num_queries, client, url, n, params=None):
    with django_assert_num_queries(n):
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response


# Agency dashboard: session, user, groups; agency (deposit balance and last inspection
# annotated, province joined); authorised countries; published inspections; their
# follow-up actions; recent reports; deposit entries; representatives; sanctions;
# notification count.
DASHBOARD_QUERIES = 12
# Report list: session, user, groups; count for the paginator; the page of reports
# (submitter and reviewer joined); notification count.
REPORT_LIST_QUERIES = 6
# Advertisement list: session, user, groups; the user's agency (licence state for the
# "may submit" notice) and its destinations; count; the page (destination and sector
# joined); notification count.
AD_LIST_QUERIES = 8
# Province dashboard: session, user, groups; count; the page of agencies (last
# inspection and warning annotated); status counts; the officer's province;
# notification count.
PROVINCE_QUERIES = 8
# Derived periods: session, user, groups; the one grouped query; notification count.
SUMMARY_QUERIES = 5


@pytest.mark.parametrize(
    ("name", "budget", "params"),
    [
        ("agency-dashboard", DASHBOARD_QUERIES, None),
        ("agency-reports", REPORT_LIST_QUERIES, None),
        ("agency-advertisements", AD_LIST_QUERIES, None),
        ("agency-report-summary", SUMMARY_QUERIES, {"by": "year"}),
    ],
)
def test_agency_list_pages_have_a_fixed_query_budget(client_for, django_assert_num_queries, agency_a, agency_user_a,
                                                      name, budget, params):
    client = client_for(agency_user_a)
    _grow_agency_rows(agency_a, 2)
    _count(django_assert_num_queries, client, reverse(name), budget, params)
    _grow_agency_rows(agency_a, 8, start=3)
    response = _count(django_assert_num_queries, client, reverse(name), budget, params)
    assert "Ad 10" in content(response) or name != "agency-advertisements"


def test_province_dashboard_query_budget_does_not_grow(client_for, django_assert_num_queries, officer_a):
    client = client_for(officer_a)
    for _ in range(2):
        make_sanction(AgencyFactory(), SanctionKind.WARNING)
    _count(django_assert_num_queries, client, reverse("province-dashboard"), PROVINCE_QUERIES)
    for _ in range(10):
        agency = AgencyFactory()
        make_inspection(agency, score=80)
        make_sanction(agency, SanctionKind.WARNING)
    response = _count(django_assert_num_queries, client, reverse("province-dashboard"), PROVINCE_QUERIES)
    assert len(response.context["agencies"]) == 12
