"""Portal pages of return and reintegration, end to end: who may open them, the officer's and
the agency's flows, scoping (outsiders get 404 and change nothing), and pinned query budgets."""

from __future__ import annotations

import re
import zlib
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from migration_portal.core.models import BackgroundJob, JobStatus
from workers.choices import CaseStatus, DeploymentStatus, ReferralOutcome
from workers.models import Referral, ReintegrationCase, ReturnRecord, WorkCertificate, Worker

from ..factories import country, province
from .factories import WorkerFactory
from .test_returns import abroad, register_return

pytestmark = pytest.mark.django_db


def content(response) -> str:
    return response.content.decode()


def khmer_font_embedded(pdf: bytes) -> bool:
    """The Khmer font's name appears in one of the PDF's (compressed) object streams."""
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            if b"Noto-Sans-Khmer" in zlib.decompress(match.group(1)):
                return True
        except zlib.error:
            continue
    return False


def case_of(record) -> ReintegrationCase:
    return ReintegrationCase.objects.get(return_record=record)


def return_post(**over) -> dict:
    data = {
        "returned_on": timezone.localdate().isoformat(),
        "reason": "crisis",
        "country": country("TH").pk,
        "checkpoint": "",
        "province": province("12").pk,
        "documents": "Border pass",
        "needs_assistance": "on",
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


PROVINCE_PAGES = ["returns-list", "returns-find", "returns-new-person", "returns-import", "returns-expected", "cases-list"]
AGENCY_PAGES = ["agency-returns-list", "agency-returns-find"]


class TestWhoMayOpen:
    @pytest.mark.parametrize("name", PROVINCE_PAGES + AGENCY_PAGES)
    def test_anonymous_is_sent_to_sign_in(self, client_for, name):
        response = client_for(None).get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("name", PROVINCE_PAGES)
    def test_agencies_may_not_open_province_pages(self, client_for, agency_user_a, name):
        assert client_for(agency_user_a).get(reverse(name)).status_code == 403

    @pytest.mark.parametrize("name", AGENCY_PAGES)
    def test_officers_may_not_open_agency_pages(self, client_for, officer_a, name):
        assert client_for(officer_a).get(reverse(name)).status_code == 403

    @pytest.mark.parametrize("name", PROVINCE_PAGES + AGENCY_PAGES)
    def test_pages_open_for_their_role(self, client_for, officer_a, agency_user_a, name):
        user = agency_user_a if name.startswith("agency-") else officer_a
        assert client_for(user).get(reverse(name)).status_code == 200


class TestOfficerFlow:
    def test_find_register_assess_refer_close_and_certify(self, client_for, officer_a):
        client = client_for(officer_a)
        dep = abroad(departed=timezone.localdate() - timedelta(days=500), name_latin="Heng Sophea", home_province=province("12"))
        worker = dep.worker

        # 1. Find by passport (exact, through the hash): the identifiers stay masked.
        response = client.get(reverse("returns-find"), {"identifier": worker.passport_number.lower()})
        page = content(response)
        assert "Heng Sophea" in page and worker.masked_passport in page and worker.passport_number not in page
        assert reverse("returns-new", args=[worker.ref]) in page

        # 2. Register the return: the open deployment to Thailand is closed, a case is opened.
        response = client.get(reverse("returns-new", args=[worker.ref]))
        assert response.context["form"].initial["country"] == country("TH").pk
        assert "Abroad in Thailand" in content(response)
        response = client.post(reverse("returns-new", args=[worker.ref]), return_post(checkpoint=""))
        record = ReturnRecord.objects.get(worker=worker)
        assert response.status_code == 302 and response["Location"] == reverse("returns-detail", args=[record.pk])
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.RETURNED and record.deployment == dep and record.registered_by == officer_a
        case = case_of(record)
        assert case.status == CaseStatus.OPEN and case.province == province("12")

        detail = content(client.get(reverse("returns-detail", args=[record.pk])))
        assert reverse("case-detail", args=[case.ref]) in detail and "Issue the work certificate" in detail

        # 3. Needs assessment with the service checkboxes.
        response = client.post(
            reverse("case-assess", args=[case.ref]),
            {
                "needs": ["job_placement", "skills_recognition"],
                "notes": "Wants construction work near home.",
                "assessed_on": timezone.localdate().isoformat(),
            },
        )
        assert response.status_code == 302
        case.refresh_from_db()
        assert case.status == CaseStatus.ASSESSED and case.needs == ["job_placement", "skills_recognition"]
        assert case.officer == officer_a

        # 4. A referral, then its outcome.
        client.post(
            reverse("case-referral-add", args=[case.ref]),
            {"kind": "job_placement", "partner": "NEA job centre Phnom Penh", "referred_on": timezone.localdate().isoformat()},
        )
        referral = Referral.objects.get(case=case)
        page = content(client.get(reverse("case-detail", args=[case.ref])))
        assert "NEA job centre Phnom Penh" in page and "Record the outcome of every referral" in page
        # Closing with a referral still open is refused and changes nothing.
        response = client.post(reverse("case-close", args=[case.ref]), {"note": ""})
        assert response.status_code == 200 and "Record the outcome of every referral" in content(response)
        assert ReintegrationCase.objects.get(pk=case.pk).status == CaseStatus.ASSESSED
        prefix = f"r{referral.pk}"
        client.post(
            reverse("case-referral-outcome", args=[case.ref, referral.pk]),
            {
                f"{prefix}-outcome": "achieved",
                f"{prefix}-outcome_on": timezone.localdate().isoformat(),
                f"{prefix}-note": "Hired",
            },
        )
        referral.refresh_from_db()
        assert referral.outcome == ReferralOutcome.ACHIEVED and referral.outcome_note == "Hired"

        # 5. Close.
        response = client.post(reverse("case-close", args=[case.ref]), {"note": "Working again."})
        assert response.status_code == 302
        assert ReintegrationCase.objects.get(pk=case.pk).status == CaseStatus.CLOSED

        # 6. The work certificate and its PDF (Khmer font embedded).
        response = client.post(
            reverse("returns-certificate", args=[record.pk]),
            {"occupation": "Construction worker", "issued_on": timezone.localdate().isoformat(), "worked_from": ""},
        )
        assert response.status_code == 302
        cert = WorkCertificate.objects.get(deployment=dep)
        assert cert.months_worked >= 16 and cert.issued_by == officer_a
        assert cert.number in content(client.get(reverse("returns-detail", args=[record.pk])))
        pdf = client.get(reverse("work-certificate-pdf", args=[cert.number]))
        assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
        assert khmer_font_embedded(pdf.content)

    def test_search_form_needs_an_identifier_or_name_and_birth(self, client_for, officer_a):
        response = client_for(officer_a).get(reverse("returns-find"), {"name_latin": "Sok"})
        assert response.context["results"] is None and "Give a national ID" in content(response)

    def test_service_refusal_is_shown_on_the_form(self, client_for, officer_a):
        worker = WorkerFactory()
        future = (timezone.localdate() + timedelta(days=3)).isoformat()
        response = client_for(officer_a).post(reverse("returns-new", args=[worker.ref]), return_post(returned_on=future))
        assert response.status_code == 200 and "before it happens" in content(response)
        assert not ReturnRecord.objects.exists()

    def test_record_a_new_person_with_the_return(self, client_for, officer_a):
        client = client_for(officer_a)
        person = {
            "person-name_latin": "Mao Sokly",
            "person-name_km": "ម៉ៅ សុខលី",
            "person-sex": "F",
            "person-date_of_birth": "1997-05-06",
            "person-national_id": "",
            "person-passport_number": "",
            "person-phone": "",
            "person-home_province": province("02").pk,
        }
        # The return is refused (future date): the person is not kept either.
        future = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = client.post(reverse("returns-new-person"), {**person, **return_post(returned_on=future)})
        assert response.status_code == 200 and "before it happens" in content(response)
        assert not Worker.objects.exists() and not ReturnRecord.objects.exists()
        # Now correctly: both saved, the case for the province of return.
        response = client.post(reverse("returns-new-person"), {**person, **return_post(reason="deported")})
        assert response.status_code == 302
        worker = Worker.objects.get()
        assert worker.name_km == "ម៉ៅ សុខលី" and worker.registered_by == officer_a and worker.home_province == province("02")
        record = ReturnRecord.objects.get(worker=worker)
        assert record.deployment is None and record.reason == "deported" and case_of(record).province == province("12")

    def test_possible_duplicate_needs_confirmation(self, client_for, officer_a):
        WorkerFactory(name_latin="Mao Sokly", date_of_birth=date(1997, 5, 6))
        client = client_for(officer_a)
        person = {
            "person-name_latin": "Mao Sokly",
            "person-sex": "F",
            "person-date_of_birth": "1997-05-06",
            "person-home_province": province("12").pk,
            "person-passport_number": "P5550001",
        }
        response = client.post(reverse("returns-new-person"), {**person, **return_post()})
        assert response.status_code == 200 and response.context["possible_duplicate"]
        assert Worker.objects.count() == 1
        response = client.post(reverse("returns-new-person"), {**person, "person-confirm_not_duplicate": "on", **return_post()})
        assert response.status_code == 302 and Worker.objects.count() == 2
        assert Worker.objects.get(passport_hash__gt="", name_latin="Mao Sokly", duplicate_checked_by=officer_a)

    def test_returning_to_another_province_goes_back_to_the_list(self, client_for, officer_a):
        worker = WorkerFactory(home_province=province("02"))
        response = client_for(officer_a).post(reverse("returns-new", args=[worker.ref]), return_post(province=province("02").pk))
        assert response.status_code == 302 and response["Location"] == reverse("returns-list")
        assert case_of(ReturnRecord.objects.get()).province == province("02")

    def test_expected_returns_by_month(self, client_for, officer_a):
        today = timezone.localdate()
        soon = abroad(contract_end=today + timedelta(days=5), home_province=province("12"), name_latin="Soon Back")
        later = abroad(contract_end=today + timedelta(days=50), home_province=province("12"), name_latin="Later Back")
        abroad(contract_end=today + timedelta(days=5), home_province=province("02"), name_latin="Other Province")
        abroad(contract_end=today + timedelta(days=100), home_province=province("12"), name_latin="Not Yet")
        response = client_for(officer_a).get(reverse("returns-expected"))
        page = content(response)
        assert "Soon Back" in page and "Later Back" in page and "Other Province" not in page and "Not Yet" not in page
        assert response.context["total"] == 2 and sum(m["n"] for m in response.context["months"]) == 2
        assert [d.pk for d in response.context["deployments"]] == [soon.pk, later.pk]
        assert "Not Yet" in content(client_for(officer_a).get(reverse("returns-expected"), {"days": 120}))

    def test_overdue_cases_are_highlighted(self, client_for, officer_a):
        old = register_return(WorkerFactory(name_latin="Old Case"), officer_a)
        register_return(WorkerFactory(name_latin="New Case"), officer_a, code="MY")
        ReintegrationCase.objects.filter(return_record=old).update(created=timezone.now() - timedelta(days=20))
        response = client_for(officer_a).get(reverse("cases-list"))
        flags = {c.worker.name_latin: c.is_overdue for c in response.context["cases"]}
        assert flags == {"Old Case": True, "New Case": False}
        assert content(response).count('class="row-error"') == 1
        overdue = client_for(officer_a).get(reverse("cases-list"), {"status": "overdue"})
        assert [c.worker.name_latin for c in overdue.context["cases"]] == ["Old Case"]

    def test_import_page_runs_the_job(self, client_for, officer_a, django_capture_on_commit_callbacks):
        from django.core.files.uploadedfile import SimpleUploadedFile

        csv = (
            "name_latin,sex,date_of_birth,home_province,returned_on,reason,country,checkpoint\n"
            f"Keo Dara,M,1990-01-01,02,{timezone.localdate()},crisis,TH,POI\n"
        ).encode()
        with django_capture_on_commit_callbacks(execute=True) as queued:
            response = client_for(officer_a).post(reverse("returns-import"), {"file": SimpleUploadedFile("list.csv", csv)})
        assert len(queued) == 1  # the task is queued after commit, and (eager) runs then
        job = BackgroundJob.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse("job-detail", args=[job.pk])
        assert job.status == JobStatus.SUCCEEDED and job.result["returns_registered"] == 1
        assert ReturnRecord.objects.get().checkpoint.code == "POI"
        page = content(client_for(officer_a).get(reverse("returns-import")))
        assert "list.csv" in page


class TestAgencyFlow:
    def test_agency_registers_its_workers_return_and_sees_no_case(self, client_for, agency_a, agency_user_a):
        client = client_for(agency_user_a)
        dep = abroad(agency=agency_a, home_province=province("02"), name_latin="Our Worker")
        response = client.get(reverse("agency-returns-find"), {"identifier": dep.worker.national_id})
        assert reverse("agency-returns-new", args=[dep.worker.ref]) in content(response)
        response = client.get(reverse("agency-returns-new", args=[dep.worker.ref]))
        assert "assisting_agency" not in response.context["form"].fields
        assert response.context["form"].initial["province"] == province("02").pk
        response = client.post(reverse("agency-returns-new", args=[dep.worker.ref]), return_post(province=province("02").pk))
        assert response.status_code == 302 and response["Location"] == reverse("agency-returns-list")
        record = ReturnRecord.objects.get()
        assert record.assisting_agency == agency_a and record.deployment == dep and record.needs_assistance
        page = content(client.get(reverse("agency-returns-list")))
        assert "Our Worker" in page and "Reintegration" not in page and "case" not in page.lower().replace("cases", "")
        assert client.get(reverse("cases-list")).status_code == 403
        assert client.get(reverse("case-detail", args=[case_of(record).ref])).status_code == 403

    def test_agency_cannot_reach_another_agencys_worker(self, client_for, agency_b, agency_user_a):
        other = abroad(agency=agency_b)
        client = client_for(agency_user_a)
        assert client.get(reverse("agency-returns-new", args=[other.worker.ref])).status_code == 404
        assert client.post(reverse("agency-returns-new", args=[other.worker.ref]), return_post()).status_code == 404
        assert not ReturnRecord.objects.exists()
        response = client.get(reverse("agency-returns-find"), {"identifier": other.worker.passport_number})
        assert response.context["results"] == []


class TestScoping:
    @pytest.fixture
    def pp_case(self, officer_a):
        dep = abroad(departed=timezone.localdate() - timedelta(days=400), home_province=province("12"))
        record = register_return(dep.worker, officer_a)
        return record, case_of(record)

    def test_province_b_never_sees_province_a(self, client_for, officer_b, pp_case):
        record, case = pp_case
        client = client_for(officer_b)
        assert client.get(reverse("returns-detail", args=[record.pk])).status_code == 404
        assert client.get(reverse("case-detail", args=[case.ref])).status_code == 404
        assert list(client.get(reverse("returns-list")).context["returns"]) == []
        assert list(client.get(reverse("cases-list"), {"status": "all"}).context["cases"]) == []
        # Writes: 404, nothing changed.
        assert (
            client.post(reverse("case-assess", args=[case.ref]), {"needs": ["legal"], "assessed_on": "2025-01-01"}).status_code
            == 404
        )
        assert client.post(reverse("case-close", args=[case.ref]), {}).status_code == 404
        assert client.post(reverse("returns-certificate", args=[record.pk]), {"occupation": "x"}).status_code == 404
        case.refresh_from_db()
        assert case.status == CaseStatus.OPEN and not WorkCertificate.objects.exists()

    def test_referral_of_another_case_is_404(self, client_for, officer_a, officer_b, pp_case):
        _record, case = pp_case
        from workers import services

        case = services.case_assess(case=case, actor=officer_a, needs=["legal"])
        referral = services.referral_add(case=case, actor=officer_a, kind="legal", partner="Legal Aid of Cambodia")
        other = register_return(WorkerFactory(home_province=province("02")), officer_b, prov="02")
        response = client_for(officer_b).post(
            reverse("case-referral-outcome", args=[case_of(other).ref, referral.pk]),
            {f"r{referral.pk}-outcome": "achieved", f"r{referral.pk}-outcome_on": "2025-01-01"},
        )
        assert response.status_code == 404
        assert Referral.objects.get(pk=referral.pk).outcome == ""

    def test_agency_lists_only_its_workers_returns(self, client_for, agency_a, agency_b, agency_user_a, agency_user_b, officer_a):
        mine = abroad(agency=agency_a, name_latin="Mine")
        theirs = abroad(agency=agency_b, name_latin="Theirs")
        register_return(mine.worker, officer_a)
        register_return(theirs.worker, officer_a)
        names = [r.worker.name_latin for r in client_for(agency_user_a).get(reverse("agency-returns-list")).context["returns"]]
        assert names == ["Mine"]
        names = [r.worker.name_latin for r in client_for(agency_user_b).get(reverse("agency-returns-list")).context["returns"]]
        assert names == ["Theirs"]

    def test_certificate_pdf_is_404_outside_scope(self, client_for, officer_a, officer_b, agency_user_b, pp_case):
        record, _case = pp_case
        from workers.certificates import work_certificate_issue

        cert = work_certificate_issue(deployment=record.deployment, actor=officer_a)
        url = reverse("work-certificate-pdf", args=[cert.number])
        assert client_for(officer_b).get(url).status_code == 404
        assert client_for(agency_user_b).get(url).status_code == 404
        assert client_for(None).get(url).status_code == 302


# --- Query budgets ------------------------------------------------------------------------------

# Every page: session (1), user (1), the user's groups for the scope (1); the unread
# notification count in the layout (1).
BASE = 4
# Returns list: countries and checkpoints for the filter drop-downs (2), the page's count (1),
# the page of returns with worker, provinces, country, checkpoint, agencies and case joined (1).
RETURNS_LIST = BASE + 4
# Cases list: counts per status for the tabs (1), the page's count (1), the page of cases with
# worker, return and officer joined and overdue / referral counts annotated (1).
CASES_LIST = BASE + 3
# Expected returns: the page's count (1), the rows with worker, agency, country, employer and
# sector joined (1), the totals per month (1).
EXPECTED = BASE + 3


def _grow(officer, n, start=0):
    today = timezone.localdate()
    for i in range(start, start + n):
        dep = abroad(contract_end=today + timedelta(days=10 + i), home_province=province("12"), name_latin=f"Grown {i}")
        record = register_return(dep.worker, officer, on=today - timedelta(days=i % 5))
        if i % 2:
            from workers import services

            case = services.case_assess(case=case_of(record), actor=officer, needs=["health"])
            services.referral_add(case=case, actor=officer, kind="health", partner="Provincial hospital")
        elif i % 4 == 0:  # some open cases are overdue
            ReintegrationCase.objects.filter(return_record=record).update(created=timezone.now() - timedelta(days=20))
    # Others still abroad, for the expected list.
    for i in range(n):
        abroad(contract_end=today + timedelta(days=20 + i), home_province=province("12"))


@pytest.mark.parametrize(
    "name, params, budget",
    [
        ("returns-list", {}, RETURNS_LIST),
        ("returns-list", {"reason": "completed", "country": "TH"}, RETURNS_LIST),
        ("cases-list", {"status": "all"}, CASES_LIST),
        ("cases-list", {"status": "overdue"}, CASES_LIST),
        ("returns-expected", {}, EXPECTED),
    ],
)
def test_province_list_pages_have_a_fixed_query_budget(client_for, officer_a, django_assert_num_queries, name, params, budget):
    client = client_for(officer_a)
    _grow(officer_a, 2)
    with django_assert_num_queries(budget):
        assert client.get(reverse(name), params).status_code == 200
    _grow(officer_a, 8, start=2)
    with django_assert_num_queries(budget):
        response = client.get(reverse(name), params)
    assert response.status_code == 200


def test_agency_returns_list_has_a_fixed_query_budget(client_for, agency_a, agency_user_a, officer_a, django_assert_num_queries):
    client = client_for(agency_user_a)
    for i in range(2):
        register_return(abroad(agency=agency_a).worker, officer_a, on=timezone.localdate() - timedelta(days=i))
    # Session, user, groups, filter choices (2), count, page (no case joined), notifications.
    with django_assert_num_queries(BASE + 4):
        client.get(reverse("agency-returns-list"))
    for i in range(8):
        register_return(abroad(agency=agency_a).worker, officer_a, on=timezone.localdate() - timedelta(days=i))
    with django_assert_num_queries(BASE + 4):
        response = client.get(reverse("agency-returns-list"))
    assert len(response.context["returns"]) == 10
