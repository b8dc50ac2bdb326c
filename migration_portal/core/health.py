"""Health endpoints for the container's healthcheck and for monitoring.

``/healthz`` (anyone, plain HTTP, any Host): the database, the broker and the cache
answer within a short timeout; 200 when all do, 503 otherwise, as JSON. The container
healthcheck calls it from inside the container as ``http://localhost:8000/healthz``,
which is neither HTTPS nor an allowed host, so ``HealthCheckMiddleware`` (first in
the stack) answers it before Django validates the Host header or redirects to HTTPS.
It tells nothing but "ok" or the failing component's error class.

``/healthz/jobs`` (staff only): the last run of every scheduled job, when a worker last
ran the heartbeat that beat sends every five minutes, and how many messages wait in
the queue; 503 when beat is stale, the worker has not run the heartbeat, or the queue
has backed up beyond ``PORTAL["HEALTH_QUEUE_MAX"]``.
"""

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

TIMEOUT_SECONDS = 2
HEARTBEAT_TASK = "worker-heartbeat"


def _redis_client():
    import redis

    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
    )


def _broker_is_redis() -> bool:
    return str(settings.CELERY_BROKER_URL).startswith(("redis://", "rediss://", "unix://"))


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    if _broker_is_redis():
        _redis_client().ping()


def check_cache() -> None:
    token = uuid.uuid4().hex
    cache.set("healthz:probe", token, 30)
    if cache.get("healthz:probe") != token:
        raise RuntimeError("the cache did not return what was stored")


CHECKS = {"database": check_database, "broker": check_broker, "cache": check_cache}


def run_checks() -> dict[str, str]:
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure of a component is the answer
            results[name] = f"error: {type(exc).__name__}"
        else:
            results[name] = "ok"
    return results


def healthz(request):
    results = run_checks()
    healthy = all(v == "ok" for v in results.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": results}, status=200 if healthy else 503)


class HealthCheckMiddleware:
    """Answer ``/healthz`` before host validation and the HTTPS redirect (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in ("/healthz", "/healthz/") and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)


def queue_length() -> int | None:
    if not _broker_is_redis():
        return None
    queue = getattr(settings, "CELERY_TASK_DEFAULT_QUEUE", "celery")
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    return int(_redis_client().llen(f"{prefix}{queue}"))


def jobs_status(now: datetime | None = None) -> tuple[bool, dict]:
    """The last run of each scheduled job, the worker heartbeat and the queue; healthy or not."""
    from django_celery_beat.models import PeriodicTask

    from .tasks import HEARTBEAT_KEY

    now = now or timezone.now()
    stale_after = timedelta(minutes=settings.PORTAL["HEALTH_STALE_MINUTES"])
    tasks = list(
        PeriodicTask.objects.exclude(task="celery.backend_cleanup")
        .order_by("name")
        .values("name", "task", "enabled", "last_run_at", "total_run_count")
    )
    problems = []
    heartbeat_entry = next((t for t in tasks if t["name"] == HEARTBEAT_TASK), None)
    if heartbeat_entry is None or not heartbeat_entry["enabled"]:
        problems.append("the worker-heartbeat job is missing or paused")
    elif heartbeat_entry["last_run_at"] is None or now - heartbeat_entry["last_run_at"] > stale_after:
        problems.append("beat is stale: the heartbeat job has not been sent recently")

    heartbeat = cache.get(HEARTBEAT_KEY)
    heartbeat_at = datetime.fromisoformat(heartbeat) if heartbeat else None
    if heartbeat_at is None or now - heartbeat_at > stale_after:
        problems.append("no worker has run the heartbeat recently")

    try:
        waiting = queue_length()
    except Exception as exc:  # noqa: BLE001
        waiting = None
        problems.append(f"the queue cannot be read: {type(exc).__name__}")
    if waiting is not None and waiting > settings.PORTAL["HEALTH_QUEUE_MAX"]:
        problems.append(f"the queue has backed up: {waiting} messages waiting")

    body = {
        "status": "error" if problems else "ok",
        "problems": problems,
        "worker_heartbeat": heartbeat_at.isoformat() if heartbeat_at else None,
        "queue_length": waiting,
        "jobs": [
            {**t, "last_run_at": t["last_run_at"].isoformat() if t["last_run_at"] else None} for t in tasks
        ],
    }
    return not problems, body


def healthz_jobs(request):
    if not (request.user.is_authenticated and request.user.is_staff):
        return JsonResponse({"detail": _("Only ministry staff can see the scheduled jobs.")}, status=403)
    healthy, body = jobs_status()
    return JsonResponse(body, status=200 if healthy else 503)
