"""Reads for the agencies portal pages: scoped querysets and derived figures.

Two kinds of reader live here.

* Signed-in pages take the requesting ``user`` and start from
  :func:`migration_portal.core.scoping.visible`, so an agency user only ever
  reaches their own agency's rows and a provincial officer only what the scope
  gives a province.
* Public pages (licence check, advertisement verification, rankings) read the
  public register. The public is not a scoped role (``visible`` gives an
  anonymous visitor nothing), so these functions say instead exactly which rows
  are public (``PUBLIC_LICENCE_STATES``; approved advertisements) and load only
  the public columns (``PUBLIC_AGENCY_FIELDS``): a private field such as the
  address or the deposit can never reach a public template, because reading it
  would cost a query the page's pinned query budget does not allow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from migration_portal.core.scoping import scope_for, visible
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country, Sector

from .choices import PUBLIC_STATUS, AdvertisementStatus, LicenceStatus, ReportStatus, SanctionKind
from .models import (
    Advertisement,
    Agency,
    DepositEntry,
    Inspection,
    InspectionAction,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)
from .risk import published_ranking
from .services import deposit_required

# How far back a warning stays "on record" on the public licence check.
WARNING_ON_RECORD_DAYS = 365
# How many recent rows the agency dashboard shows of each history.
DASHBOARD_HISTORY = 12


def _km() -> bool:
    return (get_language() or "").startswith("km")


def _localized(name: str, name_km: str) -> str:
    return name_km if name_km and _km() else name


# --- The agency's own pages --------------------------------------------------------


def agency_of(*, user) -> Agency:
    """The agency a user works for, read through the scope (raises Agency.DoesNotExist otherwise).

    Shaped by ``for_list()``: the ``deposit_balance`` and last inspection annotations.
    """
    return visible(Agency.objects.for_list(), user).prefetch_related("authorised_countries").get()


@dataclass
class AgencyDashboard:
    agency: Agency
    deposit_required: Decimal
    deposit_entries: list[DepositEntry]
    representatives: list[Representative]
    inspections: list[Inspection]
    sanctions: list[Sanction]
    reports: list[MonthlyReport]
    reports_total: int = 0

    @property
    def deposit_short(self) -> bool:
        return self.agency.deposit_balance < self.deposit_required

    @property
    def deposit_shortfall(self) -> Decimal:
        return max(self.deposit_required - self.agency.deposit_balance, Decimal("0"))


def agency_dashboard(*, user, today: date) -> AgencyDashboard:
    """Everything an agency's start page shows about itself: one query per section.

    The risk profile is deliberately absent: it is for ministry staff only.
    """
    agency = agency_of(user=user)
    # Inspections: an agency sees only approved (published) ones; the follow-up
    # actions come with them. InspectionAction has no visible_to of its own that
    # works for agencies (its queryset names an ``agency`` field it does not
    # have), so its rows are reached only through the visible inspections.
    inspections = (
        visible(Inspection, user)
        .order_by("-conducted_on", "-id")
        .prefetch_related(Prefetch("actions", queryset=InspectionAction.objects.order_by("due_date", "id")))
    )
    reports = list(visible(MonthlyReport.objects.for_list(), user)[: DASHBOARD_HISTORY + 1])
    return AgencyDashboard(
        agency=agency,
        deposit_required=deposit_required(),
        deposit_entries=list(visible(DepositEntry, user).order_by("-entry_date", "-id")[:DASHBOARD_HISTORY]),
        representatives=list(
            visible(Representative, user).select_related("country").filter(Q(until__isnull=True) | Q(until__gte=today))
        ),
        inspections=list(inspections),
        sanctions=list(visible(Sanction, user).order_by("-decided_on", "-id")),
        reports=reports[:DASHBOARD_HISTORY],
        reports_total=len(reports),
    )


def report_list(*, user) -> QuerySet[MonthlyReport]:
    """The user's agency's monthly reports, newest month first."""
    return visible(MonthlyReport.objects.for_list(), user).order_by("-period")


def report_lines(*, user, report: MonthlyReport) -> QuerySet[MonthlyReportLine]:
    """A report's lines, destination and sector joined, for the read-only view."""
    return visible(MonthlyReportLine, user).filter(report=report).select_related("country", "sector")


def report_line_initial(*, user, report: MonthlyReport) -> list[dict]:
    """A report's lines as form initial data (ids only: the choices are loaded once)."""
    rows = (
        visible(MonthlyReportLine, user)
        .filter(report=report)
        .order_by("country__name", "sector__name", "sex")
        .values("country_id", "sector_id", "sex", *MonthlyReportLine.FIGURES)
    )
    saved = [
        {"country": r["country_id"], "sector": r["sector_id"], "sex": r["sex"], **{f: r[f] for f in MonthlyReportLine.FIGURES}}
        for r in rows
    ]
    if saved or report.version > 1:
        return saved
    # A report never saved starts from the register's own figures for the month (deployments,
    # certificates, departures, returns): the agency confirms or corrects them, and what it
    # changes is kept as report/register differences when it submits.
    from workers.reporting import register_lines

    return [
        {"country": line.country_id, "sector": line.sector_id, "sex": line.sex,
         **{f: getattr(line, f) for f in MonthlyReportLine.FIGURES}}
        for line in register_lines(report.agency_id, report.period)
    ]


def country_choices(*, user) -> list[tuple[int, str]]:
    return [(c.pk, c.localized_name) for c in visible(Country, user).order_by("name")]


def sector_choices(*, user) -> list[tuple[int, str]]:
    return [(s.pk, s.localized_name) for s in visible(Sector, user).order_by("name")]


def advertisement_list(*, user) -> QuerySet[Advertisement]:
    return visible(Advertisement, user).select_related("country", "sector").order_by("-created", "-id")


# --- Derived reporting periods ------------------------------------------------------

PERIOD_KINDS = ("quarter", "half", "year")
MONTHS_IN = {"quarter": 3, "half": 6, "year": 12}


@dataclass
class PeriodRow:
    country: str
    sex: str
    sex_label: str
    recruited: int = 0
    trained: int = 0
    deployed: int = 0
    returned: int = 0
    abroad_end: int = 0


@dataclass
class PeriodTotals:
    """One derived period (a quarter, a half-year or a year): figures by destination x sex."""

    kind: str
    year: int
    number: int  # quarter 1-4, half 1-2, or 0 for a year
    months: list[date] = field(default_factory=list)
    rows: list[PeriodRow] = field(default_factory=list)
    total: PeriodRow | None = None

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return _("%(year)s, quarter %(n)s") % {"year": self.year, "n": self.number}
        if self.kind == "half":
            return _("%(year)s, first half (January to June)") % {"year": self.year} if self.number == 1 else _(
                "%(year)s, second half (July to December)"
            ) % {"year": self.year}
        return str(self.year)

    @property
    def months_expected(self) -> int:
        return MONTHS_IN[self.kind]

    @property
    def complete(self) -> bool:
        return len(self.months) == self.months_expected


def period_bucket(period: date, kind: str) -> tuple[int, int]:
    """The (year, number) a month belongs to; a half-year is months 1-6 or 7-12."""
    if kind == "quarter":
        return period.year, (period.month - 1) // 3 + 1
    if kind == "half":
        return period.year, 1 if period.month <= 6 else 2
    return period.year, 0


def report_period_totals(*, user, kind: str) -> list[PeriodTotals]:
    """Quarterly, half-yearly or yearly totals derived from the submitted and accepted monthly reports.

    One grouped query (month x destination x sex) and bucketing in Python, so one
    function serves the three views on every database. Flows (recruited,
    trained, deployed, returned) are summed over the months; ``abroad_end`` is a
    stock, so a period takes it from its latest reported month.
    """
    if kind not in PERIOD_KINDS:
        raise ValueError(kind)
    grouped = (
        visible(MonthlyReportLine, user)
        .filter(report__status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED))
        .order_by()
        .values("report__period", "country_id", "country__name", "country__name_km", "sex")
        .annotate(**{f: Sum(f) for f in MonthlyReportLine.FIGURES})
    )
    sex_labels = dict(Sex.choices)
    buckets: dict[tuple[int, int], PeriodTotals] = {}
    rows: dict[tuple[int, int], dict[tuple[str, str], PeriodRow]] = defaultdict(dict)
    stock: dict[tuple[int, int], dict[tuple[str, str], dict[date, int]]] = defaultdict(lambda: defaultdict(dict))
    for r in grouped:
        month = r["report__period"]
        key = period_bucket(month, kind)
        bucket = buckets.setdefault(key, PeriodTotals(kind=kind, year=key[0], number=key[1]))
        if month not in bucket.months:
            bucket.months.append(month)
        country = _localized(r["country__name"], r["country__name_km"])
        row = rows[key].setdefault((country, r["sex"]), PeriodRow(country, r["sex"], str(sex_labels.get(r["sex"], r["sex"]))))
        for f in ("recruited", "trained", "deployed", "returned"):
            setattr(row, f, getattr(row, f) + (r[f] or 0))
        stock[key][(country, r["sex"])][month] = r["abroad_end"] or 0
    out = []
    for key in sorted(buckets, reverse=True):
        bucket = buckets[key]
        bucket.months.sort()
        last = bucket.months[-1]
        total = PeriodRow(_("All destinations"), "", "")
        for row_key in sorted(rows[key]):
            row = rows[key][row_key]
            row.abroad_end = stock[key][row_key].get(last, 0)
            bucket.rows.append(row)
            for f in MonthlyReportLine.FIGURES:
                setattr(total, f, getattr(total, f) + getattr(row, f))
        bucket.total = total
        out.append(bucket)
    return out


# --- Provincial officers -----------------------------------------------------------


def with_warning_on_record(qs: QuerySet[Agency], today: date) -> QuerySet[Agency]:
    """Annotate ``warning_on_record``: a WARNING sanction decided in the last 12 months."""
    since = today - timedelta(days=WARNING_ON_RECORD_DAYS)
    return qs.annotate(
        warning_on_record=Exists(
            Sanction.objects.filter(agency=OuterRef("pk"), kind=SanctionKind.WARNING, decided_on__gte=since)
        )
    )


def province_agencies(*, user, today: date) -> QuerySet[Agency]:
    """Agencies with their head office in the officer's province."""
    scope = scope_for(user)
    qs = visible(Agency, user).filter(province_id=scope.province_id).select_related("province").with_last_inspection()
    return with_warning_on_record(qs, today).order_by("name")


def province_status_counts(*, user) -> list[tuple[str, str, int]]:
    """(status, label, number of agencies) in the officer's province, in the order of the choices."""
    scope = scope_for(user)
    counts = dict(
        visible(Agency, user)
        .filter(province_id=scope.province_id)
        .order_by()
        .values_list("licence_status")
        .annotate(n=Count("pk"))
    )
    return [(s.value, s.label, counts[s.value]) for s in LicenceStatus if counts.get(s.value)]


# --- The public --------------------------------------------------------------------

# Whoever applied but was never licensed is not on the public register.
PUBLIC_LICENCE_STATES = tuple(s for s in LicenceStatus.values if s != LicenceStatus.APPLIED)
PUBLIC_AGENCY_FIELDS = (
    "id", "name", "name_km", "licence_number", "licence_status", "licence_issued", "licence_expires",
    "acra_member", "mac_member", "code_of_conduct_signed",
)


def public_status(status: str) -> str:
    return str(PUBLIC_STATUS.get(status, status))


def public_register(today: date) -> QuerySet[Agency]:
    """Agencies on the public register, public columns only, with ``warning_on_record``."""
    qs = Agency.objects.filter(licence_status__in=PUBLIC_LICENCE_STATES).only(*PUBLIC_AGENCY_FIELDS)
    return with_warning_on_record(qs, today)


def public_licence_search(*, query: str, today: date) -> QuerySet[Agency]:
    """Search the register by English or Khmer name, or by licence number."""
    qs = public_register(today).order_by("name")
    query = (query or "").strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(name_km__icontains=query) | Q(licence_number__icontains=query))
    return qs


def public_agency(*, licence_number: str, today: date) -> Agency:
    """One agency of the register, with its destinations and latest published inspection.

    Raises Agency.DoesNotExist for an unknown number or an agency not on the register.
    """
    return (
        public_register(today)
        .with_last_inspection()
        .prefetch_related(Prefetch("authorised_countries", queryset=Country.objects.order_by("name")))
        .get(licence_number=licence_number)
    )


@dataclass
class AdvertisementCheck:
    """What the public learns about an advertisement code."""

    advertisement: Advertisement
    valid: bool
    reason: str
    agency_status: str


def advertisement_verify(*, code: str, today: date) -> AdvertisementCheck | None:
    """Look up an approval code (trimmed, any case, with or without the ``AD-`` prefix).

    Valid today means: approved, running today, and the agency's licence active.
    None when no approved advertisement ever had this code.
    """
    code = (code or "").strip().upper()
    if not code:
        return None
    candidates = Q(code__iexact=code)
    if not code.startswith("AD-"):
        candidates |= Q(code__iexact=f"AD-{code}")
    ad = (
        Advertisement.objects.filter(candidates)
        .filter(status__in=(AdvertisementStatus.APPROVED, AdvertisementStatus.WITHDRAWN))
        .select_related("agency", "country", "sector")
        .only(
            "code", "title", "occupation", "positions_male", "positions_female", "valid_from", "valid_until", "status",
            "monthly_wage", "wage_currency", "worker_fee", "fee_currency",
            *(f"agency__{f}" for f in PUBLIC_AGENCY_FIELDS),
            "country__name", "country__name_km", "sector__name", "sector__name_km",
        )
        .first()
    )
    if ad is None:
        return None
    agency_status = public_status(ad.agency.licence_status)
    if ad.status == AdvertisementStatus.WITHDRAWN:
        valid, reason = False, _("The agency withdrew this advertisement. It is not valid.")
    elif ad.agency.licence_status != LicenceStatus.ACTIVE:
        valid, reason = False, _(
            "The agency's licence is not active (%(status)s). It may not recruit, so this advertisement is not valid."
        ) % {"status": agency_status}
    elif today < ad.valid_from:
        valid, reason = False, _("This advertisement is approved but may run only from %(date)s. It is not valid yet.") % {
            "date": ad.valid_from.isoformat()
        }
    elif today > ad.valid_until:
        valid, reason = False, _("This advertisement expired on %(date)s. It is no longer valid.") % {
            "date": ad.valid_until.isoformat()
        }
    else:
        valid, reason = True, _("Valid today: approved by the Ministry, running until %(date)s, and the agency is licensed.") % {
            "date": ad.valid_until.isoformat()
        }
    return AdvertisementCheck(advertisement=ad, valid=valid, reason=reason, agency_status=agency_status)


@dataclass
class RankingRow:
    rank: int
    agency_name: str
    agency_name_km: str
    licence_number: str | None
    licence_status: str
    public_status: str
    grade: str
    score: Decimal | None
    conducted_on: date | None


def public_ranking() -> list[RankingRow]:
    """The published ranking (policy 7.10): best score first; equal scores share a rank."""
    rows: list[RankingRow] = []
    previous_score, rank = object(), 0
    for position, ins in enumerate(published_ranking(), start=1):
        if ins.score != previous_score:
            rank, previous_score = position, ins.score
        agency = ins.agency
        rows.append(
            RankingRow(
                rank=rank, agency_name=agency.name, agency_name_km=agency.name_km,
                licence_number=agency.licence_number if agency.licence_status in PUBLIC_LICENCE_STATES else None,
                licence_status=agency.licence_status, public_status=public_status(agency.licence_status),
                grade=ins.grade, score=ins.score, conducted_on=ins.conducted_on,
            )
        )
    return rows
