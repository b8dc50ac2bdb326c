from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Migrant workers")

    def ready(self) -> None:
        from . import audit, reporting  # noqa: F401  change log registration; report-difference receiver
