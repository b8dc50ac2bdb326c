"""Real pages in headless Chromium report no Content-Security-Policy violation.

Uses Playwright with the system's Chromium (Debian package ``chromium``). Skipped when
it is absent on a developer's machine; required in CI (REQUIRE_SERVICES=1), where
.ci/run installs it.
"""

import importlib
import os
import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import reverse

from ..conftest import services_required

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")

if not CHROMIUM:
    if services_required():
        pytest.fail("Chromium is required in CI for the browser CSP test (apt-get install chromium)", pytrace=False)
    pytest.skip("needs Chromium (apt-get install chromium)", allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")

# The browser talks to a live server thread, so the data must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline") + " at " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    # A transactional test starts from a flushed database: put back the provinces and
    # countries that a data migration normally provides (idempotent).
    # The tests before may have emptied the content types, permissions and roles too (a
    # serialized-rollback test leaves an empty database): forget the cached content type ids
    # and write them back as migrate would (idempotent).
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.sql import emit_post_migrate_signal

    ContentType.objects.clear_cache()
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    importlib.import_module("migration_portal.reference.migrations.0002_load_reference_data").load(apps, None)


@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls
    # (fixtures, sessions) are still synchronous, so Django's async guard is lifted meanwhile.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_api.sync_playwright() as playwright:
            instance = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            yield instance
            instance.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def visit(browser, live_server, client, names) -> list[str]:
    context = browser.new_context()
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    context.add_init_script(RECORD_VIOLATIONS)
    problems: list[str] = []
    page = context.new_page()
    current = [""]
    page.on("console", lambda m: problems.append(f"{current[0]}: {m.text}") if "Content Security Policy" in m.text else None)
    for name in names:
        current[0] = name
        response = page.goto(live_server.url + reverse(name), wait_until="networkidle")
        assert response is not None and response.status < 400, (name, response and response.status)
        problems += [f"{name}: {v}" for v in page.evaluate("window.__csp")]
    context.close()
    return problems


def test_public_and_agency_pages_run_without_csp_violations(browser, live_server, client_for, agency_user_a):
    assert visit(browser, live_server, client_for(None), ["home", "login", "password_reset", "remittance-compare"]) == []
    pages = ["agency-dashboard", "worker-list", "training-session-new", "api-tokens", "sign-out-everywhere"]
    assert visit(browser, live_server, client_for(agency_user_a), pages) == []


def test_province_pages_run_without_csp_violations(browser, live_server, client_for, officer_a):
    pages = ["province-dashboard", "complaint-new", "complaint-dashboard", "returns-expected", "statistics:index"]
    assert visit(browser, live_server, client_for(officer_a), pages) == []


# ReDoc's bundle always draws a "docs by Redocly" footer whose logo is an image on Redocly's
# server. The policy blocks it (so no request leaves the portal, which is the point) and the
# bundle then draws the footer without it. That one blocked image is expected; anything else
# is a violation.
REDOC_FOOTER_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def test_admin_and_api_docs_run_without_csp_violations(browser, live_server, client_for, superuser):
    pages = ["admin:index", "admin:agencies_agency_changelist", "admin:agencies_agency_add",
             "admin:accounts_user_changelist", "swagger-ui", "redoc"]
    problems = visit(browser, live_server, client_for(superuser), pages)
    assert [p for p in problems if not (p.startswith("redoc: ") and REDOC_FOOTER_LOGO in p)] == []


def test_the_recorder_sees_a_violation(browser, live_server):
    # The checks above are only worth something if a violation would be seen: cause one.
    context = browser.new_context()
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    page.goto(live_server.url + reverse("home"), wait_until="networkidle")
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
                  " document.body.appendChild(s); }")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__csp") and page.evaluate("window.x") is None
    context.close()
