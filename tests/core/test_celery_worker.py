"""A real Celery worker consuming from the real Redis.

Skipped when REDIS_URL is not set (a newcomer's laptop); CI sets REQUIRE_SERVICES=1,
which turns the skip into a failure, so the real path is always exercised there.
"""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from agencies import tasks
from agencies.choices import ReportStatus
from agencies.models import MonthlyReport
from migration_portal.celery import app
from migration_portal.core.models import Notification
from migration_portal.core.scoping import AGENCY_USERS

from ..conftest import services_required
from ..factories import AgencyFactory, UserFactory

REDIS_URL = os.environ.get("REDIS_URL", "")

if not REDIS_URL and services_required():
    pytest.fail("REDIS_URL must be set when REQUIRE_SERVICES=1", pytrace=False)

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not REDIS_URL, reason="needs a Redis server (set REDIS_URL)"),
]


def reset_connections():
    """Drop pooled broker connections so the next publish uses the current broker_url."""
    from kombu import pools

    pools.reset()  # kombu's global producer pools are keyed by connection; clear them all
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_worker():
    """An in-process Celery worker (a real consumer thread) on the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    reset_connections()
    with app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()  # a clean queue: CI uses its own Redis database
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=30):
            yield
    finally:
        app.conf.update(**previous)
        reset_connections()


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_reminder_task_runs_on_a_real_worker_and_twice_sends_once(redis_worker):
    settings.PORTAL  # settings are loaded
    agency = AgencyFactory(licence_issued=timezone.localdate() - timedelta(days=800))
    clerk = UserFactory(username="clerk_worker", agency=agency, groups=[AGENCY_USERS])
    # Leave last month unreported so today's run has something to say (reminder or overdue).
    for months in range(2, 14):
        period = (timezone.localdate().replace(day=1) - timedelta(days=31 * months)).replace(day=1)
        MonthlyReport.objects.get_or_create(agency=agency, period=period, defaults={"status": ReportStatus.ACCEPTED})

    first = tasks.send_reporting_reminders.delay()
    second = tasks.send_reporting_reminders.delay()  # the same job delivered twice
    assert first.id != second.id

    assert wait_for(lambda: Notification.objects.filter(recipient=clerk).exists()), "the worker never ran the task"
    assert wait_for(lambda: len(mail.outbox) >= 1), "the e-mail task queued on commit never ran"
    time.sleep(2)  # give the duplicate delivery time to run
    assert Notification.objects.filter(recipient=clerk).count() == 1
    assert Notification.objects.get(recipient=clerk).emailed_at is not None
    assert len([m for m in mail.outbox if m.to == [clerk.email]]) == 1
