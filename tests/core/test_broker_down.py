"""A web request still succeeds when Redis is down: work is queued after commit, and a
broker failure is logged, never shown to the user (migration_portal.core.tasks_util)."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from agencies.models import Advertisement
from migration_portal.celery import app
from migration_portal.core.jobs import jobs_sweep
from migration_portal.core.models import BackgroundJob, JobStatus, Notification
from migration_portal.core.tasks_util import broker_breaker_reset, enqueue
from workers.import_tasks import run_worker_import
from workers.models import Worker

from ..agencies.test_pages import _ad_post
from ..workers.test_imports import csv_file, row
from ..workers.test_returns_import import as_csv
from ..workers.test_returns_import import row as returnee
from .test_celery_worker import reset_connections, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead_broker():
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    # Nothing listens on port 1: every publish fails at once.
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False,
                    broker_connection_retry=False, broker_connection_max_retries=0)
    reset_connections()
    try:
        yield
    finally:
        app.conf.update(**previous)
        reset_connections()


def test_submitting_an_advertisement_succeeds_with_redis_down(dead_broker, client_for, agency_user_a, licensing_officer,
                                                              django_capture_on_commit_callbacks, caplog):
    with caplog.at_level(logging.ERROR, logger="migration_portal.core.tasks_util"), \
            django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(agency_user_a).post(reverse("agency-advertisement-new"), _ad_post())
    assert response.status_code == 302
    ad = Advertisement.objects.get()
    # The licensing officer is told in the portal; the e-mail could not be queued, and that was logged.
    assert Notification.objects.filter(recipient=licensing_officer, dedupe_key=f"ad-submitted:{ad.pk}").exists()
    assert callbacks, "the e-mail was to be queued after commit"
    assert "Could not queue" in caplog.text


# --- Jobs queued while the broker is down run once it is back -------------------------------------


def test_a_worker_import_is_accepted_with_redis_down_and_stays_queued(dead_broker, api_for, agency_user_a,
                                                                      django_capture_on_commit_callbacks, caplog):
    with caplog.at_level(logging.ERROR, logger="migration_portal.core.tasks_util"), \
            django_capture_on_commit_callbacks(execute=True):
        response = api_for(agency_user_a).post("/api/worker-imports/", {"file": csv_file([row(1)])}, format="multipart")
    assert response.status_code == 202
    assert BackgroundJob.objects.get(pk=response.json()["id"]).status == JobStatus.QUEUED
    assert "Could not queue workers.import_tasks.run_worker_import" in caplog.text


def test_a_returns_import_is_accepted_with_redis_down(dead_broker, api_for, officer_a, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("list.csv", as_csv([returnee()]))
    with django_capture_on_commit_callbacks(execute=True):
        response = api_for(officer_a).post("/api/returns-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 202, response.content
    assert BackgroundJob.objects.get(pk=response.json()["id"]).status == JobStatus.QUEUED


def test_after_one_failure_the_broker_is_not_tried_again_for_a_while(dead_broker, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    """A notification to a whole group must not wait a connect timeout per message."""
    from migration_portal.core.tasks import ping

    attempts = []
    real = ping.apply_async
    monkeypatch.setattr(ping, "apply_async", lambda *a, **kw: attempts.append(1) or real(*a, **kw))
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            enqueue(ping)
    assert len(attempts) == 1
    # The interval over (or the broker known to be back): the next message tries the broker again.
    broker_breaker_reset()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(ping)
    assert len(attempts) == 2


def test_a_task_that_fails_in_process_does_not_stop_queueing(monkeypatch, django_capture_on_commit_callbacks):
    """Only a broker failure pauses queueing; an error raised by a task run in-process does not."""
    from migration_portal.core.tasks import ping

    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        raise RuntimeError("the task itself failed")

    monkeypatch.setattr(ping, "apply_async", failing)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(ping)
        enqueue(ping)
    assert len(calls) == 2


@pytest.mark.services
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_import_queued_while_the_broker_was_down_runs_once_when_it_returns(private_redis, api_for, agency_user_a,
                                                                                caplog):
    """A real Redis goes away mid-run: the request answers 202 and the job waits; Redis comes
    back, the sweep queues the job again, and a real worker runs it exactly once."""
    from celery.contrib.testing.worker import start_worker

    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=private_redis.url(), task_always_eager=False)
    reset_connections()
    try:
        private_redis.stop()
        with caplog.at_level(logging.ERROR, logger="migration_portal.core.tasks_util"):
            response = api_for(agency_user_a).post("/api/worker-imports/", {"file": csv_file([row(1), row(2)])},
                                                   format="multipart")
        assert response.status_code == 202
        job_id = response.json()["id"]
        assert "Could not queue" in caplog.text
        assert BackgroundJob.objects.get(pk=job_id).status == JobStatus.QUEUED

        private_redis.start()
        reset_connections()  # the web process's pooled connections point at the dead server
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=30):
            later = timezone.now() + timedelta(minutes=settings.PORTAL["JOB_REQUEUE_AFTER_MINUTES"], seconds=1)
            assert jobs_sweep(now=later)["requeued"] == 1
            assert jobs_sweep(now=later)["requeued"] == 0  # a second sweep at once sends nothing more
            assert wait_for(lambda: BackgroundJob.objects.get(pk=job_id).status == JobStatus.SUCCEEDED), \
                "the worker never ran the job"
            # A late duplicate of the message (the first one surfacing after all) runs nothing.
            run_worker_import.delay(job_id)
            assert wait_for(lambda: private_redis_queue_empty(private_redis), timeout=15)
        job = BackgroundJob.objects.get(pk=job_id)
        assert job.attempts == 1 and job.result["workers_created"] == 2
        assert Worker.objects.count() == 2
    finally:
        app.conf.update(**previous)
        reset_connections()


def private_redis_queue_empty(server) -> bool:
    """Nothing waiting in the default queue and nothing taken but unacknowledged."""
    import redis

    client = redis.Redis.from_url(server.url())
    return client.llen("celery") == 0 and client.zcard("unacked_index") == 0
