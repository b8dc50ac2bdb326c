"""Copy the beat schedule defined in settings into django-celery-beat's tables."""

import json

from django.conf import settings


def sync_beat_schedule(**kwargs) -> None:
    """Create the periodic tasks that do not exist yet.

    Existing rows are left alone, so an operator's change in the admin (a new
    time, a paused task) survives the next deploy.
    """
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    for name, entry in settings.PORTAL_BEAT_SCHEDULE.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        cron = entry["schedule"]
        schedule, _ = CrontabSchedule.objects.get_or_create(
            minute=_field(cron._orig_minute),
            hour=_field(cron._orig_hour),
            day_of_week=_field(cron._orig_day_of_week),
            day_of_month=_field(cron._orig_day_of_month),
            month_of_year=_field(cron._orig_month_of_year),
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.create(
            name=name, task=entry["task"], crontab=schedule, kwargs=json.dumps(entry.get("kwargs", {}))
        )


def _field(value) -> str:
    return str(value)
