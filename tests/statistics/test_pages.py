"""The statistics pages: who may open them, what a province sees, bad filters, downloads,
and the query budget of every page."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from migration_portal.core.scoping import Role
from migration_portal.statistics.exports import CSV_TYPE, XLSX_TYPE
from migration_portal.statistics.pages import PAGES

from ..factories import UserFactory, country, province, sector
from ..workers.factories import DeploymentFactory, WorkerFactory
from .conftest import DEPARTURES, PP

pytestmark = [pytest.mark.django_db, pytest.mark.urls("migration_portal.statistics.test_urls")]

FILTERS = {
    "deployments": "?date_from=2013-01-01&date_to=2015-12-31",
    "table-3": "?date_from=2013-01-01&date_to=2014-12-31&channels=formal&layout=seed",
    "abroad": "?year=2014",
    "returns": "?year=2014",
    "complaints": "?year=2014",
    "agencies": "?year=2014",
    "remittances": "?year=2014",
    "reports": "?month=2014-06",
    "ilo": "?year=2014",
}


def page_url(slug: str, query: str = "") -> str:
    return reverse("statistics:page", kwargs={"page": slug}) + query


def download_url(slug: str, table: str, fmt: str, query: str = "") -> str:
    return reverse("statistics:download", kwargs={"page": slug, "table": table, "fmt": fmt}) + query


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


# --- Who may open the pages ------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(records, client_for):
    for url in (reverse("statistics:index"), page_url("deployments"), download_url("deployments", "sector-sex", "csv"),
                reverse("statistics:ilo-workbook")):
        response = client_for().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_agency_users_get_403_everywhere(records, agency_user_a, client_for):
    client = client_for(agency_user_a)
    assert client.get(reverse("statistics:index")).status_code == 403
    for slug, page in PAGES.items():
        assert client.get(page_url(slug)).status_code == 403
        assert client.get(download_url(slug, page.tables[0].key, "csv")).status_code == 403
    assert client.get(reverse("statistics:ilo-workbook") + "?year=2014").status_code == 403


def test_staff_outside_every_ministry_group_get_403(records, client_for):
    nobody = UserFactory(username="staff_no_group", is_staff=True)
    assert client_for(nobody).get(reverse("statistics:index")).status_code == 403


MINISTRY_PERSONAS = ["statistician", "director", "licensing_officer", "inspector", "complaints_officer", "superuser"]


@pytest.mark.parametrize("persona", MINISTRY_PERSONAS)
def test_every_ministry_group_sees_every_page(records, client_for, request, persona):
    client = client_for(request.getfixturevalue(persona))
    index = client.get(reverse("statistics:index"))
    assert index.status_code == 200
    for slug in PAGES:
        assert page_url(slug) in index.content.decode()
        assert client.get(page_url(slug, FILTERS[slug])).status_code == 200, slug


def test_provincial_officers_see_their_province_and_not_the_reports_page(records, officer_b, client_for):
    client = client_for(officer_b)
    index = client.get(reverse("statistics:index"))
    assert index.status_code == 200
    assert page_url("reports") not in index.content.decode() and "Figures for workers from Battambang" in index.content.decode()
    for slug in PAGES:
        expected = 403 if Role.PROVINCE not in PAGES[slug].roles else 200
        assert client.get(page_url(slug, FILTERS[slug])).status_code == expected, slug
    assert client.get(download_url("reports", "agencies", "csv", "?month=2014-06")).status_code == 403
    assert client.get(download_url("agencies", "licence-changes", "csv", "?year=2014")).status_code == 404  # not for provinces


# --- A province's figures ----------------------------------------------------------------------


def table_rows(response, key: str) -> list[list[str]]:
    """The rows of one table as the page shows them (labels and figures, as text)."""
    html = response.content.decode()
    section = html[html.index(f'id="{key}"'):]
    section = section[: section.index("</section>")]
    body = section[section.index("<tbody>"): section.index("</tbody>")]
    return [[cell.strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)] for tr in body.split("<tr")[1:]]


def test_a_provincial_officer_sees_only_their_provinces_figures(records, officer_b, statistician, client_for):
    # The officer's province is forced: asking for Phnom Penh changes nothing.
    mine = client_for(officer_b).get(page_url("deployments", FILTERS["deployments"] + "&province=12"))
    assert mine.status_code == 200
    ministry = client_for(statistician).get(page_url("deployments", FILTERS["deployments"] + "&province=02"))
    national = client_for(statistician).get(page_url("deployments", FILTERS["deployments"]))
    for key in ("year-destination-sex", "sector-sex", "channel-sex"):
        assert table_rows(mine, key) == table_rows(ministry, key), key
    total = next(r for r in table_rows(mine, "year-destination-sex") if r[0] == "All years")
    from_battambang = [d for d in DEPARTURES if d.home == "02" and d.departed and d.final_status != "cancelled"]
    assert total[2:] == [str(len(from_battambang)), str(sum(d.sex == "M" for d in from_battambang)),
                         str(sum(d.sex == "F" for d in from_battambang))] == ["5", "3", "2"]
    assert next(r for r in table_rows(national, "year-destination-sex") if r[0] == "All years")[2:] == ["14", "6", "8"]
    assert "Workers from Battambang" in mine.content.decode()
    # Downloads are forced the same way.
    rows = read_csv(client_for(officer_b).get(download_url("deployments", "year-destination-sex", "csv",
                                                           FILTERS["deployments"] + "&province=12")))
    assert ["All years", "All destinations", "5", "3", "2"] in rows and ["Home province: Battambang"] in rows


def test_a_province_sees_its_returns_and_complaints_only(records, officer_a, client_for):
    client = client_for(officer_a)
    returns = table_rows(client.get(page_url("returns", "?year=2014")), "reason-sex")
    assert returns[-1] == ["Total", "1", "0", "1"]  # the Phnom Penh worker back ill; the others are from Battambang
    complaints = table_rows(client.get(page_url("complaints", "?year=2014")), "outcome-sex")
    assert ["Total broken down", "4", "2", "2"] in complaints
    assert ["Restricted cases, not broken down", "1", "—", "—"] in complaints


# --- Bad filters ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("slug", "query", "message"), [
    ("deployments", "?year=abc", "Enter a year as four digits, for example 2024."),
    ("deployments", "?year=1850", "Ensure this value is greater than or equal to 2000."),
    ("abroad", "?date_from=2014-13-01&date_to=2014-12-31", "Enter a date as YYYY-MM-DD."),
    ("returns", "?date_from=2014-12-31&date_to=2014-01-01", "The last day must not be before the first."),
    ("returns", "?year=2014&date_from=2014-01-01&date_to=2014-02-01", "Give a year, or a range of dates, not both."),
    ("returns", "?date_from=2014-01-01", "Give both the first and the last day of the range."),
    ("table-3", "?date_from=1950-01-01&date_to=2014-12-31", "Choose dates between 2000 and 2100."),
    ("table-3", "?date_from=2000-01-01&date_to=2040-12-31", "Choose a range of at most 30 years."),
    ("complaints", "?year=2014&province=XX", "Select a valid choice. XX is not one of the available choices."),
    ("table-3", "?year=2014&layout=sideways", "Select a valid choice. sideways is not one of the available choices."),
    ("reports", "?month=2014-13", "Enter a month as YYYY-MM, for example 2024-03."),
    ("ilo", "?year=", "Choose the year."),
])
def test_bad_filters_are_form_errors_not_server_errors(records, statistician, client_for, slug, query, message):
    client = client_for(statistician)
    response = client.get(page_url(slug, query))
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert "correct them above" in response.content.decode()
    download = client.get(download_url(slug, PAGES[slug].tables[0].key, "csv", query))
    assert download.status_code == 400 and message in download.content.decode()
    assert download["Content-Type"].startswith("text/plain")


def test_unknown_pages_and_tables_are_404(records, statistician, client_for):
    client = client_for(statistician)
    assert client.get(page_url("nowhere")).status_code == 404
    assert client.get(download_url("deployments", "nothing", "csv")).status_code == 404


# --- Downloads: exactly the table shown ------------------------------------------------------------


def test_csv_download_is_the_table_shown(records, statistician, client_for):
    client = client_for(statistician)
    page = client.get(page_url("deployments", FILTERS["deployments"]))
    link = download_url("deployments", "year-destination-sex", "csv") + "?date_from=2013-01-01&date_to=2015-12-31"
    assert f'href="{link}"' in page.content.decode().replace("&amp;", "&")
    response = client.get(download_url("deployments", "year-destination-sex", "csv", FILTERS["deployments"]))
    assert response.status_code == 200 and response["Content-Type"] == CSV_TYPE
    assert response["Content-Disposition"].startswith('attachment; filename="statistics-deployments-year-destination-sex')
    rows = read_csv(response)
    assert rows[0] == ["Departures by year, destination and sex"]
    assert rows[1] == ["Period: 2013–2015"] and ["Source: MOLVT labour migration register"] in rows
    header = rows.index(["Year", "Destination", "Total", "Male", "Female"])
    shown = table_rows(page, "year-destination-sex")
    body = rows[header + 1: header + 1 + len(shown)]
    assert body == shown
    assert body[-1] == ["All years", "All destinations", "14", "6", "8"]


def test_xlsx_download_is_the_table_shown(records, statistician, client_for):
    client = client_for(statistician)
    response = client.get(download_url("table-3", "table-3", "xlsx", FILTERS["table-3"]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "Deployment of Cambodian workers in foreign employment 2013–2014"
    header = next(i for i, r in enumerate(values) if r[:3] == ["Year", "2013", "2014"])
    page = client.get(page_url("table-3", FILTERS["table-3"]))
    shown = table_rows(page, "table-3")
    body = values[header + 1: header + 1 + len(shown)]
    assert [[r[0], *(f"{v:,}" for v in r[1:3])] for r in body] == shown
    assert body[0] == ["Total", 4, 7] and isinstance(body[0][1], int)  # figures stay numbers
    assert [r[0] for r in body[:6]] == ["Total", "Male", "Female", "Thailand", "Male", "Female"]


def test_differences_are_highlighted_in_the_page_and_the_workbook(records, statistician, client_for):
    client = client_for(statistician)
    page = client.get(page_url("reports", "?month=2014-06"))
    assert page.content.decode().count('class="num diff"') > 0
    ws = load_workbook(io.BytesIO(client.get(download_url("reports", "lines", "xlsx", "?month=2014-06")).content)).active
    filled = {c.value for row in ws.iter_rows() for c in row if c.fill is not None and c.fill.fgColor.rgb.endswith("FBDDE2")}
    assert {2, 1} <= filled


def test_the_ilo_workbook(records, statistician, client_for):
    response = client_for(statistician).get(reverse("statistics:ilo-workbook") + "?year=2014")
    assert response.status_code == 200 and response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="ilo-labour-migration-2014.xlsx"'
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["1 Outflows by destination", "2 Outflows by occupation", "3 Stock abroad", "4 Returns"]

    def sheet(name):
        return [list(r) for r in wb[name].iter_rows(values_only=True)]

    def data(rows, header):
        start = rows.index(header) + 1
        end = next((i for i in range(start, len(rows)) if rows[i][0] is None), len(rows))
        return {tuple(r[: len(header) - 3]): r[len(header) - 3:] for r in rows[start:end]}

    one = sheet("1 Outflows by destination")
    assert one[0][0] == "Outflows of nationals for employment abroad, by sex and country of destination"
    assert one[1][0] == "Period: 2014" and one[3][0] == "Source: MOLVT labour migration register"
    outflows = data(one, ["Country of destination", "ISO code", "Total", "Men", "Women"])
    assert outflows[("Thailand", "TH")] == [3, 1, 2]
    assert outflows[("Total", None)] == [8, 3, 5]
    two = data(sheet("2 Outflows by occupation"), ["Sector", "Occupation", "Total", "Men", "Women"])
    assert two[("Domestic work", "Domestic worker")] == [2, 0, 2]
    three = sheet("3 Stock abroad")
    assert three[0][0] == "Stock of nationals abroad, by sex and country of destination (Dec. 31, 2014)"
    assert data(three, ["Country of destination", "ISO code", "Total", "Men", "Women"])[("Total", None)] == [9, 5, 4]
    four = data(sheet("4 Returns"), ["Country returned from", "ISO code", "Total", "Men", "Women"])
    assert four == {("Thailand", "TH"): [3, 0, 3], ("Malaysia", "MY"): [1, 0, 1], ("Total", None): [4, 0, 4]}


def test_each_ilo_sheet_as_csv(records, statistician, client_for):
    rows = read_csv(client_for(statistician).get(download_url("ilo", "ilo-4", "csv", "?year=2014")))
    assert rows[0] == ["Return of nationals, by sex and country returned from"]
    assert ["Country returned from", "ISO code", "Total", "Men", "Women"] in rows
    assert ["Thailand", "TH", "3", "0", "3"] in rows and ["Total", "", "4", "0", "4"] in rows


# --- Query budgets ---------------------------------------------------------------------------------

# Every page: the session, the user and their groups (the scope), the provinces (the filter's
# choices and the names), then the tables, then the unread-notification count of the layout.
BASE = 3 + 1 + 1
BUDGETS = {
    # year x destination x sex, countries' names, sector x sex, sectors' names, channel x sex
    "deployments": BASE + 5,
    # year x destination x sex, countries' names
    "table-3": BASE + 2,
    # destination x sex, countries, sector x sex, sectors, legal status x sex (one query, a Subquery annotation)
    "abroad": BASE + 5,
    # reason x sex, year x reason x sex, province x sex
    "returns": BASE + 3,
    # outcome x sex; the restricted cases not broken down (one COUNT)
    "complaints": BASE + 2,
    # licence states; licence decisions; agencies in scope, latest approved inspections, their rows
    "agencies": BASE + 5,
    # costs: corridors, offers, rates; indicator: the same three; sent by corridor, countries; sent by province
    "remittances": BASE + 9,
    # report statuses, report lines, register (deployments, certificates), agencies' names, countries, sectors, stored differences
    "reports": BASE + 8,
    # outflows by destination, countries, by occupation, sectors, stock, returns
    "ilo": BASE + 6,
}


@pytest.mark.parametrize("slug", list(FILTERS))
def test_query_budget_per_page(records, statistician, client_for, django_assert_num_queries, slug):
    client = client_for(statistician)
    with django_assert_num_queries(BUDGETS[slug]):
        assert client.get(page_url(slug, FILTERS[slug])).status_code == 200


def test_query_budget_does_not_grow_with_the_records(records, statistician, client_for, django_assert_num_queries):
    # Twenty more departures to new destinations, sectors and provinces: the same queries.
    for i in range(20):
        DeploymentFactory(worker=WorkerFactory(sex="MF"[i % 2], home_province=province(f"{(i % 20) + 3:02d}")),
                          channel="agency", job_order=None, employer=None, agency=records.agency_a,
                          country=country(["SA", "KW", "QA", "TW"][i % 4]), sector=sector(["FSH", "HOS", "ENT", "LIV"][i % 4]),
                          status="abroad", departed_on=date(2014, 1 + i % 12, 1))
    client = client_for(statistician)
    for slug in ("deployments", "abroad", "reports", "ilo"):
        with django_assert_num_queries(BUDGETS[slug]):
            assert client.get(page_url(slug, FILTERS[slug])).status_code == 200


def test_query_budget_for_a_download_and_for_a_province(records, statistician, officer_b, client_for, django_assert_num_queries):
    ministry, province_officer = client_for(statistician), client_for(officer_b)
    with django_assert_num_queries(BASE - 1 + 2):  # no layout: the scope, provinces, then the table and the countries
        assert ministry.get(download_url("table-3", "table-3", "csv", FILTERS["table-3"])).status_code == 200
    with django_assert_num_queries(BUDGETS["deployments"]):  # the officer's province is one of the provinces already read
        assert province_officer.get(page_url("deployments", FILTERS["deployments"])).status_code == 200


def test_the_default_period_is_this_year_and_the_download_links_repeat_it(records, statistician, client_for):
    response = client_for(statistician).get(page_url("deployments"))
    assert response.status_code == 200
    assert 'sector-sex.csv?year=2025"' in response.content.decode()
    table3 = client_for(statistician).get(page_url("table-3"))
    assert "2016" in table3.content.decode() and "2025 (18 Nov)" in table3.content.decode()
    # A province alone keeps the default period; a year alone keeps Table 3's default channels (regular only).
    assert client_for(statistician).get(page_url("returns", "?province=02")).status_code == 200
    assert 'table-3.csv?year=2014&amp;channels=formal&amp;layout=seed"' in client_for(statistician).get(
        page_url("table-3", "?year=2014")).content.decode()


@pytest.mark.parametrize("slug", ["deployments", "table-3", "ilo"])
def test_a_year_still_to_come_is_refused_and_this_year_is_not(records, statistician, client_for, slug):
    """2099 (or next year) has no figures yet: a 400 saying so, never an empty table that looks
    like a year with nothing in it. The current year, begun but not ended, is shown."""
    with time_machine.travel(datetime(2026, 12, 31, 22, tzinfo=PP), tick=False):
        client = client_for(statistician)
        for year in (2027, 2099):
            response = client.get(page_url(slug, f"?year={year}"))
            assert response.status_code == 400, year
            assert f"There are no figures for {year} yet: choose 2026 or earlier." in response.content.decode()
            download = client.get(download_url(slug, PAGES[slug].tables[0].key, "csv", f"?year={year}"))
            assert download.status_code == 400 and "no figures" in download.content.decode()
        assert client.get(page_url(slug, "?year=2026")).status_code == 200


def test_a_range_starting_after_today_is_refused(records, statistician, client_for):
    with time_machine.travel(datetime(2026, 6, 15, 10, tzinfo=PP), tick=False):
        client = client_for(statistician)
        refused = client.get(page_url("returns", "?date_from=2026-06-16&date_to=2026-12-31"))
        assert refused.status_code == 400 and "starts in the future" in refused.content.decode()
        assert client.get(page_url("returns", "?date_from=2026-06-15&date_to=2026-12-31")).status_code == 200
