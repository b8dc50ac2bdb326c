"""Notifications: one row per recipient and key, shown in the portal and e-mailed once.

An e-mail counts as sent only once the mail server has accepted it (``emailed_at``).
A transient failure (the server unreachable, a 4xx answer) is recorded and retried with
exponential back-off by the task; whatever was never queued (Redis down) or was given up
on is queued again by the sweep ``notifications_resend_unsent``.
"""

import logging
import smtplib
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import Notification
from .tasks_util import enqueue

logger = logging.getLogger(__name__)

# Worth trying again later: the server could not be reached or answered "try later".
EMAIL_TRANSIENT_ERRORS = (smtplib.SMTPException, OSError)
# Resent at most this many notifications per sweep, the oldest first.
RESEND_BATCH = 500


def notify(*, recipients: Iterable, key: str, subject: str, body: str = "", link: str = "") -> list[Notification]:
    """Notify each recipient once per ``key``.

    The unique (recipient, key) constraint is the guard that makes a task safe
    to run twice: the second run finds the rows and sends nothing. Returns the
    notifications created by this call.
    """
    from .tasks import send_notification_email

    created = []
    for user in recipients:
        if not user.is_active:
            continue
        with transaction.atomic():
            notification, was_created = Notification.objects.get_or_create(
                recipient=user, dedupe_key=key[:200], defaults={"subject": str(subject)[:200], "body": str(body), "link": link}
            )
        if was_created:
            created.append(notification)
            if user.email:
                enqueue(send_notification_email, notification.pk)
    return created


def group_members(*group_names: str):
    """Active users in any of the named groups (e.g. the licensing officers)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__in=Group.objects.filter(name__in=group_names))
        .distinct()
    )


def _refused_for_good(exc: Exception) -> bool:
    """Every recipient refused with a permanent (5xx) answer: trying again cannot help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and bool(exc.recipients) and all(
        code >= 500 for code, _message in exc.recipients.values()
    )


def notification_send_email(*, notification_id: int) -> bool:
    """E-mail one notification; True if it was sent now.

    Guard: the row is read with ``SELECT ... FOR UPDATE SKIP LOCKED`` and only while
    ``emailed_at`` is empty, and ``emailed_at`` is set in the same transaction after the
    mail server accepted the message. A second delivery of the task either finds the row
    locked by the first and skips it at once, or finds it sent; either way it sends
    nothing. A transient failure is recorded on the row and raised again, so the
    task retries it with back-off; a permanent refusal is recorded and not retried.
    """
    error = None
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if n is None or not n.recipient.email or not n.recipient.is_active:
            return False
        body = n.body
        if n.link:
            body = f"{body}\n\n{settings.PORTAL['SITE_URL'].rstrip('/')}{n.link}"
        try:
            send_mail(n.subject, body, None, [n.recipient.email])
        except EMAIL_TRANSIENT_ERRORS as exc:
            given_up = _refused_for_good(exc)
            Notification.objects.filter(pk=n.pk).update(
                email_failed_at=timezone.now(),
                email_attempts=settings.PORTAL["EMAIL_MAX_ATTEMPTS"] if given_up else F("email_attempts") + 1,
            )
            # No address or message in the log: only the kind of failure.
            logger.warning("E-mail for notification %s failed (%s)%s.", n.pk, type(exc).__name__,
                           "; the address is refused, not retried" if given_up else "")
            if given_up:
                return False
            error = exc
        else:
            Notification.objects.filter(pk=n.pk).update(emailed_at=timezone.now())
            return True
    raise error


def notifications_resend_unsent(*, now=None) -> int:
    """Queue again the e-mails of recent notifications that were never sent.

    That is those never queued (the broker was down), those whose task gave up after its
    retries, and those lost with a worker. Left alone: anything younger than
    ``EMAIL_RESEND_AFTER_MINUTES`` (its first message may still be on its way) or failed
    that recently (its task is still retrying), older than ``EMAIL_RETRY_DAYS`` (too late
    to be useful), or failed ``EMAIL_MAX_ATTEMPTS`` times. Safe to run twice: the task's
    guard sends each notification once. Returns how many were queued.
    """
    now = now or timezone.now()
    portal = settings.PORTAL
    settled = now - timedelta(minutes=portal["EMAIL_RESEND_AFTER_MINUTES"])
    unsent = (
        Notification.objects.filter(
            emailed_at__isnull=True,
            created__gte=now - timedelta(days=portal["EMAIL_RETRY_DAYS"]),
            created__lt=settled,
            email_attempts__lt=portal["EMAIL_MAX_ATTEMPTS"],
            recipient__is_active=True,
        )
        .filter(Q(email_failed_at__isnull=True) | Q(email_failed_at__lt=settled))
        .exclude(recipient__email="")
        .order_by("created", "pk")
    )
    from .tasks import send_notification_email

    ids = list(unsent.values_list("pk", flat=True)[:RESEND_BATCH])
    for pk in ids:
        enqueue(send_notification_email, pk)
    return len(ids)
