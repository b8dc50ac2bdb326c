"""Demo data for remittances: providers, reference rates, two years of observed offers on
the Thailand, Korea, Malaysia and Japan corridors (so the indicator has a history),
what deployed workers sent home, and a few financial-literacy sessions.

``load()`` is idempotent: rows are keyed on calendar dates (rates on the first of each
month, offers observed mid-quarter, remittances per month, sessions on the 10th), and
each is written with get-or-create semantics, so a second run on the same day changes
nothing and a run a month later only adds the new month. Random variation is drawn
from a generator seeded per row, so it does not depend on the order rows are written.

``manage.py load_remittance_demo`` runs it on its own; ``seed_remittances(demo)`` is the
step for ``manage.py seed_demo`` (migration_portal/core/demo.py, STEPS).

Remittances are the volume: written with ``bulk_create`` (conflicts ignored), their
USD amount computed exactly as ``services.remittance_record`` computes it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from migration_portal.reference.models import Province

from .choices import Audience, RemittanceChannel, RemittanceSource
from .models import Corridor, ExchangeRate, LiteracyAttendance, LiteracySession, Offer, Provider, Remittance
from .services import CENT, RateBook

MONTHS_OF_HISTORY = 25

# Units per USD around which the monthly reference rates move.
BASE_RATES = {"THB": Decimal("35.0"), "KRW": Decimal("1350"), "MYR": Decimal("4.50"), "JPY": Decimal("150"),
              "KHR": Decimal("4100")}

# name: (kind, licensed by, website)
PROVIDERS = {
    "ACLEDA Bank": ("bank", "National Bank of Cambodia", "https://www.acledabank.com.kh"),
    "Wing Bank": ("wallet", "National Bank of Cambodia", "https://www.wingbank.com.kh"),
    "TrueMoney Cambodia": ("wallet", "National Bank of Cambodia", "https://www.truemoney.com.kh"),
    "Western Union": ("mto", "National Bank of Cambodia (through its agents)", "https://www.westernunion.com"),
    "Kasikornbank": ("bank", "Bank of Thailand", "https://www.kasikornbank.com"),
    "KEB Hana Bank": ("bank", "Financial Services Commission (Korea)", "https://www.kebhana.com"),
    "Hanpass": ("mto", "Financial Services Commission (Korea)", "https://www.hanpass.com"),
    "Maybank": ("bank", "Bank Negara Malaysia", "https://www.maybank.com"),
    "SBI Remit": ("mto", "Financial Services Agency (Japan)", "https://www.remit.co.jp"),
    "AMK Microfinance": ("mfi", "National Bank of Cambodia", "https://www.amkcambodia.com"),
}


@dataclass(frozen=True)
class Plan:
    """What a provider charges today on a corridor; two years ago it charged more."""

    provider: str
    corridor: str
    fee_fixed: str
    fee_percent: str
    margin: str
    speed: str
    methods: tuple[str, ...]
    receive: str = "USD"
    since_months: int = MONTHS_OF_HISTORY  # how long it has served the corridor


PLANS = [
    # Thailand (THB; USD 200 is about THB 7,000)
    Plan("ACLEDA Bank", "TH", "150", "0", "1.10", "next_day", ("bank", "cash")),
    Plan("Wing Bank", "TH", "40", "0.30", "0.90", "minutes", ("wallet", "cash"), "KHR"),
    Plan("TrueMoney Cambodia", "TH", "35", "0.40", "1.00", "minutes", ("wallet", "cash"), "KHR"),
    Plan("Western Union", "TH", "290", "0", "2.40", "minutes", ("cash",)),
    Plan("Kasikornbank", "TH", "180", "0", "1.40", "next_day", ("bank",)),
    Plan("AMK Microfinance", "TH", "90", "0", "1.70", "same_day", ("cash", "bank"), "KHR", since_months=14),
    # Korea (KRW; USD 200 is about KRW 270,000)
    Plan("Hanpass", "KR", "5000", "0", "0.90", "minutes", ("bank", "wallet", "cash")),
    Plan("KEB Hana Bank", "KR", "10000", "0", "1.80", "days", ("bank",)),
    Plan("Western Union", "KR", "8000", "0", "2.90", "minutes", ("cash",)),
    Plan("ACLEDA Bank", "KR", "7000", "0", "1.20", "next_day", ("bank", "cash")),
    Plan("Wing Bank", "KR", "6000", "0", "1.10", "minutes", ("wallet",), "KHR", since_months=10),
    # Malaysia (MYR; USD 200 is about MYR 900)
    Plan("Western Union", "MY", "15", "0", "2.70", "minutes", ("cash",)),
    Plan("ACLEDA Bank", "MY", "12", "0", "1.50", "next_day", ("bank", "cash")),
    Plan("Maybank", "MY", "10", "0", "1.60", "days", ("bank",)),
    Plan("Wing Bank", "MY", "8", "0.20", "1.30", "minutes", ("wallet",), "KHR"),
    # Japan (JPY; USD 200 is about JPY 30,000)
    Plan("Western Union", "JP", "1500", "0", "3.00", "minutes", ("cash",)),
    Plan("SBI Remit", "JP", "1200", "0", "1.50", "next_day", ("bank", "cash")),
    Plan("ACLEDA Bank", "JP", "1000", "0", "1.60", "next_day", ("bank", "cash")),
]


def _rng(seed: int, *key) -> random.Random:
    return random.Random("|".join(str(k) for k in (seed, *key)))


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def load_providers() -> dict[str, Provider]:
    out = {}
    for name, (kind, licensed_by, website) in PROVIDERS.items():
        out[name], _created = Provider.objects.get_or_create(
            name=name, defaults={"kind": kind, "licensed_by": licensed_by, "website": website, "active": True}
        )
    return out


def load_rates(today: date, seed: int) -> int:
    """A reference rate on the first of each month for two years, drifting slightly."""
    first = _add_months(_month_start(today), -MONTHS_OF_HISTORY)
    created = 0
    for currency, base in BASE_RATES.items():
        month = first
        while month <= today:
            drift = Decimal(str(_rng(seed, "rate", currency, month).uniform(-0.035, 0.035)))
            per_usd = (base * (1 + drift)).quantize(Decimal("0.0001") if base < 100 else Decimal("0.01"))
            created += ExchangeRate.objects.get_or_create(currency=currency, on=month, defaults={"per_usd": per_usd})[1]
            month = _add_months(month, 1)
    return created


def observation_dates(today: date) -> list[date]:
    """Mid-quarter observations (15 Feb, May, Aug, Nov) over two years, and the latest survey."""
    dates = []
    month = _add_months(_month_start(today), -MONTHS_OF_HISTORY)
    while month <= today:
        if month.month in (2, 5, 8, 11):
            day = month.replace(day=15)
            if day <= today:
                dates.append(day)
        month = _add_months(month, 1)
    return dates


def load_offers(today: date, seed: int, providers: dict[str, Provider]) -> int:
    """Each plan observed every quarter; fees and margins fall over the two years, as they did.
    An observation already there is left as it is (a statistician may have corrected it)."""
    corridors = {c.country.code: c for c in Corridor.objects.select_related("country")}
    dates = observation_dates(today)
    written = 0
    for plan in PLANS:
        corridor = corridors.get(plan.corridor)
        if corridor is None:
            continue
        for observed in dates:
            age = (today.year - observed.year) * 12 + today.month - observed.month  # months ago
            if age > plan.since_months:
                continue
            r = _rng(seed, "offer", plan.provider, plan.corridor, observed)
            older = Decimal(age) / Decimal(MONTHS_OF_HISTORY)  # 0 today, 1 two years ago
            base_fee = Decimal(plan.fee_fixed)
            fee = (base_fee * (1 + Decimal("0.35") * older)).quantize(Decimal("1") if base_fee >= 100 else CENT)
            margin = (Decimal(plan.margin) + Decimal("0.8") * older + Decimal(str(r.uniform(-0.1, 0.1)))).quantize(CENT)
            written += Offer.objects.get_or_create(
                provider=providers[plan.provider], corridor=corridor, observed_on=observed,
                defaults={
                    "fee_fixed": fee, "fee_percent": Decimal(plan.fee_percent), "fx_margin_percent": max(margin, Decimal("0.3")),
                    "receive_currency": plan.receive, "speed": plan.speed, "receive_methods": list(plan.methods),
                    "source": "MOLVT quarterly price survey (demo)",
                },
            )[1]
    return written


def load_remittances(today: date, seed: int) -> int:
    """What deployed workers sent home each month for up to a year, if there are deployments."""
    from workers.choices import DeploymentStatus
    from workers.models import Deployment

    deployments = list(
        Deployment.objects.filter(
            status__in=[DeploymentStatus.DEPARTED, DeploymentStatus.ABROAD, DeploymentStatus.RETURNED],
            departed_on__isnull=False,
        ).select_related("worker", "country").order_by("id")[:400]
    )
    if not deployments:
        return 0
    rates = RateBook.until(today)
    providers = list(Provider.objects.filter(active=True).order_by("name"))
    last = _add_months(_month_start(today), -1)
    first_allowed = _add_months(last, -11)
    rows = []
    for dep in deployments:
        r = _rng(seed, "remit", dep.pk)
        currency = dep.wage_currency or dep.country.currency or "USD"
        if rates.rate(currency, last) is None:
            currency = "USD"
        wage = dep.monthly_wage
        formal_habit = r.random() < 0.72  # most send through a bank, operator or wallet
        month = max(_month_start(dep.departed_on), first_allowed)
        end = min(last, _month_start(dep.returned_on)) if dep.returned_on else last
        while month <= end:
            if r.random() < 0.85:  # not every month
                share = Decimal(str(r.uniform(0.25, 0.45))) * (Decimal("1.2") if dep.worker.sex == "F" else 1)
                if wage:
                    amount = (wage * share).quantize(CENT, ROUND_HALF_UP)
                else:
                    amount = (Decimal(str(r.uniform(150, 400))) * (rates.rate(currency, month) or 1)).quantize(CENT)
                rate = rates.rate(currency, month)
                channel = RemittanceChannel.FORMAL if (formal_habit or r.random() < 0.2) else RemittanceChannel.INFORMAL
                if rate and amount > 0:
                    rows.append(Remittance(
                        deployment=dep, month=month, amount=amount, currency=currency,
                        amount_usd=(amount / rate).quantize(CENT, ROUND_HALF_UP), channel=channel,
                        provider=r.choice(providers) if channel == RemittanceChannel.FORMAL and providers else None,
                        source=RemittanceSource.AGENCY,
                    ))
            month = _add_months(month, 1)
    before = Remittance.objects.count()
    Remittance.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)
    return Remittance.objects.count() - before


SESSION_PLACES = [
    ("12", "Migrant Worker Resource Centre, Phnom Penh", "ILO TRIANGLE in ASEAN", Audience.WORKERS),
    ("02", "Provincial Department of Labour, Battambang", "National Bank of Cambodia", Audience.FAMILIES),
    ("14", "Commune hall, Prey Veng", "Legal Support for Children and Women", Audience.RETURNEES),
    ("03", "Provincial Department of Labour, Kampong Cham", "ACLEDA Bank financial education team", Audience.FAMILIES),
    ("01", "Poipet border office, Banteay Meanchey", "IOM Cambodia", Audience.RETURNEES),
    ("21", "Pagoda hall, Takeo", "Wing Bank", Audience.WORKERS),
]
TOPICS = "Budgeting and saving; Sending money home safely and cheaply; Comparing remittance providers; Avoiding fraud and scams"
FAMILY = [("Chan Sreymom", "F", "mother"), ("Kim Sophea", "F", "spouse"), ("Heng Vuthy", "M", "father"),
          ("Mao Sreyleak", "F", "sister"), ("Sok Pisey", "F", "spouse"), ("Nhem Rith", "M", "brother")]


def load_literacy(today: date, seed: int) -> int:
    """One session a month for the last six months, in the main sending provinces."""
    from agencies.models import Agency
    from workers.models import Worker

    provinces = {p.code: p for p in Province.objects.all()}
    agencies = list(Agency.objects.order_by("id")[:3])
    created = 0
    for i, (code, place, partner, audience) in enumerate(SESSION_PLACES):
        held_on = _add_months(_month_start(today), -(i + 1)).replace(day=10)
        if code not in provinces:
            continue
        agency = agencies[i % len(agencies)] if agencies and audience == Audience.WORKERS else None
        session, was_created = LiteracySession.objects.get_or_create(
            province=provinces[code], held_on=held_on, place=place,
            defaults={"partner": partner, "audience": audience, "topics": TOPICS, "agency": agency},
        )
        if not was_created:
            continue
        created += 1
        r = _rng(seed, "literacy", code, held_on)
        attendees = []
        if audience != Audience.FAMILIES:
            for worker in Worker.objects.filter(home_province=provinces[code]).order_by("id")[:8]:
                attendees.append(LiteracyAttendance(session=session, worker=worker, sex=worker.sex))
        for name, sex, relation in r.sample(FAMILY, k=4 if audience == Audience.FAMILIES else 2):
            attendees.append(LiteracyAttendance(session=session, name=name, sex=sex, relation=relation))
        LiteracyAttendance.objects.bulk_create(attendees)
    return created


@transaction.atomic
def load(*, today: date | None = None, seed: int = 2026) -> dict[str, int]:
    """Load (or top up) the remittance demo data; returns how many rows each part wrote."""
    today = today or timezone.localdate()
    providers = load_providers()
    return {
        "providers": len(providers),
        "rates created": load_rates(today, seed),
        "offers created": load_offers(today, seed, providers),
        "remittances created": load_remittances(today, seed),
        "literacy sessions created": load_literacy(today, seed),
    }


def seed_remittances(demo) -> None:
    """The step for ``manage.py seed_demo``: remittance reference data, what the seeded
    deployments sent home, and literacy sessions."""
    load(today=demo.today)  # its own per-row seeds: adds nothing to, and takes nothing from, demo.rng
