"""Scheduled work on complaints. Thin: each task calls a job in ``complaints.jobs``.

Every task may run twice (a retry, a redelivery, an operator's manual run); the guard
that makes the second run harmless is named in each docstring.
"""

from celery import shared_task

from . import jobs


@shared_task(acks_late=True)
def check_time_limits() -> dict:
    """Reminders before a stage's deadline, escalation after it.

    Guard: notifications are unique per (recipient, key), and the key names the case, its
    stage and the moment it entered the stage, so each is sent once per stage entered."""
    return jobs.check_time_limits()


@shared_task(acks_late=True)
def send_late_digests() -> dict:
    """The daily list of late cases for each province's officers and the ministry's.

    Guard: notifications are unique per (recipient, key), with the unit and the date in the key."""
    return jobs.send_late_digests()
