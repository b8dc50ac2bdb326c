"""The portal's logging: JSON lines in production, plain lines in development.

One handler, on the root logger only; every other logger propagates to it, so a line
is printed once (Django's own default configuration put a second console handler on
the ``django`` logger, which printed every Django line twice in development).
Timestamps are in UTC whatever the process's time zone (Django sets the process to
Asia/Phnom_Penh, gunicorn's master does not), with an ``request_id`` field carried from
the request into the tasks it queues (django-guid).

Used by the settings (``LOGGING``) and by ``gunicorn.conf.py``, so gunicorn's own lines
have the same shape. Needs nothing from Django at import time.
"""

import logging
import time

from pythonjsonlogger.json import JsonFormatter


class UTCFormatter(logging.Formatter):
    converter = time.gmtime

    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return time.strftime("%Y-%m-%dT%H:%M:%S", self.converter(record.created)) + f".{int(record.msecs):03d}Z"


class PortalJsonFormatter(JsonFormatter):
    """One JSON object a line: timestamp (UTC, ISO 8601), level, logger, message, request_id."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("timestamp", True)
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger", "correlation_id": "request_id"})
        super().__init__("%(levelname)s %(name)s %(message)s %(correlation_id)s", *args, **kwargs)


class RequestIdFilter(logging.Filter):
    """Add ``correlation_id`` (django-guid's request ID), or '-' outside a request or task."""

    def filter(self, record):
        if not hasattr(record, "correlation_id"):
            try:
                from django_guid import get_guid

                record.correlation_id = get_guid() or "-"
            except Exception:  # noqa: BLE001 - before Django is set up (gunicorn's master)
                record.correlation_id = "-"
        return True


def build_logging(fmt: str = "plain", level: str = "INFO") -> dict:
    """The dictConfig for ``fmt`` ('json' or 'plain')."""
    if fmt not in ("json", "plain"):
        raise ValueError(f"LOG_FORMAT must be 'json' or 'plain', not {fmt!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "migration_portal.logging.RequestIdFilter"}},
        "formatters": {
            "plain": {
                "()": "migration_portal.logging.UTCFormatter",
                "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s %(message)s",
            },
            "json": {"()": "migration_portal.logging.PortalJsonFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": fmt, "filters": ["request_id"]}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # No handler of their own: they propagate to the root's, and print once.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.db.backends": {"handlers": [], "level": "WARNING", "propagate": True},
            "gunicorn.error": {"handlers": [], "level": level, "propagate": True},
            "gunicorn.access": {"handlers": [], "level": level, "propagate": True},
            "celery": {"handlers": [], "level": level, "propagate": True},
            # django-guid tells of every ID it sets and clears at INFO: noise.
            "django_guid": {"handlers": [], "level": "WARNING", "propagate": True},
            # WeasyPrint warns on every PDF that it subsets fonts with fontTools; harmless.
            "weasyprint": {"handlers": [], "level": "ERROR", "propagate": True},
            "fontTools": {"handlers": [], "level": "ERROR", "propagate": True},
        },
    }
