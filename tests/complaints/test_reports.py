"""The annual report on complaints (policy 10.3): generation from the records, the draft's
life, approval by a director, publication; its pages and PDF.

The year of cases is the one of test_statistics (built through the real services).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import reports
from complaints.choices import ReportStatus, Stage
from complaints.models import AnnualReport
from migration_portal.core.events import events_for
from migration_portal.core.models import Notification

from .test_statistics import URLS, YEAR, at, build_year, lodge, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def year(officer_a, officer_b, complaints_officer, director, agency_a, agency_b):
    return build_year(officer_a, officer_b, complaints_officer, director, agency_a, agency_b)


@pytest.fixture
def draft(year, statistician):
    return reports.annual_report_generate(year=2025, actor=statistician, foreword="For the tripartite review.")


class TestLifecycle:
    def test_generated_figures_are_those_of_the_records(self, draft, agency_a, agency_b, director):
        assert draft.status == ReportStatus.DRAFT and draft.foreword == "For the tripartite review."
        f = draft.figures
        assert f["totals"] == YEAR["totals"] and f["not_broken_down"] == 1  # the restricted case: totals only
        assert {r["code"]: r["received"] for r in f["by_province"]} == {"12": 4, "02": 3, "17": 1}
        assert {r["sex"]: r["received"] for r in f["by_sex"]} == {"F": 4, "M": 4}
        assert {r["ground"]: r["received"] for r in f["by_ground"]} == {
            "wages": 4, "fees": 1, "deception": 1, "conditions": 1, "repatriation": 1, "delay": 1}
        assert {r["outcome"]: r["n"] for r in f["by_outcome"]} == {**YEAR["by_outcome"], "pending": 2}
        assert {(r["kind"], r["agency_id"]): r["received"] for r in f["by_agency"]} == {
            ("agency", agency_a.pk): 3, ("agency", agency_b.pk): 4, ("broker", None): 1}
        assert f["resolution_days"] == YEAR["resolution_days"]
        assert {r["stage"]: (r["median"], r["n"]) for r in f["stage_days"]} == YEAR["stage_days"]
        assert f["compensation"] == [YEAR["compensation"]]
        assert [(q["quarter"], q["received"], q["resolved"]) for q in f["by_quarter"]] == YEAR["by_quarter"]
        assert f["generated_on"] == timezone.localdate().isoformat()
        assert [e.code for e in events_for(draft)] == ["annual_report.generated"]
        # The directors are asked to approve.
        assert Notification.objects.filter(recipient=director, dedupe_key__startswith="annual-report-draft:2025:").count() == 1

    def test_the_snapshot_does_not_move_until_regenerated(self, draft, year, officer_a, statistician):
        step(year["A5"], officer_a, date(2025, 11, 1), Stage.WITHDRAWN, reason="Went back abroad.")
        draft.refresh_from_db()
        assert draft.figures["totals"]["resolved"] == 6
        again = reports.annual_report_generate(year=2025, actor=statistician)
        assert again.pk == draft.pk and again.figures["totals"]["resolved"] == 7
        assert again.foreword == "For the tripartite review."  # kept when not given
        assert AnnualReport.objects.count() == 1

    def test_approval_publishes_and_freezes_it(self, draft, year, director, statistician, officer_b):
        with pytest.raises(PermissionDenied):
            reports.annual_report_approve(report=draft, actor=statistician)
        report = reports.annual_report_approve(report=draft, actor=director, generated_at=draft.generated_at)
        assert report.status == ReportStatus.PUBLISHED and report.approved_by == director and report.published_at
        step(year["B3"], officer_b, date(2025, 12, 1), Stage.ASSESSMENT)
        report.refresh_from_db()
        assert report.figures["totals"]["pending"] == 3
        with pytest.raises(ValidationError, match="published"):
            reports.annual_report_generate(year=2025, actor=statistician)
        with pytest.raises(ValidationError, match="already published"):
            reports.annual_report_approve(report=report, actor=director)
        assert [e.code for e in events_for(report)] == ["annual_report.published", "annual_report.generated"]

    def test_a_regenerated_draft_must_be_reviewed_again(self, draft, director, statistician):
        seen = draft.generated_at
        reports.annual_report_generate(year=2025, actor=statistician)
        with pytest.raises(ValidationError, match="regenerated since you opened it"):
            reports.annual_report_approve(report=draft, actor=director, generated_at=seen - timedelta(seconds=5))
        assert AnnualReport.objects.get(year=2025).status == ReportStatus.DRAFT

    def test_who_prepares_and_what_years(self, db, complaints_officer, director, officer_a):
        with at(2026, 6, 1):
            assert reports.annual_report_generate(year=2026, actor=complaints_officer).status == ReportStatus.DRAFT
            with pytest.raises(ValidationError, match="not started"):
                reports.annual_report_generate(year=2027, actor=complaints_officer)
            for outsider in (director, officer_a):  # directors approve, they do not prepare
                with pytest.raises(PermissionDenied):
                    reports.annual_report_generate(year=2025, actor=outsider)
            # A year still running can be drafted, not approved.
            with pytest.raises(ValidationError, match="before the year ended"):
                reports.annual_report_approve(report=AnnualReport.objects.get(year=2026), actor=director)


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.urls(URLS)
class TestPublicPages:
    def test_drafts_are_never_public(self, draft, client, officer_a, agency_user_a, client_for):
        for url in ("/complaints/annual-report/2025/", "/complaints/annual-report/2025/pdf/", "/complaints/annual-report/2024/"):
            assert client.get(url).status_code == 404
        assert "2025" not in client.get("/complaints/annual-report/").content.decode().split("<main")[1]
        # Not to provincial officers or agencies either, even on the ministry's pages.
        assert client_for(officer_a).get("/complaints/reports/2025/").status_code == 403
        assert client_for(agency_user_a).get("/complaints/reports/2025/").status_code == 403

    def test_published_report_html_and_pdf(self, draft, director, client, year):
        reports.annual_report_approve(report=draft, actor=director)
        listing = client.get("/complaints/annual-report/")
        assert reverse("annual-report", args=[2025]) in listing.content.decode()
        page = client.get("/complaints/annual-report/2025/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "annual report 2025" in html and "For the tripartite review." in html and "<svg" in html
        assert "Agency A Manpower Co., Ltd." in html and "Phnom Penh" in html and "ភ្នំពេញ" in html
        assert "fewer than 3" in html and "67%" in html and "17.5" in html
        for case in year.values():
            assert case.ref not in html and case.worker.name_latin not in html
        pdf = client.get("/complaints/annual-report/2025/pdf/")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert 'filename="complaints-annual-report-2025.pdf"' in pdf["Content-Disposition"]

    # The report (one query); the visitor has no session.
    QUERIES = 1

    def test_query_budget(self, draft, director, client, django_assert_num_queries, officer_a, agency_a):
        reports.annual_report_approve(report=draft, actor=director)
        with django_assert_num_queries(self.QUERIES):
            assert client.get("/complaints/annual-report/2025/").status_code == 200
        with django_assert_num_queries(1):  # the published reports
            assert client.get("/complaints/annual-report/").status_code == 200
        for i in range(8):  # records added later do not change the published report, nor its cost
            lodge(officer_a, agency_a, "F", date(2025, 9, 1) + timedelta(days=i))
        with django_assert_num_queries(self.QUERIES):
            assert client.get("/complaints/annual-report/2025/").context["shown"]["totals"]["received"] == 9


@pytest.mark.urls(URLS)
class TestMinistryPages:
    def test_prepare_review_approve_through_the_pages(self, year, client_for, statistician, director):
        prepare = client_for(statistician)
        page = prepare.get("/complaints/reports/")
        assert page.status_code == 200 and page.context["can_generate"] and not page.context["can_approve"]
        response = prepare.post("/complaints/reports/", {"year": 2025, "foreword": "Draft one."})
        assert response.status_code == 302 and response["Location"].endswith("/complaints/reports/2025/")
        review = client_for(director).get("/complaints/reports/2025/")
        assert review.status_code == 200 and review.context["can_approve"] and not review.context["can_generate"]
        assert "Draft: not public" in review.content.decode()
        seen = review.context["approve_form"].initial["generated_at"]
        # Regenerated meanwhile: the director's approval of what they saw is refused, plainly.
        assert prepare.post("/complaints/reports/2025/regenerate/", {"year": 2025, "foreword": "Draft two."}).status_code == 302
        stale = client_for(director).post("/complaints/reports/2025/approve/", {"generated_at": seen})
        assert stale.status_code == 400 and "regenerated since you opened it" in stale.content.decode()
        fresh = stale.context["approve_form"].initial["generated_at"]
        done = client_for(director).post("/complaints/reports/2025/approve/", {"generated_at": fresh})
        assert done.status_code == 302
        report = AnnualReport.objects.get(year=2025)
        assert report.status == ReportStatus.PUBLISHED and report.foreword == "Draft two."
        # No more regeneration, through the page either.
        again = prepare.post("/complaints/reports/2025/regenerate/", {"year": 2025, "foreword": ""})
        assert again.status_code == 400 and "can no longer be regenerated" in again.content.decode()

    def test_errors_are_shown_beside_the_field(self, db, client_for, complaints_officer, statistician):
        response = client_for(complaints_officer).post("/complaints/reports/", {"year": timezone.localdate().year + 1})
        assert response.status_code == 400 and "has not started yet" in response.content.decode()
        assert response.context["form"].errors["year"]
        assert client_for(statistician).post("/complaints/reports/", {"year": "soon"}).status_code == 400

    def test_approval_needs_the_permission(self, draft, client_for, statistician):
        response = client_for(statistician).post("/complaints/reports/2025/approve/",
                                                 {"generated_at": draft.generated_at.isoformat()})
        assert response.status_code == 403
        assert AnnualReport.objects.get(year=2025).status == ReportStatus.DRAFT

    def test_draft_pdf_for_review(self, draft, client_for, director):
        pdf = client_for(director).get("/complaints/reports/2025/pdf/")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
        assert 'filename="complaints-annual-report-2025-draft.pdf"' in pdf["Content-Disposition"]

    def test_who_may_open_them(self, draft, client_for, client, licensing_officer, inspector, officer_a):
        assert client.get("/complaints/reports/").status_code == 302
        assert client_for(inspector).get("/complaints/reports/").status_code == 403  # no complaints permissions
        reader = client_for(licensing_officer).get("/complaints/reports/2025/")
        assert reader.status_code == 200 and not reader.context["can_generate"] and not reader.context["can_approve"]
        assert client_for(officer_a).get("/complaints/reports/").status_code == 403
        assert client_for(licensing_officer).get("/complaints/reports/2019/").status_code == 404

    # Session, user, permissions (user's, groups'), groups (scope); the reports (approver
    # joined); the notifications count.
    QUERIES = 7

    def test_list_query_budget(self, db, client_for, statistician, django_assert_num_queries):
        for y in (2021, 2022):
            with at(y + 1, 2, 1):
                reports.annual_report_generate(year=y, actor=statistician)
        client = client_for(statistician)
        with django_assert_num_queries(self.QUERIES):
            assert client.get("/complaints/reports/").status_code == 200
        for y in (2017, 2018, 2019, 2020):
            with at(y + 1, 2, 1):
                reports.annual_report_generate(year=y, actor=statistician)
        with django_assert_num_queries(self.QUERIES):
            assert len(client.get("/complaints/reports/").context["reports"]) == 6
