"""Tasks shared by every app."""

from celery import shared_task
from django.utils import timezone

from .jobs import jobs_sweep
from .notify import EMAIL_TRANSIENT_ERRORS, notification_send_email, notifications_resend_unsent


@shared_task(
    acks_late=True,
    autoretry_for=EMAIL_TRANSIENT_ERRORS,
    retry_backoff=60,  # 1, 2, 4, 8, 16 minutes (with jitter), then the sweep takes over
    retry_backoff_max=30 * 60,
    retry_jitter=True,
    max_retries=5,
)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one notification, retried with back-off while the mail server is unreachable.

    Guard: ``notification_send_email`` locks the row (skipping it if another delivery
    holds it) and sends only while ``emailed_at`` is empty, setting it after the send,
    so a redelivered or duplicated message sends nothing the second time.
    """
    return notification_send_email(notification_id=notification_id)


@shared_task(acks_late=True)
def resend_unsent_emails() -> int:
    """Guard: the e-mail task's own (row lock and ``emailed_at IS NULL``); queuing twice sends once."""
    return notifications_resend_unsent()


@shared_task(acks_late=True)
def requeue_jobs() -> dict:
    """Guard: conditional UPDATEs on the state each job was read in, and the job's claim
    (queued to running) in its task, so a job queued twice runs once."""
    return jobs_sweep()


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
