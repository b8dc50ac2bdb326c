"""Tasks shared by every app."""

from celery import shared_task
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


@shared_task(acks_late=True)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification.

    Guard: the conditional UPDATE on ``emailed_at IS NULL`` claims the row, so a
    redelivered or duplicated message sends nothing the second time.
    """
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    if not claimed:
        return False
    n = Notification.objects.select_related("recipient").get(pk=notification_id)
    body = n.body
    if n.link:
        from django.conf import settings

        body = f"{body}\n\n{settings.PORTAL['SITE_URL'].rstrip('/')}{n.link}"
    send_mail(n.subject, body, None, [n.recipient.email])
    return True


@shared_task
def ping() -> str:
    """Health check for a worker (used by the real-broker test)."""
    return "pong"


HEARTBEAT_KEY = "portal:worker-heartbeat"


@shared_task(ignore_result=True)
def heartbeat(token: str = "") -> str:
    """Prove the queue is moving: beat sends this every five minutes, a worker stores the time.

    ``/healthz/jobs`` reads the time back; a token marks one particular message (the
    production check queues one and waits for it). Guard: it only overwrites a
    timestamp, so running it twice does no harm.
    """
    from django.core.cache import cache

    now = timezone.now().isoformat()
    cache.set(HEARTBEAT_KEY, now, timeout=None)
    if token:
        cache.set(f"{HEARTBEAT_KEY}:{token}", now, timeout=60 * 60)
    return now
