"""Where an agency's monthly report and the worker register disagree."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from migration_portal.core.scoping import ScopedQuerySet
from migration_portal.reference.choices import Sex


class ReportDifferenceQuerySet(ScopedQuerySet):
    agency_field = "report__agency"


class ReportDifference(models.Model):
    """One figure of a submitted monthly report that differs from what the register holds.

    Kept at submission, so ministry staff see what the agency confirmed against what
    its own deployment records say, even if either changes later.
    """

    report = models.ForeignKey("agencies.MonthlyReport", on_delete=models.CASCADE, related_name="differences", verbose_name=_("report"))
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("destination"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    figure = models.CharField(_("figure"), max_length=16)
    reported = models.IntegerField(_("reported by the agency"))
    register = models.IntegerField(_("in the register"))
    submission = models.PositiveIntegerField(_("report version"))

    objects = ReportDifferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("report difference")
        verbose_name_plural = _("differences between reports and the register")
        ordering = ["report", "country__name", "sector__name", "sex", "figure"]
        indexes = [models.Index(fields=["report", "submission"], name="workers_reportdiff_idx")]

    def __str__(self) -> str:
        return f"{self.figure}: {self.reported} reported, {self.register} in register"

    @property
    def gap(self) -> int:
        return self.reported - self.register
