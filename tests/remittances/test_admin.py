"""The remittances admin: the Statisticians' screens.

Every changelist and change form opens with a query budget that does not grow with
rows; the offers list shows the cost of USD 200 computed from rates read once; the
import is all-or-nothing and lists every row's error; remittances are read-only;
who may reach what.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from remittances import literacy
from remittances.models import Corridor, ExchangeRate, LiteracySession, Offer, Provider

from ..factories import province
from .test_pages import build_market, deployment_for, grow_offers, remit

pytestmark = [pytest.mark.django_db, pytest.mark.urls("remittances.test_urls")]

HEADER = "provider,corridor,fee_fixed,fee_percent,fx_margin_percent,receive_currency,speed,receive_methods,observed_on\n"


@pytest.fixture
def market(db):
    return build_market()


def admin_url(model: str, view: str = "changelist", *args) -> str:
    return reverse(f"admin:remittances_{model}_{view}", args=args)


# --- The offers list and its cost column ------------------------------------------------------------


def test_offer_changelist_shows_the_cost_of_200_per_row(client_for, statistician, market):
    response = client_for(statistician).get(admin_url("offer"), {"corridor": Corridor.objects.get(country__code="TH").pk})
    assert response.status_code == 200
    rows = {(o.provider.name, o.observed_on): o.cost_200 for o in response.context["cl"].result_list}
    today = timezone.localdate()
    assert rows[("Bank A", today - timedelta(days=3))] == Decimal("3.00")
    assert rows[("Wallet W", today - timedelta(days=2))] == Decimal("1.80")
    html = response.content.decode()
    assert "3.00% ▲" in html and "1.80%" in html
    assert "Import offers (CSV/XLSX)" in html


# Every changelist: session, user, permissions (user and group), groups (scope), the notifications
# count, the page's count and the page's rows with their joins (8 in all); then each admin's own.
BASE = 8
# The large tables' paginator (EstimatedCountPaginator) first asks PostgreSQL's planner for the
# size of an unfiltered table, then counts for real when it is small.
ESTIMATE = 1 if connection.vendor == "postgresql" else 0


@pytest.mark.parametrize(
    ("model", "budget"),
    [
        # the corridor and provider filters' choices, the cost column's rates (one query for the
        # page), the date hierarchy's range and months.
        ("offer", BASE + 5 + ESTIMATE),
        ("provider", BASE),
        # the date hierarchy's range and years, the currency filter's choices.
        ("exchangerate", BASE + 3),
        ("corridor", BASE),
    ],
)
def test_reference_changelists_have_a_fixed_query_budget(client_for, statistician, market, django_assert_num_queries, model,
                                                         budget):
    client = client_for(statistician)
    grow_offers(3)
    with django_assert_num_queries(budget):
        assert client.get(admin_url(model)).status_code == 200
    grow_offers(30)
    for i in range(30):
        ExchangeRate.objects.create(currency="THB", on=date(2022, 1, 1) + timedelta(days=i), per_usd=Decimal("33"))
    with django_assert_num_queries(budget):
        assert client.get(admin_url(model)).status_code == 200


@pytest.mark.parametrize("model", ["offer", "provider", "corridor", "exchangerate", "remittance", "literacysession"])
def test_change_forms_open_with_a_fixed_budget(client_for, statistician, agency_user_a, agency_a, market, model,
                                               django_assert_num_queries):
    remittance = remit(deployment_for(agency_a))
    session = literacy.session_create(actor=agency_user_a, province=province("12"), held_on=timezone.localdate(),
                                      place="Hall", partner="NBC", audience="families")
    offer = Offer.objects.filter(provider__name="Wallet W").get()
    obj = {"offer": offer, "provider": offer.provider, "corridor": offer.corridor, "exchangerate": ExchangeRate.objects.first(),
           "remittance": remittance, "literacysession": session}[model]
    client = client_for(statistician)

    def grow(n):
        for i in range(n):
            literacy.attendance_add(session=session, actor=agency_user_a, name=f"Sok Pisey {i}", sex="F", relation="spouse")
            literacy.attendance_add(session=session, actor=agency_user_a, worker=deployment_for(agency_a).worker)

    grow(2)
    client.get(admin_url(model, "change", obj.pk))  # warm the process caches (content types)
    with CaptureQueriesContext(connection) as first:
        assert client.get(admin_url(model, "change", obj.pk)).status_code == 200
    grow(20)
    grow_offers(20)
    with django_assert_num_queries(len(first)):
        assert client.get(admin_url(model, "change", obj.pk)).status_code == 200
    assert len(first) <= CHANGE_FORM_BUDGET[model]


# session, user, groups (scope), the record, permissions (user and group), notifications (7); then each form's own.
CHANGE_FORM_BUDGET = {
    "offer": 9,  # the chosen provider (autocomplete), the corridors with their countries (one query)
    "provider": 7,
    "corridor": 8,  # the country choices
    "exchangerate": 7,
    "remittance": 7,  # read-only: the deployment, worker and provider come with the record
    "literacysession": 10,  # the attendees with their workers (one query), the province and agency choices
}


def test_offer_added_in_the_admin_with_its_receiving_methods(client_for, statistician, market):
    client = client_for(statistician)
    data = {"provider": market["hanpass"].pk, "corridor": Corridor.objects.get(country__code="MY").pk,
            "observed_on": timezone.localdate().isoformat(), "fee_fixed": "9", "fee_percent": "0", "fx_margin_percent": "1.2",
            "receive_currency": "USD", "speed": "same_day", "receive_methods": ["bank", "cash"], "source": "survey"}
    assert client.post(admin_url("offer", "add"), data).status_code == 302
    assert Offer.objects.get(corridor__country__code="MY").receive_methods == ["bank", "cash"]


# --- The import --------------------------------------------------------------------------------------


def test_import_through_the_admin_is_all_or_nothing(client_for, statistician, market):
    client = client_for(statistician)
    url = admin_url("offer", "import")
    assert client.get(url).status_code == 200
    before = Offer.objects.count()
    bad = HEADER + "Hanpass,MY,10,0,1.2,USD,same_day,bank,2026-01-10\nNobody,XX,-1,0,1,EUR,slow,pigeon,2099-01-01\n"
    response = client.post(url, {"file": SimpleUploadedFile("offers.csv", bad.encode())})
    assert response.status_code == 400
    html = response.content.decode()
    for column in ("provider", "corridor", "fee_fixed", "speed", "receive_methods", "receive_currency", "observed_on"):
        assert f"row 3, column {column}" in html, column
    assert "Nothing was imported" in html
    assert Offer.objects.count() == before  # the good row 2 was not saved either

    good = HEADER + "Hanpass,MY,10,0,1.2,USD,same_day,bank;cash,2026-01-10\nBank A,JP,900,0,1.4,USD,next_day,bank,2026-01-11\n"
    response = client.post(url, {"file": SimpleUploadedFile("offers.csv", good.encode())}, follow=True)
    assert response.redirect_chain[-1][0] == admin_url("offer")
    assert "Offers imported: 2 new, 0 updated." in response.content.decode()
    assert Offer.objects.count() == before + 2
    assert Offer.objects.get(corridor__country__code="MY").receive_methods == ["bank", "cash"]


def test_import_rejects_a_file_that_is_not_csv_or_xlsx(client_for, statistician, market):
    response = client_for(statistician).post(admin_url("offer", "import"), {"file": SimpleUploadedFile("offers.pdf", b"%PDF")})
    assert response.status_code == 400 and "Upload a .csv or .xlsx file." in response.content.decode()


def test_import_of_an_xlsx_file(client_for, statistician, market):
    import tablib

    data = tablib.Dataset(headers=HEADER.strip().split(","))
    data.append(["Wallet W", "KR", 4000, 0, 0.9, "KHR", "minutes", "wallet", "2026-02-01"])
    response = client_for(statistician).post(admin_url("offer", "import"),
                                             {"file": SimpleUploadedFile("offers.xlsx", data.export("xlsx"))})
    assert response.status_code == 302
    assert Offer.objects.filter(provider__name="Wallet W", corridor__country__code="KR").exists()


def test_only_those_who_may_add_offers_import(client_for, licensing_officer, agency_user_a, market):
    url = admin_url("offer", "import")
    upload = {"file": SimpleUploadedFile("o.csv", (HEADER + "Hanpass,MY,10,0,1.2,USD,same_day,bank,2026-01-10\n").encode())}
    assert client_for(licensing_officer).post(url, upload).status_code == 403
    # Not staff at all: the admin sends them to its login page.
    assert client_for(agency_user_a).get(url).status_code == 302
    assert not Offer.objects.filter(corridor__country__code="MY").exists()
    # A licensing officer reads the offers but sees no import button.
    response = client_for(licensing_officer).get(admin_url("offer"))
    assert response.status_code == 200 and "Import offers" not in response.content.decode()


# --- Remittances: read-only ---------------------------------------------------------------------------


def test_remittance_changelist_is_read_only_with_a_fixed_budget(client_for, statistician, agency_a, market,
                                                                django_assert_num_queries):
    client = client_for(statistician)

    def grow(n):
        for i in range(n):
            remit(deployment_for(agency_a, country_code="THKRMY"[2 * (i % 3):2 * (i % 3) + 2]), usd="150")

    grow(3)
    # the base (rows with worker, destination, agency and provider joined), the destination
    # filter's choices, the month hierarchy's range and values.
    with django_assert_num_queries(BASE + 3 + ESTIMATE):
        response = client.get(admin_url("remittance"))
    assert response.status_code == 200
    grow(30)
    with django_assert_num_queries(BASE + 3 + ESTIMATE):
        response = client.get(admin_url("remittance"))
    assert len(response.context["cl"].result_list) == 33
    html = response.content.decode()
    assert "Add remittance" not in html
    remittance = response.context["cl"].result_list[0]
    assert client.get(admin_url("remittance", "change", remittance.pk)).status_code == 200  # viewable
    assert client.post(admin_url("remittance", "change", remittance.pk), {"amount": "1"}).status_code == 403
    assert client.get(admin_url("remittance", "add")).status_code == 403
    # The month hierarchy drills down.
    month = remittance.month
    assert client.get(admin_url("remittance"), {"month__year": month.year, "month__month": month.month}).status_code == 200


# --- Literacy sessions --------------------------------------------------------------------------------


def test_literacy_session_admin_with_attendees(client_for, statistician, agency_user_a, django_assert_num_queries):
    client = client_for(statistician)

    def grow(n):
        for i in range(n):
            s = literacy.session_create(actor=agency_user_a, province=province("12"), held_on=timezone.localdate(),
                                        place=f"Hall {i}", partner="NBC", audience="families")
            literacy.attendance_add(session=s, actor=agency_user_a, name="Sok Pisey", sex="F", relation="spouse")

    grow(3)
    # the base (rows with province, agency and attendee counts), the province filter's choices,
    # the date hierarchy's range and values.
    with django_assert_num_queries(BASE + 3):
        assert client.get(admin_url("literacysession")).status_code == 200
    grow(30)
    with django_assert_num_queries(BASE + 3):
        response = client.get(admin_url("literacysession"))
    row = response.context["cl"].result_list[0]
    assert row.attendee_count == 1 and row.women == 1
    change = client.get(admin_url("literacysession", "change", row.pk))
    assert change.status_code == 200 and "Sok Pisey" in change.content.decode()


def test_admin_is_closed_to_agencies_and_officers(client_for, agency_user_a, officer_a, market):
    for user in (agency_user_a, officer_a):
        assert client_for(user).get(admin_url("offer")).status_code == 302  # to the admin login
    # A provider is never deleted by those who may not.
    assert Provider.objects.filter(name="Bank A").exists()
    assert not LiteracySession.objects.exists()


def test_attendees_added_in_the_session_admin(client_for, statistician, agency_user_a, agency_a):
    session = literacy.session_create(actor=agency_user_a, province=province("12"), held_on=timezone.localdate(),
                                      place="Hall", partner="NBC", audience="families")
    literacy.attendance_add(session=session, actor=agency_user_a, name="Sok Pisey", sex="F", relation="spouse")
    worker = deployment_for(agency_a).worker
    client = client_for(statistician)
    url = admin_url("literacysession", "change", session.pk)
    form = client.get(url).context["adminform"].form
    data = {name: form.initial.get(name) or "" for name in ("province", "held_on", "place", "partner", "audience", "topics")}
    data.update({"agency": agency_a.pk, "held_on": session.held_on.isoformat(), "province": session.province_id,
                 "attendees-TOTAL_FORMS": "1", "attendees-INITIAL_FORMS": "1", "attendees-0-id": session.attendees.get().pk,
                 "attendees-0-session": session.pk,
                 "attendees-2-TOTAL_FORMS": "2", "attendees-2-INITIAL_FORMS": "0",
                 "attendees-2-0-worker": worker.pk, "attendees-2-0-sex": "M",
                 "attendees-2-1-name": "Mao Sreyleak", "attendees-2-1-sex": "F", "attendees-2-1-relation": "sister"})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][1].formset.errors
    assert set(session.attendees.values_list("name", flat=True)) == {"Sok Pisey", "", "Mao Sreyleak"}
    # A row naming no one is refused by the database's rule, shown on the form.
    data.update({"attendees-2-TOTAL_FORMS": "1", "attendees-2-0-worker": "", "attendees-2-0-sex": "F",
                 "attendees-2-1-name": ""})
    data["attendees-TOTAL_FORMS"] = data["attendees-INITIAL_FORMS"] = "3"
    for i, row in enumerate(session.attendees.order_by("id")):
        data[f"attendees-{i}-id"], data[f"attendees-{i}-session"] = row.pk, session.pk
    response = client.post(url, data)
    assert response.status_code == 200 and session.attendees.count() == 3
