"""A web request still succeeds when Redis is down: work is queued after commit, and a
broker failure is logged, never shown to the user (migration_portal.core.tasks_util)."""

import logging

import pytest
from django.urls import reverse

from agencies.models import Advertisement
from migration_portal.celery import app
from migration_portal.core.models import Notification

from .test_celery_worker import reset_connections
from ..agencies.test_pages import _ad_post

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
