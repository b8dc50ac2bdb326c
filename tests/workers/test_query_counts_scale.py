"""The worker register's lists cost the same number of queries with 10 workers as with 200.

Built with the national-scale generator (workers.generator), so the rows have what the
real register has: several deployments per worker, agencies, job orders, returns.
Layers covered (each built by another area; a missing one skips with its reason):
the portal's worker list page (/workers/), the API list (/api/workers/), and the
worker admin's changelist (/admin/workers/worker/), as the ministry, an agency and a
province. The timings at 1.3 million workers are in docs/benchmarks.md; no test is timed.
"""

from datetime import date

import pytest
from django.contrib import admin
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from migration_portal.accounts.models import User
from migration_portal.core.admin_base import EstimatedCountPaginator
from migration_portal.core.scoping import AGENCY_USERS, PROVINCIAL_OFFICERS
from workers import generator
from workers.models import Worker

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 30)
POSTGRES = connection.vendor == "postgresql"


def url_or_skip(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        pytest.skip(f"'{name}' is not built yet (another area's page)")


def grow(workers: int, deployments: int, seed: int) -> None:
    generator.generate(generator.Plan(workers=workers, deployments=deployments, batch=100, seed=seed, today=TODAY))


@pytest.fixture
def personas(db):
    """The ministry, the agency that registered the most generated workers, and the province most of them
    come from: each sees rows already at 10 workers (an empty page would skip its query)."""
    grow(10, 15, seed=1)
    agency_id = (Worker.objects.exclude(registered_by_agency=None).values("registered_by_agency")
                 .annotate(n=Count("pk")).order_by("-n")[0]["registered_by_agency"])
    province_id = Worker.objects.values("home_province").annotate(n=Count("pk")).order_by("-n")[0]["home_province"]
    return {
        "ministry": UserFactory(username="minister", is_staff=True, is_superuser=True),
        "agency": UserFactory(username="agency_clerk", agency_id=agency_id, groups=[AGENCY_USERS]),
        "province": UserFactory(username="province_officer", province_id=province_id, groups=[PROVINCIAL_OFFICERS]),
    }


def queries_at_10_and_200(client_for, personas, role: str, url: str) -> list[int]:
    counts = []
    for more in (0, 190):
        if more:
            grow(more, 285, seed=2)
        assert Worker.objects.count() == 10 + more
        client = client_for(User.objects.get(pk=personas[role].pk))  # a fresh user: nothing cached
        client.get(url)  # the session row is written on the first request
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        counts.append(len(ctx))
    return counts


# Queries every signed-in request makes before the page's own: the session, the user, and the
# user's groups (the scope, scope_for). Pages with the base layout add the unread notifications.
PAGE_BASE = 4


@pytest.mark.parametrize("role, expected", [
    # + the page's permission check (RegisterPageMixin: user permissions, group permissions; a superuser has all) ...
    # + the COUNT for the paginator + the page of workers (province, agency joined; latest deployment as subqueries)
    # + the filter form's choices (provinces, destinations, sectors: three; the agency list where shown: one more).
    ("ministry", PAGE_BASE + 0 + 2 + 4),
    ("agency", PAGE_BASE + 2 + 2 + 3),
    ("province", PAGE_BASE + 2 + 2 + 4),
])
def test_worker_list_page(client_for, personas, role, expected):
    url = url_or_skip("worker-list")
    assert queries_at_10_and_200(client_for, personas, role, url) == [expected, expected]


@pytest.mark.parametrize("role, expected", [
    # session, user, groups (scope) + permission (RolePermission: user and group permissions; none for a superuser)
    # + the COUNT + the page (everything the serializer reads is joined or annotated).
    ("ministry", 3 + 0 + 2),
    ("agency", 3 + 2 + 2),
    ("province", 3 + 2 + 2),
])
def test_worker_api_list(client_for, personas, role, expected):
    url = url_or_skip("api-worker-list")
    assert queries_at_10_and_200(client_for, personas, role, url) == [expected, expected]


def test_worker_admin_changelist(client_for, personas):
    worker_admin = admin.site._registry.get(Worker)
    if worker_admin is None:
        pytest.skip("the Worker admin is not registered yet (another area)")
    # A register of a million rows must not be counted in full to show a page.
    assert issubclass(worker_admin.paginator, EstimatedCountPaginator) and worker_admin.show_full_result_count is False
    url = reverse("admin:workers_worker_changelist")
    # session, user, groups (scope) + the province filter's choices + the paginator's count (on PostgreSQL: the
    # planner's estimate first, then a real COUNT below 10,000 rows) + the page (province and agency joined)
    # + the unread notifications (the portal's admin header).
    expected = 3 + 1 + (2 if POSTGRES else 1) + 1 + 1
    assert queries_at_10_and_200(client_for, personas, "ministry", url) == [expected, expected]
