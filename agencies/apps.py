from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Recruitment agencies")

    def ready(self) -> None:
        from . import audit  # noqa: F401  registers the governance models with the change log
