"""The ministry's complaint screens: the case register (restricted cases only for their
handlers), its actions and buttons through the services, drawdowns decided by directors,
the time limits per stage, read-only responses and referrals; query budgets pinned and
constant as rows grow."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from agencies.services import deposit_balance
from complaints import services
from complaints.choices import DrawdownStatus, Stage
from complaints.models import Complaint, ConciliationMeeting, DrawdownProposal, StageTimeLimit
from migration_portal.core.scoping import COMPLAINTS

from ..factories import AgencyFactory, UserFactory
from .factories import register, to_settled

pytestmark = [pytest.mark.django_db, pytest.mark.urls("complaints.test_urls")]

CHANGELIST = "/admin/complaints/complaint/"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def change_url(obj) -> str:
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def owed(officer, agency, amount=Decimal("600")):
    complaint, settlement = to_settled(register(officer, agency), officer, agency, amount=amount)
    return complaint, settlement


# --- Query budgets -----------------------------------------------------------------------------------


def test_changelist_budget_does_not_grow_with_rows(
    client_for, officer_a, agency_a, superuser, complaints_officer, django_assert_num_queries
):
    for _ in range(3):
        register(officer_a, agency_a)
    for user in (superuser, complaints_officer):
        client_for(user).get(CHANGELIST)  # per-process caches (content types) warm
    # 1 session, 2 user, 3 stage limits (the overdue column and filter), 4 the user's groups (scope),
    # 5 the provinces for the province filter, 6 the filtered count, 7 the page's rows with province and officer,
    # 8 unread notifications (layout), 9-10 the date hierarchy's bounds and days;
    # staff also: 11-12 their user and group permissions.
    budgets = ((superuser, 10), (complaints_officer, 12))
    for more in (0, 27):
        for _ in range(more):
            register(officer_a, AgencyFactory(deposit=0))
        for user, queries in budgets:
            client = client_for(user)
            with django_assert_num_queries(queries):
                response = client.get(CHANGELIST)
            assert response.status_code == 200 and response.context["cl"].result_count >= 3 + more


def test_change_page_budget_does_not_grow_with_inline_rows(
    client_for, officer_a, agency_a, complaints_officer, django_assert_num_queries
):
    complaint, settlement = owed(officer_a, agency_a, Decimal("900"))
    client_for(complaints_officer).get(change_url(complaint))
    # 1 session, 2 user, 3 stage limits, 4 groups (scope), 5 the case with its joins, 6-7 permissions,
    # 8-11 the inlines (grounds, respondents with agencies, meetings with their case, settlement with paying agency),
    # 12 unread notifications, 13 the payments list.
    client = client_for(complaints_officer)
    for _ in range(2):
        services.payment_record(settlement=settlement, actor=officer_a, amount=Decimal("10"), paid_on=timezone.localdate())
        ConciliationMeeting.objects.create(complaint=complaint, scheduled_for=timezone.now(), place="PP")
        with django_assert_num_queries(13):
            response = client.get(change_url(complaint))
        assert response.status_code == 200 and response.context["original"] == complaint


def test_drawdown_changelist_budget(client_for, officer_a, director, django_assert_num_queries):
    client_for(director).get("/admin/complaints/drawdownproposal/")
    # 1 session, 2 user, 3 groups (scope), 4-5 permissions, 6 count, 7 rows with case, agency and people,
    # 8 notifications, 9-10 the date hierarchy.
    for n in (2, 10):
        while DrawdownProposal.objects.count() < n:
            agency = AgencyFactory()
            _complaint, settlement = owed(officer_a, agency)
            services.drawdown_propose(settlement=settlement, actor=officer_a, amount=Decimal("50"), reason="unpaid")
        client = client_for(director)
        with django_assert_num_queries(10):
            assert client.get("/admin/complaints/drawdownproposal/").status_code == 200


# --- Scope -----------------------------------------------------------------------------------------------


def test_restricted_cases_only_for_their_handlers(client_for, officer_a, agency_a, complaints_officer, director, superuser):
    plain = register(officer_a, agency_a)
    restricted = register(officer_a, agency_a, indicators=["violence"])
    for user in (complaints_officer, director):
        client = client_for(user)
        refs = {c.ref for c in client.get(CHANGELIST).context["cl"].result_list}
        assert refs == {plain.ref}
        response = client.get(change_url(restricted))
        assert response.status_code == 404  # outside the scope: not found, as everywhere else
    assert {c.ref for c in client_for(superuser).get(CHANGELIST).context["cl"].result_list} == {plain.ref, restricted.ref}
    services.complaint_assign(complaint=restricted, officer=complaints_officer, actor=officer_a)
    assert client_for(complaints_officer).get(change_url(restricted)).status_code == 200


@pytest.mark.parametrize("persona", ["officer_a", "agency_user_a", None])
def test_non_staff_are_sent_to_the_login(client_for, request, persona, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    user = request.getfixturevalue(persona) if persona else None
    for url in (CHANGELIST, change_url(complaint), "/admin/complaints/drawdownproposal/"):
        response = client_for(user).get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_change_page_is_read_only_and_links_to_the_portal(client_for, officer_a, agency_a, complaints_officer):
    complaint = register(officer_a, agency_a, confidential_notes="private")
    response = client_for(complaints_officer).get(change_url(complaint))
    html = response.content.decode()
    assert f"/complaints/{complaint.ref}/" in html and 'name="_save"' not in html
    assert "Assign to me" in html and "Transfer to the ministry" in html
    # Posting fields changes nothing.
    client_for(complaints_officer).post(change_url(complaint), {"stage": "closed", "narrative": "edited"})
    complaint.refresh_from_db()
    assert complaint.stage == Stage.RECEIVED and complaint.narrative != "edited"
    assert client_for(complaints_officer).get("/admin/complaints/complaint/add/").status_code == 403


# --- Actions and buttons -----------------------------------------------------------------------------------


def test_assign_to_me_action(client_for, officer_a, agency_a, complaints_officer):
    cases = [register(officer_a, agency_a) for _ in range(2)]
    response = client_for(complaints_officer).post(
        CHANGELIST, {"action": "assign_to_me", "_selected_action": [c.pk for c in cases]}
    )
    assert response.status_code == 302
    assert set(Complaint.objects.values_list("assigned_officer", flat=True)) == {complaints_officer.pk}
    assert all(complaints_officer in c.handlers.all() for c in cases)


def test_transfer_to_ministry_action_needs_a_reason_and_is_all_or_nothing(client_for, officer_a, agency_a, complaints_officer):
    open_case = register(officer_a, agency_a)
    closed = register(officer_a, agency_a)
    services.complaint_transition(complaint=closed, to_stage=Stage.WITHDRAWN, actor=officer_a, reason="Paid")
    client = client_for(complaints_officer)
    body = {"action": "transfer_to_ministry", "_selected_action": [open_case.pk]}
    page = client.post(CHANGELIST, body)
    assert page.status_code == 200 and "Transfer cases to the ministry" in page.content.decode()
    empty = client.post(CHANGELIST, {**body, "apply": "1", "reason": ""})
    assert "This field is required." in empty.content.decode()
    both = client.post(CHANGELIST, {**body, "_selected_action": [open_case.pk, closed.pk], "apply": "1", "reason": "Serious"})
    assert "Only an open case can be transferred." in both.content.decode()
    assert Complaint.objects.get(pk=open_case.pk).current_province == officer_a.province  # none moved
    done = client.post(CHANGELIST, {**body, "apply": "1", "reason": "Serious case for the centre"})
    assert done.status_code == 302
    moved = Complaint.objects.get(pk=open_case.pk)
    assert moved.current_province is None and moved.transfers.get().reason == "Serious case for the centre"


def test_the_actions_need_the_permissions(client_for, officer_a, agency_a, statistician, director):
    complaint = register(officer_a, agency_a)
    for user in (statistician, director):
        actions = (
            client_for(user).get(CHANGELIST).context["cl"].model_admin.get_actions(client_for(user).get(CHANGELIST).wsgi_request)
        )
        assert "assign_to_me" not in actions
    response = client_for(statistician).post(CHANGELIST, {"action": "assign_to_me", "_selected_action": [complaint.pk]})
    assert response.status_code == 200  # "no action selected": nothing done
    assert Complaint.objects.get(pk=complaint.pk).assigned_officer == officer_a
    assert client_for(statistician).get(f"/admin/complaints/complaint/{complaint.pk}/assign-me/").status_code == 403


def test_assign_me_button(client_for, officer_a, agency_a, complaints_officer):
    complaint = register(officer_a, agency_a)
    url = f"/admin/complaints/complaint/{complaint.pk}/assign-me/"
    assert client_for(complaints_officer).get(url).status_code == 200
    assert client_for(complaints_officer).post(url, {}).status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).assigned_officer == complaints_officer


def test_drawdown_approve_and_reject(client_for, officer_a, agency_a, agency_b, director, complaints_officer):
    _c1, s1 = owed(officer_a, agency_a)
    _c2, s2 = owed(officer_a, agency_b)
    p1 = services.drawdown_propose(settlement=s1, actor=officer_a, amount=Decimal("600"), reason="Never paid")
    p2 = services.drawdown_propose(settlement=s2, actor=officer_a, amount=Decimal("300"), reason="Half paid")
    changelist = "/admin/complaints/drawdownproposal/"
    # Only those who hold complaints.approve_drawdown get the actions.
    assert "approve" not in client_for(complaints_officer).get(changelist).context["cl"].model_admin.get_actions(
        client_for(complaints_officer).get(changelist).wsgi_request
    )
    client = client_for(director)
    reject = client.post(changelist, {"action": "reject", "_selected_action": [p2.pk], "apply": "1", "note": ""})
    assert "This field is required." in reject.content.decode()
    assert (
        client.post(
            changelist, {"action": "reject", "_selected_action": [p2.pk], "apply": "1", "note": "Settle with the agency first"}
        ).status_code
        == 302
    )
    before = deposit_balance(agency_a)
    assert (
        client.post(changelist, {"action": "approve", "_selected_action": [p1.pk], "apply": "1", "note": ""}).status_code == 302
    )
    p1.refresh_from_db()
    p2.refresh_from_db()
    assert p1.status == DrawdownStatus.APPROVED and p2.status == DrawdownStatus.REJECTED
    assert deposit_balance(agency_a) == before - Decimal("600")
    assert s1.payments.get().from_deposit == p1.deposit_entry
    # Deciding twice is refused and said.
    again = client.post(f"/admin/complaints/drawdownproposal/{p1.pk}/reject/", {"note": "oops"})
    assert "This proposal was already decided." in again.content.decode()
    html = client.get(change_url(p1)).content.decode()
    assert "/approve/" not in html and 'name="_save"' not in html


def test_drawdown_buttons_refused_without_the_permission(client_for, officer_a, agency_a, complaints_officer):
    _c, settlement = owed(officer_a, agency_a)
    proposal = services.drawdown_propose(settlement=settlement, actor=officer_a, amount=Decimal("100"), reason="x")
    assert (
        client_for(complaints_officer)
        .post(f"/admin/complaints/drawdownproposal/{proposal.pk}/approve/", {"note": ""})
        .status_code
        == 403
    )
    assert DrawdownProposal.objects.get().status == DrawdownStatus.PROPOSED


# --- Filters, time limits, read-only records ----------------------------------------------------------------


def test_list_filters(client_for, officer_a, agency_a, complaints_officer):
    late = register(officer_a, agency_a, grounds=["fees"])
    fresh = register(officer_a, agency_a, grounds=["wages"])
    trafficking = register(officer_a, agency_a, grounds=["abuse"], indicators=["debt"])
    services.complaint_assign(complaint=trafficking, officer=complaints_officer, actor=officer_a)
    Complaint.objects.filter(pk=late.pk).update(stage_since=timezone.now() - timedelta(days=4))
    client = client_for(complaints_officer)

    def refs(query):
        return {c.ref for c in client.get(f"{CHANGELIST}?{query}").context["cl"].result_list}

    assert refs("overdue=yes") == {late.ref}
    assert refs("overdue=no") == {fresh.ref, trafficking.ref}
    assert refs("ground=wages") == {fresh.ref}
    assert refs("trafficking_flag__exact=1") == {trafficking.ref}
    assert refs(f"q={late.ref}") == {late.ref}
    assert refs("stage__exact=received") == {late.ref, fresh.ref, trafficking.ref}


def test_time_limits_are_edited_by_ministry_staff_and_drive_deadlines(
    client_for, officer_a, agency_a, complaints_officer, statistician
):
    complaint = register(officer_a, agency_a)
    Complaint.objects.filter(pk=complaint.pk).update(stage_since=timezone.now() - timedelta(days=4))
    limit, _ = StageTimeLimit.objects.get_or_create(stage=Stage.RECEIVED, defaults={"days": 3})
    limits = list(StageTimeLimit.objects.order_by("stage"))
    body = {"form-TOTAL_FORMS": len(limits), "form-INITIAL_FORMS": len(limits), "_save": "Save"}
    for i, row in enumerate(limits):
        body.update(
            {
                f"form-{i}-id": row.pk,
                f"form-{i}-days": 7 if row.pk == limit.pk else row.days,
                f"form-{i}-remind_days_before": row.remind_days_before,
            }
        )
    response = client_for(complaints_officer).post("/admin/complaints/stagetimelimit/", body)
    assert response.status_code == 302
    limit.refresh_from_db()
    assert limit.days == 7
    assert services.stage_deadline(Complaint.objects.get(pk=complaint.pk)) > timezone.now()
    assert {c.ref for c in client_for(complaints_officer).get(f"{CHANGELIST}?overdue=yes").context["cl"].result_list} == set()
    # A statistician reads them but cannot change them.
    assert client_for(statistician).get(change_url(limit)).status_code == 200
    client_for(statistician).post("/admin/complaints/stagetimelimit/", {**body, f"form-{limits.index(limit)}-days": 1})
    limit.refresh_from_db()
    assert limit.days == 7


def test_agency_responses_and_legal_aid_are_read_only(client_for, officer_a, agency_a, agency_user_a, complaints_officer):
    complaint = register(officer_a, agency_a)
    response = services.agency_respond(complaint=complaint, actor=agency_user_a, text="We paid.")
    referral = services.legal_aid_refer(complaint=complaint, actor=officer_a, partner="LAC")
    client = client_for(complaints_officer)
    for obj, changelist in ((response, "/admin/complaints/agencyresponse/"), (referral, "/admin/complaints/legalaidreferral/")):
        assert client.get(changelist).status_code == 200
        page = client.get(change_url(obj))
        assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
        assert client.get(changelist + "add/").status_code == 403
        assert client.post(change_url(obj).replace("change", "delete"), {"post": "yes"}).status_code == 403


def test_a_second_complaints_officer_does_not_see_a_colleagues_restricted_case(
    client_for, officer_a, agency_a, complaints_officer
):
    colleague = UserFactory(username="mrc2", is_staff=True, groups=[COMPLAINTS])
    case = register(officer_a, agency_a, indicators=["minor"])
    services.complaint_assign(complaint=case, officer=complaints_officer, actor=officer_a)
    assert client_for(colleague).get(change_url(case)).status_code == 404
    assert Group.objects.get(name=COMPLAINTS).user_set.count() == 2
