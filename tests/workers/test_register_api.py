"""The worker register's API: workers, deployments, job orders, sending suspensions.

Wiring, permissions, filters and the scoping matrix (another agency's or province's
row is a 404 on reads, writes and actions alike, and the database is unchanged);
identifiers masked, unmasked only through the ``identifiers`` action with the
permission (and logged); a refused transition is a 400 naming every failed rule;
list query counts pinned and constant as rows grow; the schema has no warnings.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from workers.choices import ContractStatus, DeploymentStatus, JobOrderStatus, KeyProtection, PlacementArticle, ReturnReason
from workers.models import Deployment, EmploymentContract, JobOrder, PlacementContract, ReturnRecord, SendingSuspension, Worker

from ..access_log import entries_for
from ..factories import country, province
from .factories import DeploymentFactory, JobOrderFactory, WorkerFactory, certify, ready_to_depart
from .test_register_pages import make_world, snapshot, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(agency_a, agency_b):
    return make_world(agency_a, agency_b)


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def refs(response) -> set[str]:
    return {row["ref"] for row in results(response)}


WORKER_INPUT = {
    "name_latin": "Kim Vanna", "name_km": "គឹម វណ្ណា", "sex": "F", "date_of_birth": "1998-02-03",
    "national_id": "110 220 330", "passport_number": "N3456789", "phone": "+855 12 999 888", "home_province": "12",
}


# --- Access --------------------------------------------------------------------------------------------


ENDPOINTS = ["workers", "deployments", "job-orders", "sending-suspensions"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_anonymous_is_refused(api_for, endpoint):
    assert api_for(None).get(f"/api/{endpoint}/").status_code in (401, 403)


def test_anonymous_cannot_write(api_for, world):
    api = api_for(None)
    assert api.post("/api/workers/", WORKER_INPUT).status_code in (401, 403)
    dep = world["a"]["deployment"]
    assert api.post(f"/api/deployments/{dep.ref}/transition/", {"to_status": "cancelled", "version": 1,
                                                                "reason": "x"}).status_code in (401, 403)
    assert not Worker.objects.filter(name_latin="Kim Vanna").exists()
    assert Deployment.objects.get(pk=dep.pk).status == DeploymentStatus.REGISTERED


# --- Workers: reads and scoping ------------------------------------------------------------------------


def test_agency_lists_only_its_workers_masked(api_for, agency_user_a, world):
    response = api_for(agency_user_a).get("/api/workers/")
    rows = results(response)
    assert [r["ref"] for r in rows] == [str(world["a"]["worker"].ref)]
    row = rows[0]
    assert row["name_km"] == "ចាន់ ស្រីពៅ"
    assert (row["passport_masked"], row["national_id_masked"], row["phone_masked"]) == ("•••••567", "••••••344", "••••••678")
    assert row["latest_status"] == "registered" and row["latest_country"] == "Thailand"
    body = response.content.decode()
    for plain in ("N1234567", "011223344", "012345678"):
        assert plain not in body


def test_agency_gets_404_for_another_agencys_worker(api_for, agency_user_a, world):
    api = api_for(agency_user_a)
    assert api.get(f"/api/workers/{world['b']['worker'].ref}/").status_code == 404
    assert api.get(f"/api/workers/{world['a']['worker'].ref}/").status_code == 200


def test_officers_see_their_province_and_returnees(api_for, officer_a, officer_b, world):
    returning = WorkerFactory(name_latin="Returning Home", home_province=province("02"))
    ReturnRecord.objects.create(worker=returning, returned_on=today(), reason=ReturnReason.CRISIS, country=country("TH"),
                                province=province("12"))
    assert refs(api_for(officer_a).get("/api/workers/")) == {str(world["a"]["worker"].ref), str(returning.ref)}
    assert refs(api_for(officer_b).get("/api/workers/")) == {str(world["b"]["worker"].ref), str(returning.ref)}
    assert api_for(officer_a).get(f"/api/workers/{world['b']['worker'].ref}/").status_code == 404


@pytest.mark.parametrize("params,expected", [
    ({"q": "sreypov"}, {"a"}),
    ({"q": "សុភា"}, {"b"}),
    ({"sex": "F"}, {"a"}),
    ({"province": "02"}, {"b"}),
    ({"destination": "TH"}, {"a", "b"}),
    ({"destination": "KR"}, set()),
    ({"status": "registered", "destination": "TH", "sector": "CON"}, {"a", "b"}),
    ({"status": "departed"}, set()),
    ({"passport": "n-123 4567"}, {"a"}),
    ({"national_id": "011 223 344"}, {"a"}),
    ({"phone": "012 345 678"}, {"a"}),
    ({"registered_after": "2000-01-01", "registered_before": "2000-12-31"}, set()),
])
def test_worker_filters(api_for, licensing_officer, world, params, expected):
    wanted = {str(world[k]["worker"].ref) for k in expected}
    assert refs(api_for(licensing_officer).get("/api/workers/", params)) == wanted


def test_agency_filter_for_ministry(api_for, licensing_officer, world):
    assert refs(api_for(licensing_officer).get("/api/workers/", {"agency": world["b"]["agency"].pk})) == {
        str(world["b"]["worker"].ref)}


def test_invalid_filter_is_a_400_naming_it(api_for, licensing_officer, world):
    response = api_for(licensing_officer).get("/api/workers/", {"destination": "XX", "registered_after": "soon"})
    assert response.status_code == 400
    assert {"destination", "registered_after"} <= set(response.json()["errors"])


# --- Identifiers -----------------------------------------------------------------------------------------


def test_identifiers_need_the_permission(api_for, agency_user_a, world):
    worker = world["a"]["worker"]
    response = api_for(agency_user_a).post(f"/api/workers/{worker.ref}/identifiers/")
    assert response.status_code == 403
    assert not entries_for(worker, kind="identifiers").exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_identifiers_unmasked_with_permission_and_logged(api_for, officer_a, world, method):
    worker = world["a"]["worker"]
    response = getattr(api_for(officer_a), method)(f"/api/workers/{worker.ref}/identifiers/")
    assert response.status_code == 200
    assert response.json() == {"national_id": "011223344", "passport_number": "N1234567", "phone": "012345678",
                               "next_of_kin_phone": ""}
    assert response["Cache-Control"] == "no-store"
    access = entries_for(worker, kind="identifiers")
    assert access.count() == 1 and access.get().user == officer_a and access.get().channel == "api"


def test_identifiers_of_another_province_are_a_404_and_not_logged(api_for, officer_a, world):
    worker = world["b"]["worker"]
    assert api_for(officer_a).post(f"/api/workers/{worker.ref}/identifiers/").status_code == 404
    assert not entries_for(worker, kind="identifiers").exists()


# --- Workers: writes ----------------------------------------------------------------------------------------


def test_agency_registers_a_worker(api_for, agency_user_a, world):
    response = api_for(agency_user_a).post("/api/workers/", WORKER_INPUT)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["passport_masked"] == "•••••789" and "N3456789" not in response.content.decode()
    worker = Worker.objects.get(ref=body["ref"])
    assert worker.registered_by_agency == world["a"]["agency"] and worker.passport_number == "N3456789"


def test_registration_errors_name_the_field(api_for, agency_user_a):
    response = api_for(agency_user_a).post("/api/workers/", {**WORKER_INPUT, "home_province": "99", "sex": "X"})
    assert response.status_code == 400
    assert {"home_province", "sex"} <= set(response.json()["errors"])
    future = (today() + timedelta(days=2)).isoformat()
    response = api_for(agency_user_a).post("/api/workers/", {**WORKER_INPUT, "date_of_birth": future})
    assert response.status_code == 400 and "date_of_birth" in response.json()["errors"]


def test_possible_duplicate_is_listed_then_confirmed(api_for, agency_user_a, world):
    api = api_for(agency_user_a)
    same = {**WORKER_INPUT, "name_latin": "Chan Sreypov", "date_of_birth": str(world["a"]["worker"].date_of_birth)}
    response = api.post("/api/workers/", same)
    assert response.status_code == 400
    body = response.json()
    assert "name_latin" in body["errors"]
    assert [d["ref"] for d in body["duplicates"]] == [str(world["a"]["worker"].ref)]
    assert body["duplicates"][0]["exact"] is False and body["hidden_duplicates"] == 0
    response = api.post("/api/workers/", {**same, "confirm_not_duplicate": True})
    assert response.status_code == 201
    assert Worker.objects.get(ref=response.json()["ref"]).duplicate_checked_by == agency_user_a


def test_exact_duplicate_held_by_another_agency_is_not_revealed(api_for, agency_user_a, world):
    response = api_for(agency_user_a).post("/api/workers/", {**WORKER_INPUT, "passport_number": "N7654321",
                                                             "national_id": ""})
    assert response.status_code == 400
    body = response.json()
    assert body["duplicates"] == [] and body["hidden_duplicates"] == 1
    assert "in records you cannot see" in body["errors"]["passport_number"][0]
    assert str(world["b"]["worker"].ref) not in response.content.decode()


def test_patch_a_worker_and_not_another_agencys(api_for, agency_user_a, world):
    api = api_for(agency_user_a)
    response = api.patch(f"/api/workers/{world['a']['worker'].ref}/", {"village": "Prek Leap"})
    assert response.status_code == 200 and response.json()["village"] == "Prek Leap"
    worker = Worker.objects.get(pk=world["a"]["worker"].pk)
    assert worker.passport_number == "N1234567"
    before = snapshot(world["b"]["worker"])
    assert api.patch(f"/api/workers/{world['b']['worker'].ref}/", {"village": "X"}).status_code == 404
    assert snapshot(world["b"]["worker"]) == before


# --- Deployments --------------------------------------------------------------------------------------------


def test_deployment_lists_are_scoped(api_for, agency_user_a, officer_b, world):
    assert refs(api_for(agency_user_a).get("/api/deployments/")) == {str(world["a"]["deployment"].ref)}
    assert refs(api_for(officer_b).get("/api/deployments/")) == {str(world["b"]["deployment"].ref)}
    assert api_for(agency_user_a).get(f"/api/deployments/{world['b']['deployment'].ref}/").status_code == 404


def test_deployment_filters(api_for, licensing_officer, world):
    abroad = DeploymentFactory(job_order=JobOrderFactory(agency=world["a"]["agency"]), contract_end=today() + timedelta(days=10))
    Deployment.objects.filter(pk=abroad.pk).update(status=DeploymentStatus.ABROAD, departed_on=today() - timedelta(days=700))
    api = api_for(licensing_officer)
    assert refs(api.get("/api/deployments/", {"status": "abroad"})) == {str(abroad.ref)}
    assert refs(api.get("/api/deployments/", {"sex": "F"})) == {str(world["a"]["deployment"].ref)}
    assert refs(api.get("/api/deployments/", {"province": "02"})) == {str(world["b"]["deployment"].ref)}
    assert refs(api.get("/api/deployments/", {"agency": world["b"]["agency"].pk})) == {str(world["b"]["deployment"].ref)}
    assert refs(api.get("/api/deployments/", {"channel": "irregular"})) == set()
    assert refs(api.get("/api/deployments/", {"departed_before": str(today() - timedelta(days=365))})) == {str(abroad.ref)}
    assert refs(api.get("/api/deployments/", {"contract_end_after": str(today()),
                                              "contract_end_before": str(today() + timedelta(days=30))})) == {str(abroad.ref)}
    assert refs(api.get("/api/deployments/", {"returning_within": 30, "destination": "TH"})) == {str(abroad.ref)}


def test_retrieve_shows_contracts_and_legal_status(api_for, agency_user_a, world):
    dep = ready_to_depart(world["a"]["deployment"])
    body = api_for(agency_user_a).get(f"/api/deployments/{dep.ref}/").json()
    assert body["placement_contract"]["status"] == "approved" and body["placement_contract"]["missing_articles"] == []
    assert body["employment_contract"]["differences"] == {} and body["legal_statuses"] == []
    assert body["worker"]["name_km"] == "ចាន់ ស្រីពៅ" and body["version"] == 1


def test_agency_creates_a_deployment_on_its_job_order_only(api_for, agency_user_a, world):
    api = api_for(agency_user_a)
    worker = WorkerFactory(registered_by_agency=world["a"]["agency"])
    response = api.post("/api/deployments/", {"worker": str(worker.ref), "channel": "agency",
                                              "job_order": world["b"]["order"].pk})
    assert response.status_code == 400 and "job_order" in response.json()["errors"]
    response = api.post("/api/deployments/", {"worker": str(world["b"]["worker"].ref), "channel": "agency",
                                              "job_order": world["a"]["order"].pk})
    assert response.status_code == 400 and "worker" in response.json()["errors"]
    assert not Deployment.objects.filter(worker=worker).exists()
    response = api.post("/api/deployments/", {"worker": str(worker.ref), "channel": "agency", "job_order": world["a"]["order"].pk,
                                              "fees_paid": "200.00"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["agency"]["id"] == world["a"]["agency"].pk and body["country"]["code"] == "TH"
    assert body["status"] == "registered" and body["fees_paid"] == "200.00"


def test_agency_cannot_record_an_irregular_migration(api_for, agency_user_a, world):
    worker = WorkerFactory(registered_by_agency=world["a"]["agency"])
    response = api_for(agency_user_a).post("/api/deployments/", {"worker": str(worker.ref), "channel": "irregular",
                                                                 "country": "TH", "sector": "AGR"})
    assert response.status_code == 400 and "channel" in response.json()["errors"]


def test_officer_records_an_irregular_migration(api_for, officer_a, world):
    worker = WorkerFactory(home_province=province("12"))
    data = {"worker": str(worker.ref), "channel": "irregular", "country": "TH", "sector": "AGR"}
    response = api_for(officer_a).post("/api/deployments/", data)
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "irregular" and response.json()["agency"] is None


def test_departure_refused_with_every_failed_rule(api_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    Worker.objects.filter(pk=dep.worker_id).update(passport_expiry=None, date_of_birth=today() - timedelta(days=17 * 365))
    Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CONTRACT_APPROVED)
    response = api_for(agency_user_a).post(f"/api/deployments/{dep.ref}/transition/", {
        "to_status": "departed", "version": 1, "on_date": str(today()), "checkpoint": "POI"})
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"passport", "age", "training", "placement_contract", "employment_contract"} <= set(errors)
    assert errors["age"] == ["The worker is under 18."]
    dep.refresh_from_db()
    assert dep.status == DeploymentStatus.CONTRACT_APPROVED and dep.departed_on is None


def test_lifecycle_through_the_api(api_for, agency_user_a, world):
    dep = ready_to_depart(world["a"]["deployment"])
    api = api_for(agency_user_a)
    version = 1
    for step in ("trained", "contract_approved"):
        response = api.post(f"/api/deployments/{dep.ref}/transition/", {"to_status": step, "version": version})
        assert response.status_code == 200, response.content
        version = response.json()["version"]
    response = api.post(f"/api/deployments/{dep.ref}/transition/", {"to_status": "departed", "version": version,
                                                                      "checkpoint": "POI", "on_date": str(today())})
    body = response.json()
    assert (body["status"], body["departed_on"], body["departure_checkpoint"]) == ("departed", str(today()), "POI")
    assert [r["status"] for r in body["legal_statuses"]] == ["regular"]
    response = api.post(f"/api/deployments/{dep.ref}/transition/", {"to_status": "abroad", "version": version})
    assert response.status_code == 400 and "Someone else changed" in response.json()["errors"]["non_field_errors"][0]
    response = api.post(f"/api/deployments/{dep.ref}/legal-status/", {"status": "overstayed", "since": str(today())})
    assert response.status_code == 201
    # Newest first: the same day, the later record on top.
    assert [r["status"] for r in response.json()["legal_statuses"]] == ["overstayed", "regular"]


def test_transition_not_allowed_by_the_lifecycle(api_for, agency_user_a, world):
    dep = world["a"]["deployment"]
    response = api_for(agency_user_a).post(f"/api/deployments/{dep.ref}/transition/", {"to_status": "departed", "version": 1})
    assert response.status_code == 400 and "status" in response.json()["errors"]


def test_another_agency_cannot_act_on_the_deployment(api_for, agency_user_b, world):
    dep = world["a"]["deployment"]
    before = snapshot(dep)
    api = api_for(agency_user_b)
    calls = [
        ("transition", {"to_status": "cancelled", "version": 1, "reason": "x"}),
        ("legal-status", {"status": "irregular", "since": str(today())}),
        ("placement-contract", {"signed_on": str(today()), "articles": ["parties"], "service_fee": "1"}),
        ("employment-contract", {"employer_name": "X", "position": "Y", "monthly_wage": "1", "wage_currency": "THB",
                                 "hours_per_week": 40, "duration_months": 12, "signed_on": str(today()), "protections": []}),
    ]
    for action, data in calls:
        assert api.post(f"/api/deployments/{dep.ref}/{action}/", data).status_code == 404, action
    assert snapshot(dep) == before
    assert not PlacementContract.objects.filter(deployment=dep).exists()


def test_contracts_submitted_reviewed_and_substitution_accepted(api_for, agency_user_a, licensing_officer, director, world):
    dep = world["a"]["deployment"]
    agency = api_for(agency_user_a)
    response = agency.post(f"/api/deployments/{dep.ref}/placement-contract/", {
        "signed_on": str(today()), "articles": list(PlacementArticle.values), "service_fee": "300.00", "fee_currency": "USD"})
    assert response.status_code == 200 and response.json()["placement_contract"]["status"] == "submitted"
    response = agency.post(f"/api/deployments/{dep.ref}/employment-contract/", {
        "employer_name": dep.job_order.employer.name, "position": "Cleaner", "monthly_wage": "9000", "wage_currency": "THB",
        "hours_per_week": 60, "duration_months": 24, "signed_on": str(today()), "protections": list(KeyProtection.values)})
    differences = response.json()["employment_contract"]["differences"]
    assert differences == {"position": ["Construction worker", "Cleaner"], "monthly_wage": ["11000.00", "9000.00"],
                           "hours_per_week": ["48", "60"]}

    # The agency may not review its own contracts.
    assert agency.post(f"/api/deployments/{dep.ref}/placement-contract/review/", {"approve": True}).status_code == 403
    ministry = api_for(licensing_officer)
    response = ministry.post(f"/api/deployments/{dep.ref}/placement-contract/review/", {"approve": True})
    assert response.status_code == 200 and response.json()["placement_contract"]["status"] == "approved"
    response = ministry.post(f"/api/deployments/{dep.ref}/employment-contract/review/", {"approve": True})
    assert response.status_code == 400 and "differs from the job order" in response.json()["errors"]["status"][0]
    response = ministry.post(f"/api/deployments/{dep.ref}/employment-contract/review/", {"approve": False})
    assert response.status_code == 400 and "review_note" in response.json()["errors"]
    response = api_for(director).post(f"/api/deployments/{dep.ref}/employment-contract/accept-substitution/",
                                      {"reason": "Employer confirmed the duties in writing"})
    assert response.status_code == 200 and response.json()["employment_contract"]["substitution_accepted"] is True
    response = ministry.post(f"/api/deployments/{dep.ref}/employment-contract/review/", {"approve": True})
    assert response.status_code == 200 and response.json()["employment_contract"]["status"] == "approved"
    assert EmploymentContract.objects.get(deployment=dep).status == ContractStatus.APPROVED


def test_review_of_a_missing_contract_is_a_400(api_for, licensing_officer, world):
    response = api_for(licensing_officer).post(f"/api/deployments/{world['a']['deployment'].ref}/placement-contract/review/",
                                               {"approve": True})
    assert response.status_code == 400 and "placement_contract" in response.json()["errors"]


# --- Job orders ---------------------------------------------------------------------------------------------


JOB_ORDER_INPUT = {
    "ref": "DL-2025-99", "country": "TH", "sector": "CON", "occupation": "Mason", "positions_male": 5, "positions_female": 0,
    "monthly_wage": "12000", "wage_currency": "THB", "hours_per_week": 48, "contract_months": 24,
}


def test_job_orders_scoped_with_positions_left(api_for, agency_user_a, world):
    rows = results(api_for(agency_user_a).get("/api/job-orders/"))
    assert [r["ref"] for r in rows] == ["JO-A-1"]
    assert (rows[0]["remaining_male"], rows[0]["remaining_female"]) == (10, 4)
    assert api_for(agency_user_a).get(f"/api/job-orders/{world['b']['order'].pk}/").status_code == 404


def test_agency_submits_and_ministry_vets_a_job_order(api_for, agency_user_a, licensing_officer, world):
    data = {**JOB_ORDER_INPUT, "employer": world["a"]["order"].employer_id, "valid_from": str(today()),
            "valid_until": str(today() + timedelta(days=90))}
    response = api_for(agency_user_a).post("/api/job-orders/", data)
    assert response.status_code == 201, response.content
    order_id = response.json()["id"]
    assert response.json()["status"] == "submitted" and response.json()["agency"]["id"] == world["a"]["agency"].pk
    assert api_for(agency_user_a).post(f"/api/job-orders/{order_id}/vet/", {"approve": True,
                                                                             "vetted_by": "Me"}).status_code == 403
    response = api_for(licensing_officer).post(f"/api/job-orders/{order_id}/vet/", {"approve": True, "vetted_by": ""})
    assert response.status_code == 400 and "vetted_by" in response.json()["errors"]
    response = api_for(licensing_officer).post(f"/api/job-orders/{order_id}/vet/", {
        "approve": True, "vetted_by": "Labour attaché, Royal Embassy in Bangkok"})
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert JobOrder.objects.get(pk=order_id).status == JobOrderStatus.APPROVED


def test_job_order_refusals_name_the_field(api_for, agency_user_a, world):
    data = {**JOB_ORDER_INPUT, "employer": world["a"]["order"].employer_id, "valid_from": str(today()),
            "valid_until": str(today() + timedelta(days=90))}
    response = api_for(agency_user_a).post("/api/job-orders/", {**data, "country": "JP"})
    assert response.status_code == 400 and {"country", "employer"} <= set(response.json()["errors"])
    response = api_for(agency_user_a).post("/api/job-orders/", {**data, "positions_male": 0})
    assert response.status_code == 400 and "positions_male" in response.json()["errors"]


def test_officer_has_no_job_orders(api_for, officer_a, world):
    assert api_for(officer_a).get("/api/job-orders/").status_code == 403


# --- Sending suspensions ------------------------------------------------------------------------------------


def test_suspensions_read_by_all_created_by_ministry(api_for, agency_user_a, officer_a, licensing_officer, world):
    data = {"country": "TH", "sector": "CON", "starts_on": str(today()), "reason": "Collapse of a building site"}
    assert api_for(agency_user_a).post("/api/sending-suspensions/", data).status_code == 403
    assert api_for(officer_a).post("/api/sending-suspensions/", data).status_code == 403
    response = api_for(licensing_officer).post("/api/sending-suspensions/", {**data, "reason": " "})
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api_for(licensing_officer).post("/api/sending-suspensions/", data)
    assert response.status_code == 201 and response.json()["sector"]["code"] == "CON"
    for user in (agency_user_a, officer_a):
        assert len(results(api_for(user).get("/api/sending-suspensions/", {"in_force_on": str(today())}))) == 1
    assert results(api_for(agency_user_a).get("/api/sending-suspensions/",
                                              {"in_force_on": str(today() - timedelta(days=1))})) == []
    # The suspension now blocks the departure, named as its own rule.
    dep = ready_to_depart(world["a"]["deployment"])
    Deployment.objects.filter(pk=dep.pk).update(status=DeploymentStatus.CONTRACT_APPROVED)
    response = api_for(agency_user_a).post(f"/api/deployments/{dep.ref}/transition/", {"to_status": "departed", "version": 1})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["suspension"]
    assert SendingSuspension.objects.count() == 1


# --- Query budgets -----------------------------------------------------------------------------------------

# Each request (a freshly read user, as on a real request): the user's groups (the
# scope), the permission check (user permissions, group permissions), then the
# paginator's count and the page, everything the serializer reads joined or annotated
# (workers: province, agency, latest visible deployment; deployments: worker, province,
# agency, job order, employer, destination, sector, checkpoint; job orders: agency,
# employer with its country and sector, destination, sector, positions used).
WORKER_LIST = 1 + 2 + 2
DEPLOYMENT_LIST = 1 + 2 + 2
JOB_ORDER_LIST = 1 + 2 + 2


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def grow(agency, n):
    for _ in range(n):
        worker = WorkerFactory(registered_by_agency=agency)
        DeploymentFactory(worker=worker, job_order=JobOrderFactory(agency=agency))
        certify(worker, agency)


@pytest.mark.parametrize("persona", ["agency_user_a", "officer_a", "licensing_officer"])
@pytest.mark.parametrize("endpoint,budget", [("workers", WORKER_LIST), ("deployments", DEPLOYMENT_LIST)])
def test_list_budgets_do_not_grow(request, api_for, django_assert_num_queries, world, persona, endpoint, budget):
    user = request.getfixturevalue(persona)
    api = api_for(fresh(user))
    with django_assert_num_queries(budget):
        first = results(api.get(f"/api/{endpoint}/"))
    grow(world["a"]["agency"], 10)
    api = api_for(fresh(user))
    with django_assert_num_queries(budget):
        second = results(api.get(f"/api/{endpoint}/"))
    assert len(second) == len(first) + 10


def test_job_order_list_budget_does_not_grow(api_for, django_assert_num_queries, world, licensing_officer):
    api = api_for(fresh(licensing_officer))
    with django_assert_num_queries(JOB_ORDER_LIST):
        assert len(results(api.get("/api/job-orders/"))) == 2
    grow(world["a"]["agency"], 10)
    api = api_for(fresh(licensing_officer))
    with django_assert_num_queries(JOB_ORDER_LIST):
        assert len(results(api.get("/api/job-orders/"))) == 12


# --- Schema -------------------------------------------------------------------------------------------------

REGISTER_PATHS = [
    "/api/workers/", "/api/workers/{ref}/", "/api/workers/{ref}/identifiers/", "/api/deployments/", "/api/deployments/{ref}/",
    "/api/deployments/{ref}/transition/", "/api/deployments/{ref}/legal-status/", "/api/deployments/{ref}/placement-contract/",
    "/api/deployments/{ref}/employment-contract/", "/api/deployments/{ref}/placement-contract/review/",
    "/api/deployments/{ref}/employment-contract/review/", "/api/deployments/{ref}/employment-contract/accept-substitution/",
    "/api/job-orders/", "/api/job-orders/{id}/", "/api/job-orders/{id}/vet/", "/api/sending-suspensions/",
]


def test_register_schema_has_no_warnings_and_no_status_in_requests():
    from rest_framework.routers import DefaultRouter

    from workers.api import register

    router = DefaultRouter()
    register.register(router)
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/", include(router.urls))]).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    validate_schema(schema)
    assert set(REGISTER_PATHS) <= set(schema["paths"])
    components = schema["components"]["schemas"]
    for name in ("DeploymentInputRequest", "WorkerInputRequest", "JobOrderInputRequest"):
        assert "status" not in components[name]["properties"], name
    worker_params = {p["name"] for p in schema["paths"]["/api/workers/"]["get"]["parameters"]}
    assert {"q", "national_id", "passport", "phone", "sex", "province", "destination", "sector", "agency", "status",
            "registered_after", "registered_before"} <= worker_params
    for name in ("Worker", "WorkerDetail"):
        assert not {"national_id", "passport_number", "phone"} & set(components[name]["properties"]), name
