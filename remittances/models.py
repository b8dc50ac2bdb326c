"""Remittances: what sending money home costs per corridor, what workers send, and
financial-literacy training (policy goal 15; SDG 10.c: under 3% for USD 200)."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.core.models import BaseModel
from migration_portal.reference.choices import Sex

from .choices import Audience, ProviderKind, ReceiveMethod, RemittanceChannel, RemittanceSource, Speed
from .querysets import LiteracyAttendanceQuerySet, LiteracySessionQuerySet, PublicQuerySet, RemittanceQuerySet

PCT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Provider(BaseModel):
    """A bank, money-transfer operator, mobile wallet or microfinance institution."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=ProviderKind.choices)
    website = models.URLField(_("website"), blank=True)
    licensed_by = models.CharField(_("licensed by"), max_length=120, blank=True, help_text=_("e.g. National Bank of Cambodia"))
    active = models.BooleanField(_("active"), default=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = _("remittance provider")
        verbose_name_plural = _("remittance providers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Corridor(BaseModel):
    """A sending country to Cambodia, in the sending country's currency."""

    country = models.OneToOneField("reference.Country", on_delete=models.PROTECT, related_name="corridor", verbose_name=_("from"))
    currency = models.CharField(_("sending currency"), max_length=3)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = _("corridor")
        verbose_name_plural = _("corridors")
        ordering = ["country__name"]

    def __str__(self) -> str:
        return _("%(country)s to Cambodia") % {"country": self.country}


class ExchangeRate(models.Model):
    """Units of a currency per US dollar on a date (the reference mid-market rate)."""

    currency = models.CharField(_("currency"), max_length=3)
    on = models.DateField(_("date"))
    per_usd = models.DecimalField(_("units per USD"), max_digits=14, decimal_places=6, validators=[MinValueValidator(Decimal("0.000001"))])

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-on"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "on"], name="remittances_rate_once_a_day"),
            models.CheckConstraint(condition=Q(per_usd__gt=0), name="remittances_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.per_usd} / USD ({self.on})"


class Offer(BaseModel):
    """What one provider charges on one corridor, as observed on a date."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offers", verbose_name=_("provider"))
    corridor = models.ForeignKey(Corridor, on_delete=models.PROTECT, related_name="offers", verbose_name=_("corridor"))
    fee_fixed = models.DecimalField(_("fixed fee (sending currency)"), max_digits=12, decimal_places=2, default=Decimal("0"),
                                    validators=[MinValueValidator(0)])
    fee_percent = models.DecimalField(_("fee (percent of the amount)"), max_digits=5, decimal_places=2, default=Decimal("0"), validators=PCT)
    fx_margin_percent = models.DecimalField(_("exchange-rate margin (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
                                            validators=PCT, help_text=_("How much worse than the reference rate the provider's rate is."))
    receive_currency = models.CharField(_("received in"), max_length=3, default="USD", help_text=_("USD or KHR"))
    speed = models.CharField(_("speed"), max_length=16, choices=Speed.choices)
    receive_methods = models.JSONField(_("how money is received"), default=list)
    min_amount = models.DecimalField(_("minimum (sending currency)"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_amount = models.DecimalField(_("maximum (sending currency)"), max_digits=12, decimal_places=2, null=True, blank=True)
    observed_on = models.DateField(_("observed on"), default=timezone.localdate)
    source = models.CharField(_("source"), max_length=200, blank=True)

    objects = PublicQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["corridor", "-observed_on", "provider__name"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "corridor", "observed_on"], name="remittances_offer_once_a_day"),
            models.CheckConstraint(condition=Q(fee_fixed__gte=0) & Q(fee_percent__gte=0) & Q(fx_margin_percent__gte=0),
                                   name="remittances_offer_nonneg"),
        ]
        indexes = [models.Index(fields=["corridor", "observed_on"], name="remittances_offer_corr_idx")]

    def __str__(self) -> str:
        return f"{self.provider} {self.corridor} ({self.observed_on})"

    def valid_methods(self) -> list[str]:
        return [m for m in self.receive_methods if m in ReceiveMethod.values]


class Remittance(BaseModel):
    """Money a worker sent home in a month, from an agency's report or a survey."""

    deployment = models.ForeignKey("workers.Deployment", on_delete=models.PROTECT, related_name="remittances", verbose_name=_("deployment"))
    month = models.DateField(_("month"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    currency = models.CharField(_("currency"), max_length=3)
    amount_usd = models.DecimalField(_("amount in USD"), max_digits=12, decimal_places=2, editable=False)
    channel = models.CharField(_("channel"), max_length=16, choices=RemittanceChannel.choices)
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("provider"))
    source = models.CharField(_("source"), max_length=16, choices=RemittanceSource.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    objects = RemittanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("remittance")
        verbose_name_plural = _("remittances")
        ordering = ["-month", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(month__day=1), name="remittances_month_first_day"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="remittances_amount_positive"),
            models.UniqueConstraint(fields=["deployment", "month", "channel", "source"], name="remittances_once_per_month"),
        ]
        indexes = [models.Index(fields=["month", "channel"], name="remittances_month_idx")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} {self.month:%Y-%m}"


class LiteracySession(BaseModel):
    """A financial-literacy training session for workers, returnees or families (policy 15.6)."""

    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("agency"))
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    partner = models.CharField(_("trainer or partner"), max_length=200)
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    topics = models.TextField(_("topics"), blank=True)

    objects = LiteracySessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("financial-literacy session")
        verbose_name_plural = _("financial-literacy sessions")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.place}"


class LiteracyAttendance(models.Model):
    """Someone who attended: a registered worker, or a family member recorded by name."""

    session = models.ForeignKey(LiteracySession, on_delete=models.CASCADE, related_name="attendees", verbose_name=_("session"))
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("worker"))
    name = models.CharField(_("name"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    relation = models.CharField(_("relation to a migrant"), max_length=60, blank=True)

    objects = LiteracyAttendanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [
            models.CheckConstraint(condition=Q(worker__isnull=False) | ~Q(name=""), name="remittances_attendee_named"),
            models.UniqueConstraint(fields=["session", "worker"], condition=Q(worker__isnull=False), name="remittances_attendee_once"),
        ]

    def __str__(self) -> str:
        return self.name or str(self.worker)
