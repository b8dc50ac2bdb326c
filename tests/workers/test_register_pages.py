"""The worker register's portal pages: workers, deployments, job orders, sending suspensions.

Content, the scoping matrix (agency A never reads or writes B's rows: 404 and the
database unchanged; officer A never sees province B's workers but does see a worker
returning to A), the duplicate flow, masked identifiers and their logged unmasking,
refused transitions listing every failed rule, and pinned query budgets that do not
grow with the rows.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from migration_portal.core.events import events_for
from migration_portal.reference.models import Checkpoint
from workers import services
from workers.choices import (
    Channel,
    ContractStatus,
    DeploymentStatus,
    JobOrderStatus,
    KeyProtection,
    LegalStatus,
    PlacementArticle,
    ReturnReason,
)
from workers.models import Deployment, Employer, EmploymentContract, JobOrder, PlacementContract, ReturnRecord, Worker

from ..access_log import entries_for
from ..factories import UserFactory, country, province, sector
from .factories import DeploymentFactory, JobOrderFactory, WorkerFactory, certify, ready_to_depart

pytestmark = pytest.mark.django_db


# --- Shared helpers (imported by the API and admin tests) -----------------------------------------


def today() -> date:
    return timezone.localdate()


def content(response) -> str:
    return response.content.decode()


def make_world(agency_a, agency_b):
    """For each agency: a job order and a worker it registered and deployed on it.

    A's worker is from Phnom Penh (province A, code 12), B's from Battambang (province B, code 02).
    """
    order_a = JobOrderFactory(agency=agency_a, ref="JO-A-1")
    order_b = JobOrderFactory(agency=agency_b, ref="JO-B-1")
    worker_a = WorkerFactory(name_latin="Chan Sreypov", name_km="ចាន់ ស្រីពៅ", sex="F", registered_by_agency=agency_a,
                             home_province=province("12"), national_id="011223344", passport_number="N1234567",
                             phone="012345678")
    worker_b = WorkerFactory(name_latin="Heng Sophea", name_km="ហេង សុភា", sex="M", registered_by_agency=agency_b,
                             home_province=province("02"), passport_number="N7654321")
    return {
        "a": {"agency": agency_a, "order": order_a, "worker": worker_a,
              "deployment": DeploymentFactory(worker=worker_a, job_order=order_a)},
        "b": {"agency": agency_b, "order": order_b, "worker": worker_b,
              "deployment": DeploymentFactory(worker=worker_b, job_order=order_b)},
    }


@pytest.fixture
def world(agency_a, agency_b):
    return make_world(agency_a, agency_b)


def grant(user, *codenames: str) -> None:
    """Give one user a permission their role does not carry (see the report on roles.py)."""
    for codename in codenames:
        user.user_permissions.add(Permission.objects.get(content_type__app_label="workers", codename=codename))
    for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        user.__dict__.pop(attr, None)


def snapshot(*objs) -> list[tuple]:
    """What must not change when an outsider tries a write."""
    out = []
    for obj in objs:
        obj = type(obj).objects.get(pk=obj.pk)
        out.append(tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields))
    return out


def worker_post(**over) -> dict:
    data = {
        "name_latin": "Kim Vanna", "name_km": "គឹម វណ្ណា", "sex": "F", "date_of_birth": "1998-02-03",
        "national_id": "110 220 330", "passport_number": "n-3456789", "passport_expiry": str(today() + timedelta(days=900)),
        "phone": "+855 12 999 888", "home_province": province("12").pk, "district": "Chamkar Mon", "commune": "",
        "village": "", "next_of_kin_name": "Kim Sok", "next_of_kin_relation": "mother", "next_of_kin_phone": "",
        "education": "lower_secondary", "skills": "Sewing",
    }
    data.update(over)
    return data


# --- Access: anonymous, roles without the page ------------------------------------------------------


PAGES = ["worker-list", "worker-new", "deployment-list", "joborder-list", "joborder-new", "suspension-list"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_sign_in(client_for, name):
    response = client_for(None).get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_is_sent_to_sign_in_from_record_pages(client_for, world):
    client = client_for(None)
    for url in (reverse("worker-detail", args=[world["a"]["worker"].ref]),
                reverse("deployment-detail", args=[world["a"]["deployment"].ref])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post(reverse("deployment-transition", args=[world["a"]["deployment"].ref]),
                           {"to_status": "cancelled", "version": 1, "reason": "x"})
    assert response.status_code == 302
    assert Deployment.objects.get(pk=world["a"]["deployment"].pk).status == DeploymentStatus.REGISTERED


def test_user_without_a_role_is_refused(client_for, world):
    plain = UserFactory(username="nobody")
    assert client_for(plain).get(reverse("worker-list")).status_code == 403


def test_writes_are_for_agencies_and_provinces_not_ministry_pages(client_for, complaints_officer, statistician):
    # Complaints officers may add workers, but ministry staff work in the admin.
    assert client_for(complaints_officer).get(reverse("worker-new")).status_code == 403
    assert client_for(statistician).get(reverse("worker-list")).status_code == 200


# --- Worker list ---------------------------------------------------------------------------------------


def test_agency_lists_its_own_workers_masked_with_khmer_names(client_for, agency_user_a, world):
    body = content(client_for(agency_user_a).get(reverse("worker-list")))
    assert "Chan Sreypov" in body and "ចាន់ ស្រីពៅ" in body
    assert "Heng Sophea" not in body
    assert "N1234567" not in body and "•••••567" in body  # the passport, masked
    assert "Registered" in body  # the latest deployment's status


def test_agency_sees_a_worker_it_deployed_but_another_agency_registered(client_for, agency_user_a, world):
    shared = world["b"]["worker"]
    order = JobOrderFactory(agency=world["a"]["agency"])
    Deployment.objects.filter(pk=world["b"]["deployment"].pk).update(status=DeploymentStatus.CANCELLED)
    DeploymentFactory(worker=shared, job_order=order, country=country("KR"))
    body = content(client_for(agency_user_a).get(reverse("worker-list")))
    assert "Heng Sophea" in body
    assert "Republic of Korea" in body  # A's own deployment, not B's cancelled one
    assert 'class="badge cancelled"' not in body


def test_search_by_name_in_latin_and_khmer(client_for, agency_user_a, world):
    other = WorkerFactory(name_latin="Mao Sokly", name_km="ម៉ៅ សុខលី", registered_by_agency=world["a"]["agency"])
    client = client_for(agency_user_a)
    rows = client.get(reverse("worker-list"), {"q": "sreypov"}).context["workers"]
    assert list(rows) == [world["a"]["worker"]]
    rows = client.get(reverse("worker-list"), {"q": "សុខលី"}).context["workers"]
    assert list(rows) == [other]


@pytest.mark.parametrize("param,value", [
    ("passport", "n 123-4567"), ("national_id", "011-223-344"), ("phone", "+855 12 345 678"),
])
def test_exact_identifier_search_goes_through_the_hash(client_for, agency_user_a, world, param, value):
    WorkerFactory(registered_by_agency=world["a"]["agency"])
    rows = client_for(agency_user_a).get(reverse("worker-list"), {param: value}).context["workers"]
    assert list(rows) == [world["a"]["worker"]]


def test_identifier_search_never_reaches_another_agencys_worker(client_for, agency_user_a, world):
    rows = client_for(agency_user_a).get(reverse("worker-list"), {"passport": "N7654321"}).context["workers"]
    assert list(rows) == []


def test_filters_combine_on_one_deployment(client_for, licensing_officer, world):
    client = client_for(licensing_officer)
    korea = WorkerFactory(name_latin="Korea Bound", sex="F")
    DeploymentFactory(worker=korea, job_order=JobOrderFactory(agency=world["a"]["agency"]), country=country("KR"))
    names = lambda params: {w.name_latin for w in client.get(reverse("worker-list"), params).context["workers"]}  # noqa: E731
    assert names({"sex": "F"}) == {"Chan Sreypov", "Korea Bound"}
    assert names({"destination": "KR"}) == {"Korea Bound"}
    assert names({"destination": "TH", "status": "registered"}) == {"Chan Sreypov", "Heng Sophea"}
    assert names({"destination": "TH", "status": "departed"}) == set()
    assert names({"province": "02"}) == {"Heng Sophea"}
    assert names({"agency": world["b"]["agency"].pk}) == {"Heng Sophea"}
    assert names({"registered_after": str(today()), "sex": "M"}) == {"Heng Sophea"}


def test_invalid_filter_is_shown_and_lists_nothing(client_for, licensing_officer, world):
    response = client_for(licensing_officer).get(reverse("worker-list"), {"destination": "XX"})
    assert response.status_code == 200
    assert list(response.context["workers"]) == []
    assert "Some filters are not valid" in content(response)


def test_officer_sees_their_provinces_workers_and_those_returning_to_it(client_for, officer_a, officer_b, world):
    returning = WorkerFactory(name_latin="Returning Home", home_province=province("02"))
    ReturnRecord.objects.create(worker=returning, returned_on=today(), reason=ReturnReason.DEPORTED, country=country("TH"),
                                province=province("12"))
    names_a = {w.name_latin for w in client_for(officer_a).get(reverse("worker-list")).context["workers"]}
    names_b = {w.name_latin for w in client_for(officer_b).get(reverse("worker-list")).context["workers"]}
    assert names_a == {"Chan Sreypov", "Returning Home"}
    assert names_b == {"Heng Sophea", "Returning Home"}  # B is the returnee's home province


# --- Worker detail and identifiers ---------------------------------------------------------------------------


def test_worker_page_shows_the_file_masked(client_for, agency_user_a, world):
    worker, dep = world["a"]["worker"], world["a"]["deployment"]
    certify(worker, world["a"]["agency"])
    services.deployment_transition(deployment=dep, to_status=DeploymentStatus.TRAINED, actor=agency_user_a)
    response = client_for(agency_user_a).get(reverse("worker-detail", args=[worker.ref]))
    body = content(response)
    assert response.status_code == 200
    assert "ចាន់ ស្រីពៅ" in body and "Chan Sreypov" in body
    assert "011223344" not in body and "N1234567" not in body and "012345678" not in body
    assert "••••••344" in body and "•••••567" in body
    assert "Pre-departure training done" in body  # the deployment's timeline
    assert "PDO-" in body  # the certificate
    assert "Show identifiers" not in body  # agency users do not hold the permission
    assert reverse("deployment-detail", args=[dep.ref]) in body


def test_another_agencys_worker_is_a_404(client_for, agency_user_a, world):
    client = client_for(agency_user_a)
    ref = world["b"]["worker"].ref
    assert client.get(reverse("worker-detail", args=[ref])).status_code == 404
    assert client.get(reverse("worker-edit", args=[ref])).status_code == 404
    assert client.get(reverse("deployment-new", args=[ref])).status_code == 404


def test_officer_a_gets_404_for_province_b_worker(client_for, officer_a, world):
    assert client_for(officer_a).get(reverse("worker-detail", args=[world["b"]["worker"].ref])).status_code == 404
    assert client_for(officer_a).post(reverse("worker-identifiers", args=[world["b"]["worker"].ref])).status_code == 404


def test_identifiers_shown_once_with_permission_and_logged(client_for, officer_a, world):
    worker = world["a"]["worker"]
    client = client_for(officer_a)
    page = content(client.get(reverse("worker-detail", args=[worker.ref])))
    assert "Show identifiers" in page and "N1234567" not in page
    assert not entries_for(worker, kind="identifiers").exists()
    response = client.post(reverse("worker-identifiers", args=[worker.ref]))
    body = content(response)
    assert response.status_code == 200
    assert "N1234567" in body and "011223344" in body and "012345678" in body
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    access = entries_for(worker, kind="identifiers")
    assert access.count() == 1 and access.get().user == officer_a and access.get().channel == "page"
    # Reading the page again masks them again.
    assert "N1234567" not in content(client.get(reverse("worker-detail", args=[worker.ref])))


def test_identifiers_refused_without_permission_and_nothing_logged(client_for, agency_user_a, world):
    worker = world["a"]["worker"]
    response = client_for(agency_user_a).post(reverse("worker-identifiers", args=[worker.ref]))
    assert response.status_code == 403
    assert not entries_for(worker, kind="identifiers").exists()


def test_identifiers_page_is_post_only(client_for, officer_a, world):
    response = client_for(officer_a).get(reverse("worker-identifiers", args=[world["a"]["worker"].ref]))
    assert response.status_code == 405


# --- Register and edit a worker --------------------------------------------------------------------


def test_agency_registers_a_worker(client_for, agency_user_a, world):
    response = client_for(agency_user_a).post(reverse("worker-new"), worker_post())
    worker = Worker.objects.get(name_latin="Kim Vanna")
    assert response.status_code == 302 and response["Location"] == reverse("worker-detail", args=[worker.ref])
    assert worker.registered_by_agency == world["a"]["agency"] and worker.registered_by == agency_user_a
    assert worker.passport_number == "N3456789" and worker.name_km == "គឹម វណ្ណា"
    assert [e.code for e in events_for(worker)] == ["worker.registered"]


def test_officer_registers_an_irregular_migrant_met_at_intake(client_for, officer_a):
    response = client_for(officer_a).post(reverse("worker-new"), worker_post(national_id="", passport_number="", phone=""))
    worker = Worker.objects.get(name_latin="Kim Vanna")
    assert response.status_code == 302
    assert worker.registered_by_agency is None and worker.passport_hash == ""


def test_officer_registering_someone_from_another_province_is_told_where_it_went(client_for, officer_a):
    response = client_for(officer_a).post(reverse("worker-new"), worker_post(home_province=province("02").pk), follow=True)
    worker = Worker.objects.get(name_latin="Kim Vanna")
    # The officer who recorded someone from another province keeps sight of the record.
    assert response.redirect_chain[-1][0] == reverse("worker-detail", args=[worker.ref])
    assert worker.registered_by == officer_a


def test_form_errors_name_the_field(client_for, agency_user_a):
    response = client_for(agency_user_a).post(reverse("worker-new"), worker_post(
        date_of_birth=str(today() + timedelta(days=3)), name_latin=""))
    assert response.status_code == 200
    assert "name_latin" in response.context["form"].errors
    assert not Worker.objects.filter(name_km="គឹម វណ្ណា").exists()
    response = client_for(agency_user_a).post(reverse("worker-new"), worker_post(date_of_birth=str(today() + timedelta(days=3))))
    assert "date_of_birth" in response.context["form"].errors
    assert "The date of birth is in the future." in content(response)


def test_same_passport_in_own_records_links_to_it(client_for, agency_user_a, world):
    response = client_for(agency_user_a).post(reverse("worker-new"), worker_post(passport_number="N 1234567", national_id=""))
    body = content(response)
    assert response.status_code == 200
    assert "passport_number" in response.context["form"].errors
    assert reverse("worker-detail", args=[world["a"]["worker"].ref]) in body
    assert "Chan Sreypov" in body
    assert not Worker.objects.filter(name_latin="Kim Vanna").exists()


def test_same_passport_in_another_agencys_records_only_says_it_exists(client_for, agency_user_a, world):
    response = client_for(agency_user_a).post(reverse("worker-new"), worker_post(passport_number="N7654321", national_id=""))
    body = content(response)
    assert "in records you cannot see" in body
    assert "Heng Sophea" not in body and str(world["b"]["worker"].ref) not in body
    assert not Worker.objects.filter(name_latin="Kim Vanna").exists()


def test_possible_duplicate_asks_for_confirmation_then_registers(client_for, agency_user_a, world):
    client = client_for(agency_user_a)
    same_person_fields = worker_post(name_latin="Chan  Sreypov", date_of_birth=str(world["a"]["worker"].date_of_birth))
    response = client.post(reverse("worker-new"), same_person_fields)
    body = content(response)
    assert response.status_code == 200
    assert "This may be a person already registered." in body
    assert reverse("worker-detail", args=[world["a"]["worker"].ref]) in body
    assert 'name="confirm_not_duplicate"' in body
    assert Worker.objects.filter(name_latin="Chan Sreypov").count() == 1

    response = client.post(reverse("worker-new"), {**same_person_fields, "confirm_not_duplicate": "on"})
    assert response.status_code == 302
    assert Worker.objects.filter(name_latin="Chan Sreypov").count() == 2
    created = Worker.objects.filter(name_latin="Chan Sreypov").exclude(pk=world["a"]["worker"].pk).get()
    assert created.duplicate_checked_by == agency_user_a


def test_possible_duplicate_held_by_another_agency_is_counted_not_shown(client_for, agency_user_a, world):
    fields = worker_post(name_latin="Heng Sophea", date_of_birth=str(world["b"]["worker"].date_of_birth))
    body = content(client_for(agency_user_a).post(reverse("worker-new"), fields))
    assert "1 matching record is held by another agency or province" in body
    assert str(world["b"]["worker"].ref) not in body


def test_edit_keeps_identifiers_when_left_empty(client_for, agency_user_a, world):
    worker = world["a"]["worker"]
    client = client_for(agency_user_a)
    page = content(client.get(reverse("worker-edit", args=[worker.ref])))
    assert "N1234567" not in page and "•••••567" in page  # never sent to the browser unmasked
    data = worker_post(name_latin="Chan Sreypov", national_id="", passport_number="", phone="", village="Prek Leap")
    response = client.post(reverse("worker-edit", args=[worker.ref]), data)
    assert response.status_code == 302
    worker.refresh_from_db()
    assert worker.village == "Prek Leap" and worker.passport_number == "N1234567" and worker.national_id == "011223344"
    response = client.post(reverse("worker-edit", args=[worker.ref]), {**data, "passport_number": "N7654321"})
    assert "passport_number" in response.context["form"].errors  # B's worker holds it
    worker.refresh_from_db()
    assert worker.passport_number == "N1234567"


def test_agency_cannot_edit_another_agencys_worker(client_for, agency_user_a, world):
    worker = world["b"]["worker"]
    before = snapshot(worker)
    response = client_for(agency_user_a).post(reverse("worker-edit", args=[worker.ref]), worker_post(name_latin="Hacked"))
    assert response.status_code == 404
    assert snapshot(worker) == before


# --- Deployments: create -------------------------------------------------------------------------------------


def test_agency_deploys_on_its_own_open_job_orders_only(client_for, agency_user_a, world):
    worker = WorkerFactory(name_latin="New Recruit", registered_by_agency=world["a"]["agency"])
    expired = JobOrderFactory(agency=world["a"]["agency"], ref="JO-A-OLD", valid_from=today() - timedelta(days=400),
                              valid_until=today() - timedelta(days=1))
    unvetted = JobOrderFactory(agency=world["a"]["agency"], ref="JO-A-NEW", status=JobOrderStatus.SUBMITTED)
    client = client_for(agency_user_a)
    form = client.get(reverse("deployment-new", args=[worker.ref])).context["form"]
    assert list(form.fields["job_order"].queryset) == [world["a"]["order"]]
    for order in (world["b"]["order"], expired, unvetted):
        response = client.post(reverse("deployment-new", args=[worker.ref]), {"job_order": order.pk, "fees_paid": "0",
                                                                              "fees_currency": "USD"})
        assert "job_order" in response.context["form"].errors
    assert not Deployment.objects.filter(worker=worker).exists()
    response = client.post(reverse("deployment-new", args=[worker.ref]), {
        "job_order": world["a"]["order"].pk, "contract_start": str(today() + timedelta(days=30)),
        "contract_end": str(today() + timedelta(days=760)), "fees_paid": "350", "fees_currency": "usd", "wages_to_bank": "on"})
    dep = Deployment.objects.get(worker=worker)
    assert response.status_code == 302 and response["Location"] == reverse("deployment-detail", args=[dep.ref])
    assert (dep.channel, dep.agency, dep.country.code, dep.employer, dep.fees_currency, dep.wages_to_bank) == (
        Channel.AGENCY, world["a"]["agency"], "TH", world["a"]["order"].employer, "USD", True)


def test_service_refusal_is_shown_on_the_form(client_for, agency_user_a, world):
    # The worker already has a deployment under way.
    response = client_for(agency_user_a).post(reverse("deployment-new", args=[world["a"]["worker"].ref]), {
        "job_order": world["a"]["order"].pk, "fees_paid": "0", "fees_currency": "USD"})
    assert response.status_code == 200
    assert "already has a deployment under way" in content(response)
    assert Deployment.objects.filter(worker=world["a"]["worker"]).count() == 1


def test_officer_records_an_irregular_migration(client_for, officer_a, world):
    worker = WorkerFactory(name_latin="Border Crosser", home_province=province("12"))
    client = client_for(officer_a)
    page = client.get(reverse("deployment-new", args=[worker.ref]))
    assert "job_order" not in page.context["form"].fields
    response = client.post(reverse("deployment-new", args=[worker.ref]), {
        "country": country("TH").pk, "sector": sector("AGR").pk, "occupation": "Farm hand", "fees_paid": "150",
        "fees_currency": "USD"})
    dep = Deployment.objects.get(worker=worker)
    assert response.status_code == 302
    assert (dep.channel, dep.agency, dep.job_order, dep.sector.code) == (Channel.IRREGULAR, None, None, "AGR")


# --- Deployment page ---------------------------------------------------------------------------------------------


def test_deployment_page_scoping(client_for, agency_user_a, officer_a, officer_b, world):
    dep_a, dep_b = world["a"]["deployment"], world["b"]["deployment"]
    assert client_for(agency_user_a).get(reverse("deployment-detail", args=[dep_a.ref])).status_code == 200
    assert client_for(agency_user_a).get(reverse("deployment-detail", args=[dep_b.ref])).status_code == 404
    assert client_for(officer_a).get(reverse("deployment-detail", args=[dep_a.ref])).status_code == 200
    assert client_for(officer_a).get(reverse("deployment-detail", args=[dep_b.ref])).status_code == 404
    assert client_for(officer_b).get(reverse("deployment-detail", args=[dep_b.ref])).status_code == 200


def test_deployment_list_is_scoped_and_filtered(client_for, agency_user_a, officer_b, world):
    rows = client_for(agency_user_a).get(reverse("deployment-list")).context["deployments"]
    assert list(rows) == [world["a"]["deployment"]]
    rows = client_for(officer_b).get(reverse("deployment-list")).context["deployments"]
    assert list(rows) == [world["b"]["deployment"]]
    abroad = DeploymentFactory(job_order=JobOrderFactory(agency=world["a"]["agency"]), contract_end=today() + timedelta(days=20))
    Deployment.objects.filter(pk=abroad.pk).update(status=DeploymentStatus.ABROAD)
    client = client_for(agency_user_a)
    assert list(client.get(reverse("deployment-list"), {"returning_within": 60}).context["deployments"]) == [abroad]
    assert list(client.get(reverse("deployment-list"), {"status": "registered"}).context["deployments"]) == [
        world["a"]["deployment"]]


def test_departure_refused_lists_every_failed_rule(client_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    Worker.objects.filter(pk=dep.worker_id).update(passport_expiry=today() - timedelta(days=2))
    Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CONTRACT_APPROVED)
    response = client_for(agency_user_a).post(reverse("deployment-transition", args=[dep.ref]), {
        "to_status": "departed", "version": dep.version, "on_date": str(today()),
        "checkpoint": ""})
    body = content(response)
    assert response.status_code == 200
    assert "“Departed” was refused. Nothing changed. Every rule not met:" in body
    for message in (
        "The passport is expired or its expiry date is missing.",
        "There is no valid pre-departure training certificate.",
        "The job-placement contract has not been approved.",
        "The employment contract has not been approved.",
    ):
        assert message in body
    dep.refresh_from_db()
    assert dep.status == DeploymentStatus.CONTRACT_APPROVED and dep.departed_on is None


def test_lifecycle_through_the_buttons(client_for, agency_user_a, world):
    dep = ready_to_depart(world["a"]["deployment"])
    client = client_for(agency_user_a)
    page = content(client.get(reverse("deployment-detail", args=[dep.ref])))
    assert "Mark training done" in page and "Cancel deployment" in page and "Record departure" not in page
    url = reverse("deployment-transition", args=[dep.ref])
    for step in ("trained", "contract_approved"):
        dep.refresh_from_db()
        assert client.post(url, {"to_status": step, "version": dep.version, "on_date": str(today())}).status_code == 302
    dep.refresh_from_db()
    checkpoint = Checkpoint.objects.get(code="POI")
    response = client.post(url, {"to_status": "departed", "version": dep.version, "on_date": str(today()),
                                 "checkpoint": checkpoint.pk})
    assert response.status_code == 302
    dep.refresh_from_db()
    assert (dep.status, dep.departed_on, dep.departure_checkpoint) == (DeploymentStatus.DEPARTED, today(), checkpoint)
    assert [e.code for e in events_for(dep)][:3] == ["deployment.departed", "deployment.contract_approved", "deployment.trained"]
    body = content(client.get(reverse("deployment-detail", args=[dep.ref])))
    assert "Departed" in body and "Regular" in body  # the legal status recorded on departure


def test_stale_page_is_refused(client_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    client = client_for(agency_user_a)
    stale = dep.version
    client.post(reverse("deployment-transition", args=[dep.ref]), {"to_status": "cancelled", "version": stale,
                                                                   "reason": "Worker withdrew"})
    dep.refresh_from_db()
    assert dep.status == DeploymentStatus.CANCELLED
    response = client.post(reverse("deployment-transition", args=[dep.ref]), {"to_status": "cancelled", "version": stale,
                                                                              "reason": "again"})
    assert "Someone else changed this deployment meanwhile. Reload the page." in content(response)


def test_cancel_needs_a_reason(client_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    body = content(client_for(agency_user_a).post(reverse("deployment-transition", args=[dep.ref]),
                                                  {"to_status": "cancelled", "version": dep.version, "reason": " "}))
    assert "Give the reason for cancelling." in body
    assert Deployment.objects.get(pk=dep.pk).status == DeploymentStatus.REGISTERED


def test_agency_cannot_touch_another_agencys_deployment(client_for, agency_user_a, world):
    dep = world["b"]["deployment"]
    before = snapshot(dep)
    client = client_for(agency_user_a)
    posts = [
        ("deployment-transition", {"to_status": "cancelled", "version": dep.version, "reason": "x"}),
        ("deployment-legal-status", {"status": "irregular", "since": str(today())}),
        ("deployment-placement-contract", {"signed_on": str(today()), "articles": ["parties"], "service_fee": "1",
                                           "fee_currency": "USD"}),
        ("deployment-employment-contract", {"employer_name": "X", "position": "Y", "monthly_wage": "1", "wage_currency": "THB",
                                            "hours_per_week": 40, "duration_months": 12, "signed_on": str(today())}),
    ]
    for name, data in posts:
        assert client.post(reverse(name, args=[dep.ref]), data).status_code == 404, name
    assert snapshot(dep) == before
    assert not PlacementContract.objects.filter(deployment=dep).exists()
    assert not EmploymentContract.objects.filter(deployment=dep).exists()


def test_contracts_are_submitted_and_differences_shown_plainly(client_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    client = client_for(agency_user_a)
    response = client.post(reverse("deployment-placement-contract", args=[dep.ref]), {
        "signed_on": str(today()), "articles": ["parties", "job", "wage"], "service_fee": "300", "fee_currency": "usd"})
    assert response.status_code == 302
    contract = PlacementContract.objects.get(deployment=dep)
    assert contract.articles == ["job", "parties", "wage"] and contract.status == ContractStatus.SUBMITTED
    page = content(client.get(reverse("deployment-detail", args=[dep.ref])))
    assert "Mandatory articles missing:" in page and str(PlacementArticle.REPATRIATION.label) in page

    # The employment form starts from the job order's terms.
    initial = client.get(reverse("deployment-detail", args=[dep.ref])).context["employment_form"].initial
    assert initial["monthly_wage"] == Decimal("11000") and initial["hours_per_week"] == 48
    response = client.post(reverse("deployment-employment-contract", args=[dep.ref]), {
        "employer_name": dep.job_order.employer.name, "position": "Cleaner", "monthly_wage": "9000", "wage_currency": "THB",
        "hours_per_week": 60, "duration_months": 24, "signed_on": str(today()), "protections": list(KeyProtection.values)})
    assert response.status_code == 302
    body = content(client.get(reverse("deployment-detail", args=[dep.ref]), follow=True))
    assert "The contract differs from the approved job order:" in body
    for text in ("Position", "Construction worker", "Cleaner", "Monthly wage", "11000.00", "9000.00", "Hours per week", "60"):
        assert text in body
    assert "The Ministry must accept these differences" in body


def test_contract_form_errors_come_back_on_the_page(client_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    response = client_for(agency_user_a).post(reverse("deployment-placement-contract", args=[dep.ref]), {
        "signed_on": "", "articles": ["nonsense"], "service_fee": "-1", "fee_currency": "USD"})
    assert response.status_code == 200
    errors = response.context["placement_form"].errors
    assert {"signed_on", "articles", "service_fee"} <= set(errors)


def test_legal_status_history_after_departure(client_for, agency_user_a, world):
    dep = ready_to_depart(world["a"]["deployment"])
    Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.ABROAD, departed_on=today() - timedelta(days=100))
    client = client_for(agency_user_a)
    url = reverse("deployment-legal-status", args=[dep.ref])
    response = client.post(url, {"status": LegalStatus.OVERSTAYED, "since": str(today() - timedelta(days=5)),
                                 "note": "Visa not renewed"})
    assert response.status_code == 302
    response = client.post(url, {"status": LegalStatus.IRREGULAR, "since": str(today() - timedelta(days=200))})
    assert "This date is before the worker left." in content(response)
    body = content(client.get(reverse("deployment-detail", args=[dep.ref])))
    assert "Overstayed" in body and "Visa not renewed" in body


def test_officer_reads_but_has_no_agency_forms(client_for, officer_a, world):
    body = content(client_for(officer_a).get(reverse("deployment-detail", args=[world["a"]["deployment"].ref])))
    assert "Next step" not in body and "Send for review" not in body
    assert client_for(officer_a).post(reverse("deployment-transition", args=[world["a"]["deployment"].ref]),
                                      {"to_status": "cancelled", "version": 1, "reason": "x"}).status_code == 403


# --- Job orders ----------------------------------------------------------------------------------------------------


def test_job_orders_list_is_the_agencys_own(client_for, agency_user_a, officer_a, licensing_officer, world):
    body = content(client_for(agency_user_a).get(reverse("joborder-list")))
    assert "JO-A-1" in body and "JO-B-1" not in body
    assert "10 / 4" in body  # positions left: one woman deployed, of 10 for men and 5 for women
    assert client_for(officer_a).get(reverse("joborder-list")).status_code == 403
    body = content(client_for(licensing_officer).get(reverse("joborder-list")))
    assert "JO-A-1" in body and "JO-B-1" in body


def test_agency_submits_a_job_order_with_a_new_employer(client_for, agency_user_a, world):
    client = client_for(agency_user_a)
    data = {
        "ref": "DL-2025-77", "employer": "", "new_employer_name": "Kuala Lumpur Garments Sdn Bhd",
        "new_employer_registration": "MY-123", "new_employer_address": "", "country": country("MY").pk,
        "sector": sector("MAN").pk, "occupation": "Sewing machine operator", "positions_male": 0, "positions_female": 20,
        "monthly_wage": "1500", "wage_currency": "myr", "hours_per_week": 48, "contract_months": 24,
        "valid_from": str(today()), "valid_until": str(today() + timedelta(days=180)),
    }
    response = client.post(reverse("joborder-new"), {**data, "country": country("JP").pk})
    assert "country" in response.context["form"].errors  # not an authorised destination of A
    assert not Employer.objects.filter(name__startswith="Kuala Lumpur").exists()
    response = client.post(reverse("joborder-new"), {**data, "positions_female": 0})
    assert "A job order must have at least one position." in content(response)
    assert not Employer.objects.filter(name__startswith="Kuala Lumpur").exists()  # rolled back with the refusal
    response = client.post(reverse("joborder-new"), data)
    assert response.status_code == 302
    order = JobOrder.objects.get(ref="DL-2025-77")
    assert (order.agency, order.status, order.employer.name, order.wage_currency, order.recorded_by) == (
        world["a"]["agency"], JobOrderStatus.SUBMITTED, "Kuala Lumpur Garments Sdn Bhd", "MYR", agency_user_a)


def test_job_order_submit_is_for_agencies(client_for, officer_a, licensing_officer):
    assert client_for(officer_a).get(reverse("joborder-new")).status_code == 403
    assert client_for(licensing_officer).get(reverse("joborder-new")).status_code == 403


# --- Sending suspensions --------------------------------------------------------------------------------------------


def test_suspensions_in_force_for_everyone_signed_in(client_for, director, agency_user_a, officer_a, statistician):
    services.suspension_create(actor=director, country=country("MY"), sector=sector("DOM"), starts_on=date(2011, 10, 15),
                               reason="Abuse of domestic workers")
    services.suspension_create(actor=director, country=country("SA"), starts_on=today() - timedelta(days=30),
                               ends_on=today() - timedelta(days=1), reason="Ended suspension")
    for user in (agency_user_a, officer_a, statistician):
        body = content(client_for(user).get(reverse("suspension-list")))
        assert "Malaysia" in body and "Domestic work" in body and "Abuse of domestic workers" in body
        assert "Ended suspension" not in body


# --- Query budgets -------------------------------------------------------------------------------------------------

# Every page: session, user, the user's groups (the scope), the notification count
# (base layout).
BASE = 4
# The permission check of the page (user permissions, group permissions).
PERMS = 2
# Worker list: the paginator's count; the page (province and agency joined, latest
# visible deployment annotated); the filter form's selects: provinces, countries,
# sectors, and for roles that see several, agencies.
WORKER_LIST = BASE + PERMS + 2 + 3
# Deployment list: count; the page (worker, province, agency, destination, sector,
# job order, employer, checkpoint joined); the selects as above.
DEPLOYMENT_LIST = BASE + PERMS + 2 + 3
# Job orders: count; the page (agency, employer, destination, sector joined, positions
# used annotated).
JOB_ORDER_LIST = BASE + PERMS + 2
# Suspensions: count; the page (country, sector, recorder joined).
SUSPENSION_LIST = BASE + PERMS + 2


def grow(agency, n: int) -> None:
    """n more workers of the agency, each with a deployment, a job order and a suspension."""
    for _ in range(n):
        order = JobOrderFactory(agency=agency)
        DeploymentFactory(worker=WorkerFactory(registered_by_agency=agency, home_province=province("12")), job_order=order)


def _budget(django_assert_num_queries, client, url, n, params=None):
    with django_assert_num_queries(n):
        response = client.get(url, params or {})
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("persona,extra", [("agency_user_a", 0), ("officer_a", 1), ("licensing_officer", 1)])
def test_worker_list_budget_does_not_grow(request, client_for, django_assert_num_queries, world, persona, extra):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    agency = world["a"]["agency"]
    _budget(django_assert_num_queries, client, reverse("worker-list"), WORKER_LIST + extra)
    grow(agency, 12)
    response = _budget(django_assert_num_queries, client, reverse("worker-list"), WORKER_LIST + extra)
    assert len(response.context["workers"]) >= 13
    # Filtered by a deployment condition and an identifier: the same budget (the country
    # code is resolved by the filter form: one more query).
    _budget(django_assert_num_queries, client, reverse("worker-list"), WORKER_LIST + extra + 1,
            {"destination": "TH", "status": "registered", "passport": "N1234567"})


@pytest.mark.parametrize("persona,extra", [("agency_user_a", 0), ("licensing_officer", 1)])
def test_deployment_list_budget_does_not_grow(request, client_for, django_assert_num_queries, world, persona, extra):
    client = client_for(request.getfixturevalue(persona))
    _budget(django_assert_num_queries, client, reverse("deployment-list"), DEPLOYMENT_LIST + extra)
    grow(world["a"]["agency"], 12)
    response = _budget(django_assert_num_queries, client, reverse("deployment-list"), DEPLOYMENT_LIST + extra)
    assert len(response.context["deployments"]) >= 13


def test_job_order_and_suspension_lists_budget_does_not_grow(client_for, django_assert_num_queries, world, agency_user_a,
                                                             director):
    client = client_for(agency_user_a)
    services.suspension_create(actor=director, country=country("HK"), starts_on=today(), reason="x")
    _budget(django_assert_num_queries, client, reverse("joborder-list"), JOB_ORDER_LIST)
    _budget(django_assert_num_queries, client, reverse("suspension-list"), SUSPENSION_LIST)
    grow(world["a"]["agency"], 8)
    for code in ("MY", "SA", "QA", "KW"):
        services.suspension_create(actor=director, country=country(code), starts_on=today(), reason="x")
    assert len(_budget(django_assert_num_queries, client, reverse("joborder-list"), JOB_ORDER_LIST).context["job_orders"]) == 9
    assert len(_budget(django_assert_num_queries, client, reverse("suspension-list"), SUSPENSION_LIST)
               .context["suspensions"]) == 5


# Worker page: the worker (province, agency, registrar joined); deployments (joins);
# their legal-status histories; certificates; returns; the worker's timeline; the
# deployments' timelines; the permission checks (2); content types are cached.
WORKER_PAGE = BASE + PERMS + 7


def test_worker_page_budget_does_not_grow_with_deployments(client_for, django_assert_num_queries, world, agency_user_a):
    worker = world["a"]["worker"]
    client = client_for(agency_user_a)
    client.get(reverse("worker-detail", args=[worker.ref]))  # content types cached
    _budget(django_assert_num_queries, client, reverse("worker-detail", args=[worker.ref]), WORKER_PAGE)
    Deployment.objects.filter(worker=worker).update(status=DeploymentStatus.CANCELLED)
    for _ in range(4):
        dep = DeploymentFactory(worker=worker, job_order=JobOrderFactory(agency=world["a"]["agency"]))
        Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CANCELLED)
        certify(worker, world["a"]["agency"])
    response = _budget(django_assert_num_queries, client, reverse("worker-detail", args=[worker.ref]), WORKER_PAGE)
    assert len(response.context["file"].deployments) == 5

