"""Bad query parameters and out-of-range numbers never give a 500.

Every API list (found by walking the URL patterns) is asked for impossible pages and page sizes,
and every filter its FilterSet declares is given nonsense; every portal page without a path
parameter, opened by a role that may see it, is given the same. The answer is a 400 that names
the parameter where the value is invalid, and never a 5xx.
"""

from __future__ import annotations

import pytest
from django.db import DataError
from django.urls import URLPattern, URLResolver, get_resolver
from django_filters import DateFilter, ModelChoiceFilter, NumberFilter

from agencies.models import MAX_FIGURE
from migration_portal.core.api.errors import exception_handler
from migration_portal.core.filters import MAX_POSITIONS

from ..agencies.test_pages import make_report, months_ago
from ..workers.test_register_api import JOB_ORDER_INPUT, world  # noqa: F401 - the fixture

HUGE = "99999999999999999999"


@pytest.fixture(autouse=True)
def _reference_data(db):
    """A transactional test run earlier on the same worker flushes the reference data the
    migrations loaded; the personas need the provinces, so load them again if they are gone."""
    import importlib

    from django.apps import apps

    from migration_portal.reference.models import Province

    if not Province.objects.exists():
        importlib.import_module("migration_portal.reference.migrations.0002_load_reference_data").load(apps, None)
PAGINATION = {"page": ["-1", "0", "abc", HUGE], "page_size": ["0", "-1", "abc", HUGE]}
NONSENSE = ["abc", "-1", "0", "10000", HUGE, "2024-13-45", "\x00"]


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def api_lists() -> list[tuple[str, type]]:
    out = []
    for route, p in _walk(get_resolver().url_patterns):
        if route.startswith("api/") and (p.name or "").endswith("-list") and "<" not in route and "(?P" not in route:
            out.append(("/" + route.replace("^", "").replace("$", ""), p.callback.cls))
    return sorted(out, key=lambda x: x[0])


API_LISTS = api_lists()


def _client(api_for, superuser):
    client = api_for(superuser)
    client.raise_request_exception = False  # a 500 is an answer to look at, not an exception in the test
    return client


@pytest.mark.parametrize("url, view", API_LISTS, ids=[u for u, _v in API_LISTS])
def test_api_list_answers_400_for_bad_pagination_and_filters_never_500(url, view, api_for, superuser):
    client = _client(api_for, superuser)
    assert client.get(url).status_code == 200
    if getattr(view, "pagination_class", True) is not None:
        for name, values in PAGINATION.items():
            for value in values:
                response = client.get(url, {name: value})
                assert response.status_code == 400, (url, name, value, response.status_code)
                assert name in response.json()["errors"], (url, name, value)
        assert client.get(url, {"page": "1", "page_size": "200"}).status_code == 200
    filterset = getattr(view, "filterset_class", None)
    for name, f in (filterset.base_filters.items() if filterset else []):
        for value in NONSENSE:
            response = client.get(url, {name: value})
            assert response.status_code < 500, (url, name, value, response.status_code)
            if response.status_code == 400:
                assert name in response.json()["errors"], (url, name, value)
        if isinstance(f, NumberFilter | ModelChoiceFilter):
            for value in ("abc", HUGE):
                assert client.get(url, {name: value}).status_code == 400, (url, name, value)
        if isinstance(f, DateFilter):
            assert client.get(url, {name: "2024-13-45"}).status_code == 400, (url, name)


@pytest.mark.parametrize(("value", "status"), [
    ("0", 400), ("-1", 400), ("10000", 400), ("abc", 400), (HUGE, 400), ("1999", 400), ("2000", 200), ("2100", 200),
    ("2101", 400)])
def test_reports_year_filter_has_a_range(api_for, superuser, value, status):
    response = _client(api_for, superuser).get("/api/reports/", {"year": value})
    assert response.status_code == status
    if status == 400:
        assert "year" in response.json()["errors"]


@pytest.mark.parametrize(("figure", "status"), [(MAX_FIGURE, 200), (MAX_FIGURE + 1, 400), (int(HUGE), 400)])
def test_report_figures_beyond_the_column_are_400_in_the_api(api_for, agency_a, agency_user_a, figure, status):
    report = make_report(agency_a, months_ago(1))
    client = _client(api_for, agency_user_a)
    body = {"version": report.version, "complaints_received": 0, "fees_charged": "0",
            "lines": [{"country": "TH", "sector": "CON", "sex": "M", "recruited": figure}]}
    response = client.put(f"/api/reports/{report.pk}/", body, format="json")
    assert response.status_code == status, response.content
    body = {**body, "lines": [], "complaints_received": figure}
    report.refresh_from_db()
    body["version"] = report.version
    assert client.put(f"/api/reports/{report.pk}/", body, format="json").status_code == status


# --- Pages ---------------------------------------------------------------------------------------

PAGE_PARAMS = {
    "page": ["-1", "0", "abc", HUGE],
    "year": ["0", "-1", "10000", "abc", HUGE, "2099"],
    "month": ["13", "0", "abc", "2024-13"],
    "days": ["abc", "-1", HUGE],
    "amount": ["abc", "-1", HUGE],
}
SKIP = ("admin/", "api/", "accounts/", "i18n/", "healthz")


def portal_pages() -> list[str]:
    out = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        route = route.replace("^", "").replace("$", "")
        if "<" in route or "(?P" in route or route.startswith(SKIP) or route.endswith((".csv", ".xlsx", "/pdf/")):
            continue
        out.append("/" + route)
    return sorted(set(out))


PAGES = portal_pages()
PERSONAS = ("superuser", "statistician", "officer_a", "agency_user_a", None)


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_bad_parameters_with_a_message_never_500(url, request, client_for):
    opened = None
    for persona in PERSONAS:
        client = client_for(request.getfixturevalue(persona) if persona else None)
        client.raise_request_exception = False
        if client.get(url).status_code == 200:
            opened = client
            break
    if opened is None:
        pytest.skip(f"no persona opens {url} without parameters")
    for name, values in PAGE_PARAMS.items():
        for value in values:
            response = opened.get(url, {name: value})
            assert response.status_code < 500, (url, name, value, response.status_code)
            if response.status_code == 400:
                assert name in response.content.decode(), (url, name, value)
    for value in PAGE_PARAMS["page"]:
        response = opened.get(url, {"page": value})
        assert response.status_code == 400 and "'page'" in response.content.decode().replace("&#x27;", "'")


# --- Numbers posted to the API -----------------------------------------------------------------


@pytest.mark.parametrize(("positions", "status"), [(MAX_POSITIONS, 201), (MAX_POSITIONS + 1, 400), (int(HUGE), 400)])
def test_job_order_positions_are_bounded(api_for, agency_user_a, world, positions, status):  # noqa: F811 - the fixture
    data = {**JOB_ORDER_INPUT, "employer": world["a"]["order"].employer_id, "valid_from": "2026-12-01",
            "valid_until": "2027-03-01", "positions_male": positions}
    response = _client(api_for, agency_user_a).post("/api/job-orders/", data, format="json")
    assert response.status_code == status, response.content
    if status == 400:
        assert "positions_male" in response.json()["errors"]


@pytest.mark.parametrize("exc", [OverflowError("Python int too large to convert to SQLite INTEGER"),
                                 DataError("integer out of range")])
def test_a_number_no_serializer_bounded_is_a_400_not_a_500(exc):
    response = exception_handler(exc, {})
    assert response.status_code == 400 and response.data == {
        "errors": {"non_field_errors": ["A number in the request is out of range."]}}
    assert exception_handler(ZeroDivisionError(), {}) is None  # anything else still reaches the 500 handler
