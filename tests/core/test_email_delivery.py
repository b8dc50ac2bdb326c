"""An e-mail counts as sent only once the mail server took it: retried with back-off while the
server is unreachable, resent by the sweep when never queued or given up on, and sent once
however many times its task is delivered (migration_portal.core.notify)."""

import smtplib
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from migration_portal.celery import app
from migration_portal.core import tasks
from migration_portal.core.models import Notification
from migration_portal.core.notify import notifications_resend_unsent

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


class FlakyBackend(EmailBackend):
    """The test's mail server: fails ``failures`` times (with ``error``), then delivers to mail.outbox.
    Each attempt records whether the notification already looked sent at that moment."""

    failures = 0
    error: Exception = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    attempts: list = []
    hold: threading.Event | None = None

    def send_messages(self, messages):
        cls = type(self)
        cls.attempts.append(list(Notification.objects.values_list("emailed_at", flat=True)))
        if cls.hold is not None:
            cls.hold.wait(timeout=20)
        if cls.failures > 0:
            cls.failures -= 1
            raise cls.error
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    """The flaky server, and in-process tasks that retry as a worker would (Celery retries an
    in-process task at once, without the countdown, unless it is told to propagate errors)."""
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.failures, FlakyBackend.attempts, FlakyBackend.hold = 0, [], None
    FlakyBackend.error = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    propagates = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield FlakyBackend
    app.conf.task_eager_propagates = propagates
    FlakyBackend.failures, FlakyBackend.attempts, FlakyBackend.hold = 0, [], None


@pytest.fixture
def note(db):
    with time_machine.travel(T0, tick=False):
        user = UserFactory(username="officer_mail", email="officer@example.gov.kh")
        return Notification.objects.create(recipient=user, dedupe_key="k:1", subject="Report overdue", body="Please look.")


class TestTheTask:
    def test_a_failing_server_then_a_working_one_sends_one_mail_marked_sent_only_after(self, flaky_mail, note):
        flaky_mail.failures = 2
        assert tasks.send_notification_email.delay(note.pk).get() is True
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["officer@example.gov.kh"]
        # Three attempts (two failed, retried with back-off); at each, including the one that
        # succeeded, the notification was not yet marked sent.
        assert flaky_mail.attempts == [[None], [None], [None]]
        note.refresh_from_db()
        assert note.emailed_at is not None and note.email_attempts == 2
        # A second delivery of the same message sends nothing.
        assert tasks.send_notification_email.delay(note.pk).get() is False
        assert len(mail.outbox) == 1

    def test_retries_back_off_exponentially(self):
        task = tasks.send_notification_email
        assert task.autoretry_for == (smtplib.SMTPException, OSError)
        assert task.retry_backoff and task.max_retries >= 3 and task.retry_backoff_max > task.retry_backoff

    def test_an_unreachable_server_is_given_up_after_the_retries_and_nothing_is_marked_sent(self, flaky_mail, note):
        flaky_mail.failures = 100
        flaky_mail.error = ConnectionRefusedError(111, "Connection refused")
        with pytest.raises(ConnectionRefusedError):
            tasks.send_notification_email.delay(note.pk).get()
        note.refresh_from_db()
        assert note.emailed_at is None and mail.outbox == []
        assert note.email_attempts == tasks.send_notification_email.max_retries + 1 and note.email_failed_at is not None

    def test_an_address_refused_for_good_is_not_retried(self, flaky_mail, note):
        flaky_mail.failures = 100
        flaky_mail.error = smtplib.SMTPRecipientsRefused({"officer@example.gov.kh": (550, b"No such user")})
        assert tasks.send_notification_email.delay(note.pk).get() is False
        assert len(flaky_mail.attempts) == 1
        note.refresh_from_db()
        assert note.emailed_at is None and note.email_attempts == settings.PORTAL["EMAIL_MAX_ATTEMPTS"]
        assert notifications_resend_unsent(now=T0 + timedelta(hours=2)) == 0  # the sweep leaves it too

    def test_a_temporary_refusal_is_retried(self, flaky_mail, note):
        flaky_mail.failures = 1
        flaky_mail.error = smtplib.SMTPRecipientsRefused({"officer@example.gov.kh": (450, b"Greylisted, try later")})
        assert tasks.send_notification_email.delay(note.pk).get() is True
        assert len(flaky_mail.attempts) == 2 and len(mail.outbox) == 1


class TestTheSweep:
    """``resend_unsent_emails``: what was never queued or was given up on is queued again."""

    @pytest.fixture
    def wait(self):
        return timedelta(minutes=settings.PORTAL["EMAIL_RESEND_AFTER_MINUTES"])

    def resend(self, at, django_capture_on_commit_callbacks) -> int:
        with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
            return tasks.resend_unsent_emails.delay().get()

    def test_an_unsent_notification_is_sent_once_by_the_sweep(self, note, wait, flaky_mail, django_capture_on_commit_callbacks):
        # Its first message may still be on its way: not yet.
        assert self.resend(T0 + wait - timedelta(seconds=1), django_capture_on_commit_callbacks) == 0
        assert mail.outbox == []
        assert self.resend(T0 + wait + timedelta(seconds=1), django_capture_on_commit_callbacks) == 1
        assert len(mail.outbox) == 1
        note.refresh_from_db()
        assert note.emailed_at is not None
        assert self.resend(T0 + 3 * wait, django_capture_on_commit_callbacks) == 0
        assert len(mail.outbox) == 1

    def test_one_given_up_on_is_sent_once_the_server_is_back(self, note, wait, flaky_mail, django_capture_on_commit_callbacks):
        flaky_mail.failures = 100
        with time_machine.travel(T0 + timedelta(minutes=1), tick=False), pytest.raises(smtplib.SMTPException):
            tasks.send_notification_email.delay(note.pk).get()
        flaky_mail.failures = 0
        # Failed moments ago: its task may still be retrying; left alone until the wait is over.
        assert self.resend(T0 + timedelta(minutes=1) + wait - timedelta(seconds=1), django_capture_on_commit_callbacks) == 0
        assert self.resend(T0 + timedelta(minutes=1) + wait + timedelta(seconds=1), django_capture_on_commit_callbacks) == 1
        assert len(mail.outbox) == 1

    def test_too_old_too_often_failed_or_no_address_are_left_alone(self, note, wait, django_capture_on_commit_callbacks):
        days = timedelta(days=settings.PORTAL["EMAIL_RETRY_DAYS"])
        limit = settings.PORTAL["EMAIL_MAX_ATTEMPTS"]
        # Within the window, one attempt left: sent.
        Notification.objects.filter(pk=note.pk).update(email_attempts=limit - 1)
        assert notifications_resend_unsent(now=T0 + days - timedelta(seconds=1)) == 1
        # Out of the window, or every attempt used: not.
        assert notifications_resend_unsent(now=T0 + days + timedelta(seconds=1)) == 0
        Notification.objects.filter(pk=note.pk).update(email_attempts=limit)
        assert notifications_resend_unsent(now=T0 + 2 * wait) == 0
        Notification.objects.filter(pk=note.pk).update(email_attempts=0)
        assert notifications_resend_unsent(now=T0 + 2 * wait) == 1
        # A recipient without an address, or no longer active: nothing to send.
        note.recipient.email = ""
        note.recipient.save()
        assert notifications_resend_unsent(now=T0 + 2 * wait) == 0
        note.recipient.email, note.recipient.is_active = "officer@example.gov.kh", False
        note.recipient.save()
        assert notifications_resend_unsent(now=T0 + 2 * wait) == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_deliveries_at_the_same_time_send_once(flaky_mail):
    """The second delivery finds the row locked by the first (sending) and skips it."""
    user = UserFactory(username="officer_lock", email="lock@example.gov.kh")
    note = Notification.objects.create(recipient=user, dedupe_key="k:lock", subject="Locked")
    flaky_mail.hold = threading.Event()
    results = {}

    def first():
        try:
            results["first"] = tasks.send_notification_email.apply(args=[note.pk]).get()
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        for _ in range(200):  # the first delivery is inside the send, holding the row
            if flaky_mail.attempts:
                break
            threading.Event().wait(0.05)
        assert flaky_mail.attempts, "the first delivery never reached the mail server"
        results["second"] = tasks.send_notification_email.apply(args=[note.pk]).get()
    finally:
        flaky_mail.hold.set()
        thread.join(timeout=20)
    assert results == {"first": True, "second": False}
    assert len(mail.outbox) == 1


def test_the_sweeps_are_on_the_beat_schedule_with_real_task_names():
    app.loader.import_default_modules()
    schedule = settings.PORTAL_BEAT_SCHEDULE
    assert schedule["resend-unsent-emails"]["task"] == tasks.resend_unsent_emails.name
    assert schedule["requeue-jobs"]["task"] == tasks.requeue_jobs.name
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_the_sweeps_are_copied_into_the_admins_periodic_tasks():
    from django_celery_beat.models import PeriodicTask

    from migration_portal.core.schedule import sync_beat_schedule

    sync_beat_schedule()
    jobs = PeriodicTask.objects.select_related("crontab").get(name="requeue-jobs")
    emails = PeriodicTask.objects.select_related("crontab").get(name="resend-unsent-emails")
    assert jobs.task == tasks.requeue_jobs.name and jobs.crontab.minute == "*/5" and jobs.enabled
    assert emails.task == tasks.resend_unsent_emails.name and emails.crontab.minute == "*/15" and emails.enabled


def test_a_silent_mail_server_counts_as_a_failure_not_a_hung_worker(settings, note):
    """A server that accepts the connection and never answers: the send gives up after
    EMAIL_TIMEOUT, the failure is recorded, and the e-mail waits for a retry."""
    import socket

    from migration_portal.core.notify import notification_send_email

    assert settings.EMAIL_TIMEOUT and settings.EMAIL_TIMEOUT < settings.CELERY_TASK_SOFT_TIME_LIMIT
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_TIMEOUT = 1  # seconds, for the test; production waits EMAIL_TIMEOUT
        with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected)):  # timed out reading its greeting
            notification_send_email(notification_id=note.pk)
    note.refresh_from_db()
    assert note.emailed_at is None and note.email_attempts == 1 and note.email_failed_at is not None
