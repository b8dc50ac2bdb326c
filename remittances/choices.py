from django.db import models
from django.utils.translation import gettext_lazy as _


class ProviderKind(models.TextChoices):
    BANK = "bank", _("Bank")
    MTO = "mto", _("Money transfer operator")
    WALLET = "wallet", _("Mobile wallet")
    MFI = "mfi", _("Microfinance institution")


class ReceiveMethod(models.TextChoices):
    CASH = "cash", _("Cash pick-up")
    BANK = "bank", _("Into a bank account")
    WALLET = "wallet", _("Into a mobile wallet")
    HOME = "home", _("Delivered at home")


class Speed(models.TextChoices):
    MINUTES = "minutes", _("Within an hour")
    SAME_DAY = "same_day", _("Same day")
    NEXT_DAY = "next_day", _("Next day")
    DAYS = "days", _("2 to 5 days")


SPEED_ORDER = {Speed.MINUTES: 0, Speed.SAME_DAY: 1, Speed.NEXT_DAY: 2, Speed.DAYS: 3}


class RemittanceChannel(models.TextChoices):
    FORMAL = "formal", _("Formal (bank, operator, wallet)")
    INFORMAL = "informal", _("Informal (hand carried, broker, hundi)")


class RemittanceSource(models.TextChoices):
    AGENCY = "agency", _("Agency report")
    SURVEY = "survey", _("Survey")
    WORKER = "worker", _("Declared by the worker")


class Audience(models.TextChoices):
    WORKERS = "workers", _("Workers before departure")
    RETURNEES = "returnees", _("Returnees")
    FAMILIES = "families", _("Families of migrants")
