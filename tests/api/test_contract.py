"""The API's contract, finding by finding: each test here failed before its fix.

The fuzz test (test_fuzz.py) found these; they are pinned here one by one, so a
regression names itself without a fuzz run. ``contract`` (conftest.py) calls the API
through Django's WSGI application and checks the answer against the schema the API
serves at /api/schema/: status, content type and body.
"""

from __future__ import annotations

import functools
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from workers.models import Certificate, Curriculum

from ..workers.factories import CurriculumFactory

pytestmark = pytest.mark.django_db


@functools.cache
def whole_schema() -> dict:
    """Generated once for this module (a few seconds); the tests only read it."""
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method.upper(), operation


# --- The schema generates cleanly --------------------------------------------------------------


def test_the_whole_schema_generates_with_no_warning_and_validates():
    GENERATOR_STATS.reset()  # warnings are remembered per process; count this run's only
    out = StringIO()
    # --fail-on-warn turns any warning or error of the generator into a CommandError.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/complaints/" in out.getvalue()


# --- Error answers are documented, in the API's error shape ------------------------------------


def test_every_operation_documents_its_error_answers_with_their_bodies():
    schema = whole_schema()
    checked = 0
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        public = operation.get("security", [{}]) in ([{}], [])
        expected = set()
        if query or method in ("POST", "PUT", "PATCH"):
            expected.add("400")
        if method in ("POST", "PUT", "PATCH"):
            expected.add("415")
        if not public:
            expected.add("403")
        if "{" in path or any(p["name"] == "page" for p in query):
            expected.add("404")
        assert expected <= set(responses), (method, path, sorted(responses))
        for code in expected:
            assert "application/json" in responses[code].get("content", {}), (method, path, code)
        checked += 1
    assert checked >= 140
    errors = schema["components"]["schemas"]
    assert errors["ValidationError"]["required"] == ["errors"]
    assert errors["DetailError"]["required"] == ["detail"]


def test_throttled_public_lookups_document_429():
    paths = whole_schema()["paths"]
    for path, method in (("/api/public/complaint-status/", "post"), ("/api/public/licences/", "get")):
        assert "429" in paths[path][method]["responses"], path


def test_optional_query_parameters_may_be_empty():
    parameters = whole_schema()["paths"]["/api/workers/"]["get"]["parameters"]
    registered_before = next(p for p in parameters if p["name"] == "registered_before")
    assert registered_before["allowEmptyValue"] is True


def test_an_unknown_api_url_is_a_json_404_and_a_page_url_stays_html(client, contract, agency_user_a):
    response = contract.call(agency_user_a, "GET", "/api/agencies/not-a-number/", operation="/api/agencies/{id}/")
    assert response.status_code == 404 and response.json == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")


# --- Invalid input is refused with a 400 naming the parameter -------------------------------------


@pytest.mark.parametrize("value", ["null", "0", "-3", "ten", "1.5"])
def test_a_page_size_that_is_not_a_positive_whole_number_is_a_400(api_for, agency_user_a, value):
    response = api_for(agency_user_a).get("/api/agencies/", {"page_size": value})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["page_size"]


@pytest.mark.parametrize(("value", "rows"), [("", 2), ("1", 1), ("200", 2)])
def test_a_valid_page_size_is_honoured(api_for, superuser, agency_a, agency_b, value, rows):
    response = api_for(superuser).get("/api/agencies/", {"page_size": value})
    assert response.status_code == 200 and len(response.json()["results"]) == rows


def test_a_page_size_over_the_maximum_is_refused_as_the_schema_says(api_for, superuser, agency_a):
    """The schema states 1 to 200; 201 is the client's mistake, named, not a silently shorter page."""
    from migration_portal.core.api.pagination import PortalPagination

    client = api_for(superuser)
    assert client.get("/api/agencies/", {"page_size": str(PortalPagination.max_page_size)}).status_code == 200
    response = client.get("/api/agencies/", {"page_size": str(PortalPagination.max_page_size + 1)})
    assert response.status_code == 400 and list(response.json()["errors"]) == ["page_size"]
    parameters = client.get("/api/schema/", {"format": "json"}).json()["paths"]["/api/agencies/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"]["maximum"] == PortalPagination.max_page_size


@pytest.mark.parametrize(("value", "status"), [("maybe", 400), ("2", 400), ("true", 200), ("false", 200), ("", 200), ("1", 200)])
def test_a_flag_filter_takes_true_or_false_only(api_for, superuser, agency_a, value, status):
    response = api_for(superuser).get("/api/agencies/", {"acra_member": value})
    assert response.status_code == status
    if status == 400:
        assert list(response.json()["errors"]) == ["acra_member"]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/sanctions/?agency=-8.8e220", "agency"),
        ("/api/sanctions/?agency=99999999999999999999999", "agency"),
        ("/api/reports/?year=1000000", "year"),
        ("/api/literacy-attendance/?session=1e300", "session"),
    ],
)
def test_ids_and_years_out_of_range_are_a_400_not_a_500(api_for, superuser, url, field):
    response = api_for(superuser).get(url)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_an_id_in_range_still_filters(api_for, superuser, agency_a, agency_b):
    from ..agencies.test_api import make_sanction

    make_sanction(agency_a), make_sanction(agency_b)
    rows = api_for(superuser).get("/api/sanctions/", {"agency": agency_a.pk}).json()["results"]
    assert [r["agency"]["id"] for r in rows] == [agency_a.pk]


def test_an_inspector_id_out_of_range_is_a_400_not_a_500(api_for, inspector, agency_a):
    body = {"agency": agency_a.pk, "scheduled_for": "2027-01-05", "inspectors": [139261018661341315989504]}
    response = api_for(inspector).post("/api/inspections/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["inspectors"]


# --- Bodies match the schema ----------------------------------------------------------------------


def test_a_general_curriculum_has_a_null_destination_and_the_schema_says_so(contract, world, superuser):
    general = CurriculumFactory(country=None, version=7)
    assert Curriculum.objects.filter(country=None).exists()
    response = contract.call(superuser, "GET", f"/api/curricula/{general.pk}/", operation="/api/curricula/{id}/")
    assert response.json["destination"] is None
    certificates = contract.call(superuser, "GET", "/api/certificates/", operation="/api/certificates/")
    assert Certificate.objects.filter(session__curriculum__country=None).exists()
    assert None in {row["destination"] for row in certificates.json["results"]}
    contract.call(superuser, "GET", "/api/training-sessions/", operation="/api/training-sessions/")


def test_a_return_with_no_assisting_agency_matches_the_schema(contract, world, officer_a):
    response = contract.call(officer_a, "GET", "/api/returns/", operation="/api/returns/")
    assert {row["assisting_agency"] for row in response.json["results"]} == {None}


def test_an_offers_cost_is_a_decimal_string_as_documented(contract, world, statistician):
    response = contract.call(statistician, "GET", "/api/offers/", operation="/api/offers/")
    costs = {row["cost_of_200"] for row in response.json["results"]}
    assert costs and all(isinstance(c, str) for c in costs - {None})


@pytest.mark.parametrize("persona", ["agency_user_a", "officer_a", "complaints_officer"])
def test_complaints_match_exactly_one_variant_for_every_role(request, contract, world, persona):
    user = request.getfixturevalue(persona)
    listing = contract.call(user, "GET", "/api/complaints/", operation="/api/complaints/")
    ref = listing.json["results"][0]["ref"]
    contract.call(user, "GET", f"/api/complaints/{ref}/", operation="/api/complaints/{ref}/")


@pytest.mark.parametrize("persona", ["agency_user_a", "inspector"])
def test_inspections_match_exactly_one_variant_for_every_role(request, contract, world, persona):
    user = request.getfixturevalue(persona)
    listing = contract.call(user, "GET", "/api/inspections/", operation="/api/inspections/")
    pk = listing.json["results"][0]["id"]
    contract.call(user, "GET", f"/api/inspections/{pk}/", operation="/api/inspections/{id}/")


def test_an_invalid_new_worker_gets_the_documented_400(contract, agency_user_a):
    response = contract.call(agency_user_a, "POST", "/api/workers/", operation="/api/workers/", json={"sex": "X"})
    assert response.status_code == 400
    assert "duplicates" not in response.json and "sex" in response.json["errors"]


# --- /api/ lists every app's routes ------------------------------------------------------------


def _api_routes():
    """Every API route, as (URL name with namespace, path)."""

    def walk(patterns, prefix="", namespace=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(filter(None, [namespace, p.namespace])) or None
                yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                yield (f"{namespace}:{p.name}" if namespace else p.name), prefix + str(p.pattern)

    return [(name, route) for name, route in walk(get_resolver().url_patterns) if route.startswith("api/")]


def _list_routes():
    """Every registered API list route (the routers name them ``<basename>-list``)."""
    return [(n, r) for n, r in _api_routes() if n.endswith("-list") and "format" not in r]


def test_the_api_index_lists_every_apps_list_routes(api_for, officer_a):
    body = api_for(officer_a).get("/api/").json()
    listed = {url.removeprefix("http://testserver") for url in body.values()}
    routes = _list_routes()
    assert len(routes) >= 30
    for name, route in routes:
        assert "/" + route.replace("^", "").replace("$", "") in listed, name
    # One of each app, by name.
    for key in ("agencies", "workers", "certificates", "returns", "complaints", "remittances", "offers"):
        assert key in body, key


def test_only_one_index_is_served(api_for, officer_a):
    # No app serves an index of its own any more: /api/ is the only one.
    roots = [(name, route) for name, route in _api_routes() if name.endswith("api-root")]
    assert roots == [("api-root", "api/")]
    assert api_for(None).get("/api/").status_code in (401, 403)
