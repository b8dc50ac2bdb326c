"""Return and reintegration: the work certificate service, the returnee lookup, the shared
predicates, and the helpers the other test_returns_* modules use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from migration_portal.core.models import Event
from workers import services
from workers.certificates import months_between, work_certificate_issue
from workers.choices import Channel, DeploymentStatus, ReturnReason
from workers.jobs import assessment_is_overdue, assessment_overdue_q, expected_returns
from workers.models import Deployment, Referral, ReintegrationCase, ReturnRecord, WorkCertificate
from workers.views.returns import find_returnees

from ..factories import country, province
from .factories import DeploymentFactory, JobOrderFactory, WorkerFactory

pytestmark = pytest.mark.django_db


# --- Helpers shared by the return tests -----------------------------------------------------


def abroad(
    *,
    agency=None,
    worker=None,
    departed: date | None = None,
    contract_end: date | None = None,
    status=DeploymentStatus.ABROAD,
    **worker_fields,
) -> Deployment:
    """A deployment of a worker who is abroad (set up directly: the lifecycle is tested elsewhere)."""
    worker = worker or WorkerFactory(**worker_fields)
    dep = DeploymentFactory(worker=worker, job_order=JobOrderFactory(agency=agency) if agency else JobOrderFactory())
    departed = departed or timezone.localdate() - timedelta(days=400)
    Deployment.objects.filter(pk=dep.pk).update(status=status, departed_on=departed, contract_end=contract_end)
    dep.refresh_from_db()
    return dep


def irregular(worker=None, **worker_fields) -> Deployment:
    worker = worker or WorkerFactory(**worker_fields)
    dep = Deployment.objects.create(
        worker=worker, channel=Channel.IRREGULAR, country=country("TH"), sector=JobOrderFactory().sector, occupation="Farm worker"
    )
    Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.ABROAD)
    dep.refresh_from_db()
    return dep


def register_return(worker, actor, *, on: date | None = None, code="TH", prov="12", needs=True, **kw) -> ReturnRecord:
    return services.return_register(
        worker=worker,
        actor=actor,
        returned_on=on or timezone.localdate(),
        reason=ReturnReason.COMPLETED,
        country=country(code),
        province=province(prov),
        needs_assistance=needs,
        **kw,
    )


# --- The work certificate ---------------------------------------------------------------------


class TestWorkCertificate:
    def test_months_between(self):
        assert months_between(date(2024, 1, 15), date(2026, 1, 15)) == 24
        assert months_between(date(2024, 1, 15), date(2026, 1, 14)) == 23
        assert months_between(date(2024, 1, 31), date(2024, 2, 29)) == 0
        assert months_between(date(2024, 3, 1), date(2024, 2, 1)) == 0

    def test_issued_for_a_returned_deployment_with_months_from_departure(self, officer_a):
        today = timezone.localdate()
        dep = abroad(departed=today - timedelta(days=800))
        register_return(dep.worker, officer_a, on=today)
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.RETURNED
        cert = work_certificate_issue(deployment=dep, actor=officer_a)
        assert cert.months_worked == months_between(dep.departed_on, today) >= 26
        assert cert.occupation == "Construction worker" and cert.issued_by == officer_a and cert.worker == dep.worker
        assert cert.number.startswith(f"WC-{today:%Y}-") and len(cert.number) == 16
        assert Event.objects.filter(code="workcertificate.issued", object_id=str(cert.pk)).count() == 1
        # One per stay abroad.
        with pytest.raises(ValidationError) as err:
            work_certificate_issue(deployment=dep, actor=officer_a)
        assert "deployment" in err.value.message_dict
        assert WorkCertificate.objects.count() == 1

    def test_numbers_are_random_and_unique(self, officer_a):
        numbers = set()
        for _ in range(5):
            dep = abroad(departed=timezone.localdate() - timedelta(days=90))
            register_return(dep.worker, officer_a)
            numbers.add(work_certificate_issue(deployment=dep, actor=officer_a).number)
        assert len(numbers) == 5

    def test_not_before_the_return_nor_without_a_month(self, officer_a):
        dep = abroad(departed=timezone.localdate() - timedelta(days=400))
        with pytest.raises(ValidationError, match="return is registered"):
            work_certificate_issue(deployment=dep, actor=officer_a)
        short = abroad(departed=timezone.localdate() - timedelta(days=10))
        register_return(short.worker, officer_a)
        with pytest.raises(ValidationError, match="Less than one month"):
            work_certificate_issue(deployment=short, actor=officer_a)
        assert not WorkCertificate.objects.exists()

    def test_irregular_stay_needs_the_start_date(self, officer_a):
        dep = irregular()
        register_return(dep.worker, officer_a)
        with pytest.raises(ValidationError) as err:
            work_certificate_issue(deployment=Deployment.objects.get(pk=dep.pk), actor=officer_a)
        assert "worked_from" in err.value.message_dict
        cert = work_certificate_issue(deployment=dep, actor=officer_a, worked_from=timezone.localdate() - timedelta(days=370))
        assert cert.months_worked == 12 and cert.occupation == "Farm worker"

    def test_agency_and_other_province_are_refused(self, agency_a, agency_user_a, officer_b, officer_a):
        dep = abroad(agency=agency_a, departed=timezone.localdate() - timedelta(days=400), home_province=province("12"))
        register_return(dep.worker, officer_a)
        with pytest.raises(PermissionDenied):
            work_certificate_issue(deployment=dep, actor=agency_user_a)  # agencies arrange it; MOLVT issues it
        with pytest.raises(PermissionDenied):
            work_certificate_issue(deployment=dep, actor=officer_b)  # a Phnom Penh worker, returned to Phnom Penh
        assert not WorkCertificate.objects.exists()


# --- Finding a returnee ---------------------------------------------------------------------------


class TestFindReturnees:
    def test_by_identifier_through_the_hash_and_by_name_and_birth(self, officer_b):
        w = WorkerFactory(
            name_latin="Chan Sreypov", date_of_birth=date(1998, 2, 3), passport_number="N7654321", home_province=province("12")
        )
        WorkerFactory(name_latin="Chan Sreypov", date_of_birth=date(1999, 2, 3))
        # Border reception (Battambang) finds a Phnom Penh worker by an exact identifier...
        assert find_returnees(officer_b, identifier="n 765-4321") == [w]
        assert find_returnees(officer_b, identifier=w.national_id) == [w]
        # ... or the exact name (any case and spacing) and date of birth; never a partial name.
        assert find_returnees(officer_b, name_latin="  chan   SREYPOV ", date_of_birth=date(1998, 2, 3)) == [w]
        assert find_returnees(officer_b, name_latin="Chan", date_of_birth=date(1998, 2, 3)) == []
        assert find_returnees(officer_b, identifier="N0000000") == []

    def test_an_agency_finds_only_its_own_workers(self, agency_a, agency_user_a):
        mine = abroad(agency=agency_a).worker
        other = abroad().worker
        assert find_returnees(agency_user_a, identifier=mine.passport_number) == [mine]
        assert find_returnees(agency_user_a, identifier=other.passport_number) == []


# --- Shared predicates ------------------------------------------------------------------------------


class TestPredicates:
    def test_assessment_overdue(self, officer_a):
        record = register_return(WorkerFactory(), officer_a)
        case = record.case
        assert not assessment_is_overdue(case)
        old = timezone.now() - timedelta(days=15)
        ReintegrationCase.objects.filter(pk=case.pk).update(created=old)
        case.refresh_from_db()
        assert assessment_is_overdue(case)
        assert list(ReintegrationCase.objects.filter(assessment_overdue_q())) == [case]
        services.case_assess(case=case, actor=officer_a, needs=["job_placement"])
        case.refresh_from_db()
        assert not assessment_is_overdue(case) and not ReintegrationCase.objects.filter(assessment_overdue_q()).exists()

    def test_expected_returns_window(self):
        today = timezone.localdate()
        inside = abroad(contract_end=today + timedelta(days=30))
        abroad(contract_end=today + timedelta(days=90))
        abroad(contract_end=today - timedelta(days=1))
        abroad(contract_end=today + timedelta(days=10), status=DeploymentStatus.RETURNED)
        assert list(expected_returns(Deployment.objects.all(), today=today, days=60)) == [inside]


# --- The ministry's admin (read-only registers) ------------------------------------------------------


def _grow_admin(officer, n):
    """Returns with cases, referrals and certificates: every changelist has rows."""
    for _ in range(n):
        dep = abroad(departed=timezone.localdate() - timedelta(days=400))
        record = register_return(dep.worker, officer)
        case = services.case_assess(case=record.case, actor=officer, needs=["health"])
        services.referral_add(case=case, actor=officer, kind="health", partner="Provincial hospital")
        work_certificate_issue(deployment=dep, actor=officer)
        register_return(WorkerFactory(), officer, code="MY")  # an open case, no deployment


# Every admin page: session (1), user (1), groups for the scope (1), unread notifications (1);
# a changelist then counts the filtered rows (1) and reads the page (1) with its joins and
# annotations, never a query per row. On PostgreSQL the paginator of these large tables
# (EstimatedCountPaginator) first asks the planner for its estimate of an unfiltered list (1),
# and counts for real below 10,000 rows.
ADMIN_BASE = 4 + 2 + (1 if connection.vendor == "postgresql" else 0)
# Each related list filter reads its choices (1); date_hierarchy reads the date range (1)
# and the dates to offer (1).
ADMIN_CHANGELISTS = {
    "returnrecord": ADMIN_BASE + 3 + 2,  # country, province, checkpoint
    "reintegrationcase": ADMIN_BASE + 1 + 2,  # province
    "referral": ADMIN_BASE + 1 + 2,  # case's province
    "workcertificate": ADMIN_BASE + 1 + 2,  # deployment's country
}


@pytest.fixture
def warm_content_types(db):
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_models(*apps.get_app_config("workers").get_models(), Event)


@pytest.mark.parametrize("model", list(ADMIN_CHANGELISTS))
def test_admin_changelists_have_a_fixed_budget(
    model, client_for, superuser, officer_a, warm_content_types, django_assert_num_queries
):
    client = client_for(superuser)
    url = f"/admin/workers/{model}/"
    _grow_admin(officer_a, 2)
    with django_assert_num_queries(ADMIN_CHANGELISTS[model]):
        assert client.get(url).status_code == 200
    _grow_admin(officer_a, 6)
    with django_assert_num_queries(ADMIN_CHANGELISTS[model]):
        response = client.get(url)
    assert response.status_code == 200 and len(response.context["cl"].result_list) >= 8


@pytest.mark.parametrize("model", list(ADMIN_CHANGELISTS))
def test_admin_is_read_only_and_for_ministry_staff(model, client_for, superuser, complaints_officer, officer_a, agency_user_a):
    _grow_admin(officer_a, 1)
    obj = {
        "returnrecord": ReturnRecord,
        "reintegrationcase": ReintegrationCase,
        "referral": Referral,
        "workcertificate": WorkCertificate,
    }[model].objects.first()
    for user in (superuser, complaints_officer):
        client = client_for(user)
        assert client.get(f"/admin/workers/{model}/").status_code == 200
        page = client.get(f"/admin/workers/{model}/{obj.pk}/change/")
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.get(f"/admin/workers/{model}/add/").status_code == 403
        assert client.post(f"/admin/workers/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    for outsider in (officer_a, agency_user_a, None):
        response = client_for(outsider).get(f"/admin/workers/{model}/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_admin_overdue_filters(client_for, superuser, officer_a):
    _grow_admin(officer_a, 1)
    old = ReintegrationCase.objects.filter(status="open").get()
    ReintegrationCase.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=20))
    Referral.objects.update(referred_on=timezone.localdate() - timedelta(days=40))
    client = client_for(superuser)
    cases = client.get("/admin/workers/reintegrationcase/", {"overdue": "yes"}).context["cl"].result_list
    assert [c.pk for c in cases] == [old.pk] and cases[0].is_overdue
    assert old.pk not in [
        c.pk for c in client.get("/admin/workers/reintegrationcase/", {"overdue": "no"}).context["cl"].result_list
    ]
    referrals = client.get("/admin/workers/referral/", {"overdue": "yes"}).context["cl"].result_list
    assert len(referrals) == 1
