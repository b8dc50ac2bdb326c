"""The agencies REST API: reads, filters, writes through the services, and query budgets.

Services are tested directly in test_services.py; here we check the wiring:
input parsing, which service runs, the error shape (400 naming the field or
row, nothing changed), filters and ordering, and that every list endpoint has
a fixed query budget however many rows there are. Who may see and do what is
in test_api_scoping.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.choices import (
    AdvertisementStatus,
    DepositEntryKind,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
)
from agencies.models import (
    Advertisement,
    Agency,
    DepositEntry,
    Inspection,
    InspectionAction,
    InspectionResult,
    MonthlyReport,
    MonthlyReportLine,
    Sanction,
)
from migration_portal.accounts.models import User

from ..factories import AgencyFactory, MonthlyReportFactory, checklist, country, province, sector

pytestmark = pytest.mark.django_db


# --- Builders shared with test_api_scoping.py ------------------------------------------


def today() -> date:
    return timezone.localdate()


def months_back(n: int) -> date:
    """The first day of the month ``n`` months before the current one."""
    d = today().replace(day=1)
    for _ in range(n):
        d = (d - timedelta(days=1)).replace(day=1)
    return d


def fresh(user):
    """The user as a new request loads it: no cached groups or permissions, so query counts are honest."""
    return User.objects.get(pk=user.pk)


def make_report(agency, period: date | None = None, *, status=ReportStatus.DRAFT, lines=(), **fields) -> MonthlyReport:
    """A report with lines given as (country, sector, sex, {figure: n}). Status is set directly: test data."""
    report = MonthlyReportFactory(agency=agency, period=period or months_back(1), **fields)
    for code, sector_code, sex, figures in lines:
        MonthlyReportLine.objects.create(report=report, country=country(code), sector=sector(sector_code), sex=sex, **figures)
    if status != ReportStatus.DRAFT:
        MonthlyReport.objects.filter(pk=report.pk).update(status=status)
        report.refresh_from_db()
    return report


ONE_LINE = (("TH", "CON", "M", {"recruited": 4, "deployed": 3, "abroad_end": 30}),)


def template():
    from agencies.models import ChecklistTemplate

    return ChecklistTemplate.objects.filter(is_current=True).first() or checklist()


def make_inspection(agency, *, status=InspectionStatus.APPROVED, score="80.0", grade="B", conducted_on=None, **fields):
    fields.setdefault(
        "scheduled_for", today() - timedelta(days=40) if status != InspectionStatus.PLANNED else today() + timedelta(days=10)
    )
    done = status in (InspectionStatus.RECORDED, InspectionStatus.APPROVED)
    return Inspection.objects.create(
        agency=agency,
        template=template(),
        status=status,
        conducted_on=(conducted_on or today() - timedelta(days=30)) if done else None,
        score=Decimal(score) if done else None,
        grade=grade if done else "",
        **fields,
    )


def make_sanction(agency, kind=SanctionKind.WARNING, **fields) -> Sanction:
    return Sanction.objects.create(agency=agency, kind=kind, reason="Late reports", reference="No. 1/26", **fields)


_codes = iter(range(1000, 100000))


def make_ad(agency, *, status=AdvertisementStatus.SUBMITTED, code=None, **fields) -> Advertisement:
    if status in (AdvertisementStatus.APPROVED, AdvertisementStatus.WITHDRAWN) and code is None:
        code = f"AD-TEST{next(_codes)}"
    values = {
        "title": "Construction workers for Thailand",
        "country": country("TH"),
        "sector": sector("CON"),
        "occupation": "Mason",
        "positions_male": 20,
        "positions_female": 5,
        "text": "Apply at our office.",
        "valid_from": today() - timedelta(days=5),
        "valid_until": today() + timedelta(days=25),
        **fields,
    }
    return Advertisement.objects.create(agency=agency, status=status, code=code, **values)


def errors(response) -> dict:
    assert response.status_code == 400, (response.status_code, getattr(response, "data", response.content))
    return response.json()["errors"]


def ids(response) -> list:
    assert response.status_code == 200, (response.status_code, response.content)
    return [row["id"] for row in response.json()["results"]]


# --- Agencies ------------------------------------------------------------------------------


class TestAgencies:
    def test_list_carries_licence_deposit_and_last_inspection(self, api_for, licensing_officer, agency_a):
        DepositEntry.objects.create(agency=agency_a, kind=DepositEntryKind.DRAWDOWN, amount=Decimal("1000"), reason="r")
        make_inspection(agency_a, score="72.5", grade="B", conducted_on=date(2025, 3, 4))
        make_inspection(agency_a, status=InspectionStatus.PLANNED)  # not approved: not the "last inspection"
        row = api_for(licensing_officer).get("/api/agencies/").json()["results"][0]
        assert row["name"] == agency_a.name
        assert row["licence_status"] == "active" and row["licence_number"] == agency_a.licence_number
        assert row["province"]["code"] == "12"
        assert set(row["authorised_countries"]) == {"TH", "KR", "MY"}
        assert (row["deposit_balance"], row["deposit_currency"], row["deposit_short"]) == ("99000.00", "USD", True)
        assert (row["last_inspection_on"], row["last_inspection_grade"], row["last_inspection_score"]) == (
            "2025-03-04",
            "B",
            "72.5",
        )
        assert "risk" not in row and "address" not in row

    def test_full_deposit_is_not_short(self, api_for, licensing_officer, agency_a):
        row = api_for(licensing_officer).get(f"/api/agencies/{agency_a.pk}/").json()
        assert (row["deposit_balance"], row["deposit_short"]) == ("100000.00", False)

    @pytest.fixture
    def register(self, db):
        a = AgencyFactory(name="Angkor Manpower", acra_member=True, countries=["TH", "KR"])
        b = AgencyFactory(name="Battambang Jobs", mac_member=True, province=province("02"), countries=["JP"])
        c = AgencyFactory(
            name="Mekong Recruitment",
            name_km="មេគង្គ",
            licence_number="MOLVT-9999",
            licence_expires=today() + timedelta(days=30),
            countries=["TH"],
        )
        Agency.objects.filter(pk=c.pk).update(licence_status=LicenceStatus.SUSPENDED)
        return {"a": a.pk, "b": b.pk, "c": c.pk}

    @pytest.mark.parametrize(
        "query, expected",
        [
            ("licence_status=suspended", "c"),
            ("licence_status=active&licence_status=suspended", "abc"),
            ("province=02", "b"),
            ("country=JP", "b"),
            ("country=th", "ac"),
            ("acra_member=true", "a"),
            ("mac_member=true", "b"),
            ("q=mekong", "c"),
            ("q=មេគង្គ", "c"),
            ("q=9999", "c"),
            ("licence_expires_before={soon}", "c"),
            ("licence_expires_after={soon}", "ab"),
            ("country=TH&acra_member=true", "a"),
        ],
    )
    def test_filters(self, api_for, licensing_officer, register, query, expected):
        query = query.format(soon=(today() + timedelta(days=60)).isoformat())
        got = ids(api_for(licensing_officer).get(f"/api/agencies/?{query}"))
        assert sorted(got) == sorted(register[k] for k in expected)

    @pytest.mark.parametrize(
        "query, field",
        [("licence_status=bogus", "licence_status"), ("licence_expires_before=soon", "licence_expires_before")],
    )
    def test_bad_filter_value_is_a_400_naming_the_parameter(self, api_for, licensing_officer, register, query, field):
        assert field in errors(api_for(licensing_officer).get(f"/api/agencies/?{query}"))

    def test_ordering_uses_the_whitelist(self, api_for, licensing_officer, register):
        DepositEntry.objects.create(agency_id=register["b"], kind=DepositEntryKind.TOP_UP, amount=Decimal("5"))
        DepositEntry.objects.create(agency_id=register["a"], kind=DepositEntryKind.REFUND, amount=Decimal("5"))
        api = api_for(licensing_officer)
        assert ids(api.get("/api/agencies/?ordering=-deposit_balance")) == [register["b"], register["c"], register["a"]]
        # A column outside the whitelist is ignored: the default order (by name) applies.
        assert ids(api.get("/api/agencies/?ordering=director_name")) == [register["a"], register["b"], register["c"]]

    def test_ministry_detail_has_the_risk_profile_with_reasons(self, api_for, licensing_officer, agency_a):
        DepositEntry.objects.create(agency=agency_a, kind=DepositEntryKind.DRAWDOWN, amount=Decimal("1000"), reason="r")
        body = api_for(licensing_officer).get(f"/api/agencies/{agency_a.pk}/").json()
        risk = body["risk"]
        assert risk["level"] in ("low", "medium", "high")
        assert risk["score"] == sum(r["points"] for r in risk["reasons"])
        assert any("deposit short" in r["reason"] for r in risk["reasons"])
        assert body["address"] == agency_a.address

    def test_agency_user_and_officer_detail_has_no_risk(self, api_for, agency_a, agency_user_a, officer_a):
        for user in (agency_user_a, officer_a):
            body = api_for(user).get(f"/api/agencies/{agency_a.pk}/").json()
            assert body["id"] == agency_a.pk
            assert "risk" not in body


# --- Deposit ledger ----------------------------------------------------------------------------


class TestDepositEntries:
    def test_licensing_officer_records_a_top_up(self, api_for, licensing_officer, agency_a):
        response = api_for(licensing_officer).post(
            "/api/deposit-entries/",
            {"agency": agency_a.pk, "kind": "top_up", "amount": "2500.00", "reference": "ACLEDA 991"},
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["kind"], body["amount"], body["currency"], body["reference"]) == ("top_up", "2500.00", "USD", "ACLEDA 991")
        assert body["agency"]["id"] == agency_a.pk and body["recorded_by"]["id"] == licensing_officer.pk
        entry = DepositEntry.objects.get(pk=body["id"])
        assert entry.recorded_by == licensing_officer and entry.amount == Decimal("2500.00")

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"kind": "top_up", "amount": "-5"}, "amount"),
            ({"kind": "top_up", "amount": "0"}, "amount"),
            ({"kind": "drawdown", "amount": "200000", "reason": "Wages owed to 12 workers"}, "amount"),
            ({"kind": "drawdown", "amount": "10"}, "reason"),
            ({"kind": "top_up", "amount": "10", "entry_date": "2999-01-01"}, "entry_date"),
            ({"kind": "bonus", "amount": "10"}, "kind"),
            ({"kind": "top_up", "amount": "ten"}, "amount"),
            ({"kind": "top_up", "amount": "10", "agency": 999999}, "agency"),
        ],
    )
    def test_bad_input_names_the_field_and_changes_nothing(self, api_for, licensing_officer, agency_a, payload, field):
        before = DepositEntry.objects.count()
        response = api_for(licensing_officer).post("/api/deposit-entries/", {"agency": agency_a.pk, **payload})
        assert field in errors(response)
        assert DepositEntry.objects.count() == before

    def test_filters(self, api_for, licensing_officer, agency_a, agency_b):
        old = DepositEntry.objects.create(
            agency=agency_a, kind=DepositEntryKind.TOP_UP, amount=Decimal("5"), entry_date=date(2024, 1, 10)
        )
        api = api_for(licensing_officer)
        assert ids(api.get("/api/deposit-entries/?kind=top_up")) == [old.pk]
        assert ids(api.get("/api/deposit-entries/?date_before=2024-12-31")) == [old.pk]
        assert set(ids(api.get(f"/api/deposit-entries/?agency={agency_b.pk}"))) == set(
            agency_b.deposit_entries.values_list("pk", flat=True)
        )
        assert "date_before" in errors(api.get("/api/deposit-entries/?date_before=yesterday"))


# --- Sanctions ------------------------------------------------------------------------------------


class TestSanctions:
    def test_director_records_a_warning(self, api_for, director, agency_a):
        response = api_for(director).post(
            "/api/sanctions/", {"agency": agency_a.pk, "kind": "warning", "reason": "Two late reports", "reference": "No. 7/26"}
        )
        assert response.status_code == 201, response.content
        assert response.json()["kind"] == "warning" and response.json()["decided_by"]["id"] == director.pk
        agency_a.refresh_from_db()
        assert agency_a.licence_status == LicenceStatus.ACTIVE

    def test_suspension_suspends_the_licence(self, api_for, licensing_officer, agency_a):
        until = (today() + timedelta(days=90)).isoformat()
        response = api_for(licensing_officer).post(
            "/api/sanctions/",
            {
                "agency": agency_a.pk,
                "kind": "suspension",
                "reason": "Fees above cap",
                "reference": "No. 8/26",
                "effective_until": until,
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["effective_until"] == until
        agency_a.refresh_from_db()
        assert agency_a.licence_status == LicenceStatus.SUSPENDED

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"kind": "warning", "reason": "   "}, "reason"),
            ({"kind": "warning", "reference": ""}, "reference"),
            ({"kind": "warning", "decided_on": "2999-01-01"}, "decided_on"),
            ({"kind": "warning", "effective_until": "2999-01-01"}, "effective_until"),
            ({"kind": "fine"}, "kind"),
        ],
    )
    def test_bad_input_names_the_field_and_changes_nothing(self, api_for, director, agency_a, payload, field):
        payload = {"agency": agency_a.pk, "reason": "r", "reference": "No. 9/26", **payload}
        assert field in errors(api_for(director).post("/api/sanctions/", payload))
        assert not Sanction.objects.exists()
        agency_a.refresh_from_db()
        assert agency_a.licence_status == LicenceStatus.ACTIVE

    def test_filters(self, api_for, director, agency_a, agency_b):
        warning = make_sanction(agency_a)
        commendation = make_sanction(agency_b, SanctionKind.COMMENDATION, decided_on=date(2024, 6, 1))
        api = api_for(director)
        assert ids(api.get("/api/sanctions/?kind=commendation")) == [commendation.pk]
        assert ids(api.get(f"/api/sanctions/?agency={agency_a.pk}")) == [warning.pk]
        assert ids(api.get("/api/sanctions/?decided_before=2024-12-31")) == [commendation.pk]


# --- Inspections ------------------------------------------------------------------------------


class TestInspections:
    def test_inspector_plans_an_inspection(self, api_for, inspector, agency_a):
        checklist()
        when = (today() + timedelta(days=14)).isoformat()
        response = api_for(inspector).post(
            "/api/inspections/",
            {
                "agency": agency_a.pk,
                "scheduled_for": when,
                "reason": "complaint",
                "reason_detail": "3 complaints",
                "inspectors": [inspector.pk],
            },
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["status"], body["scheduled_for"], body["reason"], body["reason_detail"]) == (
            "planned",
            when,
            "complaint",
            "3 complaints",
        )
        assert [u["id"] for u in body["inspectors"]] == [inspector.pk]

    @pytest.mark.parametrize(
        "payload, field",
        [
            ({"scheduled_for": "2020-01-01"}, "scheduled_for"),
            ({"inspectors": "licensing"}, "inspectors"),
            ({"inspectors": [999999]}, "inspectors"),
            ({"reason": "whim"}, "reason"),
            ({"agency": 999999}, "agency"),
        ],
    )
    def test_bad_schedule_names_the_field(self, api_for, inspector, licensing_officer, agency_a, payload, field):
        checklist()
        if payload.get("inspectors") == "licensing":
            payload["inspectors"] = [licensing_officer.pk]  # not an inspector
        payload = {"agency": agency_a.pk, "scheduled_for": (today() + timedelta(days=3)).isoformat(), **payload}
        assert field in errors(api_for(inspector).post("/api/inspections/", payload))
        assert not Inspection.objects.exists()

    def test_second_planned_inspection_is_refused(self, api_for, inspector, agency_a):
        make_inspection(agency_a, status=InspectionStatus.PLANNED)
        payload = {"agency": agency_a.pk, "scheduled_for": (today() + timedelta(days=3)).isoformat()}
        assert "already planned" in errors(api_for(inspector).post("/api/inspections/", payload))["non_field_errors"][0]
        assert Inspection.objects.count() == 1

    def _record_payload(self, inspection, **overrides):
        items = list(inspection.template.items.order_by("order"))
        results = ["compliant", "partial", "non_compliant", "na"]
        payload = {
            "conducted_on": (today() - timedelta(days=1)).isoformat(),
            "results": [
                {"item": item.pk, "result": r, "note": f"note {item.code}"} for item, r in zip(items, results, strict=True)
            ],
            "findings": "Contracts kept; fees ledger missing.",
            "actions": [{"description": "Keep a fees ledger", "due_date": (today() + timedelta(days=30)).isoformat()}],
        }
        payload.update(overrides)
        return payload

    def test_record_then_approve(self, api_for, inspector, director, agency_a, agency_user_a):
        inspection = make_inspection(agency_a, status=InspectionStatus.PLANNED)
        response = api_for(inspector).post(f"/api/inspections/{inspection.pk}/record/", self._record_payload(inspection))
        assert response.status_code == 200, response.content
        body = response.json()
        # Weights 1..4: 1 + 2 x 0.5 + 0 of 6 possible points (the last is not applicable) = 33.3%.
        assert (body["status"], body["score"], body["grade"]) == ("recorded", "33.3", "D")
        assert [(r["code"], r["result"], r["note"]) for r in body["results"]] == [
            ("S1", "compliant", "note S1"),
            ("S2", "partial", "note S2"),
            ("S3", "non_compliant", "note S3"),
            ("S4", "na", "note S4"),
        ]
        assert [a["description"] for a in body["actions"]] == ["Keep a fees ledger"]
        # Not yet published: the agency does not see it.
        assert api_for(agency_user_a).get(f"/api/inspections/{inspection.pk}/").status_code == 404

        response = api_for(director).post(f"/api/inspections/{inspection.pk}/approve/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved"
        seen = api_for(agency_user_a).get(f"/api/inspections/{inspection.pk}/").json()
        assert seen["grade"] == "D" and len(seen["results"]) == 4 and len(seen["actions"]) == 1
        # The planning note (it may quote risk signals) and the inspectors are for the ministry.
        assert "reason_detail" not in seen and "inspectors" not in seen

    @pytest.mark.parametrize(
        "change, field",
        [
            ("missing_item", "results"),
            ("duplicate_item", "results"),
            ("unknown_result", "results"),
            ("future", "conducted_on"),
            ("no_results", "results"),
        ],
    )
    def test_bad_record_names_the_field_and_changes_nothing(self, api_for, inspector, agency_a, change, field):
        inspection = make_inspection(agency_a, status=InspectionStatus.PLANNED)
        payload = self._record_payload(inspection)
        if change == "missing_item":
            payload["results"] = payload["results"][:3]
        elif change == "duplicate_item":
            payload["results"][3]["item"] = payload["results"][0]["item"]
        elif change == "unknown_result":
            payload["results"][0]["result"] = "excellent"
        elif change == "future":
            payload["conducted_on"] = (today() + timedelta(days=2)).isoformat()
        else:
            payload["results"] = []
        response = api_for(inspector).post(f"/api/inspections/{inspection.pk}/record/", payload)
        assert field in errors(response)
        if change == "missing_item":
            assert "S4" in str(errors(response)["results"])
        inspection.refresh_from_db()
        assert inspection.status == InspectionStatus.PLANNED
        assert not InspectionResult.objects.exists() and not InspectionAction.objects.exists()

    def test_approving_a_planned_inspection_is_refused(self, api_for, director, agency_a):
        inspection = make_inspection(agency_a, status=InspectionStatus.PLANNED)
        assert errors(api_for(director).post(f"/api/inspections/{inspection.pk}/approve/"))
        inspection.refresh_from_db()
        assert inspection.status == InspectionStatus.PLANNED

    def test_cancel_needs_a_reason(self, api_for, inspector, agency_a):
        inspection = make_inspection(agency_a, status=InspectionStatus.PLANNED)
        api = api_for(inspector)
        assert "reason" in errors(api.post(f"/api/inspections/{inspection.pk}/cancel/", {"reason": " "}))
        inspection.refresh_from_db()
        assert inspection.status == InspectionStatus.PLANNED
        response = api.post(f"/api/inspections/{inspection.pk}/cancel/", {"reason": "Agency closed its office"})
        assert response.status_code == 200 and response.json()["status"] == "cancelled"

    def test_filters(self, api_for, inspector, agency_a, agency_b):
        approved = make_inspection(agency_a, grade="A", score="90.0")
        planned = make_inspection(agency_b, status=InspectionStatus.PLANNED)
        api = api_for(inspector)
        assert ids(api.get("/api/inspections/?status=planned")) == [planned.pk]
        assert ids(api.get("/api/inspections/?grade=A")) == [approved.pk]
        assert ids(api.get(f"/api/inspections/?agency={agency_b.pk}")) == [planned.pk]
        assert ids(api.get(f"/api/inspections/?scheduled_after={today().isoformat()}")) == [planned.pk]


# --- Monthly reports ------------------------------------------------------------------------------


def lines_of(report) -> list:
    return sorted(
        report.lines.values_list(
            "country__code", "sector__code", "sex", "recruited", "trained", "deployed", "returned", "abroad_end"
        )
    )


class TestReportCreate:
    def test_agency_opens_a_draft_for_last_month(self, api_for, agency_a, agency_user_a):
        period = months_back(1)
        response = api_for(agency_user_a).post("/api/reports/", {"period": period.strftime("%Y-%m"), "status": "accepted"})
        assert response.status_code == 201, response.content
        body = response.json()
        # The status sent is ignored: a new report is a draft.
        assert (body["period"], body["status"], body["version"], body["agency"]["id"]) == (
            period.isoformat(),
            "draft",
            1,
            agency_a.pk,
        )
        assert body["lines"] == [] and body["line_count"] == 0

    @pytest.mark.parametrize(
        "period",
        [
            pytest.param(lambda: today().strftime("%Y-%m"), id="current-month"),
            pytest.param(lambda: (today() + timedelta(days=40)).strftime("%Y-%m"), id="future-month"),
            pytest.param(lambda: "2025-13", id="no-such-month"),
            pytest.param(lambda: "", id="blank"),
        ],
    )
    def test_bad_month_is_refused(self, api_for, agency_user_a, period):
        assert "period" in errors(api_for(agency_user_a).post("/api/reports/", {"period": period()}))
        assert not MonthlyReport.objects.exists()

    def test_duplicate_month_is_refused(self, api_for, agency_a, agency_user_a):
        make_report(agency_a)
        response = api_for(agency_user_a).post("/api/reports/", {"period": months_back(1).isoformat()})
        assert "already a report" in errors(response)["period"][0]
        assert MonthlyReport.objects.count() == 1

    def test_cancelled_licence_cannot_report(self, api_for, agency_a, agency_user_a):
        Agency.objects.filter(pk=agency_a.pk).update(licence_status=LicenceStatus.CANCELLED)
        response = api_for(agency_user_a).post("/api/reports/", {"period": months_back(1).isoformat()})
        assert "Cancelled" in errors(response)["non_field_errors"][0]
        assert not MonthlyReport.objects.exists()


class TestReportSave:
    def payload(self, version=1, **overrides):
        return {
            "version": version,
            "lines": [
                {"country": "TH", "sector": "CON", "sex": "M", "recruited": 10, "trained": 10, "deployed": 8, "abroad_end": 120},
                {"country": "kr", "sector": "man", "sex": "F", "deployed": 3},
            ],
            "complaints_received": 2,
            "fees_charged": "150.00",
            "notes": "Two complaints settled.",
            **overrides,
        }

    def test_put_replaces_the_figures_and_bumps_the_version(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a, lines=ONE_LINE)
        response = api_for(agency_user_a).put(f"/api/reports/{report.pk}/", self.payload())
        assert response.status_code == 200, response.content
        body = response.json()
        assert (
            body["version"],
            body["complaints_received"],
            body["fees_charged"],
            body["line_count"],
            body["deployed_total"],
        ) == (
            2,
            2,
            "150.00",
            2,
            11,
        )
        assert lines_of(report) == [("KR", "MAN", "F", 0, 0, 3, 0, 0), ("TH", "CON", "M", 10, 10, 8, 0, 120)]

    @pytest.mark.parametrize(
        "overrides, field, words",
        [
            ({"lines": [{"country": "TH", "sector": "CON", "sex": "M", "deployed": -1}]}, "line 1", "negative"),
            ({"lines": [{"country": "XX", "sector": "CON", "sex": "M"}]}, "lines", "Line 1: unknown country"),
            ({"lines": [{"country": "TH", "sector": "NOPE", "sex": "M"}]}, "lines", "Line 1: unknown sector"),
            (
                {"lines": [{"country": "TH", "sector": "CON", "sex": "M"}, {"country": "th", "sector": "CON", "sex": "M"}]},
                "line 2",
                "repeats",
            ),
            ({"lines": [{"country": "TH", "sector": "CON", "sex": "X"}]}, "lines", ""),
            ({"complaints_received": -1}, "complaints_received", "negative"),
            ({"fees_charged": "-3"}, "fees_charged", "negative"),
            ({"version": 0}, "non_field_errors", "Someone else changed this report"),
            ({"version": None}, "version", ""),
        ],
    )
    def test_bad_input_names_the_field_or_line_and_changes_nothing(
        self, api_for, agency_a, agency_user_a, overrides, field, words
    ):
        report = make_report(agency_a, lines=ONE_LINE)
        before = lines_of(report)
        payload = self.payload(**overrides)
        if payload["version"] is None:
            del payload["version"]
        response = api_for(agency_user_a).put(f"/api/reports/{report.pk}/", payload)
        found = errors(response)
        assert field in found and words in str(found[field])
        report.refresh_from_db()
        assert (report.version, report.complaints_received, lines_of(report)) == (1, 0, before)

    def test_patch_keeps_lines_and_ignores_status(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a, lines=ONE_LINE)
        before = lines_of(report)
        response = api_for(agency_user_a).patch(
            f"/api/reports/{report.pk}/", {"version": 1, "notes": "Quiet month", "status": "accepted"}
        )
        assert response.status_code == 200, response.content
        report.refresh_from_db()
        assert (report.status, report.notes, report.version, lines_of(report)) == (ReportStatus.DRAFT, "Quiet month", 2, before)

    def test_patch_needs_the_version(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a, lines=ONE_LINE)
        assert "version" in errors(api_for(agency_user_a).patch(f"/api/reports/{report.pk}/", {"notes": "x"}))
        report.refresh_from_db()
        assert report.notes == "" and report.version == 1

    def test_a_submitted_report_can_no_longer_be_changed(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a, lines=ONE_LINE, status=ReportStatus.SUBMITTED)
        found = errors(api_for(agency_user_a).put(f"/api/reports/{report.pk}/", self.payload()))
        assert "can no longer be changed" in found["non_field_errors"][0]


class TestReportWorkflow:
    def test_submit_then_accept(self, api_for, agency_a, agency_user_a, licensing_officer):
        report = make_report(agency_a, lines=ONE_LINE)
        response = api_for(agency_user_a).post(f"/api/reports/{report.pk}/submit/", {"version": 1})
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "submitted" and response.json()["submitted_by"]["id"] == agency_user_a.pk
        response = api_for(licensing_officer).post(f"/api/reports/{report.pk}/accept/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "accepted" and response.json()["reviewed_by"]["id"] == licensing_officer.pk

    def test_submit_without_lines_or_with_a_stale_version_is_refused(self, api_for, agency_a, agency_user_a):
        empty = make_report(agency_a)
        assert (
            "at least one line" in errors(api_for(agency_user_a).post(f"/api/reports/{empty.pk}/submit/"))["non_field_errors"][0]
        )
        report = make_report(agency_a, months_back(2), lines=ONE_LINE)
        assert errors(api_for(agency_user_a).post(f"/api/reports/{report.pk}/submit/", {"version": 7}))
        assert set(MonthlyReport.objects.values_list("status", flat=True)) == {ReportStatus.DRAFT}

    def test_return_needs_a_note(self, api_for, agency_a, licensing_officer):
        report = make_report(agency_a, lines=ONE_LINE, status=ReportStatus.SUBMITTED)
        api = api_for(licensing_officer)
        assert "review_note" in errors(api.post(f"/api/reports/{report.pk}/return/", {"review_note": "  "}))
        assert "review_note" in errors(api.post(f"/api/reports/{report.pk}/return/", {}))
        report.refresh_from_db()
        assert report.status == ReportStatus.SUBMITTED
        response = api.post(f"/api/reports/{report.pk}/return/", {"review_note": "Thailand figures missing women"})
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["review_note"]) == ("returned", "Thailand figures missing women")

    def test_accepting_a_draft_is_refused(self, api_for, agency_a, licensing_officer):
        report = make_report(agency_a, lines=ONE_LINE)
        assert errors(api_for(licensing_officer).post(f"/api/reports/{report.pk}/accept/"))
        report.refresh_from_db()
        assert report.status == ReportStatus.DRAFT


def csv_file(*rows, name="figures.csv") -> SimpleUploadedFile:
    text = "country,sector,sex,recruited,trained,deployed,returned,abroad_end\n" + "".join(f"{r}\n" for r in rows)
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


class TestReportUpload:
    def test_csv_replaces_the_lines_and_keeps_the_other_figures(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a, lines=ONE_LINE, complaints_received=4)
        upload = csv_file("TH,CON,M,10,10,8,2,120", "Malaysia,Domestic work,F,3,3,3,0,15")
        response = api_for(agency_user_a).post(
            f"/api/reports/{report.pk}/upload/", {"file": upload, "version": 1}, format="multipart"
        )
        assert response.status_code == 200, response.content
        assert response.json()["version"] == 2 and response.json()["complaints_received"] == 4
        assert lines_of(report) == [("MY", "DOM", "F", 3, 3, 3, 0, 15), ("TH", "CON", "M", 10, 10, 8, 2, 120)]

    def test_xlsx_is_read_too(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a)
        data = tablib.Dataset(headers=["country", "sector", "sex", "recruited", "trained", "deployed", "returned", "abroad_end"])
        data.append(["KR", "MAN", "M", 6, 6, 6, 0, 40])
        upload = SimpleUploadedFile("figures.xlsx", data.export("xlsx"))
        response = api_for(agency_user_a).post(
            f"/api/reports/{report.pk}/upload/", {"file": upload, "version": 1}, format="multipart"
        )
        assert response.status_code == 200, response.content
        assert lines_of(report) == [("KR", "MAN", "M", 6, 6, 6, 0, 40)]

    @pytest.mark.parametrize(
        "upload, field, words",
        [
            (lambda: csv_file("TH,CON,M,1,1,1,0,1", "TH,CON,F,1,1,-4,0,1"), "file", "row 3, column deployed: cannot be negative"),
            (lambda: csv_file("XX,CON,M,1,1,1,0,1"), "file", "row 2, column country"),
            (lambda: csv_file("TH,CON,M,1,1,lots,0,1"), "file", "row 2, column deployed"),
            (lambda: csv_file("TH,CON,M,1,1,1,0,1", "TH,CON,M,1,1,1,0,1"), "file", "repeats row 2"),
            (lambda: SimpleUploadedFile("figures.csv", b"country;sector\nTH;CON\n"), "file", "Missing column"),
            (lambda: SimpleUploadedFile("figures.txt", b"hello"), "file", ".csv or .xlsx"),
            (lambda: SimpleUploadedFile("figures.xlsx", b"not a workbook"), "file", "not an Excel workbook"),
            (lambda: SimpleUploadedFile("figures.csv", "pays\n".encode("utf-16")), "file", "UTF-8"),
            (lambda: None, "file", ""),
        ],
    )
    def test_malformed_upload_names_the_row_and_changes_nothing(self, api_for, agency_a, agency_user_a, upload, field, words):
        report = make_report(agency_a, lines=ONE_LINE)
        before = lines_of(report)
        data = {"version": 1}
        if (f := upload()) is not None:
            data["file"] = f
        found = errors(api_for(agency_user_a).post(f"/api/reports/{report.pk}/upload/", data, format="multipart"))
        assert field in found and words in str(found[field])
        report.refresh_from_db()
        assert (report.version, lines_of(report)) == (1, before)

    def test_stale_version_is_refused(self, api_for, agency_a, agency_user_a):
        report = make_report(agency_a, lines=ONE_LINE)
        before = lines_of(report)
        data = {"file": csv_file("TH,CON,M,1,1,1,0,1"), "version": 3}
        found = errors(api_for(agency_user_a).post(f"/api/reports/{report.pk}/upload/", data, format="multipart"))
        assert "Someone else changed this report" in found["non_field_errors"][0]
        assert lines_of(report) == before


class TestReportFilters:
    def test_agency_status_period_and_year(self, api_for, licensing_officer, agency_a, agency_b):
        old = make_report(agency_a, date(2024, 5, 1), status=ReportStatus.ACCEPTED)
        recent = make_report(agency_a, months_back(1))
        other = make_report(agency_b, months_back(1), status=ReportStatus.SUBMITTED)
        api = api_for(licensing_officer)
        assert ids(api.get("/api/reports/?status=submitted")) == [other.pk]
        assert set(ids(api.get("/api/reports/?status=submitted&status=accepted"))) == {other.pk, old.pk}
        assert ids(api.get(f"/api/reports/?agency={agency_a.pk}&year=2024")) == [old.pk]
        assert ids(api.get("/api/reports/?period_before=2024-12-31")) == [old.pk]
        assert set(ids(api.get(f"/api/reports/?period_after={months_back(1).isoformat()}"))) == {recent.pk, other.pk}
        assert "status" in errors(api.get("/api/reports/?status=lost"))


# --- Derived summary -------------------------------------------------------------------------------


class TestReportSummary:
    YEAR = date.today().year - 1

    @pytest.fixture
    def year_of_reports(self, agency_a, agency_b):
        y = self.YEAR
        m, f = "M", "F"
        make_report(
            agency_a,
            date(y, 1, 1),
            status=ReportStatus.ACCEPTED,
            lines=[("TH", "CON", m, {"deployed": 5, "abroad_end": 100}), ("TH", "CON", f, {"deployed": 2, "abroad_end": 40})],
        )
        make_report(
            agency_a, date(y, 2, 1), status=ReportStatus.SUBMITTED, lines=[("TH", "CON", m, {"deployed": 3, "abroad_end": 103})]
        )
        make_report(
            agency_a,
            date(y, 3, 1),
            status=ReportStatus.SUBMITTED,
            lines=[("TH", "CON", m, {"deployed": 4, "abroad_end": 107}), ("KR", "MAN", f, {"deployed": 1, "abroad_end": 41})],
        )
        # A draft and a returned report do not count.
        make_report(agency_a, date(y, 4, 1), lines=[("TH", "CON", m, {"deployed": 50, "abroad_end": 500})])
        make_report(agency_a, date(y, 5, 1), status=ReportStatus.RETURNED, lines=[("TH", "CON", m, {"deployed": 50})])
        make_report(
            agency_a, date(y, 7, 1), status=ReportStatus.ACCEPTED, lines=[("TH", "CON", m, {"deployed": 9, "abroad_end": 110})]
        )
        make_report(
            agency_b, date(y, 1, 1), status=ReportStatus.ACCEPTED, lines=[("JP", "MAN", f, {"deployed": 6, "abroad_end": 6})]
        )

    def get(self, api, **params):
        response = api.get("/api/reports/summary/", {"year": self.YEAR, **params})
        assert response.status_code == 200, response.content
        return response.json()

    def test_quarters_for_an_agency_are_its_own(self, api_for, agency_user_a, year_of_reports):
        body = self.get(api_for(agency_user_a), period="quarter")
        q1, q2, q3, q4 = body["rows"]
        assert [r["label"] for r in body["rows"]] == [f"{self.YEAR}-Q{n}" for n in (1, 2, 3, 4)]
        assert (q1["reports"], q1["months_reported"], q1["totals"]["deployed"]) == (3, 3, 15)
        # A stock: the latest reported month's figure (March), not the sum of three months.
        assert q1["totals"]["abroad_end"] == 148
        assert q1["by_sex"]["F"] == {"recruited": 0, "trained": 0, "deployed": 3, "returned": 0, "abroad_end": 41}
        assert q1["by_sex"]["M"]["deployed"] == 12
        assert (q2["reports"], q2["totals"]["deployed"], q2["totals"]["abroad_end"]) == (0, 0, None)
        assert (q3["totals"]["deployed"], q3["totals"]["abroad_end"]) == (9, 110)
        assert q4["reports"] == 0

    def test_half_and_year(self, api_for, agency_user_a, year_of_reports):
        h1, h2 = self.get(api_for(agency_user_a), period="half")["rows"]
        assert (h1["label"], h1["totals"]["deployed"], h1["totals"]["abroad_end"]) == (f"{self.YEAR}-H1", 15, 148)
        assert (h2["totals"]["deployed"], h2["totals"]["abroad_end"]) == (9, 110)
        (year,) = self.get(api_for(agency_user_a), period="year")["rows"]
        assert (year["label"], year["reports"], year["totals"]["deployed"], year["totals"]["abroad_end"]) == (
            str(self.YEAR),
            4,
            24,
            110,
        )

    def test_ministry_sees_everyone_or_one_agency(self, api_for, statistician, agency_b, year_of_reports):
        api = api_for(statistician)
        q1 = self.get(api)["rows"][0]
        assert (q1["reports"], q1["totals"]["deployed"]) == (4, 21)
        q1 = self.get(api, agency=agency_b.pk)["rows"][0]
        assert (q1["reports"], q1["totals"]["deployed"]) == (1, 6)

    def test_an_agency_cannot_ask_for_another(self, api_for, agency_user_a, agency_b, year_of_reports):
        rows = self.get(api_for(agency_user_a), agency=agency_b.pk)["rows"]
        assert all(r["reports"] == 0 for r in rows)

    @pytest.mark.parametrize(
        "params, field", [({"period": "month"}, "period"), ({"year": "last"}, "year"), ({"year": 1900}, "year")]
    )
    def test_bad_parameters_name_the_field(self, api_for, statistician, params, field):
        assert field in errors(api_for(statistician).get("/api/reports/summary/", params))


# --- Advertisements ---------------------------------------------------------------------------


def ad_payload(**overrides) -> dict:
    return {
        "title": "Factory workers for Malaysia",
        "country": "MY",
        "sector": "MAN",
        "occupation": "Machine operator",
        "positions_male": 10,
        "positions_female": 10,
        "monthly_wage": "420.00",
        "wage_currency": "MYR",
        "worker_fee": "0",
        "text": "Free recruitment: no fee charged to workers.",
        "media": "Facebook page",
        "valid_from": today().isoformat(),
        "valid_until": (today() + timedelta(days=30)).isoformat(),
        **overrides,
    }


class TestAdvertisements:
    def test_agency_submits_and_licensing_approves(self, api_for, agency_a, agency_user_a, licensing_officer):
        response = api_for(agency_user_a).post("/api/advertisements/", ad_payload(status="approved", code="AD-MINE"))
        assert response.status_code == 201, response.content
        body = response.json()
        # Status and code are not writable: a new advertisement waits for review, without a code.
        assert (body["status"], body["code"], body["agency"]["id"], body["country"]["code"]) == (
            "submitted",
            None,
            agency_a.pk,
            "MY",
        )
        response = api_for(licensing_officer).post(f"/api/advertisements/{body['id']}/approve/")
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "approved" and response.json()["code"].startswith("AD-")
        assert errors(api_for(licensing_officer).post(f"/api/advertisements/{body['id']}/approve/"))  # only once

    def test_refusal_needs_a_reason(self, api_for, agency_a, licensing_officer):
        ad = make_ad(agency_a)
        api = api_for(licensing_officer)
        assert "review_reason" in errors(api.post(f"/api/advertisements/{ad.pk}/refuse/", {"review_reason": ""}))
        ad.refresh_from_db()
        assert ad.status == AdvertisementStatus.SUBMITTED
        response = api.post(f"/api/advertisements/{ad.pk}/refuse/", {"review_reason": "Fee above the cap"})
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["review_reason"]) == ("refused", "Fee above the cap")

    @pytest.mark.parametrize(
        "overrides, field",
        [
            ({"country": "JP"}, "country"),  # not an authorised destination
            ({"country": "XX"}, "country"),
            ({"valid_until": "2020-01-01", "valid_from": "2019-12-01"}, "valid_until"),
            ({"valid_until": (date.today() - timedelta(days=400)).isoformat()}, "valid_until"),
            ({"positions_male": 0, "positions_female": 0}, "positions_male"),
            ({"positions_female": -1}, "positions_female"),
            ({"title": ""}, "title"),
        ],
    )
    def test_bad_input_names_the_field_and_changes_nothing(self, api_for, agency_user_a, overrides, field):
        assert field in errors(api_for(agency_user_a).post("/api/advertisements/", ad_payload(**overrides)))
        assert not Advertisement.objects.exists()

    def test_a_suspended_agency_cannot_submit(self, api_for, agency_a, agency_user_a):
        Agency.objects.filter(pk=agency_a.pk).update(licence_status=LicenceStatus.SUSPENDED)
        assert "Suspended" in errors(api_for(agency_user_a).post("/api/advertisements/", ad_payload()))["non_field_errors"][0]
        assert not Advertisement.objects.exists()

    def test_filters(self, api_for, licensing_officer, agency_a, agency_b):
        pending = make_ad(agency_a)
        approved = make_ad(agency_b, status=AdvertisementStatus.APPROVED, country=country("JP"), title="Care workers")
        api = api_for(licensing_officer)
        assert ids(api.get("/api/advertisements/?status=submitted")) == [pending.pk]
        assert ids(api.get("/api/advertisements/?country=jp")) == [approved.pk]
        assert ids(api.get(f"/api/advertisements/?agency={agency_a.pk}")) == [pending.pk]
        assert ids(api.get("/api/advertisements/?q=care")) == [approved.pk]


# --- Public ------------------------------------------------------------------------------------------


class TestPublic:
    def test_licence_check_needs_no_login_and_hides_applicants_and_private_fields(self, api_for, agency_a):
        applicant = AgencyFactory(name="Applicant Co", licence_number=None, licence_status=LicenceStatus.APPLIED)
        suspended = AgencyFactory(name="Suspended Co")
        Agency.objects.filter(pk=suspended.pk).update(licence_status=LicenceStatus.SUSPENDED)
        rows = api_for(None).get("/api/public/licences/").json()["results"]
        assert [r["name"] for r in rows] == [agency_a.name, "Suspended Co"]
        assert applicant.name not in str(rows)
        a, s = rows
        assert (a["status"], a["may_recruit"], s["status"], s["may_recruit"]) == (
            "Licensed",
            True,
            "Suspended: may not recruit",
            False,
        )
        assert {c["code"] for c in a["authorised_destinations"]} == {"TH", "KR", "MY"}
        assert not {"deposit_balance", "address", "phone", "id", "risk"} & set(a)

    def test_licence_search(self, api_for, agency_a, agency_b):
        api = api_for(None)
        assert [r["name"] for r in api.get("/api/public/licences/", {"q": "agency b"}).json()["results"]] == [agency_b.name]
        assert [r["name"] for r in api.get("/api/public/licences/", {"q": agency_a.licence_number}).json()["results"]] == [
            agency_a.name
        ]

    def test_public_lookups_are_throttled_per_address(self, api_for, agency_a, monkeypatch):
        from django.core.cache import cache
        from rest_framework.throttling import ScopedRateThrottle

        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_lookup": "2/minute"})
        cache.clear()
        try:
            api = api_for(None)
            codes = [api.get("/api/public/licences/", {"q": "x"}).status_code for _ in range(3)]
            assert codes == [200, 200, 429]
        finally:
            cache.clear()

    def test_public_endpoints_are_read_only(self, api_for, licensing_officer):
        for client in (api_for(None), api_for(licensing_officer)):
            assert client.post("/api/public/licences/", {"name": "x"}).status_code in (403, 405)

    def test_advertisement_verification(self, api_for, agency_a):
        ad = make_ad(agency_a, status=AdvertisementStatus.APPROVED, code="AD-K7Q2M9XP")
        api = api_for(None)
        body = api.get("/api/public/advertisements/AD-K7Q2M9XP/").json()
        assert (body["code"], body["valid_today"], body["agency"]["name"], body["destination"]["name"]) == (
            "AD-K7Q2M9XP",
            True,
            agency_a.name,
            "Thailand",
        )
        assert (body["positions_male"], body["positions_female"], body["positions"]) == (20, 5, 25)
        assert body["valid_until"] == ad.valid_until.isoformat()
        # Typed in lower case, or without the prefix, the code is still found.
        assert api.get("/api/public/advertisements/ad-k7q2m9xp/").json()["code"] == "AD-K7Q2M9XP"
        assert api.get("/api/public/advertisements/K7Q2M9XP/").json()["code"] == "AD-K7Q2M9XP"

    def test_unknown_code_is_a_404_that_says_so(self, api_for, agency_a):
        make_ad(agency_a)  # submitted: no code yet
        response = api_for(None).get("/api/public/advertisements/AD-FAKE1234/")
        assert response.status_code == 404
        assert "No approved advertisement has the code AD-FAKE1234" in response.json()["detail"]

    @pytest.mark.parametrize("case", ["expired", "not_yet", "licence_suspended", "withdrawn"])
    def test_approved_but_not_valid_today(self, api_for, agency_a, case):
        fields = {}
        if case == "expired":
            fields = {"valid_from": today() - timedelta(days=60), "valid_until": today() - timedelta(days=1)}
        elif case == "not_yet":
            fields = {"valid_from": today() + timedelta(days=3)}
        status = AdvertisementStatus.WITHDRAWN if case == "withdrawn" else AdvertisementStatus.APPROVED
        ad = make_ad(agency_a, status=status, **fields)
        if case == "licence_suspended":
            Agency.objects.filter(pk=agency_a.pk).update(licence_status=LicenceStatus.SUSPENDED)
        body = api_for(None).get(f"/api/public/advertisements/{ad.code}/").json()
        assert body["valid_today"] is False and body["explanation"]

    def test_rankings_best_score_first_from_the_latest_approved_inspection(self, api_for, agency_a, agency_b):
        make_inspection(agency_a, score="60.0", grade="C", conducted_on=today() - timedelta(days=400))
        make_inspection(agency_a, score="91.0", grade="A", conducted_on=today() - timedelta(days=20))
        make_inspection(agency_b, score="75.0", grade="B")
        make_inspection(agency_b, status=InspectionStatus.RECORDED, score="99.0", grade="A")  # not published
        rows = api_for(None).get("/api/public/rankings/").json()["results"]
        assert [(r["rank"], r["agency"], r["score"], r["grade"]) for r in rows] == [
            (1, agency_a.name, "91.0", "A"),
            (2, agency_b.name, "75.0", "B"),
        ]


# --- Query budgets ----------------------------------------------------------------------------------
# Each list endpoint runs a fixed number of queries whatever the number of rows.
# The requests authenticate with force_authenticate (no session lookup); the user
# is loaded fresh each time so the permission queries are counted as a real
# request would run them.
#   perms (2): RolePermission's has_perm loads the user's own and their groups' permissions
#   scope (1): scope_for reads the user's group names (visible_to)
#   count (1): the paginator's COUNT
#   page  (1): the page of rows, joins and annotations included


def _grow(agency, n: int) -> None:
    """``n`` more rows of every kind for ``agency`` (deposit, sanction, inspection, report, advertisement)."""
    start = MonthlyReport.objects.filter(agency=agency).count()
    for i in range(n):
        DepositEntry.objects.create(agency=agency, kind=DepositEntryKind.TOP_UP, amount=Decimal("10"))
        make_sanction(agency)
        make_inspection(agency, conducted_on=today() - timedelta(days=30 + i))
        make_report(agency, months_back(start + i + 1), lines=(*ONE_LINE, ("KR", "MAN", "F", {"deployed": 1})))
        make_ad(agency)


@pytest.mark.parametrize(
    "url, budget",
    [
        # perms 2 + scope 1 + count + page + authorised countries (prefetch)
        ("/api/agencies/", 6),
        # perms 2 + scope 1 + count + page (agency, recorded_by joined)
        ("/api/deposit-entries/", 5),
        # perms 2 + scope 1 + count + page (agency, decided_by joined)
        ("/api/sanctions/", 5),
        # perms 2 + scope 1 + count + page (agency, template joined)
        ("/api/inspections/", 5),
        # perms 2 + scope 1 + count + page (agency, submitted_by, reviewed_by joined; line count and total annotated)
        ("/api/reports/", 5),
        # perms 2 + scope 1 + count + page (agency, country, sector joined)
        ("/api/advertisements/", 5),
        # perms 2 + scope 1 + the one aggregate query grouped by month
        ("/api/reports/summary/?period=quarter&year={year}", 4),
    ],
)
def test_list_query_budget_does_not_grow_with_rows(api_for, django_assert_num_queries, licensing_officer, agency_a, url, budget):
    url = url.format(year=months_back(1).year)
    _grow(agency_a, 2)
    for extra in (0, 6):
        _grow(AgencyFactory(), extra)
        api = api_for(fresh(licensing_officer))
        with django_assert_num_queries(budget):
            response = api.get(url)
        assert response.status_code == 200


def test_agency_users_list_budget_is_the_same(api_for, django_assert_num_queries, agency_a, agency_user_a):
    # As for ministry staff: perms 2 + scope 1 + count + page (the scope is a WHERE, not a query).
    _grow(agency_a, 2)
    for extra in (0, 5):
        _grow(agency_a, extra)
        api = api_for(fresh(agency_user_a))
        with django_assert_num_queries(5):
            response = api.get("/api/reports/")
        assert len(response.json()["results"]) == MonthlyReport.objects.filter(agency=agency_a).count()


@pytest.mark.parametrize(
    "url, budget",
    [
        # No authentication, no permission queries. Count + page (warning on record annotated) + destinations (prefetch).
        ("/api/public/licences/", 3),
        # published_ranking(): the latest approved date per agency, then the approved inspections with their agency.
        ("/api/public/rankings/", 2),
    ],
)
def test_public_list_query_budget_does_not_grow_with_rows(api_for, django_assert_num_queries, url, budget):
    for extra in (1, 6):
        for _ in range(extra):
            make_inspection(AgencyFactory(), score="70.0")
        with django_assert_num_queries(budget):
            response = api_for(None).get(url)
        assert response.status_code == 200 and len(response.json()["results"]) == Agency.objects.count()
