"""The risk profile of each agency, computed from live data with the reasons behind it.

Each signal is a function that looks at many agencies in one query and returns,
per agency, the points it adds and why. Other apps add their signals (complaints,
deployments) with ``register_signal``; the profile feeds inspection planning and
is shown to ministry staff.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .choices import InspectionStatus, LicenceStatus, ReportStatus, SanctionKind
from .models import Agency, Inspection, MonthlyReport, Representative, Sanction

Signal = Callable[[list[int], date], dict[int, list[tuple[int, str]]]]
_SIGNALS: list[Signal] = []


def register_signal(fn: Signal) -> Signal:
    _SIGNALS.append(fn)
    return fn


@dataclass
class RiskProfile:
    agency_id: int
    score: int = 0
    reasons: list[tuple[int, str]] = field(default_factory=list)

    @property
    def level(self) -> str:
        threshold = settings.PORTAL["INSPECTION_RISK_THRESHOLD"]
        if self.score >= threshold:
            return "high"
        if self.score >= threshold // 2:
            return "medium"
        return "low"


def months_back(today: date, n: int) -> list[date]:
    """The first days of the ``n`` months before the current one, newest first."""
    out, d = [], today.replace(day=1)
    for _month in range(n):
        d = (d - timedelta(days=1)).replace(day=1)
        out.append(d)
    return out


def overdue_periods(agency_ids: list[int], today: date, window: int = 12) -> dict[int, list[date]]:
    """Per agency, the months (within ``window``) whose report is past due and not submitted."""
    from .services import report_due_date

    periods = [p for p in months_back(today, window) if report_due_date(p) < today]
    if not periods:
        return {}
    agencies = Agency.objects.filter(pk__in=agency_ids).values_list("pk", "licence_issued")
    filed = set(
        MonthlyReport.objects.filter(agency__in=agency_ids, period__in=periods)
        .filter(status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED))
        .values_list("agency_id", "period")
    )
    out: dict[int, list[date]] = {}
    for pk, issued in agencies:
        missing = [p for p in periods if (pk, p) not in filed and (issued is None or p >= issued.replace(day=1))]
        if missing:
            out[pk] = missing
    return out


@register_signal
def _late_reports(agency_ids, today):
    out = {}
    for pk, missing in overdue_periods(agency_ids, today).items():
        points = min(8 * len(missing), 24)
        out[pk] = [(points, ngettext("%(n)d monthly report overdue", "%(n)d monthly reports overdue", len(missing)) % {"n": len(missing)})]
    return out


@register_signal
def _sanctions(agency_ids, today):
    since = today - timedelta(days=730)
    rows = (
        Sanction.objects.filter(agency__in=agency_ids, decided_on__gte=since)
        .values("agency_id")
        .annotate(
            warnings=Count("pk", filter=Q(kind=SanctionKind.WARNING)),
            suspensions=Count("pk", filter=Q(kind__in=(SanctionKind.SUSPENSION, SanctionKind.CANCELLATION))),
        )
    )
    out = defaultdict(list)
    for r in rows:
        if r["warnings"]:
            out[r["agency_id"]].append((min(10 * r["warnings"], 20), ngettext("%(n)d warning in two years", "%(n)d warnings in two years", r["warnings"]) % {"n": r["warnings"]}))
        if r["suspensions"]:
            out[r["agency_id"]].append((25, _("suspended or cancelled in the last two years")))
    return out


@register_signal
def _deposit(agency_ids, today):
    from .services import deposit_required

    required = deposit_required()
    rows = Agency.objects.filter(pk__in=agency_ids).with_deposit_balance().values_list("pk", "deposit_balance")
    return {
        pk: [(20, _("guarantee deposit short: USD %(balance)s of %(required)s") % {"balance": bal, "required": required})]
        for pk, bal in rows
        if bal < required
    }


@register_signal
def _inspections(agency_ids, today):
    interval = settings.PORTAL["INSPECTION_INTERVAL_DAYS"]
    rows = Agency.objects.filter(pk__in=agency_ids).with_last_inspection().values_list(
        "pk", "last_inspection_on", "last_inspection_grade", "licence_issued"
    )
    out = defaultdict(list)
    for pk, last_on, grade, issued in rows:
        if last_on is None:
            if issued is None or (today - issued).days > 180:
                out[pk].append((15, _("never inspected")))
        elif (today - last_on).days > interval:
            out[pk].append((15, _("last inspected more than two years ago")))
        if grade == "D":
            out[pk].append((25, _("last inspection graded D")))
        elif grade == "C":
            out[pk].append((12, _("last inspection graded C")))
    return out


@register_signal
def _representatives(agency_ids, today):
    authorised = defaultdict(set)
    for pk, country in Agency.authorised_countries.through.objects.filter(agency_id__in=agency_ids).values_list(
        "agency_id", "country_id"
    ):
        authorised[pk].add(country)
    represented = defaultdict(set)
    for pk, country in Representative.objects.filter(agency__in=agency_ids).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    ).values_list("agency_id", "country_id"):
        represented[pk].add(country)
    out = {}
    for pk, countries in authorised.items():
        missing = len(countries - represented[pk])
        if missing:
            out[pk] = [(min(5 * missing, 10), ngettext("no representative in %(n)d authorised country", "no representative in %(n)d authorised countries", missing) % {"n": missing})]
    return out


def risk_profiles(agency_ids: Iterable[int], today: date) -> dict[int, RiskProfile]:
    """Profiles for many agencies at once: one query per signal, whatever their number."""
    ids = list(agency_ids)
    profiles = {pk: RiskProfile(pk) for pk in ids}
    if not ids:
        return profiles
    for signal in _SIGNALS:
        for pk, reasons in signal(ids, today).items():
            if pk in profiles:
                profiles[pk].reasons.extend(reasons)
    for p in profiles.values():
        p.reasons.sort(key=lambda r: -r[0])
        p.score = min(100, sum(points for points, _reason in p.reasons))
    return profiles


def risk_profile(agency: Agency, today: date) -> RiskProfile:
    return risk_profiles([agency.pk], today)[agency.pk]


def supervised_agency_ids() -> list[int]:
    """Agencies the ministry supervises actively: those that hold or held a working licence."""
    return list(
        Agency.objects.filter(
            licence_status__in=(LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED, LicenceStatus.TEMPORARILY_STOPPED)
        ).values_list("pk", flat=True)
    )


def published_ranking():
    """Agencies ranked by the score of their latest approved inspection (policy 7.10)."""
    latest = (
        Inspection.objects.filter(status=InspectionStatus.APPROVED)
        .values("agency_id")
        .annotate(last=Max("conducted_on"))
    )
    keys = {(r["agency_id"], r["last"]) for r in latest}
    rows = (
        Inspection.objects.filter(status=InspectionStatus.APPROVED, agency_id__in={k[0] for k in keys})
        .select_related("agency")
        .order_by("-score", "agency__name")
    )
    seen, ranking = set(), []
    for ins in rows:
        if (ins.agency_id, ins.conducted_on) in keys and ins.agency_id not in seen:
            seen.add(ins.agency_id)
            ranking.append(ins)
    return ranking
