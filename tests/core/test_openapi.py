"""The OpenAPI schema and its viewers: generated without warnings, served offline."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

MAIN_PATHS = [
    "/api/agencies/",
    "/api/agencies/{id}/",
    "/api/deposit-entries/",
    "/api/sanctions/",
    "/api/inspections/",
    "/api/inspections/{id}/record/",
    "/api/inspections/{id}/approve/",
    "/api/inspections/{id}/cancel/",
    "/api/reports/",
    "/api/reports/{id}/",
    "/api/reports/{id}/submit/",
    "/api/reports/{id}/accept/",
    "/api/reports/{id}/return/",
    "/api/reports/{id}/upload/",
    "/api/reports/summary/",
    "/api/advertisements/",
    "/api/advertisements/{id}/approve/",
    "/api/advertisements/{id}/refuse/",
    "/api/public/licences/",
    "/api/public/advertisements/{code}/",
    "/api/public/rankings/",
]


def agencies_schema() -> dict:
    """The schema of the agencies API alone, as it appears under /api/."""
    return SchemaGenerator(patterns=[path("api/", include("agencies.api.urls"))]).get_schema(request=None, public=True)


def test_agencies_schema_generates_without_warnings_or_errors_and_is_valid():
    GENERATOR_STATS.reset()  # warnings are cached per process; count this generation's only
    schema = agencies_schema()
    assert not GENERATOR_STATS._warn_cache, dict(GENERATOR_STATS._warn_cache)
    assert not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._error_cache)
    validate_schema(schema)
    assert set(MAIN_PATHS) <= set(schema["paths"])


def test_whole_schema_is_valid_openapi():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert set(MAIN_PATHS) <= set(schema["paths"])


def test_schema_documents_inputs_and_hides_status_from_writes():
    schema = agencies_schema()
    paths, components = schema["paths"], schema["components"]["schemas"]
    upload = paths["/api/reports/{id}/upload/"]["post"]["requestBody"]["content"]
    assert "multipart/form-data" in upload
    summary_params = {p["name"] for p in paths["/api/reports/summary/"]["get"]["parameters"]}
    assert {"period", "year", "agency"} <= summary_params
    agency_filters = {p["name"] for p in paths["/api/agencies/"]["get"]["parameters"]}
    assert {"licence_status", "province", "country", "acra_member", "mac_member", "q", "ordering"} <= agency_filters
    # No request body can carry a status: it changes only through the workflow actions.
    request_bodies = [name for name in components if name.endswith("Request")]
    assert len(request_bodies) >= 10
    for name in request_bodies:
        assert "status" not in components[name].get("properties", {}), name
    # Each choice set is one named enum.
    assert {"ReportStatusEnum", "InspectionStatusEnum", "AdvertisementStatusEnum", "LicenceStatusEnum"} <= set(components)
    # The public endpoints need no credentials.
    for public in ("/api/public/licences/", "/api/public/advertisements/{code}/", "/api/public/rankings/"):
        assert paths[public]["get"].get("security", [{}]) in ([], [{}]), public
    assert paths["/api/reports/"]["get"]["security"]


@pytest.mark.django_db
def test_schema_endpoint_serves_it(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    body = response.json()
    assert body["info"]["title"] == "Cambodia Labour Migration Portal API"
    assert set(MAIN_PATHS) <= set(body["paths"])


@pytest.mark.django_db
def test_swagger_ui_loads_with_no_internet(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    # No address off this server anywhere in the page (a bare "cdn" search would also hit the
    # random CSRF token now and then).
    assert not re.search(r"https?://(?!testserver)", html), re.search(r"https?://\S+", html)
    assets = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    # The start-up script is served by the same view (so the CSP needs no inline script).
    init = [url for url in assets if url.startswith("/api/docs/")]
    assert len(init) == 1
    assets = [url for url in assets if url not in init]
    assert len(assets) >= 3  # stylesheet, bundle, standalone preset
    for url in assets:
        assert url.startswith("/static/"), url
        # The file is shipped with the app (drf-spectacular-sidecar), not fetched from anywhere.
        assert finders.find(url.removeprefix("/static/")), url
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    script = client.get(init[0].replace("&amp;", "&")).content.decode()
    assert "/api/schema/" in script
    assert not re.search(r"https?://(?!testserver)", script)


@pytest.mark.django_db
def test_redoc_loads_with_no_internet(client):
    response = client.get("/api/redoc/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert scripts and all(s.startswith("/static/") and finders.find(s.removeprefix("/static/")) for s in scripts)
    assert not re.search(r"<(?:script|link)[^>]+(?:src|href)=\"https?://", html)
