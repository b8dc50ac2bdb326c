"""Scheduled and background work of the worker register. Thin: each task calls one function.

Every task may run twice (a retry, a redelivery, an operator's manual run); the
guard that makes the second run harmless is named in each docstring.
"""

from celery import shared_task

from . import jobs, returns_import
from .import_tasks import *  # noqa: F403  the agencies' worker import task, for autodiscovery
from .import_tasks import IMPORT_SOFT_TIME_LIMIT, IMPORT_TIME_LIMIT


@shared_task(acks_late=True)
def remind_unassessed_cases() -> dict:
    """Guard: conditional UPDATE on reminded_at / escalated_at IS NULL, and notification keys per case."""
    return jobs.remind_unassessed_cases()


@shared_task(acks_late=True)
def remind_pending_referrals() -> dict:
    """Guard: conditional UPDATE on reminded_at / escalated_at IS NULL, and notification keys per referral."""
    return jobs.remind_pending_referrals()


@shared_task(acks_late=True)
def send_expected_returns() -> dict:
    """Guard: notification keys carry the province and the ISO week."""
    return jobs.send_expected_returns()


@shared_task(acks_late=True, soft_time_limit=IMPORT_SOFT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT)
def import_returns(job_id: int) -> str:
    """Guard: the conditional UPDATE from queued to running claims the job once; the
    import itself skips returns already registered and saves in one transaction."""
    return returns_import.returns_import_run(job_id)
