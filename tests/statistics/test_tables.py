"""Every statistics table against the records it counts.

The expected figures are worked out in plain Python from ``DEPARTURES`` (and the other
records of ``conftest.records``), independently of the grouped queries.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from agencies.models import Agency, LicenceChange, MonthlyReport, MonthlyReportLine
from complaints.models import Complaint
from migration_portal.core.scoping import scope_for, visible
from migration_portal.reference.models import Country, Province, Sector
from migration_portal.statistics import tables
from migration_portal.statistics.pages import Context, hidden_restricted
from migration_portal.statistics.tables import Names, Period
from remittances import services as remittance_services
from remittances.models import Corridor, ExchangeRate, Offer, Remittance
from workers.choices import Channel, DeploymentStatus, ReturnReason
from workers.models import Certificate, Deployment, ReportDifference, ReturnRecord
from workers.reporting import register_figures

from ..factories import province
from .conftest import DEPARTURES, TODAY

pytestmark = pytest.mark.django_db

NAMES = {"TH": "Thailand", "MY": "Malaysia", "KR": "Republic of Korea", "JP": "Japan", "SG": "Singapore", "HK": "Hong Kong"}
SECTORS = {"CON": "Construction", "DOM": "Domestic work", "AGR": "Agriculture", "MAN": "Manufacturing"}


def names_for(user) -> Names:
    return Names(lambda model: visible(model, user))


def departed(start: date, end: date, *, formal: bool = False, home: str | None = None):
    return [
        d for d in DEPARTURES
        if d.departed and start <= d.departed <= end and d.final_status != DeploymentStatus.CANCELLED
        and (not formal or d.channel != Channel.IRREGULAR) and (home is None or d.home == home)
    ]


def split(items) -> list[int]:
    sexes = Counter(d.sex for d in items)
    return [sexes["M"] + sexes["F"], sexes["M"], sexes["F"]]


def abroad_on(day: date, *, today: date = TODAY):
    out = []
    for d in DEPARTURES:
        if d.final_status == DeploymentStatus.CANCELLED:
            continue
        left_by_then = d.departed is not None and d.departed <= day and (d.returned is None or d.returned > day)
        # Recorded abroad without a departure date: only in today's stock.
        abroad_undated = d.departed is None and d.final_status in (DeploymentStatus.DEPARTED, DeploymentStatus.ABROAD)
        if left_by_then or (abroad_undated and day >= today):
            out.append(d)
    return out


def assert_sex_arithmetic(table):
    """Every Total / Male / Female triple adds up."""
    for row in table.rows:
        for i in range(0, len(row.values) - 2, 3):
            total, male, female = row.values[i: i + 3]
            if None not in (total, male, female):
                assert total == male + female, (row.labels, row.values)


# --- Departures --------------------------------------------------------------------------------


def test_departures_by_year_destination_and_sex(records, statistician):
    period = Period(date(2013, 1, 1), date(2015, 12, 31))
    table = tables.deployments_by_year_destination(visible(Deployment, statistician), period, names=names_for(statistician))
    assert table.label_headers == ["Year", "Destination"] and table.value_headers == ["Total", "Male", "Female"]
    for year in (2013, 2014, 2015):
        in_year = departed(date(year, 1, 1), date(year, 12, 31))
        shown = {r.labels[1]: r.values for r in table.rows if r.labels[0] == str(year) and r.kind == "data"}
        assert shown == {NAMES[c]: split([d for d in in_year if d.country == c]) for c in {d.country for d in in_year}}
        assert table.find(str(year), "All destinations").values == split(in_year)
    assert table.find("All years", "All destinations").values == split(departed(period.start, period.end)) == [14, 6, 8]
    # The cancelled deployment and the ones that never left are not counted.
    assert sum(r.values[0] for r in table.rows if r.kind == "data") == 14
    assert_sex_arithmetic(table)


def test_departures_by_sector_and_channel(records, statistician):
    period = Period.for_year(2014)
    qs = visible(Deployment, statistician)
    in_year = departed(period.start, period.end)
    by_sector = tables.deployments_by_sector(qs, period, names=names_for(statistician))
    assert {r.labels[0]: r.values for r in by_sector.rows if r.kind == "data"} == {
        SECTORS[s]: split([d for d in in_year if d.sector == s]) for s in {d.sector for d in in_year}}
    assert by_sector.rows[-1].values == split(in_year) == [8, 3, 5]
    by_channel = tables.deployments_by_channel(qs, period)
    assert [r.labels[0] for r in by_channel.rows] == [str(c.label) for c in Channel] + ["Total"]
    for c in Channel:
        assert by_channel.find(str(c.label)).values == split([d for d in in_year if d.channel == c])
    # Regular channels only: the irregular row goes, and so do its workers.
    formal = tables.deployments_by_channel(qs, period, formal_only=True)
    assert str(Channel.IRREGULAR.label) not in [r.labels[0] for r in formal.rows]
    assert formal.rows[-1].values == split(departed(period.start, period.end, formal=True))


def test_province_filter_is_the_workers_home_province(records, statistician):
    period = Period(date(2013, 1, 1), date(2015, 12, 31))
    table = tables.deployments_by_year_destination(visible(Deployment, statistician), period, province("02"),
                                                   names=names_for(statistician))
    assert table.find("All years", "All destinations").values == split(departed(period.start, period.end, home="02")) == [5, 3, 2]


# --- Table 3 -----------------------------------------------------------------------------------


def test_table3_has_the_seeds_shape_and_the_records_figures(records, statistician):
    period = Period(date(2013, 1, 1), date(2014, 12, 31))
    table = tables.table3(visible(Deployment, statistician), period, names=names_for(statistician), today=TODAY)
    # Years across, as in the seed ("Year 2005 2006 ..."); no partial year here.
    assert table.label_headers == ["Year"] and table.value_headers == ["2013", "2014"]
    # Down the side: all destinations, then the seed's destinations in its order, then the others.
    blocks = ["Total", "Thailand", "Malaysia", "Republic of Korea", "Japan", "Singapore", "Hong Kong"]
    assert [r.labels[0] for r in table.rows] == [label for b in blocks for label in (b, "Male", "Female")]
    assert [r.kind for r in table.rows[:6]] == ["total", "data", "data", "subtotal", "data", "data"]
    # Regular channels only, as the published table: the irregular departures to Thailand are left out.
    for i, block in enumerate(blocks):
        total, male, female = table.rows[3 * i: 3 * i + 3]
        for y, year in enumerate((2013, 2014)):
            items = departed(date(year, 1, 1), date(year, 12, 31), formal=True)
            if block != "Total":
                items = [d for d in items if NAMES[d.country] == block]
            assert [total.values[y], male.values[y], female.values[y]] == split(items), (block, year)
            assert total.values[y] == male.values[y] + female.values[y]
    # The grand total is the sum of the destinations, year by year.
    for y in range(2):
        assert table.rows[0].values[y] == sum(table.rows[3 * i].values[y] for i in range(1, len(blocks)))
    assert table.rows[0].values == [4, 7]  # 2013: 5 departures, one irregular; 2014: 8, one irregular
    # Korea, Japan and Singapore with no departure in a year show 0 (the register cannot say n/a).
    assert table.find("Japan").values[0] == 0


def test_table3_all_channels_and_a_row_per_year(records, statistician):
    period = Period(date(2013, 1, 1), date(2014, 12, 31))
    qs, names = visible(Deployment, statistician), names_for(statistician)
    seed = tables.table3(qs, period, names=names, today=TODAY, formal_only=False)
    down = tables.table3(qs, period, names=names, today=TODAY, formal_only=False, years_down=True)
    assert seed.rows[0].values == [split(departed(date(y, 1, 1), date(y, 12, 31)))[0] for y in (2013, 2014)] == [5, 8]
    # Turned a quarter: the same figures, a row per year, a Total / Male / Female group per destination.
    assert [g for g, _span in down.groups] == [
        "Total", "Thailand", "Malaysia", "Republic of Korea", "Japan", "Singapore", "Hong Kong"]
    assert {span for _g, span in down.groups} == {3}
    assert down.value_headers[:6] == ["Total", "Male", "Female"] * 2
    assert [r.labels[0] for r in down.rows] == ["2013", "2014"]
    for y, row in enumerate(down.rows):
        assert row.values == [seed.rows[i].values[y] for i in range(len(seed.rows))]
    assert_sex_arithmetic(down)


def test_table3_dates_a_year_cut_short_as_the_seed_does(records, statistician):
    period = Period(date(2024, 1, 1), date(2025, 12, 31))
    table = tables.table3(visible(Deployment, statistician), period, names=names_for(statistician), today=TODAY)
    assert table.value_headers == ["2024", "2025 (18 Nov)"]
    assert table.title.endswith("2024–2025 (Nov. 18, 2025)")


# --- Workers abroad ----------------------------------------------------------------------------


def test_stock_at_the_end_of_a_year(records, statistician):
    day = date(2014, 12, 31)
    qs, names = visible(Deployment, statistician), names_for(statistician)
    expected = abroad_on(day)
    table = tables.stock_by_destination(qs, day, names=names, today=TODAY)
    assert {r.labels[0]: r.values for r in table.rows if r.kind == "data"} == {
        NAMES[c]: split([d for d in expected if d.country == c]) for c in {d.country for d in expected}}
    assert table.rows[-1].values == split(expected) == [9, 5, 4]
    sectors = tables.stock_by_sector(qs, day, names=names, today=TODAY)
    assert sectors.rows[-1].values == [9, 5, 4]
    # The latest legal status on that day: the Thai domestic worker had overstayed by June 2014,
    # the irregular farm worker was regularised only in 2015.
    legal = tables.stock_by_legal_status(qs, day, today=TODAY)
    assert legal.find("Overstayed").values == [1, 0, 1]
    assert legal.find("Regular").values == [1, 1, 0]
    assert legal.find("Irregular").values == [1, 1, 0]
    assert legal.find("Regularised").values == [0, 0, 0]
    assert legal.find("Not recorded").values == [6, 3, 3]
    assert legal.rows[-1].values == [9, 5, 4]


def test_stock_today_is_the_deployments_departed_or_abroad(records, statistician):
    qs = visible(Deployment, statistician)
    table = tables.stock_by_destination(qs, TODAY, names=names_for(statistician), today=TODAY)
    out_now = Deployment.objects.filter(status__in=(DeploymentStatus.DEPARTED, DeploymentStatus.ABROAD))
    assert table.rows[-1].values[0] == out_now.count() == len(abroad_on(TODAY)) == 10
    # Counted today only: the irregular migration recorded as abroad without a departure date.
    assert table.find("Thailand").values == split([d for d in abroad_on(TODAY) if d.country == "TH"]) == [3, 1, 2]
    assert tables.stock_by_legal_status(qs, TODAY, today=TODAY).find("Regularised").values == [1, 1, 0]


# --- Returns -----------------------------------------------------------------------------------


def test_returns_by_reason_year_and_province(records, statistician):
    qs, period = visible(ReturnRecord, statistician), Period.for_year(2014)
    rows = list(ReturnRecord.objects.filter(returned_on__year=2014).select_related("worker", "province"))
    assert len(rows) == 4
    by_reason = tables.returns_by_reason(qs, period)
    for reason in ReturnReason:
        mine = [r for r in rows if r.reason == reason]
        sexes = Counter(r.worker.sex for r in mine)
        assert by_reason.find(str(reason.label)).values == [len(mine), sexes["M"], sexes["F"]]
    assert by_reason.rows[-1].values == [4, 0, 4]
    by_year = tables.returns_by_year(qs, Period(date(2013, 1, 1), date(2015, 12, 31)), today=TODAY)
    assert by_year.value_headers[:3] == ["Total", "Male", "Female"]
    assert by_year.find("2013").values[:3] == [1, 1, 0]
    assert by_year.find("2014").values[:3] == [4, 0, 4]
    deported = by_year.column(str(ReturnReason.DEPORTED.label))
    assert by_year.find("2014").values[deported] == 2
    every = Counter(ReturnRecord.objects.filter(returned_on__year__in=(2013, 2014, 2015)).values_list("worker__sex", flat=True))
    assert by_year.find("Total").values[:3] == [every["M"] + every["F"], every["M"], every["F"]] == [6, 2, 4]
    assert by_year.find("2015").values[:3] == [1, 1, 0]
    by_province = tables.returns_by_province(qs, period, names=names_for(statistician))
    assert {r.labels[0]: r.values[0] for r in by_province.rows if r.kind == "data"} == dict(
        Counter(r.province.name for r in rows))


# --- Complaints --------------------------------------------------------------------------------


def complaints_table(user, period=None, province_=None):
    period = period or Period.for_year(2014)
    ctx = Context(user=user, scope=scope_for(user), today=TODAY, names=names_for(user), period=period, province=province_)
    return tables.complaints_by_outcome(visible(Complaint, user), period, province_, hidden=hidden_restricted(ctx))


def test_complaints_by_outcome_count_restricted_cases_without_describing_them(records, statistician):
    table = complaints_table(statistician)
    assert table.find("Settled with an agreement").values == [2, 0, 2]
    assert table.find("Not settled: referred to court, arbitration or police").values == [2, 1, 1]  # one closed after referral
    assert table.find("Withdrawn by the complainant").values == [1, 0, 1]
    assert table.find("Closed without conciliation").values == [1, 1, 0]
    assert table.find("Pending").values == [1, 1, 0]  # the restricted case is not among them
    assert table.find("Total broken down").values == [7, 3, 4]
    assert table.find("Restricted cases, not broken down").values == [1, None, None]
    assert table.find("All complaints received").values == [8, None, None]
    assert Complaint.objects.filter(received_on__year=2014).count() == 8


def test_a_handler_and_a_superuser_see_the_restricted_case_broken_down(records, statistician, superuser):
    records.complaints["restricted"].handlers.add(statistician)
    for user in (statistician, superuser):
        table = complaints_table(user)
        assert table.find("Pending").values == [2, 1, 1]
        assert table.find("Restricted cases, not broken down").values == [0, None, None]
        assert table.find("All complaints received").values == [8, None, None]


def test_a_province_counts_its_own_cases_only(records, officer_a):
    table = complaints_table(officer_a, province_=province("12"))
    # Handled in Phnom Penh, workers from Phnom Penh: settled, referred, closed after referral, open.
    assert table.find("Total broken down").values == [4, 2, 2]
    assert table.find("Restricted cases, not broken down").values == [1, None, None]
    assert table.find("All complaints received").values == [5, None, None]


# --- Agencies ----------------------------------------------------------------------------------


def test_agencies_by_licence_state_and_decisions(records, statistician):
    table = tables.agencies_by_licence(visible(Agency, statistician))
    counts = Counter(Agency.objects.values_list("licence_status", flat=True))
    for status, n in counts.items():
        assert table.find(str(Agency(licence_status=status).get_licence_status_display())).values == [n]
    assert table.rows[-1].values == [Agency.objects.count()] == [4]
    in_battambang = tables.agencies_by_licence(visible(Agency, statistician), province("02"))
    assert in_battambang.find("Suspended").values == [1] and in_battambang.rows[-1].values == [1]
    decisions = tables.licence_decisions(visible(LicenceChange, statistician), Period.for_year(2014))
    assert decisions.find("Active").values == [1] and decisions.find("Suspended").values == [1]
    assert decisions.rows[-1].values == [2]


def test_inspection_ranking_is_the_published_one(records, statistician):
    ids = set(visible(Agency, statistician).values_list("pk", flat=True))
    table = tables.inspection_ranking(ids)
    assert [r.labels[:2] for r in table.rows] == [["1", records.agency_a.name], ["2", records.agency_b.name]]
    # Agency A's latest approved inspection (88%), not its earlier one (70%).
    assert [r.values[0] for r in table.rows] == [Decimal("88.0"), Decimal("64.5")]
    assert tables.inspection_ranking(ids, province("02")).rows == []  # neither has its head office there


# --- Remittances -------------------------------------------------------------------------------


def offer_sources(user):
    return {"corridors": visible(Corridor, user), "offers": visible(Offer, user), "rates": visible(ExchangeRate, user)}


@pytest.mark.parametrize("day", [date(2014, 2, 1), date(2014, 3, 31), date(2014, 6, 30), date(2014, 12, 31)])
def test_corridor_costs_agree_with_the_remittance_services(records, statistician, day):
    mine = tables.corridor_costs_on([day], **offer_sources(statistician))[day]
    theirs = remittance_services.corridor_costs(day)
    assert [(c.corridor.pk, c.offers, c.average, c.cheapest) for c in mine] == [
        (c.corridor.pk, c.offers, c.average, c.cheapest) for c in theirs]
    assert tables.national_indicator(mine) == remittance_services.national_indicator(day)


def test_remittance_cost_tables(records, statistician):
    table = tables.remittance_costs(date(2014, 12, 31), **offer_sources(statistician))
    # Thailand: 2% fee + 1% margin = 3.00 and 4% + 2% = 6.00, average 4.50; Korea: 3% + 3% = 6.00.
    assert table.find("Thailand").values == [2, Decimal("4.50"), Decimal("3.00")]
    assert table.find("Republic of Korea").values == [1, Decimal("6.00"), Decimal("6.00")]
    assert table.find("Thailand").marks == [False, True, False]  # above the 3% target
    assert table.rows[-1].values[1] == Decimal("5.25") == remittance_services.national_indicator(date(2014, 12, 31))
    history = tables.indicator_history(Period.for_year(2014), TODAY, **offer_sources(statistician))
    assert [r.labels[0] for r in history.rows] == ["2014 Q1", "2014 Q2", "2014 Q3", "2014 Q4"]
    quarter_ends = (date(2014, 3, 31), date(2014, 6, 30), date(2014, 9, 30), date(2014, 12, 31))
    assert [r.values[0] for r in history.rows] == [remittance_services.national_indicator(d) for d in quarter_ends]
    assert [r.values[0] for r in history.rows] == [Decimal("4.50"), Decimal("4.50"), Decimal("5.25"), Decimal("5.25")]


def test_remittances_sent_by_corridor_and_province(records, statistician):
    period = Period.for_year(2014)
    qs, names = visible(Remittance, statistician), names_for(statistician)
    sent = list(Remittance.objects.filter(month__year=2014).select_related("deployment__worker", "deployment__country"))

    def expected(key):
        out = {}
        for r in sent:
            row = out.setdefault(key(r), [0, Decimal("0"), Decimal("0"), Decimal("0")])
            row[0] += 1
            row[1] += r.amount_usd
            row[2 if r.deployment.worker.sex == "M" else 3] += r.amount_usd
        return out

    corridor = tables.remittances_by_corridor(qs, period, names=names)
    assert {r.labels[0]: r.values for r in corridor.rows if r.kind == "data"} == expected(lambda r: r.deployment.country.name)
    assert corridor.rows[-1].values == [4, Decimal("930.50"), Decimal("620.50"), Decimal("310.00")]
    by_province = tables.remittances_by_province(qs, period, names=names)
    assert {r.labels[0]: r.values for r in by_province.rows if r.kind == "data"} == expected(
        lambda r: Province.objects.get(pk=r.deployment.worker.home_province_id).name)


# --- Reports against the register --------------------------------------------------------------


def test_register_figures_for_all_agencies_equal_register_figures_agency_by_agency(records, statistician):
    deployments, certificates = visible(Deployment, statistician), visible(Certificate, statistician)
    for month in [date(y, m, 1) for y in (2013, 2014, 2015) for m in range(1, 13)]:
        everyone = tables.register_figures_all(deployments, certificates, month)
        for agency in (records.agency_a, records.agency_b):
            expected = {k: v for k, v in register_figures(agency.pk, month).items() if any(v.values())}
            assert {k[1:]: v for k, v in everyone.items() if k[0] == agency.pk} == expected, (agency, month)


def comparison(user, month=date(2014, 6, 1)):
    return tables.compare_reports(
        reports=visible(MonthlyReport, user), lines=visible(MonthlyReportLine, user), deployments=visible(Deployment, user),
        certificates=visible(Certificate, user), agencies=visible(Agency, user), month=month,
    )


def test_report_totals_beside_the_register(records, statistician):
    table = tables.report_totals(comparison(statistician))
    register = register_figures(records.agency_a.pk, date(2014, 6, 1))
    row = table.find(records.agency_a.name)
    assert row.labels[1] == "Submitted"
    for i, figure in enumerate(tables.FIGURES):
        reported = sum(getattr(line, figure) for line in records.report.lines.all())
        assert row.values[2 * i: 2 * i + 2] == [reported, sum(v[figure] for v in register.values())], figure
        assert row.marks[2 * i] == (reported != sum(v[figure] for v in register.values()))
    assert row.values[2:4] == [0, 0]  # trained
    assert row.values[4:6] == [2, 2]  # deployed: the same total...
    assert row.values[8:10] == [1, 4]  # abroad at month end
    assert row.values[-1] == 2  # returned and abroad differ
    # Agency B's report is a draft: only the register's figures, nothing highlighted.
    b = table.find(records.agency_b.name)
    assert b.labels[1] == "Not submitted (Draft)" and b.values[0::2][:5] == [None] * 5 and not any(b.marks)
    assert b.values[9] == 1  # its Japanese intern is abroad


def test_report_lines_show_where_they_differ(records, statistician):
    names = names_for(statistician)
    table = tables.report_lines(comparison(statistician), names=names)
    hk = table.find(records.agency_a.name, "Hong Kong", "Domestic work", "Female")
    assert hk.values[4:6] == [2, 1] and hk.marks[4:6] == [True, True]  # ...but not by line
    assert hk.values[8:10] == [1, 1] and hk.marks[8:10] == [False, False]
    th = table.find(records.agency_a.name, "Thailand", "Manufacturing", "Female")
    assert th.values[4:8] == [0, 1, 0, 1]
    assert all(r.values[-1] > 0 for r in table.rows)
    stored = tables.stored_differences(visible(ReportDifference, statistician), date(2014, 6, 1), names=names)
    assert [(r.labels, r.values) for r in stored.rows] == [
        ([records.agency_a.name, "2", "Hong Kong", "Domestic work", "Female", "Deployed"], [2, 1, 1])]


def test_an_agency_outside_the_scope_is_left_out(records, agency_user_a):
    # Not a page an agency may open; the queries alone still keep to their scope.
    assert set(comparison(agency_user_a).agencies) == {records.agency_a.pk}


# --- The international export ------------------------------------------------------------------


def test_ilo_tables(records, statistician):
    qs, returns, names = visible(Deployment, statistician), visible(ReturnRecord, statistician), names_for(statistician)
    outflows = tables.ilo_outflows_by_destination(qs, 2014, names=names)
    assert outflows.label_headers == ["Country of destination", "ISO code"]
    assert outflows.value_headers == ["Total", "Men", "Women"]
    in_2014 = departed(date(2014, 1, 1), date(2014, 12, 31))
    assert {tuple(r.labels): r.values for r in outflows.rows if r.kind == "data"} == {
        (NAMES[c], c): split([d for d in in_2014 if d.country == c]) for c in {d.country for d in in_2014}}
    occupations = tables.ilo_outflows_by_occupation(qs, 2014, names=names)
    # "Domestic worker" and "Domestic Worker": one occupation, case and spaces ignored.
    assert occupations.find("Domestic work", "Domestic worker").values == [2, 0, 2]
    assert occupations.find("Domestic work", "All occupations").values == [2, 0, 2]
    assert occupations.find("Total").values == split(in_2014)
    stock = tables.ilo_stock_by_destination(qs, 2014, names=names, today=TODAY)
    assert stock.rows[-1].values == split(abroad_on(date(2014, 12, 31)))
    back = tables.ilo_returns_by_country(returns, 2014, names=names)
    assert back.find("Thailand", "TH").values == [3, 0, 3] and back.find("Malaysia", "MY").values == [1, 0, 1]


def test_reference_names_are_read_once(records, statistician, django_assert_num_queries):
    names = names_for(statistician)
    with django_assert_num_queries(3):  # the user's groups (their scope), countries, sectors
        for _ in range(3):
            assert names.name(Country, names.by_code(Country, "TH")) == "Thailand"
            assert names.name(Sector, names.by_code(Sector, "CON")) == "Construction"
