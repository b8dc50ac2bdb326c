"""Scheduled work for the supervision of agencies. Thin: each task calls a service.

Every task may run twice (a retry, a redelivery, an operator's manual run); the
guard that makes the second run harmless is named in each docstring.
"""

from celery import shared_task

from . import jobs


@shared_task(acks_late=True)
def plan_inspections() -> dict:
    """Guard: the partial unique constraint 'one planned inspection per agency'."""
    return jobs.plan_inspections()


@shared_task(acks_late=True)
def flag_overdue_inspections() -> int:
    """Guard: conditional UPDATE on overdue_flagged_at IS NULL."""
    return jobs.flag_overdue_inspections()


@shared_task(acks_late=True)
def send_reporting_reminders() -> dict:
    """Guard: notifications are unique per (recipient, key) with the month in the key."""
    return jobs.send_reporting_reminders()


@shared_task(acks_late=True)
def check_licence_expiry() -> dict:
    """Guard: the licence state machine (an expired licence cannot expire again) and
    notification keys that name the end date."""
    return jobs.check_licence_expiry()
