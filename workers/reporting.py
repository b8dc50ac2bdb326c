"""The register's own figures for an agency's month, to pre-fill and check monthly reports.

Each figure comes from individual records, in one grouped query each:
recruited = deployments registered in the month; trained = certificates issued in the
month to the agency's sessions; deployed = departures in the month; returned = returns
in the month; abroad at month end = departed on or before the last day and not back by it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.dispatch import receiver

from agencies.models import MonthlyReport
from agencies.services import LineInput
from agencies.signals import report_submitted

from .choices import DeploymentStatus
from .models import Certificate, Deployment, ReportDifference

Key = tuple[int, int, str]  # (country_id, sector_id, sex)
FIGURES = ("recruited", "trained", "deployed", "returned", "abroad_end")


def month_end(period: date) -> date:
    return (period.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def register_figures(agency_id: int, period: date) -> dict[Key, dict[str, int]]:
    start, end = period.replace(day=1), month_end(period)
    out: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    base = Deployment.objects.filter(agency_id=agency_id)

    def add(qs, figure, country="country_id", sector="sector_id", sex="worker__sex"):
        for row in qs.values(country, sector, sex).annotate(n=Count("pk")).order_by():
            out[(row[country], row[sector], row[sex])][figure] += row["n"]

    add(base.filter(created__date__gte=start, created__date__lte=end), "recruited")
    add(base.filter(departed_on__gte=start, departed_on__lte=end), "deployed")
    add(base.filter(returned_on__gte=start, returned_on__lte=end), "returned")
    add(
        base.filter(departed_on__lte=end).filter(Q(returned_on__isnull=True) | Q(returned_on__gt=end))
        .exclude(status=DeploymentStatus.CANCELLED),
        "abroad_end",
    )
    # Trained: certificates issued in the month by the agency's sessions, counted against the
    # destination and sector of the worker's deployment with that agency.
    trained = (
        Certificate.objects.filter(session__agency_id=agency_id, issued_on__gte=start, issued_on__lte=end, is_valid=True)
        .filter(worker__deployments__agency_id=agency_id)
        .values("worker__deployments__country_id", "worker__deployments__sector_id", "worker__sex")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    for row in trained:
        key = (row["worker__deployments__country_id"], row["worker__deployments__sector_id"], row["worker__sex"])
        out[key]["trained"] += row["n"]
    return dict(out)


def register_lines(agency_id: int, period: date) -> list[LineInput]:
    """The register's figures as report lines, to pre-fill the agency's form."""
    return [
        LineInput(country_id=c, sector_id=s, sex=x, **figures)
        for (c, s, x), figures in sorted(register_figures(agency_id, period).items())
    ]


def report_differences(report: MonthlyReport) -> list[ReportDifference]:
    """Compare the report's lines with the register; unsaved rows, one per differing figure."""
    register = register_figures(report.agency_id, report.period)
    reported: dict[Key, dict[str, int]] = {
        (line.country_id, line.sector_id, line.sex): {f: getattr(line, f) for f in FIGURES} for line in report.lines.all()
    }
    diffs = []
    for key in sorted(set(register) | set(reported)):
        a = reported.get(key, dict.fromkeys(FIGURES, 0))
        b = register.get(key, dict.fromkeys(FIGURES, 0))
        for figure in FIGURES:
            if a[figure] != b[figure]:
                diffs.append(ReportDifference(report=report, country_id=key[0], sector_id=key[1], sex=key[2], figure=figure,
                                              reported=a[figure], register=b[figure], submission=report.version))
    return diffs


@receiver(report_submitted, dispatch_uid="workers.record_report_differences")
def record_report_differences(sender, report: MonthlyReport, actor=None, **kwargs) -> None:
    """Keep, for this submission, every figure where the report and the register disagree."""
    with transaction.atomic():
        ReportDifference.objects.filter(report=report, submission=report.version).delete()
        ReportDifference.objects.bulk_create(report_differences(report))
