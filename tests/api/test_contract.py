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
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

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
