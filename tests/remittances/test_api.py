"""The remittances API: wiring, permissions, scoping, filters and query budgets.

The rules themselves are tested on the services (test_costs, test_literacy); here each
endpoint is checked to reach them with the right user, and every outsider to get a
404, a 403 or an empty list.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, include, path
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from migration_portal.core.api.permissions import PublicReadOnly
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from remittances import literacy, services
from remittances.models import LiteracyAttendance, LiteracySession, Provider, Remittance

from ..factories import province
from .test_pages import build_market, corridor, deployment_for, grow_offers, last_month, remit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("remittances.test_urls")]


@pytest.fixture
def market(db):
    return build_market()


def fresh(user):
    """The user as a new request loads it: nothing cached on the object (scope, permissions)."""
    return type(user).objects.get(pk=user.pk)


def results(response) -> list:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["results"] if isinstance(body, dict) and "results" in body else body


# --- Public comparison -----------------------------------------------------------------------------


def test_public_compare_ranks_offers_without_login(api_for, market):
    response = api_for().get("/api/public/remittance-compare/", {"corridor": "th"})
    assert response.status_code == 200
    body = response.json()
    assert body["corridor"] == "TH" and body["amount"] == "7000.00" and body["benchmark_amount"] == "7000.00"
    assert [o["provider"] for o in body["offers"]] == ["Wallet W", "Bank A"]
    assert body["offers"][0] == {
        "rank": 1, "provider": "Wallet W", "provider_kind": "wallet", "fee": "70.00", "fx_margin_percent": "0.80",
        "cost_percent": "1.80", "received": "805322.00", "receive_currency": "KHR", "received_usd": "196.42",
        "speed": "minutes", "receive_methods": ["wallet"], "observed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
    }
    assert body["corridor_average"] == "2.40" and body["national_indicator"] == "2.73" and body["target"] == "3.00"
    cash = api_for().get("/api/public/remittance-compare/", {"corridor": "TH", "amount": "3500", "method": "cash"}).json()
    assert [o["provider"] for o in cash["offers"]] == ["Bank A"]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"corridor": "XX"}, "corridor"), ({}, "corridor"), ({"corridor": "TH", "amount": "-1"}, "amount"),
     ({"corridor": "TH", "amount": "abc"}, "amount"), ({"corridor": "TH", "method": "pigeon"}, "method")],
)
def test_public_compare_bad_input_is_a_400_naming_the_parameter(api_for, market, params, field):
    response = api_for().get("/api/public/remittance-compare/", params)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_public_compare_is_read_only_and_ignores_credentials(api_for, market, agency_user_a):
    assert api_for().post("/api/public/remittance-compare/", {"corridor": "TH"}).status_code in (403, 405)
    # A signed-in caller gets the same public answer.
    assert api_for(agency_user_a).get("/api/public/remittance-compare/", {"corridor": "TH"}).status_code == 200


def test_public_compare_query_budget(api_for, market, django_assert_num_queries):
    grow_offers(3)
    # the corridors, each currency's latest rate, every corridor's latest offers.
    with django_assert_num_queries(3):
        assert api_for().get("/api/public/remittance-compare/", {"corridor": "TH"}).status_code == 200
    grow_offers(30)
    with django_assert_num_queries(3):
        response = api_for().get("/api/public/remittance-compare/", {"corridor": "TH"})
    assert len(response.json()["offers"]) > 30


# --- Reference data: read by every role, written by Statisticians ------------------------------------


def test_reference_data_is_read_by_every_role_and_not_by_the_anonymous(api_for, market, agency_user_a, officer_a, inspector):
    for user in (agency_user_a, officer_a, inspector):
        api = api_for(user)
        assert {p["name"] for p in results(api.get("/api/remittance-providers/"))} >= {"Bank A", "Wallet W"}
        assert "TH" in {c["country"] for c in results(api.get("/api/corridors/"))}
        assert results(api.get("/api/offers/"))
        assert results(api.get("/api/exchange-rates/", {"currency": "thb"}))
    for url in ("/api/remittance-providers/", "/api/corridors/", "/api/offers/", "/api/exchange-rates/"):
        assert api_for().get(url).status_code in (401, 403)


def test_statisticians_write_reference_data_others_may_not(api_for, market, statistician, agency_user_a, licensing_officer):
    new = {"name": "Prince Bank", "kind": "bank", "licensed_by": "NBC", "active": True}
    for user in (agency_user_a, licensing_officer):
        assert api_for(user).post("/api/remittance-providers/", new).status_code == 403
    api = api_for(statistician)
    response = api.post("/api/remittance-providers/", new)
    assert response.status_code == 201 and Provider.objects.filter(name="Prince Bank").exists()
    assert api.post("/api/remittance-providers/", new).status_code == 400  # the name is unique

    rate = api.post("/api/exchange-rates/", {"currency": "myr", "on": timezone.localdate().isoformat(), "per_usd": "4.40"})
    assert rate.status_code == 201 and rate.json()["currency"] == "MYR"
    assert api.post("/api/exchange-rates/", {"currency": "EUR", "on": "2026-01-01", "per_usd": "0"}).status_code == 400

    prince = Provider.objects.get(name="Prince Bank")
    offer = {"provider": prince.pk, "corridor": corridor("MY").pk, "fee_fixed": "9", "fee_percent": "0",
             "fx_margin_percent": "1.1", "receive_currency": "USD", "speed": "next_day", "receive_methods": ["bank"],
             "observed_on": timezone.localdate().isoformat()}
    response = api.post("/api/offers/", offer)
    assert response.status_code == 201, response.content
    # MYR 9 on MYR 880 (USD 200 at 4.40) is 1.02%, plus 1.10% margin.
    assert response.json()["cost_of_200"] == "2.12"
    assert api.post("/api/offers/", offer).status_code == 400  # one observation per provider, corridor and day
    bad = {**offer, "observed_on": (timezone.localdate() + timedelta(days=1)).isoformat(), "receive_methods": ["pigeon"],
           "receive_currency": "EUR"}
    assert set(api.post("/api/offers/", bad).json()["errors"]) >= {"observed_on", "receive_methods", "receive_currency"}

    corridor_my = corridor("MY")
    assert api.patch(f"/api/corridors/{corridor_my.pk}/", {"currency": "myr"}).json()["currency"] == "MYR"
    assert api_for(agency_user_a).patch(f"/api/corridors/{corridor_my.pk}/", {"currency": "USD"}).status_code == 403
    assert api.delete(f"/api/corridors/{corridor_my.pk}/").status_code in (403, 405)  # corridors are never deleted
    assert corridor("MY").currency == "MYR"


def test_offer_list_carries_the_cost_of_200_and_a_fixed_query_budget(api_for, market, officer_a, django_assert_num_queries):
    api = api_for(officer_a)
    rows = results(api.get("/api/offers/", {"corridor": "TH", "provider": market["bank"].pk}))
    assert [(r["observed_on"], r["cost_of_200"]) for r in rows] == [
        ((timezone.localdate() - timedelta(days=3)).isoformat(), "3.00"),
        # THB 150 on THB 7,200 (USD 200 at 36, the rate in force 40 days ago) + 1.5% margin.
        ((timezone.localdate() - timedelta(days=40)).isoformat(), "3.58"),
    ]
    grow_offers(3)
    # groups (scope), the page's count, the page's offers with provider and corridor, the rates for the page.
    api = api_for(fresh(officer_a))
    with django_assert_num_queries(4):
        api.get("/api/offers/")
    grow_offers(30)
    api = api_for(fresh(officer_a))
    with django_assert_num_queries(4):
        assert len(results(api.get("/api/offers/"))) == 50


# --- The indicator ------------------------------------------------------------------------------------


def test_indicator_endpoint(api_for, market, statistician, agency_user_a, inspector):
    body = results(api_for(statistician).get("/api/remittance-indicator/", {"quarters": 4}))
    assert len(body) == 4 and body[-1]["on"] == timezone.localdate().isoformat()
    assert body[-1]["national"] == str(services.national_indicator())
    th = next(c for c in body[-1]["corridors"] if c["corridor"] == "TH")
    assert th == {"corridor": "TH", "currency": "THB", "offers": 2, "average": "2.40", "cheapest": "1.80"}
    assert api_for(agency_user_a).get("/api/remittance-indicator/").status_code == 200
    assert api_for(inspector).get("/api/remittance-indicator/").status_code == 403  # no view_offer
    assert api_for().get("/api/remittance-indicator/").status_code in (401, 403)
    assert api_for(statistician).get("/api/remittance-indicator/", {"quarters": 0}).status_code == 400


# --- Remittances -----------------------------------------------------------------------------------------


@pytest.fixture
def deployments(agency_a, agency_b, market):
    return {"a": deployment_for(agency_a), "a_btb": deployment_for(agency_a, province_code="02", sex="F", country_code="KR"),
            "b": deployment_for(agency_b, sex="F")}


def test_agency_records_a_remittance_for_its_own_deployment_only(api_for, agency_user_a, deployments, market):
    api = api_for(agency_user_a)
    payload = {"deployment": str(deployments["a"].ref), "month": last_month().strftime("%Y-%m"), "amount": "7200",
               "currency": "thb", "channel": "formal", "provider": market["wallet"].pk}
    response = api.post("/api/remittances/", payload)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["deployment"] == str(deployments["a"].ref) and body["amount_usd"] == "200.00" and body["currency"] == "THB"
    assert body["destination"] == "TH" and body["sex"] == "M" and body["provider_name"] == "Wallet W"
    assert not {"name", "name_latin", "name_km", "worker_name"} & set(body)  # references, not names

    # Another agency's deployment: a 404, and nothing written.
    response = api.post("/api/remittances/", {**payload, "deployment": str(deployments["b"].ref)})
    assert response.status_code == 404
    assert Remittance.objects.count() == 1
    # The service's rules come back as a 400 naming the field.
    response = api.post("/api/remittances/", {**payload, "currency": "EUR"})
    assert response.status_code == 400 and "currency" in response.json()["errors"]


def test_roles_that_only_read_cannot_record(api_for, officer_a, inspector, deployments):
    payload = {"deployment": str(deployments["a"].ref), "month": last_month().strftime("%Y-%m"), "amount": "100",
               "currency": "USD", "channel": "formal"}
    assert api_for(officer_a).post("/api/remittances/", payload).status_code == 403
    assert api_for(inspector).post("/api/remittances/", payload).status_code == 403
    assert api_for().post("/api/remittances/", payload).status_code in (401, 403)
    assert not Remittance.objects.exists()


def test_remittance_list_and_detail_are_scoped(api_for, agency_user_a, agency_user_b, officer_a, officer_b, statistician,
                                               deployments):
    mine, mine_btb, theirs = remit(deployments["a"]), remit(deployments["a_btb"]), remit(deployments["b"])

    def seen(user, **params):
        return {r["id"] for r in results(api_for(user).get("/api/remittances/", params))}

    assert seen(agency_user_a) == {mine.pk, mine_btb.pk}
    assert seen(agency_user_b) == {theirs.pk}
    assert seen(officer_a) == {mine.pk, theirs.pk}
    assert seen(officer_b) == {mine_btb.pk}
    assert seen(statistician) == {mine.pk, mine_btb.pk, theirs.pk}
    assert seen(statistician, destination="kr") == {mine_btb.pk}
    assert seen(statistician, deployment=str(deployments["b"].ref)) == {theirs.pk}
    assert api_for(agency_user_b).get(f"/api/remittances/{mine.pk}/").status_code == 404
    assert api_for(agency_user_a).get(f"/api/remittances/{mine.pk}/").status_code == 200


def test_remittance_summary_is_scoped(api_for, statistician, officer_b, agency_user_a, deployments):
    remit(deployments["a"], usd="300")
    remit(deployments["a_btb"], usd="500", channel="informal")
    remit(deployments["b"], usd="250")
    body = api_for(statistician).get("/api/remittances/summary/").json()
    assert body["total"]["total_usd"] == "1050.00" and body["total"]["formal_share"] == "52.4"
    assert {r["key"]: r["total_usd"] for r in body["by_sex"]} == {"F": "750.00", "M": "300.00"}
    btb = api_for(officer_b).get("/api/remittances/summary/").json()
    assert btb["total"]["total_usd"] == "500.00" and [r["key"] for r in btb["by_province"]] == ["02"]
    # An agency's summary covers its own workers only.
    assert api_for(agency_user_a).get("/api/remittances/summary/").json()["total"]["total_usd"] == "800.00"
    assert api_for(statistician).get("/api/remittances/summary/", {"start": "2026-05", "end": "2026-01"}).status_code == 400


def test_remittance_list_query_budget(api_for, statistician, agency_a, market, django_assert_num_queries):
    def grow(n):
        for _ in range(n):
            remit(deployment_for(agency_a))

    grow(3)
    # permissions (user and group), groups (scope), the page's count, the page's rows with their joins.
    api = api_for(fresh(statistician))
    with django_assert_num_queries(5):
        api.get("/api/remittances/")
    grow(30)
    api = api_for(fresh(statistician))
    with django_assert_num_queries(5):
        assert len(results(api.get("/api/remittances/"))) == 33


# --- Literacy sessions -------------------------------------------------------------------------------------


def test_literacy_sessions_and_attendance(api_for, agency_user_a, agency_user_b, officer_a, officer_b, agency_a):
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    session = {"province": "12", "held_on": yesterday, "place": "MRC", "partner": "ILO", "audience": "workers"}
    response = api_for(agency_user_a).post("/api/literacy-sessions/", session)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["agency"] == agency_a.pk and body["attendee_count"] == 0
    sid = body["id"]
    # A provincial officer may not record in another province.
    assert api_for(officer_b).post("/api/literacy-sessions/", session).status_code == 403

    worker = deployment_for(agency_a).worker
    api = api_for(agency_user_a)
    assert api.post("/api/literacy-attendance/", {"session": sid, "worker": str(worker.ref)}).status_code == 201
    family = {"session": sid, "name": "Chan Sreymom", "sex": "F", "relation": "mother"}
    assert api.post("/api/literacy-attendance/", family).status_code == 201
    assert api.post("/api/literacy-attendance/", {"session": sid}).status_code == 400
    # Agency B: the session is not one it may see.
    assert api_for(agency_user_b).post("/api/literacy-attendance/", family).status_code == 404
    by_worker = {"session": sid, "worker": str(worker.ref)}
    assert api_for(agency_user_b).post("/api/literacy-attendance/", by_worker).status_code == 404

    rows = results(api_for(officer_a).get("/api/literacy-sessions/"))
    assert [(r["id"], r["attendee_count"], r["women"]) for r in rows] == [(sid, 2, 1)]
    assert results(api_for(officer_b).get("/api/literacy-sessions/")) == []
    assert results(api_for(agency_user_b).get("/api/literacy-attendance/")) == []
    attendee = LiteracyAttendance.objects.get(name="Chan Sreymom")
    assert api_for(agency_user_b).delete(f"/api/literacy-attendance/{attendee.pk}/").status_code == 404
    assert api.delete(f"/api/literacy-attendance/{attendee.pk}/").status_code == 204
    assert LiteracyAttendance.objects.count() == 1
    assert [r["worker"] for r in results(api.get("/api/literacy-attendance/", {"session": sid}))] == [str(worker.ref)]
    assert results(api_for(agency_user_b).get("/api/literacy-attendance/", {"session": sid})) == []


def test_literacy_session_list_query_budget(api_for, officer_a, agency_user_a, django_assert_num_queries):

    def grow(n):
        for i in range(n):
            s = literacy.session_create(actor=agency_user_a, province=province("12"), held_on=timezone.localdate(),
                                        place=f"Hall {i}", partner="NBC", audience="families")
            literacy.attendance_add(session=s, actor=agency_user_a, name="Sok Pisey", sex="F", relation="spouse")

    grow(3)
    # permissions (user and group), groups (scope), the page's count, the page's rows with counts.
    api = api_for(fresh(officer_a))
    with django_assert_num_queries(5):
        api.get("/api/literacy-sessions/")
    grow(30)
    api = api_for(fresh(officer_a))
    with django_assert_num_queries(5):
        assert len(results(api.get("/api/literacy-sessions/"))) == 33
    assert LiteracySession.objects.count() == 33


# --- Every route scoped or explicitly public; the schema -------------------------------------------------


def _routes(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def test_every_remittances_api_view_is_scoped_or_explicitly_public():
    from remittances.api import urls

    checked = 0
    for route, callback in _routes(urls.urlpatterns):
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        checked += 1
        if getattr(cls, "public_data", False):
            assert cls.authentication_classes == [] and cls.permission_classes == [PublicReadOnly], route
            assert cls.throttle_scope == "public_lookup", route
            assert not issubclass(cls, ScopedViewSetMixin), route
        else:
            assert issubclass(cls, ScopedViewSetMixin), f"{route}: {cls.__name__} does not apply visible_to"
            assert "get_queryset" not in cls.__dict__, route
    assert checked >= 9


def remittances_schema() -> dict:
    return SchemaGenerator(patterns=[path("api/", include("remittances.api.urls"))]).get_schema(request=None, public=True)


def test_schema_generates_without_warnings_and_is_valid():
    GENERATOR_STATS.reset()
    schema = remittances_schema()
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    validate_schema(schema)
    paths = schema["paths"]
    assert {"/api/public/remittance-compare/", "/api/offers/", "/api/remittances/", "/api/remittances/summary/",
            "/api/remittance-indicator/", "/api/literacy-sessions/", "/api/literacy-attendance/"} <= set(paths)
    assert paths["/api/public/remittance-compare/"]["get"].get("security", [{}]) in ([], [{}])
    assert paths["/api/remittances/"]["get"]["security"]


def test_whole_schema_with_the_remittances_api_has_no_warnings(client):
    # Component names are global: one of ours named like another app's would warn here.
    from remittances import test_urls

    GENERATOR_STATS.reset()
    schema = SchemaGenerator(urlconf=test_urls).get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    validate_schema(schema)
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200 and "/api/offers/" in response.json()["paths"]


def test_throttled_per_address(api_for, market, settings):
    rates = {"anon": "1000/minute", "public_lookup": "2/minute"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from django.core.cache import cache
    from rest_framework.throttling import ScopedRateThrottle

    cache.clear()
    ScopedRateThrottle.THROTTLE_RATES = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    try:
        codes = [api_for().get("/api/public/remittance-compare/", {"corridor": "TH"}).status_code for _ in range(3)]
    finally:
        from rest_framework.settings import api_settings

        ScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
    assert codes == [200, 200, 429]

