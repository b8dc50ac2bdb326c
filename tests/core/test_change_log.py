"""The change log (django-auditlog) and the event timeline keep a restricted case restricted.

The world: a Phnom Penh case against agency A, and a restricted one (trafficking signs)
with a narrative, indicators and an attachment whose description tells the victim's story;
its only ministry handler is one director. The rules: the free text of a case never enters
the log in clear; the log-entry admin lists, finds and opens an entry only for a user who
may see the record it describes (superusers all); the per-record history and change-log
pages of a record outside the scope are a 404; the log admin is read-only with a fixed
query budget.
"""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints import services
from complaints.models import Attachment, Complaint
from migration_portal.core.admin_base import ScopedAdminMixin
from migration_portal.core.audit import MASKED
from migration_portal.core.models import Event
from migration_portal.core.scoping import DIRECTORS

from ..complaints.factories import register
from ..factories import UserFactory
from ..workers.factories import WorkerFactory
from ..workers.test_returns import register_return

pytestmark = [pytest.mark.django_db, pytest.mark.urls("complaints.test_urls")]

LOG = "/admin/auditlog/logentry/"
NARRATIVE = "Taken across at Poipet, locked in the Marigold boat house"
WORD = "Marigold"
DESCRIPTION = "Photo of the Marigold debt ledger"
NOTES = "Sleeps at the Lotus shelter since the beating"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def handler(db):
    """A director who handles the restricted case (and so may read its entries)."""
    return UserFactory(username="director_handler", is_staff=True, groups=[DIRECTORS])


@pytest.fixture
def world(officer_a, agency_a, handler):
    plain = register(officer_a, agency_a)
    restricted = register(officer_a, agency_a, grounds=["abuse"], indicators=["movement", "documents"], narrative=NARRATIVE)
    attachment = services.attachment_add(
        complaint=restricted, actor=officer_a, file=SimpleUploadedFile("l.pdf", b"%PDF-1"), description=DESCRIPTION
    )
    Complaint.handlers.through.objects.create(complaint=restricted, user=handler)
    return {"plain": plain, "restricted": restricted, "attachment": attachment}


def entries_of(obj):
    return LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(obj), object_pk=str(obj.pk))


def listed(client, query: str = "") -> set[tuple[str, str]]:
    response = client.get(LOG + query)
    assert response.status_code == 200
    return {(e.content_type.model, e.object_pk) for e in response.context["cl"].result_list}


def key(obj) -> tuple[str, str]:
    return (obj._meta.model_name, str(obj.pk))


# --- What the log records --------------------------------------------------------------------------


def test_free_text_of_a_case_is_never_written_in_clear(world, officer_a):
    restricted = world["restricted"]
    restricted.confidential_notes = "She fears the Marigold broker"
    restricted.save()
    everything = " ".join(f"{e.object_repr} {e.changes}" for e in LogEntry.objects.all())
    assert WORD not in everything and "movement" not in everything
    # The log still says that the text changed, and who changed what else.
    created = entries_of(restricted).filter(action=LogEntry.Action.CREATE).get()
    assert created.changes["narrative"][1] == MASKED
    assert created.changes["trafficking_indicators"][1] == MASKED
    updated = entries_of(restricted).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert updated.changes["confidential_notes"][1] == MASKED
    attachment_entry = entries_of(world["attachment"]).get()
    assert attachment_entry.changes["description"][1] == MASKED
    assert attachment_entry.object_repr == f"attachment {world['attachment'].pk}"


def test_structured_fields_stay_in_clear(world):
    # Masking is for free text only: amounts, stages and references stay readable.
    created = entries_of(world["plain"]).filter(action=LogEntry.Action.CREATE).get()
    assert "900" in str(created.changes["amount_claimed"][1])
    assert created.changes["ref"][1] == world["plain"].ref


def test_reintegration_case_notes_are_masked(officer_a):
    from workers import services as worker_services

    record = register_return(WorkerFactory(home_province=officer_a.province), officer_a)
    worker_services.case_assess(case=record.case, actor=officer_a, needs=["psychosocial"], notes=NOTES)
    entry = entries_of(record.case).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
    assert entry.changes["assessment_notes"] == ["", MASKED] and entry.changes["needs"][1] == MASKED
    assert "Lotus" not in " ".join(str(e.changes) for e in LogEntry.objects.all())


def test_past_entries_are_masked_by_the_migration(world):
    """Entries written before the masking (here forged in clear) are masked by the data migration."""
    from importlib import import_module

    from django.apps import apps

    entry = entries_of(world["restricted"]).filter(action=LogEntry.Action.CREATE).get()
    entry.changes = {**entry.changes, "narrative": ["", NARRATIVE], "stage": ["", "received"]}
    entry.save()
    attachment_entry = entries_of(world["attachment"]).get()
    LogEntry.objects.filter(pk=attachment_entry.pk).update(object_repr=DESCRIPTION)
    migration = import_module("complaints.migrations.0004_mask_free_text_in_change_log")
    step = migration.Migration.operations[0]
    step.code(apps, None)
    entry.refresh_from_db()
    attachment_entry.refresh_from_db()
    assert entry.changes["narrative"] == ["", MASKED] and entry.changes["stage"] == ["", "received"]
    assert attachment_entry.object_repr == f"attachment {world['attachment'].pk}"


# --- Who reads the log -------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["licensing_officer", "director"])
def test_a_non_handler_sees_no_entry_of_a_restricted_case(client_for, request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    rows = listed(client)
    assert key(world["plain"]) in rows
    assert key(world["restricted"]) not in rows and key(world["attachment"]) not in rows
    # Search finds neither the words of the narrative nor the case's reference.
    assert listed(client, f"?q={WORD}") == set()
    assert listed(client, f"?q={world['restricted'].ref}") == set()
    # Its entries cannot be opened either.
    for entry in (*entries_of(world["restricted"]), *entries_of(world["attachment"])):
        assert client.get(f"{LOG}{entry.pk}/change/").status_code == 404
    plain_entry = entries_of(world["plain"]).first()
    assert client.get(f"{LOG}{plain_entry.pk}/change/").status_code == 200


@pytest.mark.parametrize("persona", ["handler", "superuser"])
def test_handlers_and_superusers_read_the_restricted_entries(client_for, request, world, persona):
    client = client_for(request.getfixturevalue(persona))
    rows = listed(client)
    assert {key(world["restricted"]), key(world["attachment"]), key(world["plain"])} <= rows
    assert key(world["restricted"]) in listed(client, f"?q={world['restricted'].ref}")
    entry = entries_of(world["restricted"]).first()
    response = client.get(f"{LOG}{entry.pk}/change/")
    assert response.status_code == 200 and NARRATIVE not in response.content.decode()


def test_an_inspector_sees_no_complaint_entries_at_all(client_for, inspector, world, agency_a):
    # Inspectors may not view complaints: their entries are hidden, plain or restricted.
    agency_a.name = "Agency A renamed"
    agency_a.save()
    rows = listed(client_for(inspector))
    assert key(agency_a) in rows
    assert not {r for r in rows if r[0] in ("complaint", "attachment")}


@pytest.mark.parametrize("persona", ["complaints_officer", "officer_a", "agency_user_a"])
def test_roles_without_the_log_permission_do_not_reach_it(client_for, request, world, persona):
    response = client_for(request.getfixturevalue(persona)).get(LOG)
    assert response.status_code in (302, 403)


def test_the_record_type_filter(client_for, director, inspector, world):
    client = client_for(director)
    complaint_type = ContentType.objects.get_for_model(Complaint)
    assert {key(world["plain"])} == {r for r in listed(client, f"?record_type={complaint_type.pk}") if r[0] == "complaint"}
    assert all(r[0] == "complaint" for r in listed(client, f"?record_type={complaint_type.pk}"))
    assert listed(client, "?record_type=abc") == set()
    choices = [c[0] for c in client_for(inspector).get(LOG).context["cl"].filter_specs[1].lookup_choices]
    assert complaint_type.pk not in choices and choices


def test_the_log_is_read_only(client_for, superuser, world):
    client = client_for(superuser)
    entry = entries_of(world["plain"]).first()
    assert client.get(f"{LOG}add/").status_code == 403
    assert client.post(f"{LOG}{entry.pk}/change/", {"object_repr": "x"}).status_code == 403
    assert client.post(f"{LOG}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert LogEntry.objects.filter(pk=entry.pk).exists()


def test_the_log_list_has_a_fixed_query_budget(client_for, director, officer_a, agency_a, django_assert_num_queries):
    client = client_for(director)
    register(officer_a, agency_a)
    client.get(LOG)  # warms the content-type cache
    # session, user, the user's own and their groups' permissions, their groups (scope),
    # the count and the page of entries (actor and type joined), the unread notifications,
    # the date hierarchy's first/last and its days
    budget = 10
    with django_assert_num_queries(budget):
        assert client.get(LOG).status_code == 200
    for _ in range(6):
        register(officer_a, agency_a)
    with django_assert_num_queries(budget):
        response = client.get(LOG)
    assert len(response.context["cl"].result_list) >= 14


# --- Per-record history pages ----------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["auditlog", "history"])
def test_history_pages_of_a_restricted_case_are_404_for_non_handlers(client_for, director, handler, world, page):
    url = f"/admin/complaints/complaint/{world['restricted'].pk}/{page}/"
    assert client_for(director).get(url).status_code == 404
    assert client_for(handler).get(url).status_code == 200
    assert client_for(director).get(f"/admin/complaints/complaint/{world['plain'].pk}/{page}/").status_code == 200


def portal_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label in ("agencies", "workers", "complaints", "remittances", "core", "reference")
    ]


def test_every_portal_admin_is_scoped():
    assert len(portal_admins()) > 30
    for model, model_admin in portal_admins():
        assert isinstance(model_admin, ScopedAdminMixin), model.__name__


@pytest.mark.parametrize("page", ["auditlog/", "history/", "change/", "delete/"])
def test_every_admins_record_pages_are_404_outside_the_scope(client_for, superuser, page):
    """No row with this key exists, which is what a row outside the scope looks like to the admin."""
    client = client_for(superuser)
    checked = 0
    for model, model_admin in portal_admins():
        opts = model._meta
        url = f"/admin/{opts.app_label}/{opts.model_name}/987654/{page}"
        if page == "auditlog/" and not hasattr(model_admin, "auditlog_history_view"):
            continue
        response = client.get(url)
        assert response.status_code in (403, 404), (url, response.status_code)
        checked += response.status_code == 404
    assert checked > (10 if page == "delete/" else 20)  # most records may not be deleted at all (403)


# --- The event timeline ----------------------------------------------------------------------------------


def test_events_of_a_restricted_case_are_for_its_handlers(client_for, director, handler, superuser, world):
    restricted_events = Event.objects.filter(object_id=str(world["restricted"].pk), content_type__model="complaint")
    assert restricted_events.exists()
    for user, sees in ((director, False), (handler, True), (superuser, True)):
        ids = set(Event.objects.visible_to(user).values_list("pk", flat=True))
        assert set(restricted_events.values_list("pk", flat=True)) <= ids if sees else not ids & set(
            restricted_events.values_list("pk", flat=True)
        ), user
        plain = Event.objects.filter(object_id=str(world["plain"].pk), content_type__model="complaint")
        assert set(plain.values_list("pk", flat=True)) <= ids
    response = client_for(director).get(f"/admin/core/event/?q={world['restricted'].pk}")
    assert response.status_code == 200
    assert not {e.pk for e in response.context["cl"].result_list} & set(restricted_events.values_list("pk", flat=True))


def test_attachment_rows_are_not_named_by_their_description(world):
    assert str(Attachment.objects.get(pk=world["attachment"].pk)) == DESCRIPTION  # the admin still shows it
    assert all(DESCRIPTION not in e.object_repr for e in LogEntry.objects.all())
