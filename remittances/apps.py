from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemittancesConfig(AppConfig):
    name = "remittances"
    verbose_name = _("Remittances")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Corridor, ExchangeRate, Offer, Provider, Remittance

        for model in (Provider, Corridor, ExchangeRate, Offer, Remittance):
            auditlog.register(model, exclude_fields=["updated"])
