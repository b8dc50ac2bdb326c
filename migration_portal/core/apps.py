from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "migration_portal.core"
    label = "core"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from auditlog.models import LogEntry
        from django.db.models.signals import pre_save

        from .audit import redact_entry_repr
        from .schedule import sync_beat_schedule

        pre_save.connect(redact_entry_repr, sender=LogEntry, dispatch_uid="core.redact_entry_repr")
        post_migrate.connect(sync_beat_schedule, sender=self, dispatch_uid="core.sync_beat_schedule")
