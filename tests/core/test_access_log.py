"""The personal data access log: what writes an entry, who can read the log, and that it cannot be changed.

Rule under test: every response that shows a *restricted* complaint's content (the case
page, the admin change form, the API case body, a file of the case) writes exactly one
entry; the same response for an unrestricted case writes none. Every download of a
person's certificate writes one export entry. Only directors (and superusers) read the
log, in the admin, on the portal page and over the API.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from migration_portal.core.access import MASKED, access_record, clean_filters
from migration_portal.core.models import AccessLog
from workers.certificates import work_certificate_issue

from ..access_log import entries_for
from ..complaints.factories import register
from ..workers.test_returns import abroad, register_return
from ..workers.test_training import completed_session, workers_of

pytestmark = pytest.mark.django_db

PP = ZoneInfo("Asia/Phnom_Penh")


@pytest.fixture
def cases(officer_a, agency_a, complaints_officer):
    """A restricted case (signs of trafficking) and a plain one, both handled by officer_a and the complaints officer."""
    restricted = register(officer_a, agency_a, indicators=["movement"], narrative="Locked in the dormitory.")
    plain = register(officer_a, agency_a)
    for case in (restricted, plain):
        complaint_services.complaint_assign(complaint=case, officer=complaints_officer, actor=officer_a)
    restricted.refresh_from_db()
    plain.refresh_from_db()
    assert restricted.restricted and not plain.restricted
    return restricted, plain


# --- Reads of a restricted case: one entry each; an unrestricted case: none -------------------------------


def test_case_page(client_for, officer_a, cases):
    restricted, plain = cases
    client = client_for(officer_a)
    assert client.get(reverse("complaint-detail", args=[restricted.ref])).status_code == 200
    entry = entries_for(restricted).get()
    assert (entry.user, entry.kind, entry.channel, entry.what, entry.label) == (officer_a, "read", "page", "complaint",
                                                                                 restricted.ref)
    assert client.get(reverse("complaint-detail", args=[plain.ref])).status_code == 200
    assert not entries_for(plain).exists()
    assert AccessLog.objects.count() == 1


def test_case_in_the_admin(client_for, complaints_officer, cases):
    restricted, plain = cases
    client = client_for(complaints_officer)
    assert client.get(reverse("admin:complaints_complaint_change", args=[restricted.pk])).status_code == 200
    entry = entries_for(restricted).get()
    assert (entry.user, entry.kind, entry.channel) == (complaints_officer, "read", "admin")
    assert client.get(reverse("admin:complaints_complaint_change", args=[plain.pk])).status_code == 200
    assert not entries_for(plain).exists()
    # The changelist shows no narrative: it is not a read of the case.
    assert client.get(reverse("admin:complaints_complaint_changelist")).status_code == 200
    assert AccessLog.objects.count() == 1


def test_parts_of_the_case_in_the_admin(client_for, superuser, agency_a, cases):
    """An agency response or a legal-aid referral of a restricted case is the case's content too."""
    from complaints.models import AgencyResponse, LegalAidReferral

    restricted, plain = cases
    client = client_for(superuser)
    for case in (restricted, plain):
        response = AgencyResponse.objects.create(complaint=case, agency=agency_a, text="We deny it.")
        referral = LegalAidReferral.objects.create(complaint=case, partner="Legal Aid of Cambodia")
        assert client.get(reverse("admin:complaints_agencyresponse_change", args=[response.pk])).status_code == 200
        assert client.get(reverse("admin:complaints_legalaidreferral_change", args=[referral.pk])).status_code == 200
    assert [e.what for e in entries_for(restricted)] == ["admin agencyresponse", "admin legalaidreferral"]
    assert {e.channel for e in entries_for(restricted)} == {"admin"}
    assert not entries_for(plain).exists()


def test_case_over_the_api(api_for, officer_a, cases):
    restricted, plain = cases
    client = api_for(officer_a)
    response = client.get(f"/api/complaints/{restricted.ref}/")
    assert response.status_code == 200 and response.json()["narrative"] == "Locked in the dormitory."
    entry = entries_for(restricted).get()
    assert (entry.user, entry.kind, entry.channel) == (officer_a, "read", "api")
    assert client.get(f"/api/complaints/{plain.ref}/").status_code == 200
    assert not entries_for(plain).exists()
    # A list carries no narrative: no entry.
    assert client.get("/api/complaints/").status_code == 200
    assert AccessLog.objects.count() == 1


def test_a_file_of_the_case(client_for, officer_a, cases, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    restricted, plain = cases
    files = {}
    for case in (restricted, plain):
        files[case.pk] = complaint_services.attachment_add(
            complaint=case, actor=officer_a, file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 receipt"),
            description="Receipt")
    client = client_for(officer_a)
    response = client.get(reverse("complaint-attachment", args=[restricted.ref, files[restricted.pk].pk]))
    assert response.status_code == 200
    entry = entries_for(restricted).get()
    assert (entry.kind, entry.channel, entry.what) == ("read", "page", "attachment")
    assert client.get(reverse("complaint-attachment", args=[plain.ref, files[plain.pk].pk])).status_code == 200
    assert not entries_for(plain).exists()


def test_someone_outside_the_case_reads_nothing_and_nothing_is_logged(client_for, api_for, officer_b, licensing_officer, cases):
    restricted, _plain = cases
    assert client_for(officer_b).get(reverse("complaint-detail", args=[restricted.ref])).status_code == 404
    assert api_for(licensing_officer).get(f"/api/complaints/{restricted.ref}/").status_code in (403, 404)
    assert not AccessLog.objects.exists()


# --- Exports of personal data: one entry each ---------------------------------------------------------------


def test_training_certificate_pdf_page_and_api(client_for, api_for, agency_a, agency_user_a):
    _session, certs = completed_session(agency_a, workers_of(agency_a, 1))
    cert = certs[0]
    assert client_for(agency_user_a).get(reverse("training-certificate-pdf", args=[cert.number])).status_code == 200
    assert api_for(agency_user_a).get(f"/api/certificates/{cert.number}/pdf/").status_code == 200
    page, api = entries_for(cert)
    assert (page.kind, page.channel, page.rows, page.label, page.user) == ("export", "page", 1, cert.number, agency_user_a)
    assert (api.kind, api.channel, api.rows) == ("export", "api", 1)


def test_work_certificate_pdf_page_and_api(client_for, api_for, officer_a):
    record = register_return(abroad(departed=timezone.localdate() - timedelta(days=400)).worker, officer_a)
    cert = work_certificate_issue(deployment=record.deployment, actor=officer_a)
    assert client_for(officer_a).get(reverse("work-certificate-pdf", args=[cert.number])).status_code == 200
    response = api_for(officer_a).get(f"/api/work-certificates/{cert.number}/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    page, api = entries_for(cert)
    assert (page.kind, page.channel, page.what, page.rows) == ("export", "page", "work certificate PDF", 1)
    assert (api.kind, api.channel) == ("export", "api")


def test_a_refused_download_is_not_logged(client_for, officer_b, officer_a):
    record = register_return(abroad(departed=timezone.localdate() - timedelta(days=400)).worker, officer_a)
    cert = work_certificate_issue(deployment=record.deployment, actor=officer_a)
    assert client_for(officer_b).get(reverse("work-certificate-pdf", args=[cert.number])).status_code == 404
    assert not AccessLog.objects.exists()


# --- What an entry may hold -------------------------------------------------------------------------------------


def test_filters_keep_no_identity_number():
    from django.http import QueryDict

    query = QueryDict("province=12&passport_number=N1234567&national_id=011223344&phone=012345678&q=Sokha&page=3&year=")
    assert clean_filters(query) == {"province": "12", "passport_number": MASKED, "national_id": MASKED, "phone": MASKED,
                                    "q": "Sokha"}
    assert clean_filters({"sex": ["F", "M"]}) == {"sex": ["F", "M"]}


def test_an_export_records_its_filter_and_row_count(director):
    entry = access_record(actor=director, kind="export", channel="page", what="workers CSV",
                          filters={"province": "12", "identifier": "N1234567"}, rows=250)
    entry.refresh_from_db()
    assert (entry.filters, entry.rows, entry.content_type) == ({"province": "12", "identifier": MASKED}, 250, None)


def test_anonymous_writes_nothing():
    from django.contrib.auth.models import AnonymousUser

    assert access_record(actor=AnonymousUser(), kind="read", channel="page", what="complaint") is None
    assert not AccessLog.objects.exists()


# --- Append-only ------------------------------------------------------------------------------------------------


def test_the_log_cannot_be_changed_or_deleted(director):
    entry = access_record(actor=director, kind="read", channel="page", what="complaint", label="C26-AAAAAAA")
    entry.what = "something else"
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        AccessLog.objects.all().update(what="x")
    with pytest.raises(TypeError):
        AccessLog.objects.all().delete()
    assert AccessLog.objects.get().what == "complaint"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
def test_postgresql_refuses_a_raw_update_or_delete(director):
    access_record(actor=director, kind="read", channel="page", what="complaint")
    for sql in ("UPDATE core_accesslog SET what = 'x'", "DELETE FROM core_accesslog"):
        with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
            from django.db import transaction

            with transaction.atomic():
                cursor.execute(sql)
    assert AccessLog.objects.get().what == "complaint"


# --- Who reads the log -------------------------------------------------------------------------------------------

NOT_ALLOWED = ["licensing_officer", "inspector", "complaints_officer", "statistician", "officer_a", "agency_user_a"]


@pytest.fixture
def some_entries(officer_a, director):
    for n in range(2):
        access_record(actor=officer_a, kind="read", channel="page", what="complaint", label=f"C26-REF{n}")
    access_record(actor=director, kind="identifiers", channel="admin", what="worker identifiers")


@pytest.mark.parametrize("persona", NOT_ALLOWED)
def test_others_cannot_see_the_log(request, persona, client_for, api_for, some_entries):
    user = request.getfixturevalue(persona)
    assert not AccessLog.objects.visible_to(user).exists()
    admin = client_for(user).get(reverse("admin:core_accesslog_changelist"))
    assert admin.status_code in (302, 403)  # staff without the permission: 403; others: to the admin login
    assert client_for(user).get(reverse("access-log")).status_code == 403
    assert api_for(user).get("/api/access-log/").status_code == 403


def test_anonymous_cannot_see_the_log(client_for, api_for, some_entries):
    assert client_for(None).get(reverse("access-log")).status_code == 302
    assert api_for(None).get("/api/access-log/").status_code in (401, 403)


@pytest.mark.parametrize("persona", ["director", "superuser"])
def test_directors_see_the_log(request, persona, client_for, api_for, some_entries):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    admin = client.get(reverse("admin:core_accesslog_changelist"))
    assert admin.status_code == 200 and len(admin.context["cl"].result_list) == 3
    entry = AccessLog.objects.first()
    change = client.get(reverse("admin:core_accesslog_change", args=[entry.pk]))
    assert change.status_code == 200 and not change.context["has_change_permission"]
    assert client.post(reverse("admin:core_accesslog_delete", args=[entry.pk])).status_code == 403
    assert client.get(reverse("admin:core_accesslog_add")).status_code == 403
    page = client.get(reverse("access-log"))
    assert page.status_code == 200 and len(page.context["object_list"]) == 3
    body = api_for(user).get("/api/access-log/").json()
    assert body["count"] == 3 and {r["user"] for r in body["results"]} == {"officer_pp", "director"}


def test_the_page_filters_by_user_period_and_kind(client_for, officer_a, director):
    with time_machine.travel(datetime(2026, 11, 2, 10, tzinfo=PP), tick=False):
        access_record(actor=officer_a, kind="read", channel="page", what="complaint", label="C26-OLD0001")
    with time_machine.travel(datetime(2026, 12, 1, 10, tzinfo=PP), tick=False):
        access_record(actor=officer_a, kind="export", channel="api", what="work certificate PDF", label="WC-2026-NEW")
        access_record(actor=director, kind="identifiers", channel="admin", what="worker identifiers")
    client = client_for(director)

    def labels(**params):
        response = client.get(reverse("access-log"), params)
        assert response.status_code == 200
        return sorted(e.label for e in response.context["object_list"])

    assert labels(user="officer_pp") == ["C26-OLD0001", "WC-2026-NEW"]
    assert labels(user="OFFICER_PP", kind="export") == ["WC-2026-NEW"]
    assert labels(since="2026-11-01", until="2026-11-30") == ["C26-OLD0001"]
    assert labels(since="2026-12-01") == ["", "WC-2026-NEW"]
    assert labels(until="2026-11-01") == []
    assert labels(channel="admin") == [""]
    # An impossible period is a form error naming the field, and no rows (never "everything").
    response = client.get(reverse("access-log"), {"since": "2026-12-01", "until": "2026-11-01"})
    assert response.status_code == 200 and "until" in response.context["filter"].form.errors
    assert list(response.context["object_list"]) == []
    response = client.get(reverse("access-log"), {"since": "not a date", "kind": "nonsense"})
    assert response.status_code == 200 and {"since", "kind"} <= set(response.context["filter"].form.errors)
    assert api_for_status(director, "/api/access-log/?since=not-a-date") == 400


def api_for_status(user, url) -> int:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client.get(url).status_code


# --- Query budgets: they do not grow with the rows ---------------------------------------------------------------


@pytest.mark.parametrize("rows", [2, 12])
def test_page_and_api_budget(client_for, api_for, director, officer_a, rows, django_assert_num_queries):
    for n in range(rows):
        access_record(actor=officer_a if n % 2 else director, kind="read", channel="page", what="complaint", label=f"C{n}")
    client = client_for(director)
    client.get(reverse("access-log"))  # warm the session and content-type caches
    # session (1), user (1), permissions for the page (2), the user's groups for the scope (1), the
    # paginator's count (1), the page of rows with user and record type joined (1), the layout's
    # unread-notification count (1).
    with django_assert_num_queries(8):
        assert client.get(reverse("access-log")).status_code == 200
    api = api_for(director)
    # groups for the scope (1), permissions (2), count (1), the page with user and record type joined (1).
    with django_assert_num_queries(5):
        assert api.get("/api/access-log/").status_code == 200


@pytest.mark.parametrize("rows", [2, 12])
def test_admin_changelist_budget(client_for, director, officer_a, rows, django_assert_num_queries):
    for n in range(rows):
        access_record(actor=officer_a, kind="read", channel="page", what="complaint", label=f"C{n}")
    client = client_for(director)
    client.get(reverse("admin:core_accesslog_changelist"))
    # session, user, permissions (2), groups for the scope, the record types of the filter, the
    # count, the page of rows (joined), the notification count, the date hierarchy (first/last
    # and the days): 11, whatever the number of rows.
    with django_assert_num_queries(11):
        assert client.get(reverse("admin:core_accesslog_changelist")).status_code == 200
