"""The remittance pages: the public comparison, remittances per deployment, the summary
and the indicator over time. Who may see what (outsiders get a 404 or nothing), and
every list's query budget, the same with few rows and with many.

The builders at the top are shared with the API and admin tests.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.urls import reverse
from django.utils import timezone

from migration_portal.core.models import Event
from remittances import services
from remittances.models import Corridor, ExchangeRate, Offer, Provider, Remittance

from ..factories import province
from ..workers.factories import DeploymentFactory, WorkerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("remittances.test_urls")]

_seq = count(1)
RATES_SINCE = date(2023, 1, 1)


# --- Builders ------------------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def last_month() -> date:
    return (today().replace(day=1) - timedelta(days=1)).replace(day=1)


def make_rates() -> None:
    """Reference rates since 2023 (so every month recorded has one) and a fresher set."""
    for on, rates in ((RATES_SINCE, {"THB": "36", "KHR": "4100", "KRW": "1300", "MYR": "4.6", "JPY": "140"}),
                      (today() - timedelta(days=5), {"THB": "35", "KHR": "4100", "KRW": "1350", "MYR": "4.5", "JPY": "150"})):
        for currency, per_usd in rates.items():
            ExchangeRate.objects.get_or_create(currency=currency, on=on, defaults={"per_usd": Decimal(per_usd)})


def corridor(code: str) -> Corridor:
    return Corridor.objects.select_related("country").get(country__code=code)


def provider(name: str, kind: str = "bank", active: bool = True) -> Provider:
    return Provider.objects.get_or_create(name=name, defaults={"kind": kind, "active": active})[0]


def offer(prov: Provider, code: str, *, days_ago: int = 3, **values) -> Offer:
    values = {"speed": "next_day", "receive_methods": ["bank"], **values}
    return Offer.objects.create(provider=prov, corridor=corridor(code), observed_on=today() - timedelta(days=days_ago), **values)


@pytest.fixture
def market(db):
    return build_market()


def build_market() -> dict[str, Provider]:
    """Thailand: a bank (3.00%) and a wallet paying out in riel (1.80%); Korea: one operator (3.05%)."""
    make_rates()
    bank, wallet, hanpass = provider("Bank A", "bank"), provider("Wallet W", "wallet"), provider("Hanpass", "mto")
    offer(bank, "TH", days_ago=40, fee_fixed=Decimal("150"), fx_margin_percent=Decimal("1.5"), speed="days")
    offer(bank, "TH", fee_fixed=Decimal("140"), fx_margin_percent=Decimal("1.0"), receive_methods=["bank", "cash"])
    offer(wallet, "TH", days_ago=2, fee_fixed=Decimal("35"), fee_percent=Decimal("0.5"), fx_margin_percent=Decimal("0.8"),
          speed="minutes", receive_methods=["wallet"], receive_currency="KHR")
    offer(hanpass, "KR", fee_fixed=Decimal("5000"), fx_margin_percent=Decimal("1.2"), receive_methods=["bank", "cash"])
    # An inactive provider's offer is never shown nor counted.
    offer(provider("Closed Co", "mto", active=False), "TH", fee_fixed=Decimal("0"), fx_margin_percent=Decimal("0"))
    return {"bank": bank, "wallet": wallet, "hanpass": hanpass}


def grow_offers(n: int) -> None:
    """n more providers with an offer on Thailand and one on Malaysia (for budgets that must not grow)."""
    for _ in range(n):
        i = next(_seq)
        p = provider(f"Grown Provider {i}", "mto")
        offer(p, "TH", fee_fixed=Decimal(50 + i), fx_margin_percent=Decimal("1.1"), receive_currency="KHR")
        offer(p, "MY", days_ago=10, fee_fixed=Decimal("8"), fx_margin_percent=Decimal("1.3"))


def deployment_for(agency, *, province_code: str = "12", sex: str = "M", country_code: str = "TH"):
    from ..factories import country

    worker = WorkerFactory(home_province=province(province_code), sex=sex)
    return DeploymentFactory(worker=worker, job_order__agency=agency, job_order__employer__country=country(country_code))


def remit(deployment, *, month: date | None = None, usd: str = "200", channel: str = "formal") -> Remittance:
    month = month or last_month()
    return Remittance.objects.create(deployment=deployment, month=month, amount=Decimal(usd), currency="USD",
                                     amount_usd=Decimal(usd), channel=channel, source="agency")


def content(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The public comparison -----------------------------------------------------------------------


def test_public_page_ranks_offers_by_what_arrives_and_shows_the_indicator(client, market):
    response = client.get(reverse("remittance-compare"), {"corridor": "TH"})
    assert response.status_code == 200
    rows = response.context["rows"]
    # With no amount given, the USD 200 equivalent (THB 7,000) is compared.
    assert response.context["result"].amount == Decimal("7000.00")
    assert [r["offer"].provider.name for r in rows] == ["Wallet W", "Bank A"]
    wallet, bank = rows[0]["quote"], rows[1]["quote"]
    assert wallet.received == Decimal("805322.00") and wallet.cost_percent == Decimal("1.80")
    assert bank.received == Decimal("194.04") and bank.cost_percent == Decimal("3.00")
    html = content(response)
    assert "KHR 805,322" in html and "USD 194.04" in html
    assert "Into a mobile wallet" in html and "Within an hour" in html
    assert (today() - timedelta(days=2)).isoformat() in html  # the date the price was observed
    assert "Closed Co" not in html
    # Thailand's average (1.80 and 3.00) and the national one (Thailand 2.40, Korea 3.05) against 3%.
    result = response.context["result"]
    assert result.corridor_cost.average == Decimal("2.40")
    assert result.national == Decimal("2.73") == services.national_indicator()
    assert "2.40%" in html and "2.73%" in html and "under 3%" in html
    assert "What “total cost” means" in html


def test_public_page_takes_an_amount_and_a_way_of_receiving(client, market):
    response = client.get(reverse("remittance-compare"), {"corridor": "th", "amount": "3,500", "method": "cash"})
    assert response.status_code == 200
    assert response.context["result"].amount == Decimal("3500")
    assert [r["offer"].provider.name for r in response.context["rows"]] == ["Bank A"]
    assert response.context["usd_equivalent"] == Decimal("100")
    assert "about USD 100" in content(response) and "Cash pick-up" in content(response)


def test_public_page_without_a_question_shows_the_form_and_the_indicator(client, market):
    response = client.get(reverse("remittance-compare"))
    assert response.status_code == 200 and not response.context["form"].errors
    assert response.context["rows"] == []
    html = content(response)
    assert "2.73%" in html and "Thailand" in html and "Korea" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"corridor": "TH", "amount": "-5"}, "Enter an amount more than zero."),
        ({"corridor": "TH", "amount": "0"}, "Enter an amount more than zero."),
        ({"corridor": "TH", "amount": "seven thousand"}, "Enter the amount as a number, for example 7000."),
        ({"corridor": "XX", "amount": "100"}, "We have no information on sending money from “XX”."),
        ({"corridor": "", "amount": "100"}, "Choose the country you send money from."),
        ({"corridor": "TH", "method": "pigeon"}, "Choose how the money should arrive from the list."),
        ({"corridor": "TH", "amount": "1" + "0" * 15}, "This amount is too large."),
    ],
)
def test_bad_input_gives_a_clear_message_and_no_ranking(client, market, params, message):
    response = client.get(reverse("remittance-compare"), params)
    assert response.status_code == 200
    assert message in content(response)
    assert response.context["rows"] == []
    assert "2.73%" in content(response)  # the indicator is still shown


def test_public_page_in_khmer(client, market):
    response = client.get("/km/remittances/compare/", {"corridor": "TH"})
    assert response.status_code == 200
    assert '<html lang="km">' in response.content.decode()
    assert len(response.context["rows"]) == 2


def test_no_rate_for_the_currency_says_so(client, market):
    ExchangeRate.objects.filter(currency="THB").delete()
    response = client.get(reverse("remittance-compare"), {"corridor": "TH"})
    assert response.status_code == 200 and response.context["rows"] == []
    assert "We have no exchange rate for this currency yet" in content(response)


def test_public_page_query_budget_does_not_grow_with_offers(client, market, django_assert_num_queries):
    # 1 the corridors (for the list), 2 each currency's latest rate, 3 every corridor's latest offers
    # (for the ranking, the corridor averages and the national indicator).
    grow_offers(3)
    with django_assert_num_queries(3):
        assert client.get(reverse("remittance-compare"), {"corridor": "TH"}).status_code == 200
    grow_offers(30)
    with django_assert_num_queries(3):
        response = client.get(reverse("remittance-compare"), {"corridor": "TH", "method": "bank"})
    assert len(response.context["rows"]) > 30


# --- The fixed-cost reads agree with the services' one-at-a-time ones ------------------------------


def test_comparison_and_series_agree_with_compare_corridor_costs_and_national_indicator(market):
    grow_offers(4)
    th = corridor("TH")
    for amount, method in ((Decimal("7000"), ""), (Decimal("1234.56"), "bank"), (Decimal("90000"), "cash")):
        corridors = Corridor.objects.select_related("country")
        fixed = services.comparison(corridors=corridors, corridor=th, amount=amount, method=method)
        slow = services.compare(th, amount, method=method)
        assert [(q.offer.pk, q.received, q.cost_percent) for q in fixed.quotes] == [
            (q.offer.pk, q.received, q.cost_percent) for q in slow]
    points = [(today() - timedelta(days=d), "p") for d in (0, 3, 20, 45)]
    for point in services.indicator_series(points):
        slow_costs = {c.corridor.pk: (c.offers, c.average, c.cheapest) for c in services.corridor_costs(point.on)}
        assert {c.corridor.pk: (c.offers, c.average, c.cheapest) for c in point.costs} == slow_costs
        assert point.national == services.national_indicator(point.on)


def test_quarter_points_end_each_quarter_and_count_the_running_one_to_today():
    points = services.quarter_points(date(2026, 11, 21), 4)
    assert points == [(date(2026, 3, 31), "2026 Q1"), (date(2026, 6, 30), "2026 Q2"), (date(2026, 9, 30), "2026 Q3"),
                      (date(2026, 11, 21), "2026 Q4")]
    assert services.quarter_points(date(2026, 1, 5), 2) == [(date(2025, 12, 31), "2025 Q4"), (date(2026, 1, 5), "2026 Q1")]


# --- Remittances per deployment ------------------------------------------------------------------


@pytest.fixture
def deployments(agency_a, agency_b, market):
    return {
        "a": deployment_for(agency_a),  # a man from Phnom Penh in Thailand
        "a_btb": deployment_for(agency_a, province_code="02", sex="F", country_code="KR"),
        "b": deployment_for(agency_b, sex="F"),
    }


def test_agency_records_a_remittance_for_its_own_worker(client_for, agency_user_a, deployments):
    dep = deployments["a"]
    url = reverse("remittance-deployment", kwargs={"ref": dep.ref})
    client = client_for(agency_user_a)
    assert client.get(url).status_code == 200
    response = client.post(url, {"month": last_month().strftime("%Y-%m"), "amount": "7200", "currency": "THB",
                                 "channel": "formal", "provider": Provider.objects.get(name="Wallet W").pk, "source": "agency"})
    assert response.status_code == 302
    remittance = Remittance.objects.get(deployment=dep)
    # THB 7,200 at 36 per USD: the rate in force on the first day of the month, not the later 35.
    assert remittance.amount_usd == Decimal("200.00") and remittance.recorded_by == agency_user_a
    assert Event.objects.filter(code="remittance.recorded", object_id=str(dep.pk)).exists()
    page = content(client.get(url))
    assert "7,200.00" in page and "200.00" in page


def test_form_errors_are_shown_and_nothing_is_saved(client_for, agency_user_a, deployments):
    url = reverse("remittance-deployment", kwargs={"ref": deployments["a"].ref})
    next_month = (today().replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    response = client_for(agency_user_a).post(url, {"month": next_month, "amount": "-3", "currency": "EUR", "channel": "informal",
                                                     "provider": Provider.objects.get(name="Bank A").pk, "source": "agency"})
    assert response.status_code == 400
    html = content(response)
    assert "This month has not come yet." in html and "Enter an amount more than zero." in html
    assert "Select a valid choice. EUR is not one of the available choices." in html
    assert not Remittance.objects.exists()


def test_agency_cannot_see_or_record_for_another_agencys_deployment(client_for, agency_user_b, deployments):
    url = reverse("remittance-deployment", kwargs={"ref": deployments["a"].ref})
    client = client_for(agency_user_b)
    assert client.get(url).status_code == 404
    response = client.post(url, {"month": last_month().strftime("%Y-%m"), "amount": "100", "currency": "USD",
                                 "channel": "formal", "source": "agency"})
    assert response.status_code == 404
    assert not Remittance.objects.exists()


def test_provincial_officer_reads_but_does_not_record(client_for, officer_a, officer_b, deployments):
    url = reverse("remittance-deployment", kwargs={"ref": deployments["a"].ref})
    response = client_for(officer_a).get(url)
    assert response.status_code == 200 and response.context["form"] is None
    post = {"month": last_month().strftime("%Y-%m"), "amount": "100", "currency": "USD", "channel": "formal", "source": "agency"}
    assert client_for(officer_a).post(url, post).status_code == 403
    assert client_for(officer_b).get(url).status_code == 404  # the worker is not from Battambang
    assert not Remittance.objects.exists()


def test_remittance_list_is_scoped(client_for, agency_user_a, agency_user_b, officer_a, officer_b, statistician, deployments):
    mine, mine_btb, theirs = remit(deployments["a"]), remit(deployments["a_btb"]), remit(deployments["b"])

    def seen(user):
        response = client_for(user).get(reverse("remittance-list"))
        assert response.status_code == 200
        return {r.pk for r in response.context["remittances"]}

    assert seen(agency_user_a) == {mine.pk, mine_btb.pk}
    assert seen(agency_user_b) == {theirs.pk}
    assert seen(officer_a) == {mine.pk, theirs.pk}  # workers from Phnom Penh, whichever agency
    assert seen(officer_b) == {mine_btb.pk}
    assert seen(statistician) == {mine.pk, mine_btb.pk, theirs.pk}


def test_pages_refuse_the_anonymous_and_roles_without_the_permission(client_for, inspector, agency_user_a, deployments):
    anonymous = client_for()
    for name in ("remittance-list", "remittance-summary", "remittance-indicator", "remittance-start"):
        assert anonymous.get(reverse(name)).status_code == 302
    # Inspectors hold no remittance permission.
    assert client_for(inspector).get(reverse("remittance-list")).status_code == 403
    # Agencies do not get the national summary nor the indicator page.
    assert client_for(agency_user_a).get(reverse("remittance-summary")).status_code == 403
    assert client_for(agency_user_a).get(reverse("remittance-indicator")).status_code == 403


def test_record_start_finds_only_own_workers(client_for, agency_user_a, deployments):
    deployments["b"].worker.name_latin = "Sok Dara Other"
    deployments["b"].worker.save()
    response = client_for(agency_user_a).get(reverse("remittance-start"), {"q": "Sok Dara"})
    assert response.status_code == 200
    assert {d.pk for d in response.context["deployments"]} == {deployments["a"].pk, deployments["a_btb"].pk}


def test_remittance_list_query_budget(client_for, agency_user_a, agency_a, market, django_assert_num_queries):
    client = client_for(agency_user_a)

    def grow(n):
        for _ in range(n):
            remit(deployment_for(agency_a), usd=str(100 + next(_seq)))

    grow(3)
    # session, user, the user's groups (scope), permissions (user and group), the notifications
    # count, the corridors for the filter, the page's count, the page's rows with their joins.
    with django_assert_num_queries(9):
        assert client.get(reverse("remittance-list")).status_code == 200
    grow(30)
    with django_assert_num_queries(9):
        response = client.get(reverse("remittance-list"))
    assert len(response.context["remittances"]) == 33


# --- The summary ---------------------------------------------------------------------------------


def test_summary_by_corridor_province_and_sex_with_formal_share(client_for, statistician, officer_a, officer_b, deployments):
    remit(deployments["a"], usd="300", channel="formal")
    remit(deployments["a"], usd="100", channel="informal")
    remit(deployments["a_btb"], usd="500", channel="formal")
    remit(deployments["b"], usd="250", channel="formal")
    remit(deployments["b"], usd="999", month=date(2020, 1, 1))  # outside the period

    summary = client_for(statistician).get(reverse("remittance-summary")).context["summary"]
    assert summary.total.total_usd == Decimal("1150") and summary.total.senders == 3
    assert summary.total.formal_share == Decimal("91.3")  # 1,050 of 1,150
    assert {r.key: r.total_usd for r in summary.by_corridor} == {"TH": Decimal("650"), "KR": Decimal("500")}
    assert {r.key: r.total_usd for r in summary.by_province} == {"12": Decimal("650"), "02": Decimal("500")}
    by_sex = {r.key: r for r in summary.by_sex}
    assert by_sex["F"].total_usd == Decimal("750") and by_sex["F"].per_sender == Decimal("375.00")
    assert by_sex["M"].formal_share == Decimal("75.0")

    # A provincial officer sees the workers from their province only.
    pp = client_for(officer_a).get(reverse("remittance-summary")).context["summary"]
    assert pp.total.total_usd == Decimal("650") and [r.key for r in pp.by_province] == ["12"]
    btb = client_for(officer_b).get(reverse("remittance-summary")).context["summary"]
    assert btb.total.total_usd == Decimal("500") and [r.key for r in btb.by_corridor] == ["KR"]

    # The period can be chosen.
    old = client_for(statistician).get(reverse("remittance-summary"), {"start": "2020-01", "end": "2020-12"})
    assert old.context["summary"].total.total_usd == Decimal("999")


def test_summary_query_budget(client_for, officer_a, agency_a, market, django_assert_num_queries):
    client = client_for(officer_a)

    def grow(n):
        for _ in range(n):
            i = next(_seq)
            remit(deployment_for(agency_a, sex="MF"[i % 2], country_code="TKM"[i % 3] + "HRY"[i % 3]), usd="120")

    grow(3)
    # session, user, groups, permissions (user and group), notifications, the officer's
    # province (heading), and one grouped query each: by corridor, by province, by sex.
    with django_assert_num_queries(10):
        assert client.get(reverse("remittance-summary")).status_code == 200
    grow(30)
    with django_assert_num_queries(10):
        response = client.get(reverse("remittance-summary"))
    assert response.context["summary"].total.senders == 33


# --- The indicator over time ---------------------------------------------------------------------


def test_indicator_page_shows_each_quarter_and_a_chart(client_for, statistician, market):
    offer(provider("Bank A"), "TH", days_ago=200, fee_fixed=Decimal("210"), fx_margin_percent=Decimal("2"))
    response = client_for(statistician).get(reverse("remittance-indicator"))
    assert response.status_code == 200
    series = response.context["series"]
    assert len(series) == 8 and series[-1].on == today()
    assert series[-1].national == services.national_indicator()
    html = response.content.decode()
    assert "<svg" in html and "<polyline" in html and "SDG 10.c target: 3%" in html
    assert [c.country.code for c in response.context["corridors"]] == ["KR", "TH"]


def test_indicator_page_query_budget(client_for, statistician, market, django_assert_num_queries):
    client = client_for(statistician)
    grow_offers(3)
    # session, user, groups, permissions (user and group), notifications, and the series:
    # the corridors, every offer up to today, every rate up to today.
    with django_assert_num_queries(9):
        assert client.get(reverse("remittance-indicator")).status_code == 200
    grow_offers(30)
    with django_assert_num_queries(9):
        assert client.get(reverse("remittance-indicator")).status_code == 200


def test_pages_render_in_khmer(client_for, statistician, market):
    response = client_for(statistician).get("/km/remittances/indicator/")
    assert response.status_code == 200 and '<html lang="km">' in response.content.decode()


# --- Demo data -------------------------------------------------------------------------------------


def test_demo_data_loads_once_and_gives_the_indicator_a_history(agency_a):
    from io import StringIO

    from django.core.management import call_command

    from remittances import demo
    from remittances.models import LiteracySession

    for sex in ("M", "F", "F"):
        dep = deployment_for(agency_a, sex=sex)
        type(dep).objects.filter(pk=dep.pk).update(status="abroad", departed_on=today() - timedelta(days=200))
    first = demo.load()
    assert first["providers"] == 10 and first["offers created"] > 100 and first["remittances created"] > 10
    assert first["literacy sessions created"] == 6
    out = StringIO()
    call_command("load_remittance_demo", stdout=out)  # a second run writes nothing new
    assert "remittances created          0" in out.getvalue() and "offers created               0" in out.getvalue()
    assert LiteracySession.objects.count() == 6
    # Every remittance's USD amount is what remittance_record would have computed.
    for r in Remittance.objects.all()[:20]:
        assert r.amount_usd == (r.amount / services.rate_on(r.currency, r.month)).quantize(services.CENT)
    series = services.indicator_series(services.quarter_points(today(), 8))
    assert all(p.national is not None for p in series)
    assert series[0].national > series[-1].national  # costs fell over the two years
    assert series[-1].national == services.national_indicator()
