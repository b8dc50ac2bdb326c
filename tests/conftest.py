"""Personas and shared fixtures.

Two agencies (A and B) with a user each, two provinces' officers (Phnom Penh and
Battambang), each ministry role, and the anonymous visitor. Every scoping test
shows what the outsider gets: a 404 or an empty list.
"""

import os

import pytest
from django.test import Client
from rest_framework.test import APIClient

from migration_portal.core.scoping import (
    AGENCY_USERS,
    COMPLAINTS,
    DIRECTORS,
    INSPECTION,
    LICENSING,
    PROVINCIAL_OFFICERS,
    STATISTICS,
)

from .factories import AgencyFactory, UserFactory, province
from .sessions import sign_in

_pinned_clock = None


def pytest_configure(config):
    """`TEST_TODAY=2026-12-31 make test` runs the whole suite as if it were that day.

    The clock ticks from 10:00 Phnom Penh time on that date, from before collection
    (so module-level dates see it too) in every test process. CI runs on any day of the
    month, so the suite is checked on the 1st, the 15th and the last day this way; a
    test that needs a particular day pins it itself.
    """
    global _pinned_clock
    value = os.environ.get("TEST_TODAY")
    if not value:
        return
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    import time_machine

    day = date.fromisoformat(value)
    _pinned_clock = time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("Asia/Phnom_Penh")), tick=True)
    _pinned_clock.start()


def pytest_unconfigure(config):
    if _pinned_clock is not None:
        _pinned_clock.stop()


@pytest.fixture(autouse=True)
def _media_and_lang(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Each test starts with empty rate-limit counters and DRF's configured rates.

    Throttle history lives in the cache, and a test that lowers a rate by assigning
    THROTTLE_RATES on a throttle class would otherwise leak it into later tests.
    """
    from django.core.cache import cache
    from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle, SimpleRateThrottle, UserRateThrottle

    classes = (SimpleRateThrottle, ScopedRateThrottle, AnonRateThrottle, UserRateThrottle)
    saved = {cls: cls.__dict__.get("THROTTLE_RATES") for cls in classes}
    cache.clear()
    yield
    for cls, value in saved.items():
        if value is not None:
            cls.THROTTLE_RATES = value
        elif "THROTTLE_RATES" in cls.__dict__:
            # Point it back at the configured rates rather than deleting it: a monkeypatch
            # undone after this fixture may still want to delete its own attribute.
            cls.THROTTLE_RATES = saved[SimpleRateThrottle]
    cache.clear()


@pytest.fixture
def agency_a(db):
    return AgencyFactory(name="Agency A Manpower Co., Ltd.")


@pytest.fixture
def agency_b(db):
    return AgencyFactory(name="Agency B Recruitment Co., Ltd.")


@pytest.fixture
def agency_user_a(agency_a):
    return UserFactory(username="clerk_a", agency=agency_a, groups=[AGENCY_USERS])


@pytest.fixture
def agency_user_b(agency_b):
    return UserFactory(username="clerk_b", agency=agency_b, groups=[AGENCY_USERS])


@pytest.fixture
def province_a(db):
    return province("12")  # Phnom Penh


@pytest.fixture
def province_b(db):
    return province("02")  # Battambang


@pytest.fixture
def officer_a(province_a):
    return UserFactory(username="officer_pp", province=province_a, groups=[PROVINCIAL_OFFICERS])


@pytest.fixture
def officer_b(province_b):
    return UserFactory(username="officer_btb", province=province_b, groups=[PROVINCIAL_OFFICERS])


def _staff(username, group):
    return UserFactory(username=username, is_staff=True, groups=[group])


@pytest.fixture
def licensing_officer(db):
    return _staff("licensing", LICENSING)


@pytest.fixture
def inspector(db):
    return _staff("inspector", INSPECTION)


@pytest.fixture
def complaints_officer(db):
    return _staff("complaints", COMPLAINTS)


@pytest.fixture
def statistician(db):
    return _staff("statistician", STATISTICS)


@pytest.fixture
def director(db):
    return _staff("director", DIRECTORS)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def client_for():
    """A signed-in Django test client for a user (None: anonymous).

    Signed in as the portal does it: the password step, and for users who must use a
    second factor (ministry staff, superusers) a session verified with their device.
    """

    def make(user=None) -> Client:
        client = Client()
        if user is not None:
            sign_in(client, user)
        return client

    return make


@pytest.fixture
def api_for():
    """A DRF client authenticated as a user (None: anonymous)."""

    def make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


def services_required() -> bool:
    """In CI the real PostgreSQL and Redis must be there: a missing one fails, not skips."""
    return os.environ.get("REQUIRE_SERVICES") == "1"


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests that drive a live server (the browser tests) run after every other test.

    Their database is emptied afterwards with the post-migrate signal, which writes the
    roles and content types back; a serialized-rollback test after them would then find
    those rows already there. pytest-django has already put database tests in its order;
    this only moves the live-server ones behind them.
    """
    last = [item for item in items if "live_server" in getattr(item, "fixturenames", ())]
    if last:
        moved = set(map(id, last))
        items[:] = [item for item in items if id(item) not in moved] + last
