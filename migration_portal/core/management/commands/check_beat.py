"""Healthcheck of the beat container: has beat sent the heartbeat job recently?"""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.health import HEARTBEAT_TASK


class Command(BaseCommand):
    help = _("Exit non-zero when beat has not sent the heartbeat job within PORTAL['HEALTH_STALE_MINUTES'].")

    def handle(self, *args, **options):
        from django_celery_beat.models import PeriodicTask

        last = PeriodicTask.objects.filter(name=HEARTBEAT_TASK, enabled=True).values_list("last_run_at", flat=True).first()
        limit = timezone.now() - timedelta(minutes=settings.PORTAL["HEALTH_STALE_MINUTES"])
        if last is None or last < limit:
            raise CommandError(_("Beat is stale: the heartbeat job was last sent at %(when)s.") % {"when": last})
        self.stdout.write(_("Beat sent the heartbeat job at %(when)s.") % {"when": last.isoformat()})
