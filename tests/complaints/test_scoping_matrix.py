"""Who sees and does what, on every complaint page and endpoint.

The world: a Phnom Penh case against agency A (confidential notes, the complainant's
phone, a shared and an unshared file, a legal-aid referral), a Battambang case against
agency B, and a restricted Phnom Penh case (trafficking signs) whose only handler is
officer A. The rules: a province sees the cases it handles and never another's; an
agency sees only cases naming it, redacted, never restricted ones; a restricted case is
seen by its handlers only (superusers apart); the anonymous visitor is sent to the login
(pages) or refused (API), and reaches only the public status check. A row outside the
scope is a 404; a role that may not open a page is a 403.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from complaints import services
from complaints.models import Complaint
from migration_portal.core.scoping import PROVINCIAL_OFFICERS

from ..factories import UserFactory
from .factories import register

pytestmark = [pytest.mark.django_db, pytest.mark.urls("complaints.test_urls")]

PERSONAS = [
    "officer_a",
    "colleague_a",
    "officer_b",
    "agency_user_a",
    "agency_user_b",
    "complaints_officer",
    "statistician",
    "director",
    "superuser",
    None,
]
SECRETS = ("Confidential: she fears the broker.", "097 111 2222", "Medical file", "Legal Aid of Cambodia")


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def colleague_a(province_a):
    """Another Phnom Penh officer, who handles none of the cases."""
    return UserFactory(username="officer_pp2", province=province_a, groups=[PROVINCIAL_OFFICERS])


@pytest.fixture
def world(officer_a, officer_b, agency_a, agency_b):
    case_a = register(officer_a, agency_a, complainant_phone="097 111 2222", confidential_notes=SECRETS[0])
    shared = services.attachment_add(
        complaint=case_a,
        actor=officer_a,
        file=SimpleUploadedFile("c.pdf", b"%PDF-1"),
        description="Shared contract",
        share_with_agency=True,
    )
    private = services.attachment_add(
        complaint=case_a, actor=officer_a, file=SimpleUploadedFile("m.pdf", b"%PDF-1"), description="Medical file"
    )
    services.legal_aid_refer(complaint=case_a, actor=officer_a, partner="Legal Aid of Cambodia")
    case_b = register(officer_b, agency_b)
    restricted = register(officer_a, agency_a, grounds=["abuse"], indicators=["movement", "documents"])
    return {"a": case_a, "b": case_b, "restricted": restricted, "shared": shared, "private": private}


def persona(request, name):
    return request.getfixturevalue(name) if name else None


# Who reads which case on the officers' pages and the API (None: not a reader of these pages at all).
READS = {
    "officer_a": {"a", "restricted"},
    "colleague_a": {"a"},
    "officer_b": {"b"},
    "complaints_officer": {"a", "b"},
    "statistician": {"a", "b"},
    "director": {"a", "b"},
    "superuser": {"a", "b", "restricted"},
}
AGENCY_READS = {"agency_user_a": {"a"}, "agency_user_b": {"b"}}


def expected_page_status(who, key) -> int:
    if who is None:
        return 302
    if who in AGENCY_READS:
        return 403
    return 200 if key in READS[who] else 404


# --- Officers' pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_case_list_page(client_for, request, world, who):
    response = client_for(persona(request, who)).get("/complaints/")
    if who is None:
        assert response.status_code == 302 and "/login/" in response["Location"]
    elif who in AGENCY_READS:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        assert {c.ref for c in response.context["complaints"]} == {world[k].ref for k in READS[who]}


@pytest.mark.parametrize("who", PERSONAS)
def test_case_pages(client_for, request, world, who):
    client = client_for(persona(request, who))
    for key in ("a", "b", "restricted"):
        for page in ("", "registered/"):
            response = client.get(f"/complaints/{world[key].ref}/{page}")
            assert response.status_code == expected_page_status(who, key), (key, page)
            if response.status_code == 200 and page == "" and key == "a":
                html = response.content.decode()
                handler = who in ("officer_a", "colleague_a", "officer_b", "complaints_officer", "superuser")
                assert (SECRETS[0] in html) is handler and ("097 111 2222" in html) is handler
                assert (SECRETS[3] in html) is handler  # legal aid: handlers only
                assert "Medical file" in html  # unshared files are for officers


@pytest.mark.parametrize("who", PERSONAS)
def test_intake_page(client_for, request, who):
    response = client_for(persona(request, who)).get("/complaints/new/")
    expected = {
        None: 302,
        "officer_a": 200,
        "colleague_a": 200,
        "officer_b": 200,
        "complaints_officer": 200,
        "superuser": 200,
    }.get(who, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("who", PERSONAS)
def test_case_actions(client_for, request, world, who):
    """A step on the case (here: legal-aid referral): only a handler who sees the case."""
    client = client_for(persona(request, who))
    can_handle = who in ("officer_a", "colleague_a", "officer_b", "complaints_officer", "superuser")
    for key in ("a", "b", "restricted"):
        complaint = world[key]
        response = client.post(
            f"/complaints/{complaint.ref}/legalaid/", {"legalaid-version": complaint.version, "legalaid-partner": "Partner X"}
        )
        if who is None:
            assert response.status_code == 302 and "/login/" in response["Location"]
        elif not can_handle:
            assert response.status_code == 403
        elif key in READS[who]:
            assert response.status_code == 302, key
        else:
            assert response.status_code == 404, key
        assert Complaint.objects.get(pk=complaint.pk).legal_aid.filter(partner="Partner X").exists() == (
            response.status_code == 302 and who is not None
        )


@pytest.mark.parametrize("who", PERSONAS)
def test_file_downloads(client_for, request, world, who):
    client = client_for(persona(request, who))
    for file in ("shared", "private"):
        response = client.get(f"/complaints/{world['a'].ref}/files/{world[file].pk}/")
        if who is None:
            assert response.status_code == 302
        elif who in AGENCY_READS:
            assert response.status_code == (200 if who == "agency_user_a" and file == "shared" else 404), file
        else:
            assert response.status_code == (200 if "a" in READS[who] else 404), file


# --- The agency's pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_agency_list_page(client_for, request, world, who):
    response = client_for(persona(request, who)).get("/agency/complaints/")
    if who is None:
        assert response.status_code == 302
    elif who not in AGENCY_READS:
        assert response.status_code == 403
    else:
        assert {c.ref for c in response.context["complaints"]} == {world[k].ref for k in AGENCY_READS[who]}


@pytest.mark.parametrize("who", PERSONAS)
def test_agency_case_page(client_for, request, world, who):
    client = client_for(persona(request, who))
    for key in ("a", "b", "restricted"):
        response = client.get(f"/agency/complaints/{world[key].ref}/")
        if who is None:
            assert response.status_code == 302
        elif who not in AGENCY_READS:
            assert response.status_code == 403
        elif key in AGENCY_READS[who]:
            assert response.status_code == 200
            html = response.content.decode()
            for secret in SECRETS:
                assert secret not in html
            worker = world[key].worker
            assert worker.passport_number not in html and worker.masked_passport not in html
        else:
            assert response.status_code == 404, key


@pytest.mark.parametrize("who", PERSONAS)
def test_agency_response_post(client_for, request, world, who):
    response = client_for(persona(request, who)).post(f"/agency/complaints/{world['a'].ref}/", {"text": "Our answer"})
    expected = {None: 302, "agency_user_a": 302, "agency_user_b": 404}.get(who, 403)
    assert response.status_code == expected
    assert world["a"].agency_responses.exists() == (who == "agency_user_a")


@pytest.mark.parametrize("who", PERSONAS)
def test_public_status_page_is_for_everyone(client_for, request, world, who):
    case = world["a"]
    response = client_for(persona(request, who)).post(
        "/complaints/status/", {"ref": case.ref, "date_of_birth": case.worker.date_of_birth.isoformat()}
    )
    assert response.status_code == 200 and "Received" in response.content.decode()
    assert SECRETS[0] not in response.content.decode()


# --- The API ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", PERSONAS)
def test_api_list(api_for, request, world, who):
    response = api_for(persona(request, who)).get("/api/complaints/")
    if who is None:
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 200
    readable = AGENCY_READS.get(who) or READS[who]
    assert {r["ref"] for r in response.json()["results"]} == {world[k].ref for k in readable}


@pytest.mark.parametrize("who", PERSONAS)
def test_api_detail(api_for, request, world, who):
    api = api_for(persona(request, who))
    for key in ("a", "b", "restricted"):
        response = api.get(f"/api/complaints/{world[key].ref}/")
        if who is None:
            assert response.status_code in (401, 403)
            continue
        readable = AGENCY_READS.get(who) or READS[who]
        assert response.status_code == (200 if key in readable else 404), key
        if response.status_code == 200 and who in AGENCY_READS:
            body = str(response.json())
            for secret in SECRETS:
                assert secret not in body
            assert "national_id" not in body and "passport" not in body and "confidential_notes" not in body
            assert "legal_aid" not in body and "complainant_phone" not in body


# (action, body besides the version, permission holders)
API_ACTIONS = [
    ("assign", {"officer": 0}, "handle"),
    ("transfer", {"to_province": "02", "reason": "x"}, "transfer"),
    ("transition", {"to_stage": "assessment"}, "handle"),
    ("meetings", {"scheduled_for": "2030-01-01T09:00:00+07:00", "place": "PP"}, "handle"),
    ("record-meeting", {"meeting": 0, "minutes": "x", "agreement_reached": True}, "handle"),
    ("settlement", {"amount": "1", "payer": "agency", "agreed_on": "2020-01-01"}, "handle"),
    ("payments", {"amount": "1", "paid_on": "2020-01-01"}, "handle"),
    ("drawdown", {"amount": "1", "reason": "x"}, "handle"),
    ("legal-aid", {"partner": "Partner X"}, "handle"),
    ("legal-aid-result", {"referral": 0, "result": "x"}, "handle"),
    ("attachments", {"description": "x"}, "handle"),
    ("respond", {"text": "Our answer"}, "respond"),
]
HOLDERS = {
    "handle": {"officer_a", "colleague_a", "officer_b", "complaints_officer", "superuser"},
    "transfer": {"officer_a", "colleague_a", "officer_b", "complaints_officer", "director", "superuser"},
    "respond": {"agency_user_a", "agency_user_b", "officer_a", "colleague_a", "officer_b", "complaints_officer", "superuser"},
}


@pytest.mark.parametrize("who", PERSONAS)
def test_api_actions_on_a_case_outside_the_scope_are_404(api_for, request, world, who):
    """Every action: refused to a role without its permission (403), a 404 for a case the caller
    cannot see, and nothing written either way."""
    api = api_for(persona(request, who))
    for key in ("b", "restricted"):
        if who is not None and key in (AGENCY_READS.get(who) or READS.get(who, set())):
            continue  # in scope: the service decides (tested in test_api)
        before = Complaint.objects.get(pk=world[key].pk)
        for action, body, permission in API_ACTIONS:
            response = api.post(f"/api/complaints/{before.ref}/{action}/", {"version": before.version, **body}, format="json")
            where = (key, action)
            if who is None:
                assert response.status_code in (401, 403), where
            elif who not in HOLDERS[permission]:
                assert response.status_code == 403, where
            else:
                assert response.status_code == 404, where
        after = Complaint.objects.get(pk=before.pk)
        assert (after.version, after.stage, after.current_province_id, after.assigned_officer_id) == (
            before.version,
            before.stage,
            before.current_province_id,
            before.assigned_officer_id,
        ), key
        assert not after.legal_aid.exists() and not after.agency_responses.exists() and not after.meetings.exists(), key


@pytest.mark.parametrize("who", PERSONAS)
def test_api_intake(api_for, request, world, who, agency_a):
    body = {
        "worker": str(world["a"].worker.ref),
        "complainant_type": "worker",
        "lodged_at": "province",
        "lodged_province": "12",
        "channel": "walk_in",
        "grounds": ["fees"],
        "respondents": [{"kind": "agency", "agency": agency_a.pk}],
        "narrative": "Charged 900 USD",
        "amount_claimed": str(Decimal("900")),
    }
    response = api_for(persona(request, who)).post("/api/complaints/", body, format="json")
    if who is None:
        assert response.status_code in (401, 403)
    elif who in ("officer_a", "colleague_a", "complaints_officer", "superuser"):
        assert response.status_code == 201, response.json()
    elif who == "officer_b":
        # The worker is not in Battambang's register and no identifier was given.
        assert response.status_code == 400 and "worker" in response.json()["errors"]
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("who", PERSONAS)
def test_public_status_endpoint_is_for_everyone(api_for, request, world, who):
    case = world["a"]
    response = api_for(persona(request, who)).post(
        "/api/public/complaint-status/", {"ref": case.ref, "date_of_birth": case.worker.date_of_birth.isoformat()}
    )
    assert response.status_code == 200 and response.json()["stage"] == "received"


# --- Every route is in this matrix ---------------------------------------------------------------------------


def _names(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield f"{prefix}{p.name}", p


COVERED = {
    "complaint-list",
    "complaint-new",
    "complaint-detail",
    "complaint-registered",
    "complaint-attachment",
    "complaint-action",
    "complaint-action-on",
    "complaint-status",
    "agency-complaint-list",
    "agency-complaint-detail",
    "complaints_api:complaint-list",
    "complaints_api:complaint-detail",
    "complaints_api:public-complaint-status",
    *(f"complaints_api:complaint-{a}" for a, _b, _p in API_ACTIONS),
}


def test_every_complaint_route_is_in_the_matrix():
    from complaints import urls as page_urls
    from complaints.api import urls as api_urls

    names = {name for name, _p in _names(page_urls.urlpatterns)}
    names |= {f"complaints_api:{name}" for name, _p in _names(api_urls.urlpatterns)}
    names = {n for n in names if not n.endswith("-format")} - {"complaints_api:api-root"}
    assert names <= COVERED, names - COVERED
    # And the API's views all apply the scope, or are the one public lookup.
    from complaints.api.views import ComplaintViewSet, PublicComplaintStatusView
    from migration_portal.core.api.viewsets import ScopedViewSetMixin

    assert issubclass(ComplaintViewSet, ScopedViewSetMixin) and "get_queryset" not in ComplaintViewSet.__dict__
    assert PublicComplaintStatusView.authentication_classes == [] and PublicComplaintStatusView.throttle_scope == "public_lookup"
    assert {name for name, _p in _names(get_resolver().url_patterns)} >= {"complaint-list", "complaints_api:complaint-list"}
