"""Queueing background work safely: only after commit, and never failing the request."""

import logging
import threading
import time

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

# After the broker failed, this process stops trying it for this many seconds: a request
# that queues many messages (a notification to a whole group) must not wait a connect
# timeout for each of them while Redis is down. The sweeps send the work later.
BROKER_RETRY_AFTER = 30.0

_lock = threading.Lock()
_broker_down_until = 0.0


def broker_breaker_reset() -> None:
    """Forget a recent broker failure (used when the broker is known to be back, e.g. in tests)."""
    global _broker_down_until
    with _lock:
        _broker_down_until = 0.0


def enqueue(task, *args, **kwargs) -> None:
    """Queue ``task`` once the current transaction commits.

    If the broker is unreachable the request that caused the work still succeeds:
    the failure is logged, and the periodic sweeps (which find work by its state in the
    database, not by message: ``requeue_jobs`` for jobs, ``resend_unsent_emails`` for
    e-mails, and each scheduled job's own state checks) pick the work up on their next
    run once the broker is back.
    """

    def _send() -> None:
        global _broker_down_until
        if time.monotonic() < _broker_down_until:
            logger.warning("Not queueing %s: the broker failed moments ago; the next sweep will send it.", task.name)
            return
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except OperationalError:  # the broker is unreachable
            with _lock:
                _broker_down_until = time.monotonic() + BROKER_RETRY_AFTER
            logger.exception("Could not queue %s; it will be picked up by the next sweep.", task.name)
        except Exception:
            # Anything else (a task run in-process that failed) must not reach the user either.
            logger.exception("Could not queue %s; it will be picked up by the next sweep.", task.name)

    transaction.on_commit(_send)
