"""No download of the portal can carry a live spreadsheet formula (OWASP "CSV injection").

A payload goes into everything a user can type that might end in a file: an agency's name, a
worker's name and occupation, a complaint's narrative, a remittance provider's name, and, as
reference data edited in the admin, a sector's name. Then every export route is downloaded
(found by walking the URL patterns: a route whose name or path speaks of csv, xlsx, export,
download, workbook or template must be listed here, or the test fails) and read back: no CSV cell starts
with a formula trigger unless it is a number, no XLSX cell is a formula.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from agencies.models import Agency
from complaints.models import Complaint
from migration_portal.core.scoping import scope_for
from migration_portal.core.spreadsheets import FORMULA_TRIGGERS
from migration_portal.reference.models import Sector
from migration_portal.statistics.pages import PAGES
from remittances.models import Provider
from workers.models import Deployment, Worker

from ..statistics.conftest import frozen, records  # noqa: F401 - fixtures: the statistics records
from ..statistics.test_pages import FILTERS

PAYLOAD = '=HYPERLINK("http://x","y")'
EXPORT_WORDS = re.compile(r"csv|xlsx|export|download|workbook|template\.|-template$", re.IGNORECASE)


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else ""


def export_routes() -> set[str]:
    """The names of every route that looks like a file download."""
    return {name or route for route, name in _walk(get_resolver().url_patterns)
            if EXPORT_WORDS.search(route) or EXPORT_WORDS.search(name)}


def _statistics(users):
    for page in PAGES.values():
        for spec in page.tables_for(scope_for(users["statistician"])):
            for fmt in ("csv", "xlsx"):
                url = reverse("statistics:download", kwargs={"page": page.slug, "table": spec.key, "fmt": fmt})
                yield users["statistician"], url + FILTERS.get(page.slug, "")


# Each export route: who downloads it, and every URL it serves.
COVERED = {
    "statistics:download": _statistics,
    "statistics:ilo-workbook": lambda u: [(u["statistician"], reverse("statistics:ilo-workbook") + FILTERS["ilo"])],
    "agency-report-template": lambda u: [(u["agency"], reverse("agency-report-template"))],
    "worker-import-template": lambda u: [
        (u["agency"], reverse("worker-import-template", kwargs={"fmt": fmt})) for fmt in ("csv", "xlsx")],
    "returns-import-template": lambda u: [(u["officer"], reverse("returns-import-template"))],
}


def test_every_export_route_is_covered():
    found = export_routes()
    assert found - COVERED.keys() == set(), "export routes not checked for formulas: add them to COVERED"
    assert COVERED.keys() <= found  # and none is listed that no longer exists


def _cells(response) -> list:
    kind = response["Content-Type"]
    if "spreadsheetml" in kind:
        wb = load_workbook(io.BytesIO(response.content))
        return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert kind.startswith("text/csv"), kind
    return [v for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) for v in row]


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


@pytest.fixture
def poisoned(records, agency_a, officer_a):  # noqa: F811 - the imported fixture
    """The payload in every free text that a download might show."""
    Agency.objects.filter(pk=agency_a.pk).update(name=PAYLOAD)
    Worker.objects.filter(pk=Worker.objects.order_by("pk").values("pk")[:1]).update(name_latin=PAYLOAD)
    Deployment.objects.update(occupation="-" + PAYLOAD)
    complaint = Complaint.objects.order_by("pk").first()
    complaint.narrative = "+" + PAYLOAD
    complaint.save(update_fields=["narrative"])
    Provider.objects.filter(name="Wing").update(name="@" + PAYLOAD)
    Sector.objects.filter(code="CON").update(name="\t" + PAYLOAD)


def test_no_download_carries_a_formula(poisoned, agency_user_a, officer_a, statistician, client_for):
    users = {"agency": agency_user_a, "officer": officer_a, "statistician": statistician}
    clients = {}
    seen_payload = downloads = 0
    for name, urls in COVERED.items():
        for user, url in urls(users):
            client = clients.setdefault(user.pk, client_for(user))
            response = client.get(url)
            assert response.status_code == 200, (name, url, response.status_code)
            downloads += 1
            for cell in _cells(response):
                if hasattr(cell, "data_type"):  # a workbook cell
                    assert cell.data_type != "f", (url, cell.coordinate, cell.value)
                    seen_payload += isinstance(cell.value, str) and PAYLOAD in cell.value
                else:
                    assert not cell.startswith(FORMULA_TRIGGERS) or _is_number(cell), (url, cell)
                    seen_payload += PAYLOAD in cell
    assert downloads > 2 * len(PAGES)
    # The payload reached the files (as text): the check above looked at it, not at empty tables.
    assert seen_payload > 0
