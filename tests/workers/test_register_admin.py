"""The worker register's admin, the ministry's main screen for workers and deployments.

Changelists and change forms with pinned query budgets (the same with 3 rows and
with 30); identifiers masked everywhere and unmasked only through the button that
calls services.worker_identifiers (logged); search by name, and by an exact
identifier through its hash; every action and button goes through its service (the
row and its event are checked), and a broken rule is a message or a form error,
never a 500 and never a changed row.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from agencies.models import MonthlyReport
from migration_portal.core.events import events_for
from migration_portal.core.models import Event
from migration_portal.reference.models import Country
from workers.choices import ContractStatus, DeploymentStatus, JobOrderStatus, PlacementArticle
from workers.models import (
    Deployment,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    ReportDifference,
    SendingSuspension,
    Worker,
)

from ..access_log import entries_for
from ..factories import AgencyFactory, MonthlyReportFactory, country, province, sector
from .factories import DeploymentFactory, EmployerFactory, JobOrderFactory, WorkerFactory, ready_to_depart
from .test_register_pages import make_world, today

pytestmark = pytest.mark.django_db


def admin_url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:workers_{model}_{view}", args=args)


def post_action(client, model: str, action: str, objects, *, apply: bool = False, follow: bool = True, **data):
    """An admin action as the changelist posts it (first step), or its intermediate form (apply)."""
    payload = {"action": action, ACTION_CHECKBOX_NAME: [o.pk for o in objects], **data}
    payload["apply" if apply else "index"] = "1" if apply else "0"
    return client.post(admin_url(model), payload, follow=follow)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def form_errors(response) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


@pytest.fixture
def world(agency_a, agency_b):
    return make_world(agency_a, agency_b)


@pytest.fixture
def warm_content_types(db):
    ContentType.objects.get_for_models(*apps.get_app_config("workers").get_models(), Event)


# --- Who reaches the admin --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agency_user_a", "officer_a", None])
def test_agency_users_officers_and_anonymous_are_sent_to_login(persona, request, client_for, world):
    client = client_for(request.getfixturevalue(persona) if persona else None)
    for url in (admin_url("worker"), admin_url("deployment"), admin_url("worker", "change", world["a"]["worker"].pk)):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


# --- Workers ----------------------------------------------------------------------------------------


def test_worker_changelist_masks_identifiers(client_for, licensing_officer, world):
    response = client_for(licensing_officer).get(admin_url("worker"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "ចាន់ ស្រីពៅ" in body and "Chan Sreypov" in body and "Heng Sophea" in body
    assert "•••••567" in body and "••••••344" in body
    for plain in ("N1234567", "011223344", "012345678", "N7654321"):
        assert plain not in body
    assert response.context["cl"].show_full_result_count is False


@pytest.mark.parametrize("term,expected", [
    ("sreypov", {"Chan Sreypov"}),
    ("ហេង", {"Heng Sophea"}),
    ("N 123-4567", {"Chan Sreypov"}),  # an exact passport, through its hash
    ("011223344", {"Chan Sreypov"}),  # a national ID
    ("+855 12 345 678", {"Chan Sreypov"}),  # a phone
    ("N12345", set()),  # part of a number finds nothing: there is no plaintext to search
])
def test_worker_search_by_name_or_exact_identifier(client_for, licensing_officer, world, term, expected):
    response = client_for(licensing_officer).get(admin_url("worker"), {"q": term})
    assert {w.name_latin for w in response.context["cl"].result_list} == expected


def test_worker_page_is_masked_and_identifiers_button_logs(client_for, licensing_officer, world):
    worker = world["a"]["worker"]
    client = client_for(licensing_officer)
    page = client.get(admin_url("worker", "change", worker.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert "N1234567" not in body and "•••••567" in body
    assert [str(t["label"]) for t in page.context["object_tools"]] == ["Show identifiers"]  # no change_worker
    confirm = client.get(admin_url("worker", "identifiers", worker.pk))
    assert "N1234567" not in confirm.content.decode()
    assert not entries_for(worker, kind="identifiers").exists()
    shown = client.post(admin_url("worker", "identifiers", worker.pk))
    assert shown.status_code == 200
    assert "N1234567" in shown.content.decode() and "011223344" in shown.content.decode()
    access = entries_for(worker, kind="identifiers")
    assert access.count() == 1 and access.get().user == licensing_officer and access.get().channel == "admin"


def test_identifiers_refused_without_the_permission(client_for, statistician, world):
    worker = world["a"]["worker"]
    client = client_for(statistician)
    page = client.get(admin_url("worker", "change", worker.pk))
    assert page.status_code == 200 and page.context["object_tools"] == []
    assert client.post(admin_url("worker", "identifiers", worker.pk)).status_code == 403
    assert not entries_for(worker, kind="identifiers").exists()


def test_worker_registered_through_the_service(client_for, complaints_officer, world):
    client = client_for(complaints_officer)
    data = {"name_latin": "Chan Sreypov", "name_km": "ចាន់ ស្រីពៅ", "sex": "F",
            "date_of_birth": str(world["a"]["worker"].date_of_birth), "home_province": province("01").pk,
            "passport_number": "", "national_id": ""}
    response = client.post(admin_url("worker", "add"), data)
    assert response.status_code == 200 and "already registered" in form_errors(response)
    assert Worker.objects.filter(name_latin="Chan Sreypov").count() == 1
    response = client.post(admin_url("worker", "add"), {**data, "confirm_not_duplicate": "on"}, follow=True)
    created = Worker.objects.filter(name_latin="Chan Sreypov").exclude(pk=world["a"]["worker"].pk).get()
    assert response.redirect_chain[-1][0] == admin_url("worker", "change", created.pk)
    assert created.duplicate_checked_by == complaints_officer and created.registered_by_agency is None
    assert [e.code for e in events_for(created)] == ["worker.registered"]


def test_worker_edited_through_the_service_by_those_who_may(client_for, complaints_officer, licensing_officer, world):
    worker = world["a"]["worker"]
    assert client_for(licensing_officer).get(admin_url("worker", "edit", worker.pk)).status_code == 403
    client = client_for(complaints_officer)
    form = client.get(admin_url("worker", "edit", worker.pk))
    assert "N1234567" not in form.content.decode()  # the form never carries the numbers
    data = {"name_latin": "Chan Sreypov", "name_km": "ចាន់ ស្រីពៅ", "sex": "F", "date_of_birth": "1995-04-12",
            "home_province": province("12").pk, "village": "Prek Leap", "phone": "011 000 111"}
    response = client.post(admin_url("worker", "edit", worker.pk), data, follow=True)
    assert "The record was saved." in messages_of(response)
    worker.refresh_from_db()
    assert worker.village == "Prek Leap" and worker.phone == "011 000 111" and worker.passport_number == "N1234567"
    assert events_for(worker).first().code == "worker.updated"


def test_workers_are_never_changed_or_deleted_directly(client_for, superuser, world):
    client = client_for(superuser)
    page = client.get(admin_url("worker", "change", world["a"]["worker"].pk))
    assert page.context["has_change_permission"] is False and page.context["has_delete_permission"] is False
    assert client.get(admin_url("worker", "delete", world["a"]["worker"].pk)).status_code == 403


# --- Deployments ------------------------------------------------------------------------------------


def test_deployment_page_shows_contracts_and_history_read_only(client_for, licensing_officer, world):
    dep = ready_to_depart(world["a"]["deployment"])
    EmploymentContract.objects.filter(deployment=dep).update(differences={"monthly_wage": ["11000.00", "9000.00"]})
    LegalStatusRecord.objects.create(deployment=dep, status="overstayed", since=today())
    page = client_for(licensing_officer).get(admin_url("deployment", "change", dep.pk))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Monthly wage: job order 11000.00, contract 9000.00" in body
    assert "Overstayed" in body
    for formset in page.context["inline_admin_formsets"]:
        assert not formset.has_add_permission and not formset.has_change_permission
    labels = [str(t["label"]) for t in page.context["object_tools"]]
    assert labels == ["Approve job-placement contract", "Approve employment contract", "Reject a contract",
                      "Accept differences"]


def test_approve_contract_actions_call_the_service(client_for, licensing_officer, world):
    dep = world["a"]["deployment"]
    PlacementContract.objects.create(deployment=dep, signed_on=today(), articles=["parties"])
    client = client_for(licensing_officer)
    response = post_action(client, "deployment", "approve_placement_contract", [dep])
    assert any("Missing mandatory articles" in m for m in messages_of(response))
    assert PlacementContract.objects.get(deployment=dep).status == ContractStatus.SUBMITTED
    response = post_action(client, "deployment", "approve_employment_contract", [dep])
    assert any("No employment contract has been submitted." in m for m in messages_of(response))
    PlacementContract.objects.filter(deployment=dep).update(articles=list(PlacementArticle.values))
    response = post_action(client, "deployment", "approve_placement_contract", [dep])
    assert "1 job-placement contracts approved." in messages_of(response)
    contract = PlacementContract.objects.get(deployment=dep)
    assert contract.status == ContractStatus.APPROVED and contract.reviewed_by == licensing_officer
    assert events_for(dep).first().code == "contract.approved"


def test_reject_contract_needs_a_reason(client_for, licensing_officer, world):
    dep = world["a"]["deployment"]
    EmploymentContract.objects.create(deployment=dep, employer_name="X", position="Y", monthly_wage=1, wage_currency="THB",
                                      hours_per_week=40, duration_months=12, signed_on=today())
    client = client_for(licensing_officer)
    assert post_action(client, "deployment", "reject_contract", [dep]).status_code == 200
    response = post_action(client, "deployment", "reject_contract", [dep], apply=True, contract="employment", review_note="")
    assert "Give the reason for rejecting." in form_errors(response)
    assert EmploymentContract.objects.get(deployment=dep).status == ContractStatus.SUBMITTED
    response = post_action(client, "deployment", "reject_contract", [dep], apply=True, contract="employment",
                           review_note="Wage below the minimum")
    assert "Contract rejected for 1 deployments." in messages_of(response)
    contract = EmploymentContract.objects.get(deployment=dep)
    assert (contract.status, contract.review_note) == (ContractStatus.REJECTED, "Wage below the minimum")


def test_accept_substitution_button_and_action(client_for, director, statistician, world):
    dep = world["a"]["deployment"]
    EmploymentContract.objects.create(deployment=dep, employer_name="X", position="Cleaner", monthly_wage=9000,
                                      wage_currency="THB", hours_per_week=48, duration_months=24, signed_on=today(),
                                      differences={"position": ["Construction worker", "Cleaner"]})
    # A statistician sees no transition at all.
    page = client_for(statistician).get(admin_url("deployment"))
    assert not (set(page.context["cl"].model_admin.get_actions(page.wsgi_request)) - {"delete_selected"})
    client = client_for(director)
    response = client.post(admin_url("deployment", "substitution", dep.pk), {"substitution_reason": ""})
    assert "Say why the differences are acceptable" in form_errors(response)
    response = client.post(admin_url("deployment", "substitution", dep.pk),
                           {"substitution_reason": "Higher wage agreed"}, follow=True)
    assert "The differences were accepted." in messages_of(response)
    contract = EmploymentContract.objects.get(deployment=dep)
    assert contract.substitution_accepted_by == director and contract.substitution_reason == "Higher wage agreed"


def test_cancel_action_goes_through_the_transition(client_for, licensing_officer, world):
    dep_a, dep_b = world["a"]["deployment"], world["b"]["deployment"]
    client = client_for(licensing_officer)
    response = post_action(client, "deployment", "cancel_deployment", [dep_a, dep_b], apply=True, reason="")
    assert "Give the reason for cancelling." in form_errors(response)
    assert Deployment.objects.filter(status=DeploymentStatus.CANCELLED).count() == 0
    response = post_action(client, "deployment", "cancel_deployment", [dep_a, dep_b], apply=True, reason="Job order withdrawn")
    assert "2 deployments cancelled." in messages_of(response)
    for dep in (dep_a, dep_b):
        dep.refresh_from_db()
        assert dep.status == DeploymentStatus.CANCELLED and dep.version == 2
        assert events_for(dep).first().code == "deployment.cancelled"


def test_deployments_are_never_added_changed_or_deleted_directly(client_for, superuser, world):
    client = client_for(superuser)
    assert client.get(admin_url("deployment", "add")).status_code == 403
    page = client.get(admin_url("deployment", "change", world["a"]["deployment"].pk))
    assert page.context["has_change_permission"] is False
    assert "status" in page.context["adminform"].readonly_fields


# --- Job orders ---------------------------------------------------------------------------------------


def test_vetting_actions_record_the_attache(client_for, licensing_officer, inspector, world):
    order = JobOrderFactory(agency=world["a"]["agency"], status=JobOrderStatus.SUBMITTED, ref="JO-A-NEW")
    client = client_for(licensing_officer)
    response = post_action(client, "joborder", "approve_vetting", [order], apply=True, vetted_by="", vetting_note="")
    assert "Name the labour attaché who vetted it." in form_errors(response)
    response = post_action(client, "joborder", "reject_vetting", [order], apply=True, vetted_by="Attaché, Kuala Lumpur",
                           vetting_note="")
    assert "Give the reason for rejecting." in form_errors(response)
    assert JobOrder.objects.get(pk=order.pk).status == JobOrderStatus.SUBMITTED
    response = post_action(client, "joborder", "approve_vetting", [order], apply=True,
                           vetted_by="Labour attaché, Royal Embassy in Bangkok", vetting_note="")
    assert "1 job orders approved." in messages_of(response)
    order.refresh_from_db()
    assert (order.status, order.vetted_by, order.vetted_on) == (
        JobOrderStatus.APPROVED, "Labour attaché, Royal Embassy in Bangkok", today())
    # Already vetted: the service's message, nothing changes.
    response = client.post(admin_url("joborder", "reject", order.pk), {"vetted_by": "X", "vetting_note": "late"})
    assert "This job order was already vetted." in form_errors(response)
    # Inspectors do not vet.
    page = client_for(inspector).get(admin_url("joborder"))
    assert "approve_vetting" not in page.context["cl"].model_admin.get_actions(page.wsgi_request)


# --- Sending suspensions ---------------------------------------------------------------------------------


def test_suspension_added_through_the_service(client_for, director, statistician):
    assert client_for(statistician).get(admin_url("sendingsuspension", "add")).status_code == 403
    client = client_for(director)
    data = {"country": country("MY").pk, "sector": sector("DOM").pk, "starts_on": str(today()), "reason": ""}
    response = client.post(admin_url("sendingsuspension", "add"), data)
    assert "Give the reason for the suspension." in form_errors(response)
    assert not SendingSuspension.objects.exists()
    response = client.post(admin_url("sendingsuspension", "add"), {**data, "reason": "Abuse of domestic workers",
                                                                    "reference": "MOLVT 2011/10"}, follow=True)
    suspension = SendingSuspension.objects.get()
    assert (suspension.decided_by, suspension.reference) == (director, "MOLVT 2011/10")
    assert events_for(suspension).first().code == "suspension.created"
    page = client.get(admin_url("sendingsuspension"), {"in_force": "yes"})
    assert list(page.context["cl"].result_list) == [suspension]


# --- Read-only records: legal status, report differences ----------------------------------------------------


def make_differences(agency, n: int) -> list[ReportDifference]:
    report = MonthlyReportFactory(agency=agency, period=(today().replace(day=1) - timedelta(days=1 + 31 * len(
        MonthlyReport.objects.filter(agency=agency)))).replace(day=1))
    return [
        ReportDifference.objects.create(report=report, country=country("TH"), sector=sector("CON"), sex="M", figure=f"f{i}",
                                        reported=10, register=7 + i % 5, submission=1)
        for i in range(n)
    ]


def test_report_differences_are_listed_read_only_by_agency(client_for, licensing_officer, agency_a, agency_b):
    make_differences(agency_a, 2)
    make_differences(agency_b, 1)
    client = client_for(licensing_officer)
    page = client.get(admin_url("reportdifference"), {"report__agency__id__exact": agency_a.pk})
    rows = list(page.context["cl"].result_list)
    assert len(rows) == 2 and {r.report.agency for r in rows} == {agency_a}
    assert "+3" in page.content.decode()  # reported 10, register 7
    assert page.context["has_add_permission"] is False
    over = client.get(admin_url("reportdifference"), {"gap": "under"})
    assert list(over.context["cl"].result_list) == []


# --- Query budgets ------------------------------------------------------------------------------------------
#
# Every admin page: session, user, the user's groups (the scope) and the header's
# notification count (4); a ministry user who is not a superuser adds their own and
# their groups' permissions (2). A changelist adds the COUNT (1) and the page (1, with
# list_select_related), then each list filter on a related model (1 each) and a
# date_hierarchy (2: the date range, the dates offered).
BASE = 4
PERMS = 2
LIST = BASE + 2
DATES = 2


def estimate_queries(model: str) -> int:
    """The large tables' paginator (EstimatedCountPaginator) first asks PostgreSQL's planner for
    an estimate when the list is unfiltered (1), then counts for real below 10,000 rows."""
    return 1 if model in ("worker", "deployment") and connection.vendor == "postgresql" else 0


def make_workers(n):
    agency = AgencyFactory()
    return [WorkerFactory(registered_by_agency=agency) for _ in range(n)]


def make_deployments(n):
    order = JobOrderFactory(positions_male=1000)
    out = []
    for _ in range(n):
        dep = DeploymentFactory(job_order=order)
        Deployment.objects.filter(pk=dep.pk).update(departed_on=today() - timedelta(days=3))
        out.append(dep)
    return out


def make_job_orders(n):
    agency = AgencyFactory()
    return [JobOrderFactory(agency=agency) for _ in range(n)]


def make_suspensions(n):
    countries = list(Country.objects.all())
    return [SendingSuspension.objects.create(country=countries[i % len(countries)], starts_on=today(), reason="x")
            for i in range(n)]


def make_legal_statuses(n):
    dep = DeploymentFactory()
    return [LegalStatusRecord.objects.create(deployment=dep, status="regular", since=today() - timedelta(days=i))
            for i in range(n)]


def make_employers(n):
    return [EmployerFactory() for _ in range(n)]


BUILDERS = {
    "worker": make_workers,
    "deployment": make_deployments,
    "joborder": make_job_orders,
    "sendingsuspension": make_suspensions,
    "legalstatusrecord": make_legal_statuses,
    "reportdifference": lambda n: make_differences(AgencyFactory(), n),
    "employer": make_employers,
}

CHANGELIST_BUDGETS = {
    # model: (a superuser's queries, the ministry group that works on it)
    "worker": (LIST + 1, "licensing_officer"),  # filter: home province (sex, education are choices)
    "deployment": (LIST + 3 + DATES, "licensing_officer"),  # filters: destination, sector, agency
    "joborder": (LIST + 2 + DATES, "licensing_officer"),  # filters: destination, sector
    "sendingsuspension": (LIST + 1 + DATES, "director"),  # filter: country
    "legalstatusrecord": (LIST + DATES, "statistician"),
    "reportdifference": (LIST + 3 + DATES, "statistician"),  # filters: agency, country, the figures reported
    "employer": (LIST + 2, "licensing_officer"),  # filters: country, sector
}

# A change page adds the row itself (1, with its joins), then: the worker's timeline
# (1); the deployment's three inlines (3) and timeline (1); the job order's timeline (1).
CHANGE_FORM_BUDGETS = {
    "worker": (BASE + 1 + 1, "licensing_officer"),
    "deployment": (BASE + 1 + 3 + 1, "licensing_officer"),
    "joborder": (BASE + 1 + 1, "licensing_officer"),
    "sendingsuspension": (BASE + 1 + 1, "director"),
}


@pytest.mark.parametrize("model", list(CHANGELIST_BUDGETS))
def test_changelist_budget_does_not_grow_with_rows(model, request, client_for, superuser, warm_content_types,
                                                   django_assert_num_queries):
    budget, group = CHANGELIST_BUDGETS[model]
    budget += estimate_queries(model)
    staff = request.getfixturevalue(group)
    BUILDERS[model](3)
    for rows in (3, 30):
        for user, queries in ((superuser, budget), (staff, budget + PERMS)):
            client = client_for(user)
            with django_assert_num_queries(queries):
                response = client.get(admin_url(model))
            assert response.status_code == 200
            assert len(response.context["cl"].result_list) >= rows
        if rows == 3:
            BUILDERS[model](27)


@pytest.mark.parametrize("model", list(CHANGE_FORM_BUDGETS))
def test_change_form_budget(model, request, client_for, superuser, warm_content_types, django_assert_num_queries):
    budget, group = CHANGE_FORM_BUDGETS[model]
    staff = request.getfixturevalue(group)
    obj = BUILDERS[model](3)[0]
    if model == "deployment":
        ready_to_depart(obj)
        LegalStatusRecord.objects.create(deployment=obj, status="regular", since=today())
    for user, queries in ((superuser, budget), (staff, budget + PERMS)):
        client = client_for(user)
        with django_assert_num_queries(queries):
            response = client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200
        assert response.context["original"] == obj


def test_worker_search_by_identifier_keeps_the_budget(client_for, superuser, warm_content_types, django_assert_num_queries):
    make_workers(5)
    target = WorkerFactory(passport_number="N9999999")
    client = client_for(superuser)
    with django_assert_num_queries(CHANGELIST_BUDGETS["worker"][0]):
        response = client.get(admin_url("worker"), {"q": "N9999999"})
    assert list(response.context["cl"].result_list) == [target]

