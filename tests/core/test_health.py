"""Health endpoints: /healthz for the container, /healthz/jobs for monitoring."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from migration_portal.core import health
from migration_portal.core.tasks import HEARTBEAT_KEY, heartbeat

from ..factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def production_like(settings):
    settings.ALLOWED_HOSTS = ["portal.example.gov.kh"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz"]


@pytest.mark.django_db
def test_healthz_answers_plain_http_for_localhost(client, production_like):
    response = client.get("/healthz", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok", "cache": "ok"}}


@pytest.mark.django_db
def test_other_pages_still_refuse_an_unknown_host_and_redirect_to_https(client, production_like):
    assert client.get("/", HTTP_HOST="localhost").status_code == 400
    assert client.get("/", HTTP_HOST="portal.example.gov.kh").status_code == 301


@pytest.mark.django_db
def test_healthz_jobs_is_exempt_from_the_https_redirect(client, production_like):
    # Plain HTTP with an allowed host: an answer (403 for the anonymous), not a redirect.
    assert client.get("/healthz/jobs", HTTP_HOST="portal.example.gov.kh").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("failing", ["database", "broker", "cache"])
def test_healthz_is_503_and_names_the_failing_component(client, monkeypatch, failing):
    def boom():
        raise ConnectionError("down")

    monkeypatch.setitem(health.CHECKS, failing, boom)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"][failing] == "error: ConnectionError"
    assert [k for k, v in body["checks"].items() if v != "ok"] == [failing]


def test_production_settings_answer_the_container_healthcheck():
    """The real production settings: plain HTTP, Host: localhost, a broker that is down."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="migration_portal.settings.production", SECRET_KEY="s" * 60, SALT_KEY="s",
        PII_HASH_KEY="h", ALLOWED_HOSTS="portal.example.gov.kh", DATABASE_URL="sqlite:////tmp/healthz-check.db",
        REDIS_URL="redis://127.0.0.1:1/0",
    )
    code = (
        "import django, json; django.setup(); from django.test import Client; c = Client(); "
        "r = c.get('/healthz', HTTP_HOST='localhost'); j = c.get('/healthz/jobs', HTTP_HOST='portal.example.gov.kh'); "
        "print(json.dumps([r.status_code, r.json(), j.status_code]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert result.returncode == 0, result.stderr
    status, body, jobs_status = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503 and body["checks"]["database"] == "ok" and body["checks"]["broker"].startswith("error")
    assert jobs_status == 403


@pytest.fixture
def heartbeat_job(db):
    # The schedule is copied from settings after migrate; the heartbeat entry is there.
    return PeriodicTask.objects.get(name="worker-heartbeat")


def fresh(job, minutes_ago):
    job.last_run_at = NOW - timedelta(minutes=minutes_ago)
    job.save()
    cache.set(HEARTBEAT_KEY, (NOW - timedelta(minutes=minutes_ago)).isoformat(), None)


@pytest.mark.django_db
def test_jobs_is_for_staff_only(client_for, officer_a):
    assert client_for(None).get("/healthz/jobs").status_code == 403
    assert client_for(officer_a).get("/healthz/jobs").status_code == 403


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_jobs_lists_every_scheduled_job_with_its_last_run(client_for, heartbeat_job, django_assert_num_queries):
    fresh(heartbeat_job, 1)
    staff = UserFactory(is_staff=True)
    client = client_for(staff)
    # session, user, the periodic tasks: three, however many jobs there are.
    with django_assert_num_queries(3):
        response = client.get("/healthz/jobs")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["problems"] == []
    assert {j["name"] for j in body["jobs"]} == set(PeriodicTask.objects.values_list("name", flat=True))
    entry = next(j for j in body["jobs"] if j["name"] == "worker-heartbeat")
    assert entry["last_run_at"] == (NOW - timedelta(minutes=1)).isoformat()
    PeriodicTask.objects.create(name="another", task="x", interval=heartbeat_job.interval, crontab=heartbeat_job.crontab)
    with django_assert_num_queries(3):
        assert client.get("/healthz/jobs").status_code == 200


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
@pytest.mark.parametrize(("minutes_ago", "healthy"), [(15, True), (16, False)])
def test_jobs_fails_when_beat_is_stale(heartbeat_job, settings, minutes_ago, healthy):
    settings.PORTAL = {**settings.PORTAL, "HEALTH_STALE_MINUTES": 15}
    fresh(heartbeat_job, 0)
    heartbeat_job.last_run_at = NOW - timedelta(minutes=minutes_ago)
    heartbeat_job.save()
    ok, body = health.jobs_status()
    assert ok is healthy
    assert any("beat is stale" in p for p in body["problems"]) is not healthy


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
@pytest.mark.parametrize(("minutes_ago", "healthy"), [(15, True), (16, False)])
def test_jobs_fails_when_no_worker_ran_the_heartbeat(heartbeat_job, minutes_ago, healthy):
    fresh(heartbeat_job, 0)
    cache.set(HEARTBEAT_KEY, (NOW - timedelta(minutes=minutes_ago)).isoformat(), None)
    ok, body = health.jobs_status()
    assert ok is healthy
    assert any("no worker" in p for p in body["problems"]) is not healthy


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
@pytest.mark.parametrize(("waiting", "healthy"), [(200, True), (201, False)])
def test_jobs_fails_when_the_queue_backs_up(heartbeat_job, monkeypatch, waiting, healthy):
    fresh(heartbeat_job, 0)
    monkeypatch.setattr(health, "queue_length", lambda: waiting)
    ok, body = health.jobs_status()
    assert ok is healthy
    assert body["queue_length"] == waiting


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_jobs_fails_when_the_heartbeat_job_is_paused(heartbeat_job):
    fresh(heartbeat_job, 0)
    heartbeat_job.enabled = False
    heartbeat_job.save()
    ok, body = health.jobs_status()
    assert not ok and "paused" in body["problems"][0]


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
def test_the_heartbeat_task_stores_the_time_and_the_token():
    heartbeat.delay(token="abc")
    assert cache.get(HEARTBEAT_KEY) == NOW.isoformat()
    assert cache.get(f"{HEARTBEAT_KEY}:abc") == NOW.isoformat()


@time_machine.travel(NOW, tick=False)
@pytest.mark.django_db
@pytest.mark.parametrize(("minutes_ago", "healthy"), [(15, True), (16, False)])
def test_check_beat_command_for_the_beat_container(heartbeat_job, minutes_ago, healthy):
    heartbeat_job.last_run_at = NOW - timedelta(minutes=minutes_ago)
    heartbeat_job.save()
    if healthy:
        call_command("check_beat", stdout=open("/dev/null", "w"))  # noqa: SIM115
    else:
        with pytest.raises(CommandError, match="Beat is stale"):
            call_command("check_beat")
