"""The return and reintegration API: wiring, permissions, scoping, filters and query budgets.
The rules themselves are the services' and are tested there."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from migration_portal.accounts.models import User
from migration_portal.core.models import BackgroundJob, JobStatus
from workers import services
from workers.choices import CaseStatus, DeploymentStatus
from workers.models import Referral, ReintegrationCase, ReturnRecord, WorkCertificate

from ..factories import country, province
from .factories import WorkerFactory
from .test_returns import abroad, register_return

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request loads it: no cached groups or permissions, so query counts are honest."""
    return User.objects.get(pk=user.pk)


def errors(response) -> dict:
    return response.json()["errors"]


ENDPOINTS = ["/api/returns/", "/api/reintegration-cases/", "/api/referrals/", "/api/returns-imports/", "/api/work-certificates/"]


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_is_refused(api_for, url):
    assert api_for(None).get(url).status_code in (401, 403)
    assert api_for(None).post(url, {}).status_code in (401, 403)


class TestReturns:
    def test_officer_registers_a_return_by_passport_number(self, api_for, officer_b):
        # Border reception in Battambang receives a Phnom Penh worker: found by exact passport number.
        dep = abroad(departed=timezone.localdate() - timedelta(days=300), home_province=province("12"))
        response = api_for(officer_b).post(
            "/api/returns/",
            {
                "passport_number": dep.worker.passport_number.lower(),
                "returned_on": timezone.localdate(),
                "reason": "ended_early",
                "country": "th",
                "checkpoint": "BTB",
                "province": "02",
                "documents": "Passport",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["worker"]["ref"] == str(dep.worker.ref) and body["worker"]["passport_number"] == dep.worker.masked_passport
        assert body["deployment"] == str(dep.ref) and body["checkpoint"] == "BTB" and body["province"] == "02"
        assert body["case"]["status"] == CaseStatus.OPEN
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.RETURNED
        record = ReturnRecord.objects.get()
        assert record.registered_by == officer_b and record.case.province == province("02")

    def test_officer_province_defaults_to_their_own(self, api_for, officer_a):
        worker = WorkerFactory()
        response = api_for(officer_a).post(
            "/api/returns/",
            {
                "worker": str(worker.ref),
                "returned_on": timezone.localdate(),
                "reason": "crisis",
                "country": "MY",
                "needs_assistance": False,
            },
            format="json",
        )
        assert response.status_code == 201 and response.json()["province"] == "12" and response.json()["case"] is None
        assert not ReintegrationCase.objects.exists()

    def test_errors_name_the_field(self, api_for, officer_a):
        worker = WorkerFactory()
        api = api_for(officer_a)
        future = timezone.localdate() + timedelta(days=2)
        response = api.post(
            "/api/returns/",
            {"worker": str(worker.ref), "returned_on": future, "reason": "crisis", "country": "TH"},
            format="json",
        )
        assert response.status_code == 400 and "returned_on" in errors(response)
        response = api.post(
            "/api/returns/",
            {"worker": str(worker.ref), "returned_on": timezone.localdate(), "reason": "x", "country": "ZZ"},
            format="json",
        )
        assert response.status_code == 400 and "reason" in errors(response)
        response = api.post(
            "/api/returns/",
            {"worker": str(worker.ref), "returned_on": timezone.localdate(), "reason": "crisis", "country": "ZZ"},
            format="json",
        )
        assert response.status_code == 400 and "country" in errors(response)
        response = api.post(
            "/api/returns/", {"returned_on": timezone.localdate(), "reason": "crisis", "country": "TH"}, format="json"
        )
        assert response.status_code == 400 and "worker" in errors(response)
        assert not ReturnRecord.objects.exists()

    def test_agency_registers_only_its_own_workers(self, api_for, agency_a, agency_b, agency_user_a):
        mine = abroad(agency=agency_a, home_province=province("02"))
        theirs = abroad(agency=agency_b)
        api = api_for(agency_user_a)
        body = {"returned_on": timezone.localdate(), "reason": "completed", "country": "TH"}
        response = api.post("/api/returns/", {**body, "worker": str(theirs.worker.ref)}, format="json")
        assert response.status_code == 400 and "worker" in errors(response)
        response = api.post("/api/returns/", {**body, "passport_number": theirs.worker.passport_number}, format="json")
        assert response.status_code == 400
        assert not ReturnRecord.objects.exists()
        response = api.post(
            "/api/returns/", {**body, "worker": str(mine.worker.ref), "assisting_agency": agency_b.pk}, format="json"
        )
        assert response.status_code == 201
        data = response.json()
        # The agency assists (never another agency), the case goes to the home province, and the agency sees no case.
        assert data["assisting_agency"] == agency_a.pk and data["province"] == "02" and "case" not in data
        assert ReturnRecord.objects.get().case.province == province("02")

    def test_scoping_and_filters(self, api_for, officer_a, officer_b, agency_a, agency_user_a, agency_user_b, director):
        today = timezone.localdate()
        pp = register_return(abroad(agency=agency_a, home_province=province("12")).worker, officer_a, on=today)
        btb = register_return(
            WorkerFactory(home_province=province("02")),
            officer_b,
            prov="02",
            code="MY",
            on=today - timedelta(days=10),
            checkpoint=None,
        )
        ids = lambda user, **q: sorted(r["id"] for r in api_for(user).get("/api/returns/", q).json()["results"])  # noqa: E731
        assert ids(officer_a) == [pp.pk] and ids(officer_b) == [btb.pk]
        assert ids(agency_user_a) == [pp.pk] and ids(agency_user_b) == []
        assert ids(director) == sorted([pp.pk, btb.pk])
        assert ids(director, country="my") == [btb.pk] and ids(director, province="12") == [pp.pk]
        assert ids(director, returned_after=today - timedelta(days=5)) == [pp.pk]
        assert ids(director, returned_before=today - timedelta(days=5)) == [btb.pk]
        assert ids(director, reason="completed") == sorted([pp.pk, btb.pk]) and ids(director, reason="deported") == []
        assert api_for(director).get("/api/returns/", {"reason": "nonsense"}).status_code == 400
        assert api_for(officer_b).get(f"/api/returns/{pp.pk}/").status_code == 404
        assert api_for(agency_user_b).get(f"/api/returns/{pp.pk}/").status_code == 404
        assert "case" not in api_for(agency_user_a).get(f"/api/returns/{pp.pk}/").json()

    def test_ministry_staff_without_the_permission_cannot_register(self, api_for, director):
        response = api_for(director).post(
            "/api/returns/",
            {
                "worker": str(WorkerFactory().ref),
                "returned_on": timezone.localdate(),
                "reason": "crisis",
                "country": "TH",
                "province": "12",
            },
            format="json",
        )
        assert response.status_code == 403 and not ReturnRecord.objects.exists()


class TestCasesAndReferrals:
    @pytest.fixture
    def case(self, officer_a):
        return register_return(WorkerFactory(), officer_a).case

    def test_assess_refer_outcome_close(self, api_for, officer_a, case):
        api = api_for(officer_a)
        url = f"/api/reintegration-cases/{case.ref}/"
        response = api.post(
            url + "assess/", {"needs": ["vocational_training", "savings_refund"], "notes": "Wants to weld"}, format="json"
        )
        assert response.status_code == 200 and response.json()["status"] == CaseStatus.ASSESSED
        response = api.post(
            "/api/referrals/",
            {"case": str(case.ref), "kind": "vocational_training", "partner": "Provincial Training Centre"},
            format="json",
        )
        assert response.status_code == 201
        referral_id = response.json()["id"]
        response = api.post(url + "close/", {}, format="json")
        assert response.status_code == 400 and "outcome of every referral" in str(errors(response))
        response = api.post(
            f"/api/referrals/{referral_id}/outcome/", {"outcome": "partly", "note": "Course started"}, format="json"
        )
        assert response.status_code == 200 and response.json()["outcome"] == "partly"
        response = api.post(f"/api/referrals/{referral_id}/outcome/", {"outcome": "achieved"}, format="json")
        assert response.status_code == 400 and Referral.objects.get().outcome == "partly"
        response = api.post(url + "close/", {"note": "Done"}, format="json")
        assert response.status_code == 200 and response.json()["status"] == CaseStatus.CLOSED
        detail = api.get(url).json()
        assert detail["referrals"][0]["partner"] == "Provincial Training Centre" and detail["referrals_pending"] == 0

    def test_unknown_need_and_referral_before_assessment(self, api_for, officer_a, case):
        api = api_for(officer_a)
        response = api.post(f"/api/reintegration-cases/{case.ref}/assess/", {"needs": ["haircut"]}, format="json")
        assert response.status_code == 400 and "needs" in errors(response)
        response = api.post("/api/referrals/", {"case": str(case.ref), "kind": "legal", "partner": "LAC"}, format="json")
        assert response.status_code == 400 and not Referral.objects.exists()

    def test_cases_scoping(self, api_for, officer_a, officer_b, agency_user_a, complaints_officer, case):
        assert [c["ref"] for c in api_for(officer_a).get("/api/reintegration-cases/").json()["results"]] == [str(case.ref)]
        assert api_for(officer_b).get("/api/reintegration-cases/").json()["results"] == []
        assert api_for(officer_b).get(f"/api/reintegration-cases/{case.ref}/").status_code == 404
        response = api_for(officer_b).post(f"/api/reintegration-cases/{case.ref}/assess/", {"needs": []}, format="json")
        assert response.status_code == 404
        response = api_for(officer_b).post(
            "/api/referrals/", {"case": str(case.ref), "kind": "legal", "partner": "x"}, format="json"
        )
        assert response.status_code == 400 and "case" in errors(response)
        # Agencies see no case at all.
        assert api_for(agency_user_a).get("/api/reintegration-cases/").status_code == 403
        assert api_for(agency_user_a).get("/api/referrals/").status_code == 403
        assert api_for(complaints_officer).get(f"/api/reintegration-cases/{case.ref}/").status_code == 200
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN

    def test_overdue_filter(self, api_for, officer_a, case):
        other = register_return(WorkerFactory(), officer_a, code="MY").case
        ReintegrationCase.objects.filter(pk=case.pk).update(created=timezone.now() - timedelta(days=30))
        rows = api_for(officer_a).get("/api/reintegration-cases/", {"overdue": "true"}).json()["results"]
        assert [r["ref"] for r in rows] == [str(case.ref)] and rows[0]["is_overdue"] is True
        rows = api_for(officer_a).get("/api/reintegration-cases/", {"overdue": "false"}).json()["results"]
        assert [r["ref"] for r in rows] == [str(other.ref)]

    def test_referral_of_another_province_is_404(self, api_for, officer_a, officer_b, case):
        case = services.case_assess(case=case, actor=officer_a, needs=["health"])
        referral = services.referral_add(case=case, actor=officer_a, kind="health", partner="Calmette Hospital")
        assert (
            api_for(officer_b).post(f"/api/referrals/{referral.pk}/outcome/", {"outcome": "achieved"}, format="json").status_code
            == 404
        )
        assert Referral.objects.get().outcome == ""


class TestImportAndCertificates:
    def test_import_returns_the_job(self, api_for, officer_a, agency_user_a, officer_b, django_capture_on_commit_callbacks):
        csv = (
            "name_latin,sex,date_of_birth,home_province,returned_on,reason,country\n"
            f"Keo Dara,M,1990-01-01,Battambang,{timezone.localdate()},deported,Thailand\n"
        ).encode()
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(officer_a).post(
                "/api/returns-imports/", {"file": SimpleUploadedFile("l.csv", csv)}, format="multipart"
            )
        assert response.status_code == 202, response.content
        job_id = response.json()["id"]
        status = api_for(officer_a).get(f"/api/returns-imports/{job_id}/").json()
        assert status["status"] == JobStatus.SUCCEEDED and status["result"]["returns_registered"] == 1
        assert status["url"] == f"/jobs/{job_id}/"
        assert api_for(officer_b).get(f"/api/returns-imports/{job_id}/").status_code == 404
        response = api_for(agency_user_a).post(
            "/api/returns-imports/", {"file": SimpleUploadedFile("l.csv", csv)}, format="multipart"
        )
        assert response.status_code == 403 and BackgroundJob.objects.count() == 1
        response = api_for(officer_a).post(
            "/api/returns-imports/", {"file": SimpleUploadedFile("l.txt", b"x")}, format="multipart"
        )
        assert response.status_code == 400 and "file" in errors(response)

    def test_certificates_issue_list_pdf_and_scope(self, api_for, officer_a, officer_b, agency_a, agency_user_a, agency_user_b):
        dep = abroad(agency=agency_a, departed=timezone.localdate() - timedelta(days=400), home_province=province("12"))
        register_return(dep.worker, officer_a)
        response = api_for(agency_user_a).post("/api/work-certificates/", {"deployment": str(dep.ref)}, format="json")
        assert response.status_code == 403
        response = api_for(officer_b).post("/api/work-certificates/", {"deployment": str(dep.ref)}, format="json")
        # Provincial officers may issue, but this stay abroad is not among those Battambang may see.
        assert response.status_code == 400 and "deployment" in errors(response)
        assert not WorkCertificate.objects.exists()
        response = api_for(officer_a).post("/api/work-certificates/", {"deployment": str(dep.ref)}, format="json")
        assert response.status_code == 201, response.content
        number = response.json()["number"]
        assert response.json()["months_worked"] == 13 and response.json()["country"] == "TH"
        # The agency that deployed the worker sees the certificate; another agency does not.
        assert [c["number"] for c in api_for(agency_user_a).get("/api/work-certificates/").json()["results"]] == [number]
        assert api_for(agency_user_b).get("/api/work-certificates/").json()["results"] == []
        assert api_for(agency_user_b).get(f"/api/work-certificates/{number}/pdf/").status_code == 404
        pdf = api_for(agency_user_a).get(f"/api/work-certificates/{number}/pdf/")
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        pdf = api_for(officer_a).get(f"/api/work-certificates/{number}/pdf/", HTTP_ACCEPT="application/pdf")
        assert pdf.status_code == 200


# --- Query budgets -------------------------------------------------------------------------------

# Every authenticated list: the user's permissions (2: own, through groups), the scope's
# groups (1), the page count (1), the page (1) with its joins and annotations.
LIST = 5


def _grow(officer, agency, n):
    today = timezone.localdate()
    for i in range(n):
        dep = abroad(agency=agency, departed=today - timedelta(days=400), home_province=province("12"))
        record = register_return(dep.worker, officer, on=today - timedelta(days=i))
        case = services.case_assess(case=record.case, actor=officer, needs=["health"])
        services.referral_add(case=case, actor=officer, kind="health", partner="Hospital")
        from workers.certificates import work_certificate_issue

        work_certificate_issue(deployment=dep, actor=officer)


@pytest.mark.parametrize(
    "url", ["/api/returns/", "/api/reintegration-cases/", "/api/referrals/", "/api/work-certificates/", "/api/returns-imports/"]
)
def test_list_query_budget_does_not_grow_with_rows(api_for, django_assert_num_queries, officer_a, agency_a, url):
    for extra in (2, 6):
        _grow(officer_a, agency_a, extra)
        BackgroundJob.objects.create(kind="returns-import", created_by=officer_a, province=province("12"))
        api = api_for(fresh(officer_a))
        # A return's case is fetched through the case's own scope: one more query, whatever the rows.
        with django_assert_num_queries(LIST + (1 if url == "/api/returns/" else 0)):
            response = api.get(url)
        assert response.status_code == 200 and response.json()["count"] >= (1 if "imports" in url else extra)


def test_agency_list_budget_is_the_same(api_for, django_assert_num_queries, officer_a, agency_a, agency_user_a):
    for extra in (2, 5):
        _grow(officer_a, agency_a, extra)
        api = api_for(fresh(agency_user_a))
        with django_assert_num_queries(LIST):
            response = api.get("/api/returns/")
        assert len(response.json()["results"]) == ReturnRecord.objects.count()
    assert country("TH")  # reference data is there
