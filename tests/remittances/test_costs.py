"""Remittance cost arithmetic, ranking, corridor averages and the offer import."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from remittances import services
from remittances.models import Corridor, ExchangeRate, Offer, Provider

pytestmark = pytest.mark.django_db


@pytest.fixture
def thailand():
    today = timezone.localdate()
    ExchangeRate.objects.create(currency="THB", on=today - timedelta(days=5), per_usd=Decimal("35"))
    ExchangeRate.objects.create(currency="KHR", on=today - timedelta(days=5), per_usd=Decimal("4100"))
    corridor = Corridor.objects.get(country__code="TH")
    bank = Provider.objects.create(name="Bank A", kind="bank")
    wallet = Provider.objects.create(name="Wallet W", kind="wallet")
    Offer.objects.create(provider=bank, corridor=corridor, fee_fixed=Decimal("150"), fx_margin_percent=Decimal("1.5"),
                         speed="days", receive_methods=["bank"], observed_on=today - timedelta(days=40))
    # A newer observation of the bank replaces the older one.
    Offer.objects.create(provider=bank, corridor=corridor, fee_fixed=Decimal("140"), fx_margin_percent=Decimal("1.0"),
                         speed="next_day", receive_methods=["bank", "cash"], observed_on=today - timedelta(days=3))
    Offer.objects.create(provider=wallet, corridor=corridor, fee_fixed=Decimal("35"), fee_percent=Decimal("0.5"),
                         fx_margin_percent=Decimal("0.8"), speed="minutes", receive_methods=["wallet"], receive_currency="KHR",
                         observed_on=today - timedelta(days=2))
    return corridor


def test_cost_of_200_counts_fee_and_margin(thailand):
    bank = Offer.objects.get(provider__name="Bank A", fee_fixed=Decimal("140"))
    # USD 200 = THB 7,000; fee 140 = 2.00%; margin 1.00% -> 3.00%
    assert services.cost_of_200(bank) == Decimal("3.00")
    wallet = Offer.objects.get(provider__name="Wallet W")
    # fee 35 + 0.5% of 7,000 (35) = 70 = 1.00%; margin 0.80% -> 1.80%
    assert services.cost_of_200(wallet) == Decimal("1.80")


def test_compare_ranks_by_what_arrives_and_filters_by_method(thailand):
    quotes = services.compare(thailand, Decimal("7000"))
    assert [q.offer.provider.name for q in quotes] == ["Wallet W", "Bank A"]
    wallet = quotes[0]
    # (7000 - 70) / 35 = 198.00 USD, less the 0.8% margin = 196.42 USD, received in riel at 4,100
    assert wallet.received_usd == Decimal("196.42") and wallet.received == Decimal("805322.00")
    assert [q.offer.provider.name for q in services.compare(thailand, Decimal("7000"), method="cash")] == ["Bank A"]


def test_corridor_average_and_national_indicator(thailand):
    th = next(c for c in services.corridor_costs() if c.corridor.country.code == "TH")
    assert th.offers == 2 and th.average == Decimal("2.40") and th.cheapest == Decimal("1.80")
    assert services.national_indicator() == Decimal("2.40")  # the only corridor with offers


def test_offer_import_is_all_or_nothing(thailand, statistician):
    Provider.objects.create(name="MTO X", kind="mto")
    good = "provider,corridor,fee_fixed,fee_percent,fx_margin_percent,receive_currency,speed,receive_methods,observed_on\n"
    bad = good + "MTO X,TH,100,0,1.2,USD,same_day,cash,2026-01-10\nNobody,XX,-1,0,1,EUR,slow,carrier pigeon,2099-01-01\n"
    with pytest.raises(ValidationError) as err:
        services.offers_import(upload=SimpleUploadedFile("o.csv", bad.encode()), actor=statistician)
    messages = err.value.message_dict["file"]
    assert any("row 3, column provider" in m for m in messages) and any("row 3, column speed" in m for m in messages)
    assert not Offer.objects.filter(provider__name="MTO X").exists()
    ok = good + "MTO X,TH,100,0,1.2,USD,same_day,cash,2026-01-10\n"
    assert services.offers_import(upload=SimpleUploadedFile("o.csv", ok.encode()), actor=statistician) == {"created": 1, "updated": 0}
    assert services.offers_import(upload=SimpleUploadedFile("o.csv", ok.encode()), actor=statistician) == {"created": 0, "updated": 1}
    assert date(2026, 1, 10) == Offer.objects.get(provider__name="MTO X").observed_on
