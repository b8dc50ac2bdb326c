"""A real Celery worker consuming from the real Redis.

Skipped when REDIS_URL is not set (a newcomer's laptop); CI sets REQUIRE_SERVICES=1,
which turns the skip into a failure, so the real path is always exercised there.
"""

import contextlib
import os
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
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

    from migration_portal.core.tasks_util import broker_breaker_reset

    pools.reset()  # kombu's global producer pools are keyed by connection; clear them all
    app._pool = None
    app.amqp._producer_pool = None
    broker_breaker_reset()  # a broker that failed in an earlier test is tried again at once


@contextlib.contextmanager
def prefixed_worker():
    """An in-process Celery worker (a real consumer thread) on the real Redis broker."""
    from celery.contrib.testing.worker import start_worker

    # Redis is shared with others: every key this test makes carries its own prefix,
    # and only those keys are deleted afterwards (never a whole database).
    prefix = f"test-worker-{uuid.uuid4().hex}:"
    previous = {
        "broker_url": app.conf.broker_url,
        "task_always_eager": app.conf.task_always_eager,
        "broker_transport_options": dict(app.conf.broker_transport_options or {}),
    }
    app.conf.update(
        broker_url=REDIS_URL,
        task_always_eager=False,
        broker_transport_options={**previous["broker_transport_options"], "global_keyprefix": prefix},
    )
    reset_connections()
    try:
        with start_worker(app, perform_ping_check=False, pool="solo", loglevel="WARNING", shutdown_timeout=30):
            yield prefix
    finally:
        app.conf.update(**previous)
        reset_connections()
        # A plain client, after the app let go of the broker: opening a channel to clean
        # up would declare the queue's bindings again under the prefix.
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def redis_worker():
    with prefixed_worker() as prefix:
        yield prefix


def wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


# The 20th of a month: after the due day (the 15th), so the job always has an overdue
# notice to send, whatever day CI runs. The clock ticks, so timeouts still pass.
PINNED_NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@time_machine.travel(PINNED_NOW, tick=True)
def test_reminder_task_runs_on_a_real_worker_and_twice_sends_once(redis_worker):
    assert timezone.localdate().day > settings.PORTAL["REPORT_DUE_DAY"]
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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_fixture_leaves_only_its_own_keys(redis_worker):
    """The fixture's keys carry its prefix; a neighbour's key in the same database survives."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    neighbour = f"neighbour-{uuid.uuid4().hex}"
    client.set(neighbour, "1", ex=60)
    try:
        tasks.send_reporting_reminders.delay()
        with app.connection_for_write() as conn:
            mine = list(conn.default_channel.client.scan_iter(match=f"{redis_worker}*"))
        assert mine, "the broker's keys should carry the test prefix"
        assert client.exists(neighbour)
    finally:
        client.delete(neighbour)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_finished_worker_leaves_no_key_behind():
    """Everything the worker and the producer made sits under the prefix and is gone after."""
    import redis

    with prefixed_worker() as prefix:
        tasks.send_reporting_reminders.delay()
        client = redis.Redis.from_url(REDIS_URL)
        assert list(client.scan_iter(match=f"{prefix}*")), "the broker's keys should carry the prefix"
    assert list(client.scan_iter(match=f"{prefix}*")) == []
