"""The complaints API: intake to a paid settlement, each step an action carrying the case's
version; the shape chosen by role; filters, ordering and pagination; bad input named by
field with nothing changed; a concurrent edit is a 409; the public status lookup; the
list's query count; the OpenAPI schema without warnings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.services import deposit_balance
from complaints import services
from complaints.choices import DrawdownStatus, Stage
from complaints.models import Attachment, Complaint, DrawdownProposal, Settlement
from workers.models import Worker

from ..factories import AgencyFactory
from ..workers.factories import WorkerFactory
from .factories import register, to_settled

pytestmark = [pytest.mark.django_db, pytest.mark.urls("complaints.test_urls")]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def intake(agency, **overrides) -> dict:
    body = {
        "new_worker": {
            "name_latin": "Chea Sreymom",
            "name_km": "ជា ស្រីមុំ",
            "sex": "F",
            "date_of_birth": "1998-02-03",
            "home_province": "12",
            "passport_number": "N7654321",
        },
        "complainant_type": "family",
        "complainant_name": "Chea Sokha",
        "complainant_relation": "mother",
        "complainant_phone": "012 999 888",
        "lodged_at": "province",
        "channel": "walk_in",
        "grounds": ["wages"],
        "respondents": [{"kind": "agency", "agency": agency.pk}],
        "narrative": "Six months' wages unpaid.",
        "confidential_notes": "Afraid of the broker.",
        "amount_claimed": "1200",
    }
    body.update(overrides)
    return body


def step(api, complaint, action, body=None, **kwargs):
    complaint.refresh_from_db()
    body = {"version": complaint.version, **(body or {})}
    response = api.post(f"/api/complaints/{complaint.ref}/{action}/", body, **kwargs)
    complaint.refresh_from_db()
    return response


def test_officer_takes_a_complaint_from_intake_to_paid_settlement(api_for, client_for, officer_a, agency_a, director):
    api = api_for(officer_a)
    response = api.post("/api/complaints/", intake(agency_a), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    complaint = Complaint.objects.get(ref=body["ref"])
    assert body["stage"] == "received" and body["confidential_notes"] == "Afraid of the broker."
    assert body["worker"]["passport_masked"].endswith("321") and "N7654321" not in str(body)
    assert body["complainant_phone"] == "012 999 888" and body["events"][0]["code"] == "complaint.registered"

    upload = api.post(
        f"/api/complaints/{complaint.ref}/attachments/",
        {
            "version": complaint.version,
            "file": SimpleUploadedFile("contract.pdf", b"%PDF-1.4"),
            "description": "Contract",
            "share_with_agency": "true",
        },
        format="multipart",
    )
    assert upload.status_code == 200, upload.json()
    assert upload.json()["attachments"][0]["url"].endswith(f"/complaints/{complaint.ref}/files/{Attachment.objects.get().pk}/")

    assert step(api, complaint, "transition", {"to_stage": "assessment"}).status_code == 200
    when = (timezone.now() - timedelta(hours=1)).isoformat()
    assert step(api, complaint, "meetings", {"scheduled_for": when, "place": "PDoLVT Phnom Penh"}).status_code == 200
    assert step(api, complaint, "transition", {"to_stage": "scheduled"}).status_code == 200
    meeting = complaint.meetings.get()
    assert (
        step(
            api, complaint, "record-meeting", {"meeting": meeting.pk, "minutes": "Agreed 600", "agreement_reached": True}
        ).status_code
        == 200
    )
    assert step(api, complaint, "transition", {"to_stage": "held"}).status_code == 200
    today = timezone.localdate()
    response = step(
        api,
        complaint,
        "settlement",
        {
            "amount": "600",
            "payer": "agency",
            "payer_agency": agency_a.pk,
            "agreed_on": today.isoformat(),
            "instalments": [
                {"due_on": today.isoformat(), "amount": "200"},
                {"due_on": (today + timedelta(days=30)).isoformat(), "amount": "400"},
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["settlement"]["outstanding"] == "600.00"
    assert step(api, complaint, "transition", {"to_stage": "settled"}).status_code == 200
    assert step(api, complaint, "payments", {"amount": "200", "paid_on": today.isoformat()}).status_code == 200
    refused = step(api, complaint, "transition", {"to_stage": "closed"})
    assert refused.status_code == 400 and "not fully paid" in refused.json()["errors"]["stage"][0]
    assert step(api, complaint, "drawdown", {"amount": "400", "reason": "Missed the second instalment"}).status_code == 200
    assert step(api, complaint, "legal-aid", {"partner": "Legal Aid of Cambodia"}).status_code == 200
    referral = complaint.legal_aid.get()
    assert step(api, complaint, "legal-aid-result", {"referral": referral.pk, "result": "Advice given"}).status_code == 200

    proposal = DrawdownProposal.objects.get()
    before = deposit_balance(agency_a)
    assert (
        client_for(director).post(f"/admin/complaints/drawdownproposal/{proposal.pk}/approve/", {"note": ""}).status_code == 302
    )
    proposal.refresh_from_db()
    assert proposal.status == DrawdownStatus.APPROVED and deposit_balance(agency_a) == before - Decimal("400")

    final = step(api, complaint, "transition", {"to_stage": "closed"})
    assert final.status_code == 200 and final.json()["stage"] == "closed"
    settlement = final.json()["settlement"]
    assert settlement["paid"] == "600.00" and settlement["outstanding"] == "0.00"
    assert [p["from_deposit"] for p in settlement["payments"]] == [False, True]
    assert settlement["drawdowns"][0]["status"] == "approved"


def test_intake_with_a_registered_worker(api_for, officer_a, agency_a):
    worker = WorkerFactory()
    response = api_for(officer_a).post(
        "/api/complaints/", intake(agency_a, new_worker=None, worker=str(worker.ref)), format="json"
    )
    assert response.status_code == 201
    assert Complaint.objects.get().worker == worker and Worker.objects.count() == 1


def test_intake_errors_are_named_and_change_nothing(api_for, officer_a, agency_a):
    api = api_for(officer_a)
    no_ground = api.post("/api/complaints/", intake(agency_a, grounds=[]), format="json")
    assert no_ground.status_code == 400 and no_ground.json()["errors"] == {"grounds": ["Choose at least one ground."]}
    bad_ground = api.post("/api/complaints/", intake(agency_a, grounds=["weather"]), format="json")
    assert bad_ground.status_code == 400 and "grounds" in bad_ground.json()["errors"]
    no_worker = api.post("/api/complaints/", intake(agency_a, new_worker=None), format="json")
    assert no_worker.status_code == 400 and "worker" in no_worker.json()["errors"]
    duplicate = WorkerFactory()
    dup = api.post(
        "/api/complaints/",
        intake(
            agency_a,
            new_worker={
                "name_latin": "X",
                "sex": "M",
                "date_of_birth": "1990-01-01",
                "home_province": "12",
                "passport_number": duplicate.passport_number,
            },
        ),
        format="json",
    )
    assert dup.status_code == 400 and "new_worker.passport_number" in dup.json()["errors"]
    no_respondent = api.post("/api/complaints/", intake(agency_a, respondents=[{"kind": "broker", "name": ""}]), format="json")
    assert no_respondent.status_code == 400 and "respondents[1]" in no_respondent.json()["errors"]
    assert not Complaint.objects.exists() and Worker.objects.count() == 1


def test_bad_file_and_bad_instalments_change_nothing(api_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    api = api_for(officer_a)
    for name, content, message in (("x.exe", b"MZ", "Upload a PDF"), ("x.pdf", b"MZ\x90", "does not match")):
        response = api.post(
            f"/api/complaints/{complaint.ref}/attachments/",
            {"version": complaint.version, "file": SimpleUploadedFile(name, content), "description": "x"},
            format="multipart",
        )
        assert response.status_code == 400 and message in response.json()["errors"]["file"][0]
    assert not Attachment.objects.exists()

    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=officer_a)
    meeting = services.meeting_schedule(
        complaint=complaint, actor=officer_a, scheduled_for=timezone.now() - timedelta(hours=1), place="PP"
    )
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.SCHEDULED, actor=officer_a)
    services.meeting_record(meeting=meeting, actor=officer_a, minutes="ok", agreement_reached=True)
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.HELD, actor=officer_a)
    today = timezone.localdate().isoformat()
    response = step(
        api,
        complaint,
        "settlement",
        {
            "amount": "600",
            "payer": "agency",
            "payer_agency": agency_a.pk,
            "agreed_on": today,
            "instalments": [{"due_on": today, "amount": "100"}],
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"instalments": ["The instalments must add up to the amount agreed."]}
    assert not Settlement.objects.exists()


def test_concurrent_edit_is_a_409_and_changes_nothing(api_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    api = api_for(officer_a)
    stale = complaint.version
    assert (
        api.post(f"/api/complaints/{complaint.ref}/transition/", {"version": stale, "to_stage": "assessment"}).status_code == 200
    )
    response = api.post(
        f"/api/complaints/{complaint.ref}/transition/", {"version": stale, "to_stage": "withdrawn", "reason": "Paid"}
    )
    assert response.status_code == 409
    assert "Another officer changed this case" in response.json()["errors"]["version"][0]
    # A step whose service takes no version is checked against the case as read.
    response = api.post(f"/api/complaints/{complaint.ref}/legal-aid/", {"version": stale, "partner": "LAC"})
    assert response.status_code == 409 and not complaint.legal_aid.exists()
    assert Complaint.objects.get(pk=complaint.pk).stage == Stage.ASSESSMENT
    missing = api.post(f"/api/complaints/{complaint.ref}/transition/", {"to_stage": "withdrawn"})
    assert missing.status_code == 400 and "version" in missing.json()["errors"]


def test_shapes_by_role(api_for, officer_a, agency_a, agency_user_a, statistician, complaints_officer):
    complaint = register(officer_a, agency_a, complainant_phone="097 111 2222", confidential_notes="secret note")
    services.attachment_add(
        complaint=complaint,
        actor=officer_a,
        file=SimpleUploadedFile("a.pdf", b"%PDF"),
        description="shared",
        share_with_agency=True,
    )
    services.attachment_add(
        complaint=complaint, actor=officer_a, file=SimpleUploadedFile("b.pdf", b"%PDF"), description="private"
    )
    services.legal_aid_refer(complaint=complaint, actor=officer_a, partner="LAC")
    url = f"/api/complaints/{complaint.ref.lower()}/"

    officer = api_for(officer_a).get(url).json()
    assert officer["confidential_notes"] == "secret note" and officer["complainant_phone"] == "097 111 2222"
    assert {a["description"] for a in officer["attachments"]} == {"shared", "private"} and officer["legal_aid"]

    reader = api_for(statistician).get(url).json()
    assert "confidential_notes" not in reader and "complainant_phone" not in reader and reader["narrative"]

    agency = api_for(agency_user_a).get(url).json()
    assert set(agency) == {
        "ref",
        "received_on",
        "stage",
        "grounds",
        "worker",
        "narrative",
        "meetings",
        "settlement",
        "attachments",
        "agency_responses",
    }
    assert [a["description"] for a in agency["attachments"]] == ["shared"]
    assert agency["worker"] == {"name_latin": complaint.worker.name_latin, "name_km": complaint.worker.name_km}
    listed = api_for(agency_user_a).get("/api/complaints/").json()["results"]
    assert [r["ref"] for r in listed] == [complaint.ref] and set(listed[0]) == {
        "ref",
        "received_on",
        "stage",
        "grounds",
        "worker",
    }


def test_agency_responds_through_the_api(api_for, officer_a, agency_a, agency_user_a, agency_user_b):
    complaint = register(officer_a, agency_a)
    response = api_for(agency_user_a).post(f"/api/complaints/{complaint.ref}/respond/", {"text": "We will pay."})
    assert response.status_code == 200 and response.json()["agency_responses"][0]["text"] == "We will pay."
    assert api_for(agency_user_a).post(f"/api/complaints/{complaint.ref}/respond/", {"text": ""}).status_code == 400
    assert api_for(agency_user_b).post(f"/api/complaints/{complaint.ref}/respond/", {"text": "x"}).status_code == 404
    assert api_for(officer_a).post(f"/api/complaints/{complaint.ref}/respond/", {"text": "x"}).status_code == 403
    # An agency cannot act as an officer.
    assert (
        api_for(agency_user_a)
        .post(f"/api/complaints/{complaint.ref}/transition/", {"version": 1, "to_stage": "assessment"})
        .status_code
        == 403
    )


def test_filters_ordering_and_pagination(api_for, officer_a, agency_a, agency_b):
    a = register(officer_a, agency_a, grounds=["wages"], amount_claimed=Decimal("100"))
    b = register(officer_a, agency_b, grounds=["fees"], received_on=date(2024, 1, 5), amount_claimed=Decimal("900"))
    services.complaint_transition(complaint=b, to_stage=Stage.ASSESSMENT, actor=officer_a)
    Complaint.objects.filter(pk=a.pk).update(stage_since=timezone.now() - timedelta(days=5))
    api = api_for(officer_a)

    def refs(query):
        response = api.get("/api/complaints/?" + query)
        assert response.status_code == 200, response.json()
        return [r["ref"] for r in response.json()["results"]]

    assert set(refs("stage=assessment")) == {b.ref}
    assert set(refs("stage=assessment&stage=received")) == {a.ref, b.ref}
    assert refs("ground=wages") == [a.ref]
    assert refs(f"agency={agency_b.pk}") == [b.ref]
    assert refs("overdue=true") == [a.ref]
    assert refs("overdue=false") == [b.ref]
    assert refs("received_after=2025-01-01") == [a.ref]
    assert refs("received_before=2024-12-31") == [b.ref]
    assert refs(f"province={officer_a.province_id}") == [a.ref, b.ref]
    assert refs("restricted=true") == []
    assert refs("ordering=amount_claimed") == [a.ref, b.ref]
    assert refs("ordering=-amount_claimed") == [b.ref, a.ref]
    assert refs("page_size=1") == [a.ref]
    assert api.get("/api/complaints/?stage=lost").status_code == 400
    assert api.get("/api/complaints/?received_after=someday").status_code == 400
    assert api.get("/api/complaints/?ordering=complainant_phone").json()["results"]  # not whitelisted: ignored
    body = api.get("/api/complaints/?page_size=1").json()
    assert body["count"] == 2 and body["next"]


def test_restricted_filter_for_handlers(api_for, officer_a, agency_a):
    plain = register(officer_a, agency_a)
    restricted = register(officer_a, agency_a, indicators=["debt"])
    api = api_for(officer_a)
    assert [r["ref"] for r in api.get("/api/complaints/?restricted=true").json()["results"]] == [restricted.ref]
    assert [r["ref"] for r in api.get("/api/complaints/?restricted=false").json()["results"]] == [plain.ref]


def test_list_query_count_does_not_grow(api_for, officer_a, agency_a, agency_user_a, django_assert_num_queries):
    register(officer_a, agency_a)
    api_for(officer_a).get("/api/complaints/")
    api_for(agency_user_a).get("/api/complaints/")
    user_model = type(officer_a)
    for extra in (0, 12):
        for _ in range(extra):
            register(officer_a, agency_a, grounds=["wages", "fees"])
        # Each request with the user freshly loaded, as a token or session would load it.
        officer, agency = api_for(user_model.objects.get(pk=officer_a.pk)), api_for(user_model.objects.get(pk=agency_user_a.pk))
        # 1 the user's groups (scope), 2-3 the user's and groups' permissions, 4 count, 5 stage limits,
        # 6 the rows with worker, province and officer, 7 their grounds, 8 their respondents with agencies.
        with django_assert_num_queries(8):
            response = officer.get("/api/complaints/")
        assert response.status_code == 200 and response.json()["count"] == 1 + (12 if extra else 0)
        # 1 groups, 2-3 permissions, 4 count, 5 the rows with worker, 6 their grounds.
        with django_assert_num_queries(6):
            response = agency.get("/api/complaints/")
        assert response.status_code == 200


def test_detail_query_count_does_not_grow(api_for, officer_a, agency_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    complaint, settlement = to_settled(register(officer_a, agency_a), officer_a, agency_a)
    api = api_for(officer_a)
    api.get(f"/api/complaints/{complaint.ref}/")
    counts = []
    for _ in range(2):
        services.payment_record(settlement=settlement, actor=officer_a, amount=Decimal("5"), paid_on=timezone.localdate())
        services.attachment_add(complaint=complaint, actor=officer_a, file=SimpleUploadedFile("a.pdf", b"%PDF"), description="x")
        services.legal_aid_refer(complaint=complaint, actor=officer_a, partner="LAC")
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"/api/complaints/{complaint.ref}/").status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_assign_and_transfer(api_for, officer_a, officer_b, agency_a, complaints_officer):
    complaint = register(officer_a, agency_a)
    api = api_for(officer_a)
    wrong = step(api, complaint, "assign", {"officer": officer_b.pk})
    assert wrong.status_code == 400 and "officer" in wrong.json()["errors"]
    moved = step(api, complaint, "transfer", {"to_province": None, "reason": "Serious case"}, format="json")
    assert moved.status_code == 204  # done, and out of the province's scope once at the ministry
    complaint.refresh_from_db()
    assert complaint.current_province is None
    taken = step(api_for(complaints_officer), complaint, "assign", {"officer": complaints_officer.pk})
    assert taken.status_code == 200 and taken.json()["assigned_officer"]["id"] == complaints_officer.pk


def test_public_status_endpoint(api_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    api = api_for(None)
    dob = complaint.worker.date_of_birth.isoformat()
    found = api.post("/api/public/complaint-status/", {"ref": complaint.ref.lower(), "date_of_birth": dob})
    assert found.status_code == 200
    assert found.json() == {"ref": complaint.ref, "stage": "received", "stage_label": "Received"}
    wrong_date = api.post("/api/public/complaint-status/", {"ref": complaint.ref, "date_of_birth": "2000-01-01"})
    wrong_ref = api.post("/api/public/complaint-status/", {"ref": "C26-AAAAAAA", "date_of_birth": dob})
    assert wrong_date.status_code == wrong_ref.status_code == 404 and wrong_date.json() == wrong_ref.json()
    assert api.get("/api/public/complaint-status/").status_code == 405
    assert api.post("/api/public/complaint-status/", {"ref": complaint.ref}).status_code == 400
    for _ in range(8):
        api.post("/api/public/complaint-status/", {"ref": "C26-AAAAAAA", "date_of_birth": dob})
    blocked = api.post("/api/public/complaint-status/", {"ref": complaint.ref, "date_of_birth": dob})
    assert blocked.status_code == 429 and "Too many" in blocked.json()["errors"]["non_field_errors"][0]


def test_public_status_is_throttled(api_for, settings, officer_a, agency_a):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "public_lookup": "3/minute"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    from rest_framework.throttling import ScopedRateThrottle

    ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    try:
        complaint = register(officer_a, agency_a)
        body = {"ref": complaint.ref, "date_of_birth": complaint.worker.date_of_birth.isoformat()}
        api = api_for(None)
        assert [api.post("/api/public/complaint-status/", body).status_code for _ in range(4)] == [200, 200, 200, 429]
    finally:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": "1000/minute", "public_lookup": "1000/minute"},
        }
        api_settings.reload()
        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES


def test_schema_has_no_warnings_and_documents_the_endpoints():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    SchemaGenerator(urlconf="migration_portal.urls").get_schema(request=None, public=True)
    elsewhere = set(GENERATOR_STATS._warn_cache) | set(GENERATOR_STATS._error_cache)  # other apps' own, if any
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf="complaints.test_urls").get_schema(request=None, public=True)
    ours = (set(GENERATOR_STATS._warn_cache) | set(GENERATOR_STATS._error_cache)) - elsewhere
    assert not ours, ours
    validate_schema(schema)
    paths = schema["paths"]
    for action in (
        "assign",
        "transfer",
        "transition",
        "meetings",
        "record-meeting",
        "settlement",
        "payments",
        "drawdown",
        "legal-aid",
        "legal-aid-result",
        "respond",
        "attachments",
    ):
        assert f"/api/complaints/{{ref}}/{action}/" in paths, action
    assert "multipart/form-data" in paths["/api/complaints/{ref}/attachments/"]["post"]["requestBody"]["content"]
    filters = {p["name"] for p in paths["/api/complaints/"]["get"]["parameters"]}
    assert {
        "stage",
        "ground",
        "province",
        "agency",
        "received_after",
        "received_before",
        "overdue",
        "restricted",
        "ordering",
        "page",
        "page_size",
    } <= filters
    assert paths["/api/public/complaint-status/"]["post"].get("security", [{}]) in ([], [{}])
    components = schema["components"]["schemas"]
    assert "ComplaintChannelEnum" in components and "StageEnum" in components
    for name, component in components.items():
        if name.startswith("Complaint") and name.endswith("Request"):
            assert "stage" not in component.get("properties", {}), name


def test_a_new_agency_row_does_not_leak_into_lists(api_for, officer_a, agency_user_b, agency_a):
    register(officer_a, agency_a)
    AgencyFactory()
    assert api_for(agency_user_b).get("/api/complaints/").json()["results"] == []
    assert Worker.objects.count() == 1
    assert DrawdownProposal.objects.count() == 0
    assert Settlement.objects.count() == 0
