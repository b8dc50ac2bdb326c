"""The aggregate queries behind every statistics table.

Each public function takes a base queryset the caller has already scoped with
``visible(model, user)`` (``visible_to``), a ``Period`` and optionally a province (the
worker's home province), and returns a ``Table``: labelled rows of figures. The same
object is rendered in the page, drawn as the chart and written by the CSV and XLSX
downloads, so a download is exactly the table shown.

Figures come from the individual records, never from typed totals: departures are
deployments with ``departed_on`` in the period (cancelled ones excluded), the stock is the
deployments out of the country on a date, returns are ``ReturnRecord`` rows, complaints
``Complaint`` rows, remittances ``Remittance`` rows. Agencies' monthly reports are a
separate source and appear only in the report-versus-register tables, beside the
register's own figures.

Each table is one grouped query over the records (the report comparison takes a few), with
the grouping on ids; names of countries, sectors and provinces come from ``Names``, one
query per reference table per request, so the group-by stays as cheap as the raw SQL one.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, ExtractYear, Lower, Trim
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from migration_portal.reference.choices import Sex

BLUE = "#032ea1"  # the same colours as complaints.charts: men blue, women red
RED = "#c8102e"
GREEN = "#2e7d32"
AMBER = "#b26a00"
GREY = "#8a94a6"

SEXES = (Sex.MALE.value, Sex.FEMALE.value)

# Table 3's destinations, in the seed's order (Labour Migration Policy 2015-2018, Table 3);
# any other destination with departures in the period follows, largest first.
TABLE3_ORDER = ("TH", "MY", "KR", "JP", "SG")

Number = int | Decimal | None


# --- Periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A span of days, both ends included: a calendar year, several, or any from/to range."""

    start: date
    end: date

    @classmethod
    def for_year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def for_years(cls, first: int, last: int) -> Period:
        return cls(date(first, 1, 1), date(last, 12, 31))

    @property
    def years(self) -> list[int]:
        return list(range(self.start.year, self.end.year + 1))

    @property
    def is_whole_years(self) -> bool:
        return (self.start.month, self.start.day) == (1, 1) and (self.end.month, self.end.day) == (12, 31)

    @property
    def year(self) -> int | None:
        """The year, when the period is exactly one calendar year."""
        return self.start.year if self.is_whole_years and self.start.year == self.end.year else None

    def as_at(self, today: date) -> date:
        """The day a stock is counted on: the period's last day, or today if that is later."""
        return min(self.end, today)

    def months(self) -> tuple[date, date]:
        """The first and last month (first days) the period touches, for monthly records."""
        return self.start.replace(day=1), self.end.replace(day=1)

    @property
    def label(self) -> str:
        if self.is_whole_years:
            return str(self.start.year) if self.start.year == self.end.year else f"{self.start.year}–{self.end.year}"
        return _("%(start)s to %(end)s") % {"start": date_format(self.start), "end": date_format(self.end)}

    def year_label(self, year: int, today: date) -> str:
        """A year as a column heading; a year cut short says where, as the seed's '2014 (18 Nov)'."""
        last = self.as_at(today)
        first = self.start
        parts = []
        if year == first.year and (first.month, first.day) != (1, 1):
            parts.append(_("from %(day)s") % {"day": date_format(first, "j M")})
        if year == last.year and (last.month, last.day) != (12, 31):
            parts.append(date_format(last, "j M"))
        return f"{year} ({', '.join(parts)})" if parts else str(year)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


# --- What a table is -------------------------------------------------------------------------


@dataclass
class Row:
    labels: list[str]
    values: list[Number]
    kind: str = "data"  # "data", "subtotal" or "total" (drawn bold; never charted)
    marks: list[bool] = field(default_factory=list)  # per value: highlighted (a difference)
    indent: bool = False  # a breakdown of the row above (Table 3's Male / Female rows)

    def __post_init__(self):
        self.labels = [str(label) for label in self.labels]  # choice labels are lazy: make them text once

    def marked(self, i: int) -> bool:
        return bool(self.marks) and self.marks[i]


@dataclass
class Chart:
    """What to draw, as data: the views turn it into SVG (complaints.charts)."""

    title: str
    series: list[tuple[str, str]]  # (name, colour)
    items: list[tuple[str, list[Number]]]  # (label, one value per series)
    kind: str = "bar"  # "bar": a row per item; "column": a column group per item (years, quarters)
    note: str = ""


@dataclass
class Table:
    key: str
    title: str
    label_headers: list[str]
    value_headers: list[str]
    rows: list[Row]
    groups: list[tuple[str, int]] = field(default_factory=list)  # header band over the value columns
    notes: list[str] = field(default_factory=list)
    chart: Chart | None = None
    subtitle: str = ""

    def __post_init__(self):
        self.label_headers = [str(h) for h in self.label_headers]
        self.value_headers = [str(h) for h in self.value_headers]
        self.groups = [(str(label), span) for label, span in self.groups]

    def header_rows(self) -> list[list[str]]:
        """The heading rows as the downloads write them (a band of groups, then the columns)."""
        out = []
        if self.groups:
            band = [""] * len(self.label_headers)
            for label, span in self.groups:
                band += [label] + [""] * (span - 1)
            out.append(band)
        out.append([*self.label_headers, *self.value_headers])
        return out

    def body(self) -> list[list[Any]]:
        return [[*r.labels, *r.values] for r in self.rows]

    def column(self, header: str) -> int:
        return self.value_headers.index(header)

    def find(self, *labels: str) -> Row:
        """The row whose first labels are these (tests and callers use it)."""
        for r in self.rows:
            if r.labels[: len(labels)] == list(labels):
                return r
        raise KeyError(labels)


class Names:
    """Localised names of reference rows, one query per reference table per request.

    ``source`` maps a model to the queryset to read it from; the views pass
    ``visible(Model, user)`` (reference data: every signed-in user reads all of it)."""

    def __init__(self, source):
        self._source = source
        self._cache: dict[type, dict[int, Any]] = {}

    def _rows(self, model) -> dict[int, Any]:
        if model not in self._cache:
            self._cache[model] = {o.pk: o for o in self._source(model)}
        return self._cache[model]

    def all(self, model) -> list:
        return list(self._rows(model).values())

    def obj(self, model, pk):
        return self._rows(model).get(pk)

    def name(self, model, pk) -> str:
        if pk is None:
            return _("Not recorded")
        o = self.obj(model, pk)
        return o.localized_name if o is not None else str(pk)

    def code(self, model, pk) -> str:
        o = self.obj(model, pk)
        return o.code if o is not None else ""

    def by_code(self, model, code: str) -> int | None:
        return next((pk for pk, o in self._rows(model).items() if o.code == code), None)


# --- Helpers ---------------------------------------------------------------------------------


def sex_headers() -> list[str]:
    return [_("Total"), Sex.MALE.label, Sex.FEMALE.label]


def _split(counter: Counter) -> list[int]:
    male, female = counter.get(Sex.MALE.value, 0), counter.get(Sex.FEMALE.value, 0)
    return [male + female, male, female]


def _grouped(rows: Iterable[dict], key, sex: str = "worker__sex", n: str = "n") -> dict[Any, Counter]:
    """{key: Counter(sex -> n)} from grouped rows."""
    out: dict[Any, Counter] = defaultdict(Counter)
    for r in rows:
        out[key(r)][r[sex]] += r[n]
    return out


def _sex_rows(counts: dict[Any, Counter], label, order=None, total_label: str | None = None) -> list[Row]:
    """One row per key (Total / Male / Female), largest first unless an order is given, and a
    total row. ``label(key)`` gives the row's label, or its labels as a list."""

    def labels(k) -> list[str]:
        out = label(k)
        return list(out) if isinstance(out, list | tuple) else [out]

    keys = list(order) if order is not None else sorted(counts, key=lambda k: (-sum(counts[k].values()), labels(k)))
    rows = [Row(labels(k), _split(counts.get(k, Counter()))) for k in keys]
    total = Counter()
    for c in counts.values():
        total.update(c)
    width = len(rows[0].labels) if rows else 1
    rows.append(Row([total_label or _("Total")] + [""] * (width - 1), _split(total), kind="total"))
    return rows


def _by_sex(qs, *fields, sex: str = "worker__sex"):
    """The grouped count: one row per value of ``fields`` and sex."""
    return qs.values(*fields, sex).annotate(n=Count("*")).order_by()


def _sex_chart(title: str, rows: list[Row], note: str = "") -> Chart:
    return Chart(
        title=title,
        series=[(Sex.FEMALE.label, RED), (Sex.MALE.label, BLUE)],
        items=[(" · ".join(r.labels), [r.values[2], r.values[1]]) for r in rows if r.kind == "data"],
        note=note,
    )


def _province_note(province) -> list[str]:
    if province is None:
        return []
    return [_("Workers whose home province is %(p)s.") % {"p": province.localized_name}]


# --- Departures (deployments) ----------------------------------------------------------------


def year_of(field_name: str):
    """The year of a date as an integer. PostgreSQL's EXTRACT returns numeric: grouped by it, the
    planner sorts every row (numeric keys are wide); cast to integer it hashes them, about a
    third faster on the two million deployments (see benchmark_stats)."""
    return Cast(ExtractYear(field_name), IntegerField())


def departures(qs, period: Period, province=None, *, formal_only: bool = False):
    """Deployments that left in the period (cancelled ones never left)."""
    from workers.choices import Channel

    qs = qs.counted().filter(departed_on__gte=period.start, departed_on__lte=period.end)
    if province is not None:
        qs = qs.filter(worker__home_province=province)
    if formal_only:
        qs = qs.filter(channel__in=(Channel.AGENCY, Channel.G2G))
    return qs


def departures_year_destination_sex_query(qs, period: Period, province=None, *, formal_only: bool = False):
    """The one grouped query behind the year x destination x sex tables (and Table 3)."""
    return (
        departures(qs, period, province, formal_only=formal_only)
        .annotate(year=year_of("departed_on"))
        .values("year", "country_id", "worker__sex")
        .annotate(n=Count("*"))
        .order_by()
    )


def deployments_by_year_destination(qs, period: Period, province=None, *, names, formal_only: bool = False) -> Table:
    from migration_portal.reference.models import Country

    counts = _grouped(departures_year_destination_sex_query(qs, period, province, formal_only=formal_only),
                      key=lambda r: (r["year"], r["country_id"]))
    rows: list[Row] = []
    grand = Counter()
    for year in period.years:
        in_year = {c: v for (y, c), v in counts.items() if y == year}
        for c in sorted(in_year, key=lambda c: (-sum(in_year[c].values()), names.name(Country, c))):
            rows.append(Row([str(year), names.name(Country, c)], _split(in_year[c])))
        year_total = Counter()
        for v in in_year.values():
            year_total.update(v)
        grand.update(year_total)
        rows.append(Row([str(year), _("All destinations")], _split(year_total), kind="subtotal"))
    if len(period.years) > 1:
        rows.append(Row([_("All years"), _("All destinations")], _split(grand), kind="total"))
    by_destination: dict[int, Counter] = defaultdict(Counter)
    for (_y, c), v in counts.items():
        by_destination[c].update(v)
    chart_rows = [Row([names.name(Country, c)], _split(v)) for c, v in
                  sorted(by_destination.items(), key=lambda kv: -sum(kv[1].values()))]
    return Table(
        key="year-destination-sex",
        title=_("Departures by year, destination and sex"),
        label_headers=[_("Year"), _("Destination")],
        value_headers=sex_headers(),
        rows=rows,
        notes=[_("Deployments whose departure date falls in the period; cancelled deployments are not counted.")]
        + ([_("Regular channels only (licensed agencies and government-to-government).")] if formal_only else [])
        + _province_note(province),
        chart=_sex_chart(_("Departures by destination and sex, %(period)s") % {"period": period.label}, chart_rows),
    )


def deployments_by_sector(qs, period: Period, province=None, *, names, formal_only: bool = False) -> Table:
    from migration_portal.reference.models import Sector

    query = _by_sex(departures(qs, period, province, formal_only=formal_only), "sector_id")
    counts = _grouped(query, key=lambda r: r["sector_id"])
    rows = _sex_rows(counts, label=lambda s: names.name(Sector, s))
    return Table(
        key="sector-sex", title=_("Departures by sector and sex"), label_headers=[_("Sector")],
        value_headers=sex_headers(), rows=rows, notes=_province_note(province),
        chart=_sex_chart(_("Departures by sector and sex"), rows),
    )


def deployments_by_channel(qs, period: Period, province=None, *, formal_only: bool = False) -> Table:
    from workers.choices import Channel

    query = _by_sex(departures(qs, period, province, formal_only=formal_only), "channel")
    counts = _grouped(query, key=lambda r: r["channel"])
    channels = [c for c in Channel.values if not formal_only or c != Channel.IRREGULAR]
    rows = _sex_rows(counts, label=lambda c: Channel(c).label, order=channels)
    return Table(
        key="channel-sex", title=_("Departures by channel and sex"), label_headers=[_("Channel")],
        value_headers=sex_headers(), rows=rows,
        notes=[_("Irregular migrations are those recorded in the register without an agency or a government scheme."),
               *_province_note(province)],
        chart=_sex_chart(_("Departures by channel and sex"), rows),
    )


def table3(qs, period: Period, province=None, *, names, today: date, formal_only: bool = True, years_down: bool = False) -> Table:
    """The seed's Table 3 ("Deployment of Cambodian workers in foreign employment 2005-2014"),
    from the records, in the seed's shape: the years across; down the side Total / Male /
    Female for all destinations, then each destination's total, men and women, Thailand,
    Malaysia, Korea, Japan and Singapore first as in the seed. ``years_down`` turns it a
    quarter (a row per year, a Total / Male / Female group of columns per destination)."""
    from migration_portal.reference.models import Country

    counts = _grouped(departures_year_destination_sex_query(qs, period, province, formal_only=formal_only),
                      key=lambda r: (r["year"], r["country_id"]))
    years = period.years
    by_country: dict[int, Counter] = defaultdict(Counter)
    for (_y, c), v in counts.items():
        by_country[c].update(v)
    seeded = [c for c in (names.by_code(Country, code) for code in TABLE3_ORDER) if c is not None]
    others = sorted((c for c in by_country if c not in seeded),
                    key=lambda c: (-sum(by_country[c].values()), names.name(Country, c)))
    destinations = seeded + others

    def cell(year: int, country: int | None) -> list[int]:
        if country is None:
            total = Counter()
            for (y, _c), v in counts.items():
                if y == year:
                    total.update(v)
            return _split(total)
        return _split(counts.get((year, country), Counter()))

    year_labels = [period.year_label(y, today) for y in years]
    blocks = [(None, _("Total"))] + [(c, names.name(Country, c)) for c in destinations]
    title = _("Deployment of Cambodian workers in foreign employment %(period)s") % {
        "period": f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])}
    if period.as_at(today) != period.end or not period.is_whole_years:
        title += f" ({date_format(period.as_at(today))})"
    notes = [
        _("From the register: deployments whose departure date falls in the year; cancelled deployments are not counted."),
        _("Where the published table (Labour Migration Policy 2015-2018) says n/a, the option to go to that country "
          "not being open, the register shows 0: it records departures, not which destinations were open."),
    ]
    if formal_only:
        notes.insert(1, _("As in the published table, regular channels only (licensed agencies and government-to-government); "
                          "irregular migrations recorded in the register are left out."))
    notes += _province_note(province)
    chart = Chart(
        title=_("Departures per year by sex"), kind="column",
        series=[(Sex.FEMALE.label, RED), (Sex.MALE.label, BLUE)],
        items=[(label, [cell(y, None)[2], cell(y, None)[1]]) for y, label in zip(years, year_labels, strict=True)],
    )
    if years_down:
        rows = [Row([label], [v for c, _n in blocks for v in cell(y, c)]) for y, label in zip(years, year_labels, strict=True)]
        return Table(
            key="table-3", title=title, label_headers=[_("Year")], value_headers=sex_headers() * len(blocks), rows=rows,
            groups=[(name, 3) for _c, name in blocks], notes=notes, chart=chart,
        )
    rows = []
    for c, name in blocks:
        figures = [cell(y, c) for y in years]
        rows.append(Row([name], [f[0] for f in figures], kind="total" if c is None else "subtotal"))
        rows.append(Row([Sex.MALE.label], [f[1] for f in figures], indent=True))
        rows.append(Row([Sex.FEMALE.label], [f[2] for f in figures], indent=True))
    return Table(key="table-3", title=title, label_headers=[_("Year")], value_headers=year_labels, rows=rows, notes=notes,
                 chart=chart)


# --- Workers abroad (stock) ------------------------------------------------------------------


def abroad(qs, as_at: date, province=None, *, today: date):
    """Deployments out of the country on ``as_at``: left on or before it and not back by it.

    Today, that is exactly the deployments whose status is departed or abroad; an irregular
    migration recorded as abroad without a departure date counts only in today's stock
    (the register cannot place it in the past)."""
    from workers.choices import OUT_OF_COUNTRY

    out = Q(departed_on__lte=as_at) & (Q(returned_on__isnull=True) | Q(returned_on__gt=as_at))
    if as_at >= today:
        out |= Q(departed_on__isnull=True, status__in=OUT_OF_COUNTRY)
    qs = qs.counted().filter(out)
    if province is not None:
        qs = qs.filter(worker__home_province=province)
    return qs


def _as_at_note(as_at: date) -> str:
    return _("Workers abroad on %(day)s: departed on or before that day and not returned by it.") % {"day": date_format(as_at)}


def stock_by_destination(qs, as_at: date, province=None, *, names, today: date) -> Table:
    from migration_portal.reference.models import Country

    query = abroad(qs, as_at, province, today=today).values("country_id", "worker__sex").annotate(n=Count("*")).order_by()
    rows = _sex_rows(_grouped(query, key=lambda r: r["country_id"]), label=lambda c: names.name(Country, c))
    return Table(
        key="destination-sex", title=_("Workers abroad by destination and sex"), subtitle=date_format(as_at),
        label_headers=[_("Destination")], value_headers=sex_headers(), rows=rows,
        notes=[_as_at_note(as_at), *_province_note(province)], chart=_sex_chart(_("Workers abroad by destination and sex"), rows),
    )


def stock_by_sector(qs, as_at: date, province=None, *, names, today: date) -> Table:
    from migration_portal.reference.models import Sector

    query = abroad(qs, as_at, province, today=today).values("sector_id", "worker__sex").annotate(n=Count("*")).order_by()
    rows = _sex_rows(_grouped(query, key=lambda r: r["sector_id"]), label=lambda s: names.name(Sector, s))
    return Table(
        key="sector-sex", title=_("Workers abroad by sector and sex"), subtitle=date_format(as_at),
        label_headers=[_("Sector")], value_headers=sex_headers(), rows=rows,
        notes=[_as_at_note(as_at), *_province_note(province)], chart=_sex_chart(_("Workers abroad by sector and sex"), rows),
    )


def stock_legal_status_query(qs, as_at: date, province=None, *, today: date):
    from workers.models import LegalStatusRecord

    # The latest entry of each deployment's legal-status history on that day. The subquery is
    # correlated to the outer rows, which are already scoped: it reads nothing else.
    latest = (
        LegalStatusRecord.objects.filter(deployment=OuterRef("pk"), since__lte=as_at)
        .order_by("-since", "-id").values("status")[:1]
    )
    return (
        abroad(qs, as_at, province, today=today).annotate(legal=Subquery(latest))
        .values("legal", "worker__sex").annotate(n=Count("*")).order_by()
    )


def stock_by_legal_status(qs, as_at: date, province=None, *, today: date) -> Table:
    from workers.choices import LegalStatus

    counts = _grouped(stock_legal_status_query(qs, as_at, province, today=today), key=lambda r: r["legal"])
    order = [*LegalStatus.values, None]
    rows = _sex_rows(counts, label=lambda s: LegalStatus(s).label if s else _("Not recorded"), order=order)
    return Table(
        key="legal-status-sex", title=_("Workers abroad by legal status and sex"), subtitle=date_format(as_at),
        label_headers=[_("Legal status")], value_headers=sex_headers(), rows=rows,
        notes=[_as_at_note(as_at), _("The legal status is the latest entry of each deployment's history on that day."),
               *_province_note(province)],
        chart=_sex_chart(_("Workers abroad by legal status and sex"), rows),
    )


# --- Returns -----------------------------------------------------------------------------------


def returns(qs, period: Period, province=None):
    qs = qs.filter(returned_on__gte=period.start, returned_on__lte=period.end)
    if province is not None:
        qs = qs.filter(worker__home_province=province)
    return qs


def returns_by_reason(qs, period: Period, province=None) -> Table:
    from workers.choices import ReturnReason

    query = returns(qs, period, province).values("reason", "worker__sex").annotate(n=Count("*")).order_by()
    rows = _sex_rows(_grouped(query, key=lambda r: r["reason"]), label=lambda r: ReturnReason(r).label, order=ReturnReason.values)
    return Table(
        key="reason-sex", title=_("Returns by reason and sex"), label_headers=[_("Reason")], value_headers=sex_headers(),
        rows=rows, notes=[_("Registered returns dated in the period."), *_province_note(province)],
        chart=_sex_chart(_("Returns by reason and sex"), rows),
    )


def returns_by_year(qs, period: Period, province=None, *, today: date) -> Table:
    from workers.choices import ReturnReason

    query = (
        returns(qs, period, province).annotate(year=year_of("returned_on"))
        .values("year", "reason", "worker__sex").annotate(n=Count("*")).order_by()
    )
    sexes: dict[int, Counter] = defaultdict(Counter)
    reasons: dict[int, Counter] = defaultdict(Counter)
    for r in query:
        sexes[r["year"]][r["worker__sex"]] += r["n"]
        reasons[r["year"]][r["reason"]] += r["n"]
    rows = [Row([period.year_label(y, today)], _split(sexes[y]) + [reasons[y].get(k, 0) for k in ReturnReason.values])
            for y in period.years]
    total_sex, total_reason = Counter(), Counter()
    for y in period.years:
        total_sex.update(sexes[y])
        total_reason.update(reasons[y])
    rows.append(Row([_("Total")], _split(total_sex) + [total_reason.get(k, 0) for k in ReturnReason.values], kind="total"))
    return Table(
        key="year", title=_("Returns by year, sex and reason"), label_headers=[_("Year")],
        value_headers=sex_headers() + [str(ReturnReason(k).label) for k in ReturnReason.values],
        groups=[(_("By sex"), 3), (_("By reason"), len(ReturnReason.values))], rows=rows,
        notes=[_("Registered returns dated in the period."), *_province_note(province)],
        chart=Chart(title=_("Returns per year by sex"), kind="column", series=[(Sex.FEMALE.label, RED), (Sex.MALE.label, BLUE)],
                    items=[(r.labels[0], [r.values[2], r.values[1]]) for r in rows if r.kind == "data"]),
    )


def returns_by_province(qs, period: Period, province=None, *, names) -> Table:
    from migration_portal.reference.models import Province

    query = returns(qs, period, province).values("province_id", "worker__sex").annotate(n=Count("*")).order_by()
    rows = _sex_rows(_grouped(query, key=lambda r: r["province_id"]), label=lambda p: names.name(Province, p))
    return Table(
        key="province-sex", title=_("Returns by province returned to and sex"), label_headers=[_("Returning to province")],
        value_headers=sex_headers(), rows=rows, notes=[_("Registered returns dated in the period."), *_province_note(province)],
        chart=_sex_chart(_("Returns by province returned to and sex"), rows),
    )


# --- Complaints --------------------------------------------------------------------------------


def complaints_by_outcome(qs, period: Period, province=None, *, hidden=None) -> Table:
    """Complaints received in the period by outcome and the worker's sex.

    ``qs`` holds the cases the user may see (``visible``); they are broken down. ``hidden``,
    when given, holds the restricted cases of the user's unit the user does not handle: they
    are counted in one total row and never broken down, because a breakdown could be
    differenced against the visible one to reveal a single restricted case's outcome and sex.
    The outcome is the one of complaints.statistics (a closed case keeps the outcome it had)."""
    from complaints import statistics

    def cohort(q):
        q = q.filter(received_on__gte=period.start, received_on__lte=period.end)
        return q.filter(worker__home_province=province) if province is not None else q

    query = _by_sex(cohort(qs).annotate(outcome=statistics.outcome_expression()), "outcome")
    counts = _grouped(query, key=lambda r: r["outcome"])
    rows = _sex_rows(counts, label=lambda o: statistics.Outcome(o).label, order=statistics.Outcome.values,
                     total_label=_("Total broken down"))
    notes = [_("Complaints received in the period, and where they stand today."), *_province_note(province)]
    if hidden is not None:
        n = cohort(hidden).count()
        grand = rows[-1].values[0] + n
        rows.append(Row([_("Restricted cases, not broken down")], [n, None, None], kind="subtotal"))
        rows.append(Row([_("All complaints received")], [grand, None, None], kind="total"))
        notes.append(_("Cases restricted to their handlers (signs of trafficking or forced labour) count in the total "
                       "and in no breakdown."))
    return Table(
        key="outcome-sex", title=_("Complaints by outcome and sex"), label_headers=[_("Outcome")], value_headers=sex_headers(),
        rows=rows, notes=notes, chart=_sex_chart(_("Complaints by outcome and sex"), rows),
    )


# --- Agencies ----------------------------------------------------------------------------------


def agencies_by_licence(qs, province=None) -> Table:
    from agencies.choices import LicenceStatus

    if province is not None:
        qs = qs.filter(province=province)
    counts = dict(qs.values("licence_status").annotate(n=Count("*")).order_by().values_list("licence_status", "n"))
    rows = [Row([LicenceStatus(s).label], [counts.get(s, 0)]) for s in LicenceStatus.values]
    rows.append(Row([_("Total")], [sum(counts.values())], kind="total"))
    return Table(
        key="licence", title=_("Agencies by licence state"), label_headers=[_("Licence state")], value_headers=[_("Agencies")],
        rows=rows,
        notes=[_("The state of each agency's licence in the register today.")]
        + ([_("Agencies whose head office is in %(p)s.") % {"p": province.localized_name}] if province is not None else []),
        chart=Chart(title=_("Agencies by licence state"), series=[(_("Agencies"), BLUE)],
                    items=[(r.labels[0], r.values) for r in rows if r.kind == "data"]),
    )


def licence_decisions(qs, period: Period, province=None) -> Table:
    """Licence changes that took effect in the period, by the state they led to."""
    from agencies.choices import LicenceStatus

    qs = qs.filter(effective_date__gte=period.start, effective_date__lte=period.end)
    if province is not None:
        qs = qs.filter(agency__province=province)
    counts = dict(qs.values("to_status").annotate(n=Count("*")).order_by().values_list("to_status", "n"))
    rows = [Row([LicenceStatus(s).label], [counts.get(s, 0)]) for s in LicenceStatus.values if s != LicenceStatus.APPLIED]
    rows.append(Row([_("Total")], [sum(counts.values())], kind="total"))
    return Table(
        key="licence-changes", title=_("Licence decisions in the period"), label_headers=[_("New licence state")],
        value_headers=[_("Decisions")], rows=rows, notes=[_("Licence changes recorded with an effective date in the period.")],
        chart=Chart(title=_("Licence decisions in the period"), series=[(_("Decisions"), BLUE)],
                    items=[(r.labels[0], r.values) for r in rows if r.kind == "data"]),
    )


def inspection_ranking(visible_agency_ids: set[int], province=None) -> Table:
    """The published ranking (agencies.risk.published_ranking: each agency's latest approved
    inspection, best score first; equal scores share a rank), for the agencies in scope."""
    from agencies.risk import published_ranking

    rows, previous, rank = [], object(), 0
    for position, ins in enumerate(
        (i for i in published_ranking() if i.agency_id in visible_agency_ids
         and (province is None or i.agency.province_id == province.pk)), start=1,
    ):
        if ins.score != previous:
            rank, previous = position, ins.score
        rows.append(Row([str(rank), ins.agency.name, ins.agency.licence_number or "—", ins.grade,
                         date_format(ins.conducted_on) if ins.conducted_on else "—"], [ins.score]))
    return Table(
        key="ranking", title=_("Published inspection ranking"),
        label_headers=[_("Rank"), _("Agency"), _("Licence number"), _("Grade"), _("Inspected on")],
        value_headers=[_("Score (%)")], rows=rows,
        notes=[_("Each agency's latest approved inspection, as published (policy 7.10); the ranking of today.")],
        chart=Chart(title=_("Inspection scores"), series=[(_("Score (%)"), GREEN)],
                    items=[(r.labels[1], r.values) for r in rows[:15]]),
    )


# --- Remittances -------------------------------------------------------------------------------


@dataclass
class CorridorCost:
    corridor: Any
    offers: int
    average: Decimal | None
    cheapest: Decimal | None


def corridor_costs_on(points: list[date], *, corridors, offers, rates) -> dict[date, list[CorridorCost]]:
    """``remittances.services.corridor_costs(on)`` for many days at once, in three queries:
    the scoped offers and rates up to the last day are read once, and each day's figures come
    from the remittance services' own bulk functions (``latest_as_of``, ``costs_from``)."""
    from remittances import services

    if not points:
        return {}
    last = max(points)
    corridors = list(corridors.select_related("country"))
    offers = list(offers.filter(observed_on__lte=last, provider__active=True).select_related("provider", "corridor__country"))
    book = services.RateBook(rates.filter(on__lte=last).values_list("currency", "on", "per_usd"))
    return {on: services.costs_from(corridors, services.latest_as_of(offers, on), book, on) for on in points}


def national_indicator(costs: list[CorridorCost]) -> Decimal | None:
    """``remittances.services.national_indicator``: the average over corridors of the corridor averages."""
    from remittances import services

    return services.indicator_from(costs)


def remittance_costs(on: date, *, corridors, offers, rates) -> Table:
    """Per corridor, the average and the cheapest total cost of sending USD 200, and the
    national indicator against the 3% target (SDG 10.c)."""
    from remittances import services

    costs = corridor_costs_on([on], corridors=corridors, offers=offers, rates=rates)[on]
    indicator = national_indicator(costs)
    target = services.SDG_TARGET_PERCENT
    rows = [Row([str(c.corridor.country.localized_name)], [c.offers, c.average, c.cheapest],
                marks=[False, c.average is not None and c.average > target, False])
            for c in sorted(costs, key=lambda c: c.corridor.country.localized_name)]
    rows.append(Row([_("National indicator (average of corridors)")], [None, indicator, None], kind="total",
                    marks=[False, indicator is not None and indicator > target, False]))
    return Table(
        key="costs", title=_("Cost of sending USD 200 home, per corridor"), subtitle=date_format(on),
        label_headers=[_("Corridor")], value_headers=[_("Offers"), _("Average cost (%)"), _("Cheapest (%)")], rows=rows,
        notes=[_("Fee and exchange-rate margin as a share of USD 200, over each provider's latest offer (SDG 10.c); "
                 "the target is under %(t)s%%. Averages above the target are highlighted.") % {"t": target}],
        chart=Chart(title=_("Average and cheapest cost of sending USD 200 (%)"),
                    series=[(_("Average"), BLUE), (_("Cheapest"), GREEN)],
                    items=[(r.labels[0], [r.values[1], r.values[2]]) for r in rows if r.kind == "data" and r.values[0]],
                    note=_("The target is under %(t)s%%.") % {"t": target}),
    )


def quarter_ends(period: Period, today: date, limit: int = 24) -> list[date]:
    """The last day of each quarter the period covers (today for the current one), at most ``limit``, the latest kept."""
    points, d = [], date(period.start.year, 3 * ((period.start.month - 1) // 3) + 1, 1)
    last = period.as_at(today)
    while d <= last:
        end = month_end(date(d.year, d.month + 2, 1))
        points.append(min(end, last))
        d = end + timedelta(days=1)
    return points[-limit:]


def indicator_history(period: Period, today: date, *, corridors, offers, rates) -> Table:
    from remittances import services

    target = services.SDG_TARGET_PERCENT
    points = quarter_ends(period, today)
    by_day = corridor_costs_on(points, corridors=corridors, offers=offers, rates=rates)
    rows = []
    for d in points:
        value = national_indicator(by_day[d])
        quarter = _("%(year)d Q%(quarter)d") % {"year": d.year, "quarter": (d.month - 1) // 3 + 1}
        rows.append(Row([quarter, date_format(d)], [value, target],
                        marks=[value is not None and value > target, False]))
    return Table(
        key="indicator", title=_("National remittance cost indicator, quarter by quarter"), label_headers=[_("Quarter"), _("On")],
        value_headers=[_("Indicator (%)"), _("Target (%)")], rows=rows,
        notes=[_("The average over corridors of the corridor averages, at the end of each quarter (today for the current one).")],
        chart=Chart(title=_("National indicator (%%) against the %(t)s%% target") % {"t": target}, kind="column",
                    series=[(_("Indicator"), BLUE), (_("Target"), GREY)], items=[(r.labels[0], r.values) for r in rows]),
    )


def remittances(qs, period: Period, province=None):
    first, last = period.months()
    qs = qs.filter(month__gte=first, month__lte=last)
    if province is not None:
        qs = qs.filter(deployment__worker__home_province=province)
    return qs


def _money_rows(query, key, label, order=None) -> list[Row]:
    amounts: dict[Any, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for r in query:
        amounts[key(r)][r["deployment__worker__sex"]] += r["usd"] or Decimal("0")
        amounts[key(r)]["n"] += r["n"]
    def size(k):
        return -sum(v for s, v in amounts[k].items() if s != "n")

    keys = list(order) if order is not None else sorted(amounts, key=lambda k: (size(k), label(k)))

    def values(a) -> list[Number]:
        m, f = a.get(Sex.MALE.value, Decimal("0")), a.get(Sex.FEMALE.value, Decimal("0"))
        return [int(a.get("n", 0)), m + f, m, f]

    rows = [Row([label(k)], values(amounts.get(k, {}))) for k in keys]
    total: dict[str, Decimal] = defaultdict(Decimal)
    for a in amounts.values():
        for s, v in a.items():
            total[s] += v
    rows.append(Row([_("Total")], values(total), kind="total"))
    return rows


def _money_headers() -> list[str]:
    return [_("Transfers"), _("Total (USD)"), _("Sent by men (USD)"), _("Sent by women (USD)")]


def _money_chart(title: str, rows: list[Row]) -> Chart:
    return Chart(title=title, series=[(Sex.FEMALE.label, RED), (Sex.MALE.label, BLUE)],
                 items=[(r.labels[0], [r.values[3], r.values[2]]) for r in rows if r.kind == "data"])


def remittances_by_corridor(qs, period: Period, province=None, *, names) -> Table:
    from migration_portal.reference.models import Country

    query = (remittances(qs, period, province).values("deployment__country_id", "deployment__worker__sex")
             .annotate(usd=Sum("amount_usd"), n=Count("*")).order_by())
    rows = _money_rows(query, key=lambda r: r["deployment__country_id"], label=lambda c: names.name(Country, c))
    return Table(
        key="sent-corridor", title=_("Remittances sent by corridor and sex (USD)"), label_headers=[_("Sent from")],
        value_headers=_money_headers(), rows=rows,
        notes=[_("Remittances recorded for the months of the period, in US dollars at the rate of the month; "
                 "the corridor is the country of the worker's deployment."), *_province_note(province)],
        chart=_money_chart(_("Remittances sent by corridor and sex (USD)"), rows),
    )


def remittances_by_province(qs, period: Period, province=None, *, names) -> Table:
    from migration_portal.reference.models import Province

    query = (remittances(qs, period, province).values("deployment__worker__home_province_id", "deployment__worker__sex")
             .annotate(usd=Sum("amount_usd"), n=Count("*")).order_by())
    rows = _money_rows(query, key=lambda r: r["deployment__worker__home_province_id"], label=lambda p: names.name(Province, p))
    return Table(
        key="sent-province", title=_("Remittances sent by province of origin and sex (USD)"), label_headers=[_("Home province")],
        value_headers=_money_headers(), rows=rows,
        notes=[_("Remittances recorded for the months of the period, by the worker's home province.")],
        chart=_money_chart(_("Remittances sent by province of origin and sex (USD)"), rows),
    )


# --- Agencies' reports against the register ----------------------------------------------------

FIGURES = ("recruited", "trained", "deployed", "returned", "abroad_end")
Key = tuple[int, int, int, str]  # (agency, country, sector, sex)


def register_deployments_query(deployments, month: date):
    """The grouped query behind four of the register's figures, for every agency at once."""
    from workers.choices import DeploymentStatus

    start, end = month.replace(day=1), month_end(month)
    recruited = Q(created__date__gte=start, created__date__lte=end)
    deployed = Q(departed_on__gte=start, departed_on__lte=end)
    returned = Q(returned_on__gte=start, returned_on__lte=end)
    abroad_end = (Q(departed_on__lte=end) & (Q(returned_on__isnull=True) | Q(returned_on__gt=end))
                  & ~Q(status=DeploymentStatus.CANCELLED))
    return (
        deployments.filter(agency__isnull=False).filter(recruited | deployed | returned | abroad_end)
        .values("agency_id", "country_id", "sector_id", "worker__sex")
        .annotate(recruited=Count("pk", filter=recruited), deployed=Count("pk", filter=deployed),
                  returned=Count("pk", filter=returned), abroad_end=Count("pk", filter=abroad_end))
        .order_by()
    )


def register_figures_all(deployments, certificates, month: date) -> dict[Key, dict[str, int]]:
    """``workers.reporting.register_figures`` for every agency at once, in two grouped queries.

    The same definitions (the test suite checks the two agree agency by agency): recruited =
    deployments registered in the month; trained = valid certificates issued in the month by
    the agency's sessions, against the destination and sector of the worker's deployment with
    that agency; deployed = departures in the month; returned = returns in the month; abroad
    at month end = departed on or before the last day, not back by it, not cancelled."""
    start, end = month.replace(day=1), month_end(month)
    out: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for r in register_deployments_query(deployments, month):
        figures = out[(r["agency_id"], r["country_id"], r["sector_id"], r["worker__sex"])]
        for f in ("recruited", "deployed", "returned", "abroad_end"):
            figures[f] += r[f]
    trained = (
        certificates.filter(session__agency__isnull=False, issued_on__gte=start, issued_on__lte=end, is_valid=True)
        .filter(worker__deployments__agency_id=F("session__agency_id"))
        .values("session__agency_id", "worker__deployments__country_id", "worker__deployments__sector_id", "worker__sex")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    )
    for r in trained:
        out[(r["session__agency_id"], r["worker__deployments__country_id"], r["worker__deployments__sector_id"],
             r["worker__sex"])]["trained"] += r["n"]
    return {k: v for k, v in out.items() if any(v.values())}


@dataclass
class Comparison:
    month: date
    agencies: dict[int, str]  # id -> name
    statuses: dict[int, str]  # id -> report status (submitted / accepted / draft / returned); absent: no report
    reported: dict[Key, dict[str, int]]
    register: dict[Key, dict[str, int]]


def compare_reports(*, reports, lines, deployments, certificates, agencies, month: date) -> Comparison:
    """The month's submitted and accepted reports' lines beside the register's figures.
    Four queries: reports, lines, the register (two), the agencies' names."""
    from agencies.choices import ReportStatus

    month = month.replace(day=1)
    statuses = dict(reports.filter(period=month).values_list("agency_id", "status"))
    reported: dict[Key, dict[str, int]] = {}
    for r in (lines.filter(report__period=month, report__status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED))
              .values("report__agency_id", "country_id", "sector_id", "sex", *FIGURES)):
        reported[(r["report__agency_id"], r["country_id"], r["sector_id"], r["sex"])] = {f: r[f] for f in FIGURES}
    register = register_figures_all(deployments, certificates, month)
    ids = {k[0] for k in reported} | {k[0] for k in register}
    names = dict(agencies.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    # An agency outside the user's scope is left out entirely.
    reported = {k: v for k, v in reported.items() if k[0] in names}
    register = {k: v for k, v in register.items() if k[0] in names}
    return Comparison(month, names, statuses, reported, register)


def _figure_labels() -> list[str]:
    from agencies.models import MonthlyReportLine

    return [capfirst(str(MonthlyReportLine._meta.get_field(f).verbose_name)) for f in FIGURES]


def _status_label(comparison: Comparison, agency_id: int) -> str:
    from agencies.choices import ReportStatus

    status = comparison.statuses.get(agency_id)
    if status in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED):
        return str(ReportStatus(status).label)
    if status:
        return _("Not submitted (%(status)s)") % {"status": ReportStatus(status).label}
    return _("No report")


def _paired(reported: dict[str, int] | None, register: dict[str, int]) -> tuple[list[Number], list[bool]]:
    values, marks = [], []
    for f in FIGURES:
        a = reported[f] if reported is not None else None
        b = register[f]
        values += [a, b]
        marks += [a is not None and a != b] * 2
    differing = sum(1 for f in FIGURES if reported is not None and reported[f] != register[f])
    return [*values, differing], [*marks, bool(differing)]


def _paired_headers() -> tuple[list[str], list[tuple[str, int]]]:
    return [*([_("Reported"), _("Register")] * len(FIGURES)), _("Figures that differ")], [
        *((label, 2) for label in _figure_labels()), ("", 1)]


def report_totals(comparison: Comparison) -> Table:
    """Per agency, each figure as reported and as in the register; differences highlighted."""
    zero = dict.fromkeys(FIGURES, 0)
    reported: dict[int, dict[str, int]] = defaultdict(lambda: dict(zero))
    register: dict[int, dict[str, int]] = defaultdict(lambda: dict(zero))
    for (a, *_k), v in comparison.reported.items():
        for f in FIGURES:
            reported[a][f] += v[f]
    for (a, *_k), v in comparison.register.items():
        for f in FIGURES:
            register[a][f] += v[f]
    submitted = {a for a in comparison.agencies if _has_report(comparison, a)}
    rows = []
    for a in sorted(comparison.agencies, key=lambda a: comparison.agencies[a]):
        values, marks = _paired(reported[a] if a in submitted else None, register[a])
        rows.append(Row([comparison.agencies[a], _status_label(comparison, a)], values, marks=marks))
    headers, groups = _paired_headers()
    return Table(
        key="agencies", title=_("Agencies' monthly reports against the register"), subtitle=date_format(comparison.month, "F Y"),
        label_headers=[_("Agency"), _("Report")], value_headers=headers, groups=groups, rows=rows,
        notes=[_("Reported: the lines of the agency's submitted or accepted report. Register: the same figures computed from "
                 "the agency's deployment, training and return records. Figures that differ are highlighted."),
               _("Agencies with register figures but no submitted report are listed with an empty reported column.")],
        chart=Chart(title=_("Departures reported and in the register"), series=[(_("Reported"), AMBER), (_("Register"), BLUE)],
                    items=[(r.labels[0], [r.values[4], r.values[5]]) for r in rows]),
    )


def _has_report(comparison: Comparison, agency_id: int) -> bool:
    from agencies.choices import ReportStatus

    return comparison.statuses.get(agency_id) in (ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)


def report_lines(comparison: Comparison, *, names) -> Table:
    """The lines (destination x sector x sex) where a submitted report and the register disagree."""
    from migration_portal.reference.models import Country, Sector

    zero = dict.fromkeys(FIGURES, 0)
    rows = []
    keys = set(comparison.reported) | {k for k in comparison.register if _has_report(comparison, k[0])}
    for key in sorted(keys, key=lambda k: (comparison.agencies[k[0]], names.name(Country, k[1]), names.name(Sector, k[2]), k[3])):
        values, marks = _paired(comparison.reported.get(key, zero), comparison.register.get(key, zero))
        if values[-1]:
            a, c, s, sex = key
            labels = [comparison.agencies[a], names.name(Country, c), names.name(Sector, s), Sex(sex).label]
            rows.append(Row(labels, values, marks=marks))
    headers, groups = _paired_headers()
    return Table(
        key="lines", title=_("Report lines that differ from the register"), subtitle=date_format(comparison.month, "F Y"),
        label_headers=[_("Agency"), _("Destination"), _("Sector"), _("Sex")], value_headers=headers, groups=groups, rows=rows,
        notes=[_("Only lines of submitted or accepted reports where at least one figure differs.")],
    )


def stored_differences(qs, month: date, *, names) -> Table:
    """The differences kept when each report was submitted (workers.ReportDifference)."""
    from migration_portal.reference.models import Country, Sector

    labels = dict(zip(FIGURES, _figure_labels(), strict=True))
    rows = []
    for d in (qs.filter(report__period=month.replace(day=1)).select_related("report__agency")
              .order_by("report__agency__name", "-submission", "country_id", "sector_id", "sex", "figure")):
        rows.append(Row(
            [d.report.agency.name, str(d.submission), names.name(Country, d.country_id), names.name(Sector, d.sector_id),
             Sex(d.sex).label, labels.get(d.figure, d.figure)],
            [d.reported, d.register, d.gap], marks=[True, True, True],
        ))
    return Table(
        key="stored", title=_("Differences recorded at submission"), subtitle=date_format(month, "F Y"),
        label_headers=[_("Agency"), _("Report version"), _("Destination"), _("Sector"), _("Sex"), _("Figure")],
        value_headers=[_("Reported"), _("Register"), _("Gap")], rows=rows,
        notes=[_("Kept when the agency submitted the report, as the register stood then.")],
    )


# --- The international export (ILO International Labour Migration Statistics) -----------------


def ilo_outflows_by_destination(qs, year: int, province=None, *, names, formal_only: bool = False) -> Table:

    query = (departures(qs, Period.for_year(year), province, formal_only=formal_only)
             .values("country_id", "worker__sex").annotate(n=Count("*")).order_by())
    rows = _sex_rows(_grouped(query, key=lambda r: r["country_id"]), label=lambda c: _country_labels(names, c))
    return Table(
        key="ilo-1", title=_("Outflows of nationals for employment abroad, by sex and country of destination"),
        label_headers=[_("Country of destination"), _("ISO code")], value_headers=ilo_sex_headers(), rows=rows,
        notes=[_("Departures recorded in the register in the year (cancelled deployments not counted).")],
    )


def _country_labels(names, pk) -> list[str]:
    from migration_portal.reference.models import Country

    return [names.name(Country, pk), names.code(Country, pk)]


def ilo_sex_headers() -> list[str]:
    return [_("Total"), _("Men"), _("Women")]


def ilo_outflows_by_occupation(qs, year: int, province=None, *, names, formal_only: bool = False) -> Table:
    """Occupation is free text in the register: grouped by sector, then by the occupation as
    written (trimmed, case ignored); an empty one is 'not stated'."""
    from migration_portal.reference.models import Sector

    query = (departures(qs, Period.for_year(year), province, formal_only=formal_only)
             .annotate(occ=Lower(Trim("occupation"))).values("sector_id", "occ", "worker__sex").annotate(n=Count("*")).order_by())
    counts = _grouped(query, key=lambda r: (r["sector_id"], r["occ"] or ""))
    sectors: dict[int, Counter] = defaultdict(Counter)
    for (s, _o), v in counts.items():
        sectors[s].update(v)
    rows, grand = [], Counter()
    for s in sorted(sectors, key=lambda s: (-sum(sectors[s].values()), names.name(Sector, s))):
        occupations = {o: v for (sec, o), v in counts.items() if sec == s}
        for o in sorted(occupations, key=lambda o: (-sum(occupations[o].values()), o)):
            rows.append(Row([names.name(Sector, s), o[:1].upper() + o[1:] if o else _("Not stated")], _split(occupations[o])))
        rows.append(Row([names.name(Sector, s), _("All occupations")], _split(sectors[s]), kind="subtotal"))
        grand.update(sectors[s])
    rows.append(Row([_("Total"), ""], _split(grand), kind="total"))
    return Table(
        key="ilo-2", title=_("Outflows of nationals for employment abroad, by sex and occupation"),
        label_headers=[_("Sector"), _("Occupation")], value_headers=ilo_sex_headers(), rows=rows,
        notes=[_("The occupation is recorded as free text: it is grouped by sector, then as written.")],
    )


def ilo_stock_by_destination(qs, year: int, province=None, *, names, today: date) -> Table:

    as_at = Period.for_year(year).as_at(today)
    query = abroad(qs, as_at, province, today=today).values("country_id", "worker__sex").annotate(n=Count("*")).order_by()
    rows = _sex_rows(_grouped(query, key=lambda r: r["country_id"]), label=lambda c: _country_labels(names, c))
    return Table(
        key="ilo-3", title=_("Stock of nationals abroad, by sex and country of destination"), subtitle=date_format(as_at),
        label_headers=[_("Country of destination"), _("ISO code")], value_headers=ilo_sex_headers(), rows=rows,
        notes=[_("On %(day)s: departed on or before that day and not returned by it.") % {"day": date_format(as_at)}],
    )


def ilo_returns_by_country(qs, year: int, province=None, *, names) -> Table:

    query = returns(qs, Period.for_year(year), province).values("country_id", "worker__sex").annotate(n=Count("*")).order_by()
    rows = _sex_rows(_grouped(query, key=lambda r: r["country_id"]), label=lambda c: _country_labels(names, c))
    return Table(
        key="ilo-4", title=_("Return of nationals, by sex and country returned from"),
        label_headers=[_("Country returned from"), _("ISO code")], value_headers=ilo_sex_headers(), rows=rows,
        notes=[_("Returns registered in the year.")],
    )
