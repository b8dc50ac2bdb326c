"""Notifications: one row per recipient and key, shown in the portal and e-mailed once."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from .models import Notification
from .tasks_util import enqueue


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
