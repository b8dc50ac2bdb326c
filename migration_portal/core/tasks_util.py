"""Queueing background work safely: only after commit, and never failing the request."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs) -> None:
    """Queue ``task`` once the current transaction commits.

    If the broker is unreachable the request that caused the work still
    succeeds: the failure is logged, and the periodic sweeps (which find work by
    state, not by message) pick the work up on their next run.
    """

    def _send() -> None:
        try:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
        except Exception:  # noqa: BLE001 - any broker failure must not reach the user
            logger.exception("Could not queue %s; it will be picked up by the next sweep.", task.name)

    transaction.on_commit(_send)
