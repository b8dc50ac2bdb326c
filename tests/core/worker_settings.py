"""Settings for the worker processes of the killed-worker test: the test settings, with the
broker checking every second for messages whose worker is gone (the visibility timeout
itself comes from CELERY_VISIBILITY_TIMEOUT, as in production)."""

from migration_portal.settings.test import *  # noqa: F403
from migration_portal.settings.test import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
