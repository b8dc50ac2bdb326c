"""Who sees and does what through the agencies API.

The scoping matrix: an agency user reaches only their own agency's rows (a
404 for another agency's, on reads, writes and actions alike); a provincial
officer reads the agency register and nothing else; anonymous visitors reach
only the public endpoints; ministry staff act according to their group's
permissions (roles.py). Every route of the API is checked to be scoped or
explicitly public.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from agencies.choices import AdvertisementStatus, InspectionStatus, LicenceStatus, ReportStatus
from agencies.models import Advertisement, Inspection, MonthlyReport, Sanction
from migration_portal.core.api.permissions import PublicReadOnly
from migration_portal.core.api.viewsets import ScopedViewSetMixin

from .test_api import ONE_LINE, csv_file, make_ad, make_inspection, make_report, make_sanction, months_back, today

pytestmark = pytest.mark.django_db

LISTS = ["agencies", "deposit-entries", "sanctions", "inspections", "reports", "advertisements"]


@pytest.fixture
def world(agency_a, agency_b):
    """For each agency: a deposit entry (from the factory), a sanction, an approved and a planned
    inspection, a draft and a submitted report, a submitted advertisement."""
    rows = {}
    for key, agency in (("a", agency_a), ("b", agency_b)):
        rows[key] = {
            "agency": agency,
            "agencies": agency.pk,
            "deposit-entries": agency.deposit_entries.get().pk,
            "sanctions": make_sanction(agency).pk,
            "inspections": make_inspection(agency).pk,
            "planned": make_inspection(agency, status=InspectionStatus.PLANNED).pk,
            "reports": make_report(agency, lines=ONE_LINE).pk,
            "submitted": make_report(agency, months_back(2), lines=ONE_LINE, status=ReportStatus.SUBMITTED).pk,
            "advertisements": make_ad(agency).pk,
        }
    return rows


def agency_of(endpoint: str, row: dict) -> int:
    return row["id"] if endpoint == "agencies" else row["agency"]["id"]


# --- Agency users ------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", LISTS)
def test_agency_user_lists_only_their_own_rows(api_for, agency_user_a, world, endpoint):
    rows = api_for(agency_user_a).get(f"/api/{endpoint}/").json()["results"]
    assert rows, "the agency's own rows are listed"
    assert {agency_of(endpoint, r) for r in rows} == {world["a"]["agency"].pk}


@pytest.mark.parametrize("endpoint", LISTS)
def test_agency_user_gets_404_for_another_agencys_row_and_200_for_their_own(api_for, agency_user_a, world, endpoint):
    api = api_for(agency_user_a)
    assert api.get(f"/api/{endpoint}/{world['b'][endpoint]}/").status_code == 404
    assert api.get(f"/api/{endpoint}/{world['a'][endpoint]}/").status_code == 200


def test_agency_user_sees_only_published_inspections(api_for, agency_user_a, world):
    api = api_for(agency_user_a)
    assert [r["id"] for r in api.get("/api/inspections/").json()["results"]] == [world["a"]["inspections"]]
    assert api.get(f"/api/inspections/{world['a']['planned']}/").status_code == 404


def _report_writes(world, key):
    pk, submitted = world[key]["reports"], world[key]["submitted"]
    return [
        ("put", f"/api/reports/{pk}/", {"version": 1, "lines": [], "complaints_received": 0, "fees_charged": "0"}, "json"),
        ("patch", f"/api/reports/{pk}/", {"version": 1, "notes": "mine now"}, "json"),
        ("post", f"/api/reports/{pk}/submit/", {}, "json"),
        ("post", f"/api/reports/{pk}/upload/", {"file": csv_file("TH,CON,M,1,1,1,0,1"), "version": 1}, "multipart"),
        ("post", f"/api/reports/{submitted}/submit/", {}, "json"),
    ]


def _snapshot(world, key):
    agency = world[key]["agency"]
    return (
        sorted(MonthlyReport.objects.filter(agency=agency).values_list("pk", "status", "version", "notes")),
        sorted(Advertisement.objects.filter(agency=agency).values_list("pk", "status")),
        sorted(Inspection.objects.filter(agency=agency).values_list("pk", "status")),
    )


def test_agency_user_gets_404_on_every_write_to_another_agencys_report(api_for, agency_user_a, world):
    before = _snapshot(world, "b")
    api = api_for(agency_user_a)
    for method, url, data, fmt in _report_writes(world, "b"):
        response = getattr(api, method)(url, data, format=fmt)
        assert response.status_code == 404, (method, url, response.status_code)
    assert _snapshot(world, "b") == before


def test_the_same_writes_on_their_own_report_are_allowed(api_for, agency_user_a, world):
    # The control for the test above: the 404s come from the scope, not from a broken request.
    api = api_for(agency_user_a)
    method, url, data, fmt = _report_writes(world, "a")[1]
    assert getattr(api, method)(url, data, format=fmt).status_code == 200


@pytest.mark.parametrize(
    "method, path, data",
    [
        ("post", "/api/reports/{submitted}/accept/", {}),
        ("post", "/api/reports/{submitted}/return/", {"review_note": "no"}),
        ("post", "/api/advertisements/{advertisements}/approve/", {}),
        ("post", "/api/advertisements/{advertisements}/refuse/", {"review_reason": "no"}),
        ("post", "/api/inspections/{planned}/record/", {}),
        ("post", "/api/inspections/{planned}/approve/", {}),
        ("post", "/api/inspections/{planned}/cancel/", {"reason": "no"}),
        ("post", "/api/inspections/", {}),
        ("post", "/api/sanctions/", {}),
        ("post", "/api/deposit-entries/", {}),
        ("delete", "/api/reports/{reports}/", None),
    ],
)
@pytest.mark.parametrize("key", ["a", "b"])
def test_ministry_actions_are_refused_to_agency_users_whoever_owns_the_row(
    api_for, agency_user_a, world, method, path, data, key
):
    # Refused before the row is read (403, or 405 for a method the API does not offer),
    # so the answer is the same for their own row and another agency's: nothing leaks.
    before = _snapshot(world, key), Sanction.objects.count()
    response = getattr(api_for(agency_user_a), method)(path.format(**world[key]), data)
    assert response.status_code in (403, 405)
    assert (_snapshot(world, key), Sanction.objects.count()) == before


def test_an_agency_user_submits_ads_and_reports_only_for_their_own_agency(api_for, agency_user_a, world):
    # Naming another agency in the body does not help: it is not among the agencies they can see.
    response = api_for(agency_user_a).post(
        "/api/reports/", {"period": months_back(3).isoformat(), "agency": world["b"]["agency"].pk}
    )
    assert "agency" in response.json()["errors"]
    assert not MonthlyReport.objects.filter(agency=world["b"]["agency"], period=months_back(3)).exists()
    response = api_for(agency_user_a).post("/api/reports/", {"period": months_back(3).isoformat()})
    assert response.status_code == 201 and response.json()["agency"]["id"] == world["a"]["agency"].pk


# --- Provincial officers ---------------------------------------------------------------------------


def test_provincial_officer_reads_the_agency_register(api_for, officer_b, world):
    api = api_for(officer_b)
    rows = api.get("/api/agencies/").json()["results"]
    assert {r["id"] for r in rows} == {world["a"]["agency"].pk, world["b"]["agency"].pk}
    assert api.get(f"/api/agencies/{world['a']['agency'].pk}/").status_code == 200


@pytest.mark.parametrize("endpoint", [e for e in LISTS if e != "agencies"])
def test_provincial_officer_has_no_access_to_supervision_records(api_for, officer_a, world, endpoint):
    api = api_for(officer_a)
    assert api.get(f"/api/{endpoint}/").status_code == 403
    assert api.get(f"/api/{endpoint}/{world['a'][endpoint]}/").status_code == 403


def test_provincial_officer_cannot_read_the_report_summary(api_for, officer_a):
    assert api_for(officer_a).get("/api/reports/summary/").status_code == 403


# --- Anonymous ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*(f"/api/{e}/" for e in LISTS), "/api/reports/summary/"])
def test_anonymous_gets_nothing_private(api_for, world, path):
    response = api_for(None).get(path)
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_the_api_index_is_for_signed_in_users(api_for, officer_a):
    assert api_for(None).get("/api/").status_code in (401, 403)
    body = api_for(officer_a).get("/api/").json()
    assert body["agencies"].endswith("/api/agencies/") and body["reports"].endswith("/api/reports/")


def test_anonymous_writes_are_refused(api_for, world):
    before = _snapshot(world, "a")
    assert api_for(None).post(f"/api/reports/{world['a']['submitted']}/accept/").status_code in (401, 403)
    assert api_for(None).post("/api/reports/", {"period": months_back(3).isoformat()}).status_code in (401, 403)
    assert _snapshot(world, "a") == before


def test_anonymous_reaches_the_public_endpoints(api_for, world):
    ad = make_ad(world["a"]["agency"], status=AdvertisementStatus.APPROVED)
    api = api_for(None)
    for path in ("/api/public/licences/", f"/api/public/advertisements/{ad.code}/", "/api/public/rankings/"):
        assert api.get(path).status_code == 200, path


# --- Ministry groups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona",
    ["licensing_officer", "inspector", "complaints_officer", "statistician", "director", "superuser"],
)
@pytest.mark.parametrize("endpoint", LISTS)
def test_every_ministry_group_reads_every_agency(request, api_for, world, persona, endpoint):
    rows = api_for(request.getfixturevalue(persona)).get(f"/api/{endpoint}/?page_size=200").json()["results"]
    assert {agency_of(endpoint, r) for r in rows} == {world["a"]["agency"].pk, world["b"]["agency"].pk}


def _later() -> str:
    return (today() + timedelta(days=9)).isoformat()


# (what, method, path, body, {persona: expected status})
WRITES = [
    (
        "accept a report",
        "post",
        "/api/reports/{submitted}/accept/",
        {},
        {"licensing_officer": 200, "inspector": 403, "complaints_officer": 403, "statistician": 403, "director": 403},
    ),
    (
        "return a report",
        "post",
        "/api/reports/{submitted}/return/",
        {"review_note": "Women missing"},
        {"licensing_officer": 200, "inspector": 403, "director": 403},
    ),
    (
        "approve an advertisement",
        "post",
        "/api/advertisements/{advertisements}/approve/",
        {},
        {"licensing_officer": 200, "inspector": 403, "statistician": 403, "director": 403},
    ),
    (
        "decide a sanction",
        "post",
        "/api/sanctions/",
        {"agency": "{agency_pk}", "kind": "warning", "reason": "Late", "reference": "No. 3/26"},
        {"licensing_officer": 201, "director": 201, "inspector": 403, "complaints_officer": 403, "statistician": 403},
    ),
    (
        "record a deposit movement",
        "post",
        "/api/deposit-entries/",
        {"agency": "{agency_pk}", "kind": "top_up", "amount": "10.00"},
        # Directors hold it too (roles.py): approving a complaint's drawdown writes in the ledger.
        {"licensing_officer": 201, "director": 201, "inspector": 403, "statistician": 403, "complaints_officer": 403},
    ),
    (
        "cancel an inspection",
        "post",
        "/api/inspections/{planned}/cancel/",
        {"reason": "Office closed"},
        {"inspector": 200, "licensing_officer": 403, "director": 403, "complaints_officer": 403},
    ),
    (
        "open a report",
        "post",
        "/api/reports/",
        {"period": "{month}", "agency": "{agency_pk}"},
        {"licensing_officer": 403, "inspector": 403, "director": 403, "superuser": 201},
    ),
    (
        "submit an advertisement",
        "post",
        "/api/advertisements/",
        {"title": "x"},
        {"licensing_officer": 403, "director": 403, "statistician": 403},
    ),
    (
        "change a report's figures",
        "patch",
        "/api/reports/{reports}/",
        {"version": 1, "notes": "ministry edit"},
        {"licensing_officer": 403, "director": 403, "inspector": 403},
    ),
]


@pytest.mark.parametrize(
    "what, method, path, body, persona, expected",
    [(w, m, p, b, persona, code) for w, m, p, b, codes in WRITES for persona, code in codes.items()],
)
def test_ministry_groups_act_by_permission(request, api_for, world, what, method, path, body, persona, expected):
    values = {**world["b"], "agency_pk": world["b"]["agency"].pk, "month": months_back(4).isoformat()}
    body = {k: v.format(**values) if isinstance(v, str) else v for k, v in body.items()}
    response = getattr(api_for(request.getfixturevalue(persona)), method)(path.format(**values), body)
    assert response.status_code == expected, (what, persona, response.status_code, response.content)


def test_inspection_approval_is_for_inspectors_and_directors(api_for, world, inspector, director, licensing_officer):
    inspection = make_inspection(world["b"]["agency"], status=InspectionStatus.RECORDED)
    Inspection.objects.filter(pk=world["b"]["planned"]).delete()
    assert api_for(licensing_officer).post(f"/api/inspections/{inspection.pk}/approve/").status_code == 403
    assert api_for(director).post(f"/api/inspections/{inspection.pk}/approve/").status_code == 200
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.APPROVED


def test_scheduling_is_for_inspectors(api_for, world, inspector, licensing_officer, director):
    from ..factories import AgencyFactory

    fresh = AgencyFactory()  # no inspection planned yet; the checklist is the world's
    body = {"agency": fresh.pk, "scheduled_for": _later()}
    assert api_for(licensing_officer).post("/api/inspections/", body).status_code == 403
    assert api_for(director).post("/api/inspections/", body).status_code == 403
    assert api_for(inspector).post("/api/inspections/", body).status_code == 201


def test_ministry_detail_shows_planning_notes_and_risk(api_for, world, inspector, agency_user_a):
    pk = world["a"]["inspections"]
    assert "reason_detail" in api_for(inspector).get(f"/api/inspections/{pk}/").json()
    assert "reason_detail" not in api_for(agency_user_a).get(f"/api/inspections/{pk}/").json()
    agency = world["a"]["agency"].pk
    assert "risk" in api_for(inspector).get(f"/api/agencies/{agency}/").json()
    assert "risk" not in api_for(agency_user_a).get(f"/api/agencies/{agency}/").json()


def test_a_cancelled_agency_stays_visible_to_its_users_but_cannot_report(api_for, world, agency_user_a):
    from agencies.models import Agency

    Agency.objects.filter(pk=world["a"]["agency"].pk).update(licence_status=LicenceStatus.CANCELLED)
    api = api_for(agency_user_a)
    assert api.get(f"/api/reports/{world['a']['reports']}/").status_code == 200
    response = api.post(f"/api/reports/{world['a']['reports']}/submit/")
    assert response.status_code == 400
    assert MonthlyReport.objects.get(pk=world["a"]["reports"]).status == ReportStatus.DRAFT


# --- Every route is scoped or explicitly public -------------------------------------------------------


def _api_views():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p.callback

    return [(route, cb) for route, cb in walk(get_resolver().url_patterns) if route.startswith("api/")]


def test_every_api_view_is_scoped_or_explicitly_public():
    from drf_spectacular.views import (
        SpectacularAPIView,
        SpectacularRedocView,
        SpectacularSwaggerSplitView,
        SpectacularSwaggerView,
    )
    from rest_framework.routers import APIRootView

    checked = 0
    for route, callback in _api_views():
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        viewers = (SpectacularAPIView, SpectacularSwaggerView, SpectacularSwaggerSplitView, SpectacularRedocView)
        if issubclass(cls, viewers) or issubclass(cls, APIRootView):
            continue  # the schema, its viewers and the routers' indexes: routes, no rows
        checked += 1
        if getattr(cls, "public_data", False):
            # Public by law: no authentication, read only, and its own restricted rows.
            assert cls.authentication_classes == [], route
            if cls.permission_classes != [PublicReadOnly]:
                # A lookup that takes its question in a POST body (a reference and a date of
                # birth stay out of URLs and logs): allowed to anyone, but it changes nothing.
                from rest_framework.permissions import AllowAny

                assert cls.permission_classes == [AllowAny], route
                assert not any(hasattr(cls, m) for m in ("put", "patch", "delete")), route
            assert cls.throttle_scope == "public_lookup", route
            assert not issubclass(cls, ScopedViewSetMixin), route
        else:
            assert issubclass(cls, ScopedViewSetMixin), f"{route}: {cls.__name__} does not apply visible_to"
            assert "get_queryset" not in cls.__dict__, f"{route}: {cls.__name__} overrides the scoped get_queryset"
    assert checked >= 9
