"""The annual report on complaints (policy 10.3): generated from the records, reviewed,
approved by a director, then published.

Its figures are computed once, at generation, and stored in ``AnnualReport.figures``: the
report reviewed is the report approved, and a published report never moves when a case
is later corrected. A draft can be regenerated as often as needed; a published one cannot.

Conventions as in the other services: keyword-only, explicit actor, one transaction, an
event per step, ValidationError naming the field, PermissionDenied for access.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.notify import group_members, notify
from migration_portal.core.scoping import DIRECTORS, visible

from . import statistics
from .choices import ReportStatus
from .models import AnnualReport, Complaint

# Complaints officers and statisticians prepare the report; directors approve it.
GENERATE_PERMISSION = "complaints.add_annualreport"
APPROVE_PERMISSION = "complaints.approve_annualreport"


def annual_figures(year: int) -> dict:
    """The report's figures: every case of the country, restricted ones only in the totals."""
    figures = statistics.figures(Complaint.objects.all(), statistics.Period(year), describe_restricted=False)
    figures["generated_on"] = timezone.localdate().isoformat()
    return figures


@transaction.atomic
def annual_report_generate(*, year: int, actor, foreword: str | None = None) -> AnnualReport:
    """Compute the year's figures and store them in the draft (created if needed).

    A year still running can be drafted (the figures say on which day they were taken)
    but not approved. A published report is never regenerated."""
    if actor is not None and not actor.has_perm(GENERATE_PERMISSION):
        raise PermissionDenied(_("You are not allowed to prepare the annual report."))
    try:
        period = statistics.Period(int(year))
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Give the year as four digits.")})
    if period.start > timezone.localdate():
        raise ValidationError({"year": _("The year %(year)d has not started yet.") % {"year": period.year}})
    # The row lock serialises two people generating the same year; get_or_create copes
    # with both creating it at once (the unique year makes the second one read it).
    report, created = AnnualReport.objects.select_for_update().get_or_create(year=period.year)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError({"year": _("The report for %(year)d is published: it can no longer be regenerated.") % {
            "year": period.year}})
    report.figures = annual_figures(period.year)
    report.generated_at = timezone.now()
    if foreword is not None:
        report.foreword = foreword.strip()
    report.save(update_fields=["figures", "generated_at", "foreword", "updated"])
    event_record(subject=report, code="annual_report.generated", actor=actor,
                 data={"year": period.year, "received": report.figures["totals"]["received"], "created": created})
    if period.is_over():
        notify(
            recipients=[u for u in group_members(DIRECTORS).filter(agency__isnull=True) if u.has_perm(APPROVE_PERMISSION)],
            # Once a day at most, however often the draft is prepared again.
            key=f"annual-report-draft:{period.year}:{timezone.localdate().isoformat()}",
            subject=_("The annual complaints report for %(year)d is ready for your approval") % {"year": period.year},
            link=f"/complaints/reports/{period.year}/",
        )
    return report


@transaction.atomic
def annual_report_approve(*, report: AnnualReport, actor, generated_at: datetime | None = None) -> AnnualReport:
    """Approve the draft: it is published at once, exactly as generated.

    ``generated_at`` is the version the director reviewed: if the draft was regenerated
    since, nothing is approved and the director is asked to look again."""
    if actor is None or not actor.has_perm(APPROVE_PERMISSION):
        raise PermissionDenied(_("You are not allowed to approve the annual report."))
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("The report for %(year)d is already published.") % {"year": report.year})
    if generated_at is not None and report.generated_at != generated_at:
        raise ValidationError(
            _("The report was regenerated since you opened it (now %(when)s). Review the new figures before approving.") % {
                "when": timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")},
            code="stale",
        )
    if not statistics.Period(report.year).is_over(timezone.localtime(report.generated_at).date()):
        raise ValidationError(_("These figures were taken before the year ended. Regenerate the report, then approve it."))
    report.status = ReportStatus.PUBLISHED
    report.approved_by = actor
    report.published_at = timezone.now()
    report.save(update_fields=["status", "approved_by", "published_at", "updated"])
    event_record(subject=report, code="annual_report.published", actor=actor, data={"year": report.year})
    return report


# --- Reads -------------------------------------------------------------------------------------


def report_list(*, user) -> QuerySet[AnnualReport]:
    """Reports the user may see: every one for ministry staff, the published ones for others."""
    return visible(AnnualReport.objects.all(), user).select_related("approved_by").order_by("-year")


def report_get(*, user, year: int) -> AnnualReport:
    return report_list(user=user).get(year=year)


def published_reports() -> QuerySet[AnnualReport]:
    """The public list: published reports only, never a draft."""
    return AnnualReport.objects.filter(status=ReportStatus.PUBLISHED).order_by("-year")


def published_report(*, year: int) -> AnnualReport:
    return published_reports().get(year=year)
