"""Which tables each statistics page shows, and where each table's records come from.

A ``Context`` carries the requesting user and the validated filters; every table reads
its records through ``ctx.visible(Model)`` (``visible_to``, the one scoping mechanism),
then narrows to the period and the province. Only the complaints table adds a count over
all cases (see ``hidden_restricted``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migration_portal.core.scoping import MINISTRY_GROUPS, Role, Scope, visible

from . import forms, tables
from .exports import source_line
from .tables import Names, Period, Table


@dataclass
class Context:
    user: Any
    scope: Scope
    today: date
    names: Names
    period: Period | None = None
    province: Any = None
    formal_only: bool = False
    years_down: bool = False
    month: date | None = None

    def visible(self, model):
        return visible(model, self.user)

    @property
    def as_at(self) -> date:
        return self.period.as_at(self.today)

    def describe(self) -> list[str]:
        """The lines the downloads carry above the table: period, province, source, date made."""
        lines = []
        if self.month is not None:
            lines.append(_("Month: %(m)s") % {"m": date_format(self.month, "F Y")})
        elif self.period is not None:
            lines.append(_("Period: %(p)s") % {"p": self.period.label})
        if self.province is not None:
            lines.append(_("Home province: %(p)s") % {"p": self.province.localized_name})
        elif self.month is None:
            lines.append(_("All provinces"))
        lines.append(source_line())
        lines.append(_("Produced on %(d)s from the individual records.") % {"d": date_format(self.today)})
        return lines


def hidden_restricted(ctx: Context):
    """Restricted complaints of the user's unit (the country for ministry staff, the province for
    a provincial officer) that the user does not handle.

    This is the one place the statistics read past ``visible_to``, and only to count: the
    complaints table adds the number of these cases to its total, in one row, and never
    breaks them down (a breakdown could be differenced against the visible one to reveal a
    single case's outcome and sex). No row, name or detail of them reaches the page or a
    download, which is what the scoping rule protects; complaints.statistics counts them the
    same way (``restricted_not_visible``), so the ministry's totals are complete."""
    from complaints.models import Complaint

    unit = Complaint.objects.filter(restricted=True)  # counted only, never listed
    if ctx.scope.role is Role.PROVINCE:
        unit = unit.filter(current_province=ctx.scope.province_id)
    return unit.exclude(pk__in=ctx.visible(Complaint).values("pk"))


# --- The tables --------------------------------------------------------------------------------


def _deployments(ctx):
    from workers.models import Deployment

    return ctx.visible(Deployment)


def _returns(ctx):
    from workers.models import ReturnRecord

    return ctx.visible(ReturnRecord)


def _remittances(ctx):
    from remittances.models import Remittance

    return ctx.visible(Remittance)


def _offers(ctx) -> dict:
    """Corridors, offers and exchange rates: public information, read through ``visible`` all the same."""
    from remittances.models import Corridor, ExchangeRate, Offer

    return {"corridors": ctx.visible(Corridor), "offers": ctx.visible(Offer), "rates": ctx.visible(ExchangeRate)}


def _agencies(ctx):
    from agencies.models import Agency

    return ctx.visible(Agency)


def _comparison(ctx) -> tables.Comparison:
    from agencies.models import MonthlyReport, MonthlyReportLine
    from workers.models import Certificate

    cached = getattr(ctx, "_comparison", None)
    if cached is None:
        cached = tables.compare_reports(
            reports=ctx.visible(MonthlyReport), lines=ctx.visible(MonthlyReportLine), deployments=_deployments(ctx),
            certificates=ctx.visible(Certificate), agencies=_agencies(ctx), month=ctx.month,
        )
        ctx._comparison = cached
    return cached


def _ranking(ctx) -> Table:
    ids = set(_agencies(ctx).values_list("pk", flat=True))
    return tables.inspection_ranking(ids, ctx.province)


def _complaints(ctx) -> Table:
    from complaints.models import Complaint

    return tables.complaints_by_outcome(ctx.visible(Complaint), ctx.period, ctx.province, hidden=hidden_restricted(ctx))


def _licence_changes(ctx) -> Table:
    from agencies.models import LicenceChange

    return tables.licence_decisions(ctx.visible(LicenceChange), ctx.period, ctx.province)


def _stored(ctx) -> Table:
    from workers.models import ReportDifference

    return tables.stored_differences(ctx.visible(ReportDifference), ctx.month, names=ctx.names)


@dataclass(frozen=True)
class TableSpec:
    key: str
    build: Callable[[Context], Table]
    ministry_only: bool = False  # its records have no province scope: a province would see an empty table


@dataclass(frozen=True)
class Page:
    slug: str
    title: Promise
    summary: Promise
    form: type
    tables: tuple[TableSpec, ...]
    roles: tuple[Role, ...] = (Role.MINISTRY, Role.PROVINCE)
    defaults: Callable[[date], dict] = field(default=lambda today: {"year": str(today.year)})

    def table(self, key: str) -> TableSpec | None:
        return next((t for t in self.tables if t.key == key), None)

    def tables_for(self, scope: Scope) -> list[TableSpec]:
        return [t for t in self.tables if scope.role is Role.MINISTRY or not t.ministry_only]


def _last_ten_years(today: date) -> dict:
    return {"date_from": date(today.year - 9, 1, 1).isoformat(), "date_to": date(today.year, 12, 31).isoformat(),
            "channels": forms.ChannelChoice.FORMAL, "layout": "seed"}


def _last_month(today: date) -> dict:
    first = today.replace(day=1)
    previous = date(first.year - 1, 12, 1) if first.month == 1 else date(first.year, first.month - 1, 1)
    return {"month": previous.strftime("%Y-%m")}


def _last_year(today: date) -> dict:
    return {"year": str(today.year - 1)}


PAGES: dict[str, Page] = {p.slug: p for p in (
    Page(
        "deployments", gettext_lazy("Departures"),
        gettext_lazy("Workers who left for work abroad: by year, destination and sex, by sector and by channel."),
        forms.DeploymentForm,
        (
            TableSpec("year-destination-sex", lambda c: tables.deployments_by_year_destination(
                _deployments(c), c.period, c.province, names=c.names, formal_only=c.formal_only)),
            TableSpec("sector-sex", lambda c: tables.deployments_by_sector(
                _deployments(c), c.period, c.province, names=c.names, formal_only=c.formal_only)),
            TableSpec("channel-sex", lambda c: tables.deployments_by_channel(
                _deployments(c), c.period, c.province, formal_only=c.formal_only)),
        ),
    ),
    Page(
        "table-3", gettext_lazy("Table 3: deployment of Cambodian workers in foreign employment"),
        gettext_lazy("The Labour Migration Policy's Table 3, in its shape, computed from the register."),
        forms.Table3Form,
        (TableSpec("table-3", lambda c: tables.table3(
            _deployments(c), c.period, c.province, names=c.names, today=c.today, formal_only=c.formal_only,
            years_down=c.years_down)),),
        defaults=_last_ten_years,
    ),
    Page(
        "abroad", gettext_lazy("Workers abroad"),
        gettext_lazy("Workers out of the country at the end of the period (today for the current one): by destination, "
                     "sector and legal status, by sex."),
        forms.PeriodForm,
        (
            TableSpec("destination-sex", lambda c: tables.stock_by_destination(
                _deployments(c), c.as_at, c.province, names=c.names, today=c.today)),
            TableSpec("sector-sex", lambda c: tables.stock_by_sector(
                _deployments(c), c.as_at, c.province, names=c.names, today=c.today)),
            TableSpec("legal-status-sex", lambda c: tables.stock_by_legal_status(
                _deployments(c), c.as_at, c.province, today=c.today)),
        ),
    ),
    Page(
        "returns", gettext_lazy("Returns"),
        gettext_lazy("Registered returns by reason and sex, by year, and by the province returned to."),
        forms.PeriodForm,
        (
            TableSpec("reason-sex", lambda c: tables.returns_by_reason(_returns(c), c.period, c.province)),
            TableSpec("year", lambda c: tables.returns_by_year(_returns(c), c.period, c.province, today=c.today)),
            TableSpec("province-sex", lambda c: tables.returns_by_province(_returns(c), c.period, c.province, names=c.names)),
        ),
    ),
    Page(
        "complaints", gettext_lazy("Complaints"),
        gettext_lazy("Complaints received in the period by outcome and the worker's sex."),
        forms.PeriodForm,
        (TableSpec("outcome-sex", _complaints),),
    ),
    Page(
        "agencies", gettext_lazy("Recruitment agencies"),
        gettext_lazy("Agencies by licence state, licence decisions in the period, and the published inspection ranking."),
        forms.PeriodForm,
        (
            TableSpec("licence", lambda c: tables.agencies_by_licence(_agencies(c), c.province)),
            TableSpec("licence-changes", _licence_changes, ministry_only=True),
            TableSpec("ranking", _ranking),
        ),
    ),
    Page(
        "remittances", gettext_lazy("Remittances"),
        gettext_lazy("What sending USD 200 home costs per corridor against the 3% target, and the money workers sent."),
        forms.PeriodForm,
        (
            TableSpec("costs", lambda c: tables.remittance_costs(c.as_at, **_offers(c))),
            TableSpec("indicator", lambda c: tables.indicator_history(c.period, c.today, **_offers(c))),
            TableSpec("sent-corridor", lambda c: tables.remittances_by_corridor(
                _remittances(c), c.period, c.province, names=c.names)),
            TableSpec("sent-province", lambda c: tables.remittances_by_province(
                _remittances(c), c.period, c.province, names=c.names)),
        ),
    ),
    Page(
        "reports", gettext_lazy("Agencies' reports against the register"),
        gettext_lazy("For a month, each agency's reported figures beside the register's, with the differences."),
        forms.MonthForm,
        (
            TableSpec("agencies", lambda c: tables.report_totals(_comparison(c)), ministry_only=True),
            TableSpec("lines", lambda c: tables.report_lines(_comparison(c), names=c.names), ministry_only=True),
            TableSpec("stored", _stored, ministry_only=True),
        ),
        roles=(Role.MINISTRY,),
        defaults=_last_month,
    ),
    Page(
        "ilo", gettext_lazy("International export (ILO)"),
        gettext_lazy("A year's workbook in the shape of the ILO International Labour Migration Statistics tables."),
        forms.YearForm,
        (
            TableSpec("ilo-1", lambda c: tables.ilo_outflows_by_destination(
                _deployments(c), c.period.start.year, c.province, names=c.names, formal_only=c.formal_only)),
            TableSpec("ilo-2", lambda c: tables.ilo_outflows_by_occupation(
                _deployments(c), c.period.start.year, c.province, names=c.names, formal_only=c.formal_only)),
            TableSpec("ilo-3", lambda c: tables.ilo_stock_by_destination(
                _deployments(c), c.period.start.year, c.province, names=c.names, today=c.today)),
            TableSpec("ilo-4", lambda c: tables.ilo_returns_by_country(
                _returns(c), c.period.start.year, c.province, names=c.names)),
        ),
        defaults=_last_year,
    ),
)}

ILO_SHEETS = {
    "ilo-1": gettext_lazy("1 Outflows by destination"),
    "ilo-2": gettext_lazy("2 Outflows by occupation"),
    "ilo-3": gettext_lazy("3 Stock abroad"),
    "ilo-4": gettext_lazy("4 Returns"),
}


def may_open(scope: Scope, page: Page | None = None) -> bool:
    """Ministry staff in a ministry group, and provincial officers; never an agency."""
    allowed = scope.in_group(*MINISTRY_GROUPS) if scope.role is Role.MINISTRY else scope.role is Role.PROVINCE
    return allowed and (page is None or scope.role in page.roles)
