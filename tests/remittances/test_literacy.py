"""Financial-literacy sessions: the services' rules and scope guards, and the pages
(lists scoped, sessions and attendees recorded, outsiders refused)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from migration_portal.core.models import Event
from remittances import literacy
from remittances.models import LiteracyAttendance, LiteracySession

from ..factories import province
from ..workers.factories import DeploymentFactory, WorkerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("remittances.test_urls")]


def yesterday():
    return timezone.localdate() - timedelta(days=1)


def session_values(**over) -> dict:
    return {"province": province("12"), "held_on": yesterday(), "place": "MRC Phnom Penh", "partner": "ILO",
            "audience": "workers", "topics": "Budgeting", **over}


@pytest.fixture
def sessions(agency_user_a, agency_user_b, officer_a, officer_b):
    """One session by each agency (both held in Phnom Penh) and one by each provincial department."""
    return {
        "a": literacy.session_create(actor=agency_user_a, **session_values(place="Agency A centre")),
        "b": literacy.session_create(actor=agency_user_b, **session_values(place="Agency B centre")),
        "pp": literacy.session_create(actor=officer_a, **session_values(place="PDoLVT Phnom Penh", audience="families")),
        "btb": literacy.session_create(actor=officer_b, **session_values(province=province("02"), place="PDoLVT Battambang",
                                                                         audience="returnees")),
    }


@pytest.fixture
def worker_a(agency_a):
    """A worker agency A deployed, from Phnom Penh."""
    return DeploymentFactory(job_order__agency=agency_a, worker__home_province=province("12"), worker__sex="F").worker


@pytest.fixture
def worker_b(agency_b):
    return DeploymentFactory(job_order__agency=agency_b, worker__home_province=province("02")).worker


# --- Services --------------------------------------------------------------------------------


def test_agency_records_sessions_as_itself(agency_a, agency_b, agency_user_a, sessions):
    assert sessions["a"].agency == agency_a
    # Naming another agency changes nothing: an agency user records for their own agency.
    other = literacy.session_create(actor=agency_user_a, agency=agency_b, **session_values())
    assert other.agency == agency_a
    assert Event.objects.filter(code="literacy.session_recorded", object_id=str(other.pk)).exists()


def test_provincial_officer_records_only_in_their_province(officer_a, sessions):
    assert sessions["pp"].agency is None and sessions["pp"].province.code == "12"
    with pytest.raises(PermissionDenied):
        literacy.session_create(actor=officer_a, **session_values(province=province("02")))


def test_session_rules(agency_user_a, inspector):
    with pytest.raises(ValidationError) as err:
        literacy.session_create(actor=agency_user_a, **session_values(
            held_on=timezone.localdate() + timedelta(days=3), place=" ", partner="", audience="tourists"))
    assert set(err.value.message_dict) == {"held_on", "place", "partner", "audience"}
    # A role without the permission is refused.
    with pytest.raises(PermissionDenied):
        literacy.session_create(actor=inspector, **session_values())
    assert not LiteracySession.objects.exists()


def test_attendance_of_workers_and_family_members(agency_user_a, sessions, worker_a, worker_b):
    row = literacy.attendance_add(session=sessions["a"], actor=agency_user_a, worker=worker_a)
    assert row.sex == "F" and row.name == ""  # the sex comes from the register
    with pytest.raises(ValidationError) as err:
        literacy.attendance_add(session=sessions["a"], actor=agency_user_a, worker=worker_a)
    assert "already on this session's list" in err.value.message_dict["worker"][0]
    # A worker of another agency is not one agency A may record.
    with pytest.raises(PermissionDenied):
        literacy.attendance_add(session=sessions["a"], actor=agency_user_a, worker=worker_b)
    mother = literacy.attendance_add(session=sessions["a"], actor=agency_user_a, name="Chan Sreymom", sex="F", relation="mother")
    assert mother.worker is None
    with pytest.raises(ValidationError) as err:
        literacy.attendance_add(session=sessions["a"], actor=agency_user_a, name="", sex="X", relation="")
    assert set(err.value.message_dict) == {"name", "sex", "relation"}
    assert LiteracyAttendance.objects.filter(session=sessions["a"]).count() == 2


def test_nobody_adds_people_to_a_session_outside_their_scope(agency_user_a, officer_a, officer_b, sessions):
    family = {"name": "Kim Sophea", "sex": "F", "relation": "spouse"}
    with pytest.raises(PermissionDenied):
        literacy.attendance_add(session=sessions["b"], actor=agency_user_a, **family)
    with pytest.raises(PermissionDenied):
        literacy.attendance_add(session=sessions["btb"], actor=officer_a, **family)
    # A provincial officer adds to any session held in the province, an agency's included.
    literacy.attendance_add(session=sessions["a"], actor=officer_a, **family)
    with pytest.raises(PermissionDenied):
        literacy.attendance_add(session=sessions["a"], actor=officer_b, **family)
    assert LiteracyAttendance.objects.count() == 1


def test_attendance_remove(agency_user_a, agency_user_b, sessions):
    row = literacy.attendance_add(session=sessions["a"], actor=agency_user_a, name="Heng Vuthy", sex="M", relation="father")
    with pytest.raises(PermissionDenied):
        literacy.attendance_remove(attendance=row, actor=agency_user_b)
    literacy.attendance_remove(attendance=row, actor=agency_user_a)
    assert not LiteracyAttendance.objects.exists()
    assert Event.objects.filter(code="literacy.attendee_removed", object_id=str(sessions["a"].pk)).exists()


# --- Pages -----------------------------------------------------------------------------------


def test_session_lists_are_scoped(client_for, agency_user_a, agency_user_b, officer_a, officer_b, statistician, inspector,
                                  sessions):
    def seen(user):
        response = client_for(user).get(reverse("literacy-list"))
        assert response.status_code == 200
        return {s.pk for s in response.context["sessions"]}

    ids = {k: v.pk for k, v in sessions.items()}
    assert seen(agency_user_a) == {ids["a"]}
    assert seen(agency_user_b) == {ids["b"]}
    assert seen(officer_a) == {ids["a"], ids["b"], ids["pp"]}  # held in Phnom Penh
    assert seen(officer_b) == {ids["btb"]}
    assert seen(statistician) == set(ids.values())
    assert client_for(inspector).get(reverse("literacy-list")).status_code == 403
    assert client_for().get(reverse("literacy-list")).status_code == 302


def test_session_detail_of_another_agency_is_a_404(client_for, agency_user_a, officer_b, sessions):
    assert client_for(agency_user_a).get(reverse("literacy-detail", kwargs={"pk": sessions["a"].pk})).status_code == 200
    assert client_for(agency_user_a).get(reverse("literacy-detail", kwargs={"pk": sessions["b"].pk})).status_code == 404
    assert client_for(officer_b).get(reverse("literacy-detail", kwargs={"pk": sessions["pp"].pk})).status_code == 404
    post = {"kind": "family", "name": "X", "sex": "F", "relation": "aunt"}
    url = reverse("literacy-attendee-add", kwargs={"pk": sessions["b"].pk})
    assert client_for(agency_user_a).post(url, post).status_code == 404
    assert not LiteracyAttendance.objects.exists()


def test_agency_records_a_session_through_the_page(client_for, agency_user_a, agency_a):
    client = client_for(agency_user_a)
    assert client.get(reverse("literacy-new")).status_code == 200
    response = client.post(reverse("literacy-new"), {
        "province": province("14").pk, "held_on": yesterday().isoformat(), "place": "Commune hall", "partner": "NBC",
        "audience": "families", "topic_list": ["budget", "fraud"], "other_topics": "Insurance"})
    assert response.status_code == 302
    session = LiteracySession.objects.get()
    assert session.agency == agency_a and session.province.code == "14"
    assert session.topics == "Budgeting and saving; Avoiding fraud and scams; Insurance"


def test_session_form_errors(client_for, agency_user_a):
    client = client_for(agency_user_a)
    response = client.post(reverse("literacy-new"), {"province": province("14").pk, "held_on": "yesterday", "place": "",
                                                     "partner": "NBC"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the date as YYYY-MM-DD." in html and "Say where the session was held." in html
    assert "Choose workers, returnees or families." in html
    # The service's own rule comes back next to its field.
    response = client.post(reverse("literacy-new"), {
        "province": province("14").pk, "held_on": (timezone.localdate() + timedelta(days=2)).isoformat(), "place": "Hall",
        "partner": "NBC", "audience": "workers"})
    assert response.status_code == 400 and "this date is in the future" in response.content.decode()
    assert not LiteracySession.objects.exists()


def test_provincial_officer_form_fixes_the_province(client_for, officer_a):
    client = client_for(officer_a)
    response = client.post(reverse("literacy-new"), {
        "province": province("02").pk,  # ignored: the field is fixed to the officer's province
        "held_on": yesterday().isoformat(), "place": "PDoLVT", "partner": "IOM", "audience": "returnees"})
    assert response.status_code == 302
    assert LiteracySession.objects.get().province.code == "12"


def test_attendees_added_and_removed_through_the_page(client_for, agency_user_a, sessions, worker_a, worker_b):
    client = client_for(agency_user_a)
    detail = reverse("literacy-detail", kwargs={"pk": sessions["a"].pk})
    add = reverse("literacy-attendee-add", kwargs={"pk": sessions["a"].pk})
    found = client.get(detail, {"q": worker_a.name_latin[:8]}).context["found"]
    assert worker_a in found and worker_b not in found
    assert client.post(add, {"kind": "worker", "worker": worker_a.pk}).status_code == 302
    assert worker_a not in client.get(detail, {"q": worker_a.name_latin[:8]}).context["found"]  # already on the list
    # Another agency's worker, posted by id, is refused by the form's scoped choices.
    response = client.post(add, {"kind": "worker", "worker": worker_b.pk})
    assert response.status_code == 400 and "This worker is not one you may record." in response.content.decode()
    response = client.post(add, {"kind": "family", "name": "Mao Sreyleak", "sex": "F", "relation": "sister"})
    assert response.status_code == 302
    page = client.get(detail)
    assert len(page.context["attendees"]) == 2 and "Mao Sreyleak" in page.content.decode()
    row = LiteracyAttendance.objects.get(name="Mao Sreyleak")
    remove = reverse("literacy-attendee-remove", kwargs={"pk": sessions["a"].pk, "attendee": row.pk})
    assert client.post(remove).status_code == 302
    assert LiteracyAttendance.objects.count() == 1


def test_session_list_query_budget(client_for, officer_a, agency_user_a, django_assert_num_queries):
    client = client_for(officer_a)

    def grow(n):
        for i in range(n):
            s = literacy.session_create(actor=agency_user_a, **session_values(place=f"Hall {i}"))
            literacy.attendance_add(session=s, actor=agency_user_a, name="Sok Pisey", sex="F", relation="spouse")

    grow(3)
    # session, user, groups, permissions (user and group), notifications, the page's count,
    # the page's rows (province, agency and attendee counts joined and annotated).
    with django_assert_num_queries(8):
        assert client.get(reverse("literacy-list")).status_code == 200
    grow(30)
    with django_assert_num_queries(8):
        response = client.get(reverse("literacy-list"))
    assert len(response.context["sessions"]) == 33 and response.context["sessions"][0].women == 1


def test_session_detail_query_budget(client_for, agency_user_a, sessions, agency_a, django_assert_num_queries):
    client = client_for(agency_user_a)
    url = reverse("literacy-detail", kwargs={"pk": sessions["a"].pk})

    def grow(n):
        for _ in range(n):
            worker = WorkerFactory(registered_by_agency=agency_a)
            literacy.attendance_add(session=sessions["a"], actor=agency_user_a, worker=worker)

    grow(3)
    # session, user, groups, permissions (user and group), notifications, the session, its attendees.
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
    grow(20)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
