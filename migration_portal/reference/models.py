"""Reference data every app shares: provinces, destination countries, sectors, checkpoints."""

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from migration_portal.core.scoping import ReferenceQuerySet


class NamedReference(models.Model):
    """A coded entry with its English and Khmer names."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name (English)"), max_length=100)
    name_km = models.CharField(_("name (Khmer)"), max_length=100, blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.localized_name

    @property
    def localized_name(self) -> str:
        if self.name_km and (get_language() or "").startswith("km"):
            return self.name_km
        return self.name


class Province(NamedReference):
    """One of Cambodia's 25 provinces (24 provinces and the capital, Phnom Penh)."""

    class Meta(NamedReference.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class Country(NamedReference):
    """A country workers go to (code is ISO 3166-1 alpha-2)."""

    currency = models.CharField(_("currency"), max_length=3, blank=True, help_text=_("ISO 4217 code"))
    has_agreement = models.BooleanField(_("bilateral agreement or MoU"), default=False)

    class Meta(NamedReference.Meta):
        verbose_name = _("country")
        verbose_name_plural = _("countries")


class Sector(NamedReference):
    """A sector of work abroad (agriculture, construction, domestic work...)."""

    class Meta(NamedReference.Meta):
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class Checkpoint(NamedReference):
    """A border checkpoint or airport where workers leave or come back."""

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("province"))

    class Meta(NamedReference.Meta):
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
