"""With Redis (the cache) down, every page and API route still answers, and the rate limits
still limit, per process (migration_portal.core.cache.ResilientRedisCache)."""

import logging
import os
import re
import subprocess
import sys

import pytest
from django.core.cache import cache, caches
from rest_framework.throttling import ScopedRateThrottle

from migration_portal.core.cache import ResilientRedisCache
from migration_portal.settings.base import redis_url_next_db

from ..complaints.factories import register
from .test_settings import PRODUCTION, ROOT

pytestmark = pytest.mark.django_db

# Nothing listens on port 1: every connection is refused at once.
DEAD = "redis://127.0.0.1:1/1"


def resilient(location: str, **options) -> dict:
    return {"default": {"BACKEND": "migration_portal.core.cache.ResilientRedisCache", "LOCATION": location, "OPTIONS": options}}


@pytest.fixture
def cache_down(settings):
    """The production cache backend, pointing at a Redis that is not there."""
    settings.CACHES = resilient(DEAD)
    yield
    cache.close()


@pytest.fixture
def lookup_rate(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"public_lookup": "3/minute"})


def test_the_public_licence_api_answers_and_still_throttles_with_redis_down(cache_down, lookup_rate, api_for, agency_a):
    api = api_for(None)
    codes = [api.get("/api/public/licences/", {"q": "agency"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]


def test_the_complaint_status_api_still_throttles_with_redis_down(cache_down, lookup_rate, api_for, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    dob = complaint.worker.date_of_birth.isoformat()
    api = api_for(None)
    codes = [
        api.post("/api/public/complaint-status/", {"ref": complaint.ref, "date_of_birth": dob}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]


def test_the_complaint_status_page_answers_and_still_blocks_guessing_with_redis_down(cache_down, client, officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    dob = complaint.worker.date_of_birth.isoformat()
    assert client.get("/complaints/status/").status_code == 200
    found = client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": dob})
    assert found.status_code == 200 and "Received" in found.content.decode()
    # Guessing dates of birth: after ten failures from one address, the right answer is refused too.
    for _ in range(10):
        assert client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": "2000-01-01"}).status_code == 200
    blocked = client.post("/complaints/status/", {"ref": complaint.ref, "date_of_birth": dob})
    assert blocked.status_code == 429 and "Received" not in blocked.content.decode()


def test_pages_answer_with_redis_down(cache_down, client, client_for, officer_a):
    for path in ("/", "/complaints/status/", "/accounts/login/"):
        assert client.get(path).status_code == 200, path
    assert client_for(officer_a).get("/province/").status_code == 200


def test_a_failure_is_logged_once_per_interval(cache_down, caplog):
    with caplog.at_level(logging.WARNING, logger="migration_portal.core.cache"):
        for n in range(5):
            cache.set(f"k{n}", n)
            assert cache.get(f"k{n}") == n  # kept in the process meanwhile
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1


class TestWithARealRedis:
    """Against a Redis of the test's own that stops and starts again."""

    def test_values_go_to_redis_then_to_the_process_then_back(self, private_redis, settings, caplog):
        settings.CACHES = resilient(private_redis.url(1), RETRY_AFTER=0)
        import redis

        shared = redis.Redis.from_url(private_redis.url(1))
        cache.set("counter", 1)
        assert cache.get("counter") == 1 and any(b"counter" in key for key in shared.keys("*"))

        private_redis.stop()
        with caplog.at_level(logging.WARNING, logger="migration_portal.core.cache"):
            assert cache.get("counter") is None  # a miss, not an error
            assert cache.add("local", 5) is True and cache.incr("local") == 6
        assert "unreachable" in caplog.text

        private_redis.start()
        shared = redis.Redis.from_url(private_redis.url(1))
        cache.set("after", 2)  # RETRY_AFTER=0: the next call tries Redis again
        assert cache.get("after") == 2 and any(b"after" in key for key in shared.keys("*"))
        cache.close()

    def test_while_in_the_interval_redis_is_not_tried(self, private_redis, settings):
        settings.CACHES = resilient(private_redis.url(1), RETRY_AFTER=300)
        private_redis.stop()
        cache.set("x", 1)  # fails, falls back, and stays away for five minutes
        private_redis.start()
        cache.set("y", 2)
        import redis

        assert redis.Redis.from_url(private_redis.url(1)).keys("*") == []
        backend = caches["default"]
        assert isinstance(backend, ResilientRedisCache) and backend.available is False
        cache.close()


class TestSeparateDatabases:
    """The cache lives in another Redis database than the broker, so clearing it drops no task."""

    @pytest.mark.parametrize(
        ("broker", "cache_url"),
        [
            ("redis://127.0.0.1:6379/6", "redis://127.0.0.1:6379/7"),
            ("redis://redis:6379", "redis://redis:6379/1"),
            ("redis://redis:6379/0", "redis://redis:6379/1"),
            ("redis://:secret@redis:6379/15", "redis://:secret@redis:6379/14"),
            ("", ""),
        ],
    )
    def test_the_default_cache_url_is_the_next_database(self, broker, cache_url):
        assert redis_url_next_db(broker) == cache_url

    def run_production(self, **extra) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "REDIS_CACHE_URL")}
        env.update(PRODUCTION, **extra)
        code = (
            "from django.conf import settings; c = settings.CACHES['default']; "
            "print(c['BACKEND'], c['LOCATION'], settings.CELERY_BROKER_URL)"
        )
        result = subprocess.run(  # noqa: S603 - a fixed command line
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return re.findall(r"^\S+ \S+ \S+$", result.stdout, re.MULTILINE)[-1]

    def test_production_uses_the_resilient_cache_on_its_own_database(self):
        backend, cache_location, broker = self.run_production().split()
        assert backend == "migration_portal.core.cache.ResilientRedisCache"
        assert broker == "redis://127.0.0.1:6379/0" and cache_location == "redis://127.0.0.1:6379/1"
        _, cache_location, _ = self.run_production(REDIS_CACHE_URL="redis://cache-host:6379/3").split()
        assert cache_location == "redis://cache-host:6379/3"
