"""Remittance costs: what a transfer costs and what arrives, per offer, corridor and nationally.

The measure is the World Bank / SDG 10.c one: the total cost of sending the
equivalent of USD 200, as a percentage of the amount sent, counting both the fee
and the exchange-rate margin against the reference rate; the target is under 3%.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.spreadsheets import UploadLimits, read_table

from .choices import SPEED_ORDER, ReceiveMethod, RemittanceChannel, RemittanceSource, Speed
from .models import Corridor, ExchangeRate, Offer, Provider, Remittance

BENCHMARK_USD = Decimal("200")
SDG_TARGET_PERCENT = Decimal("3")
CENT = Decimal("0.01")


def rate_on(currency: str, on: date, rates: dict | None = None) -> Decimal | None:
    """Units of ``currency`` per USD on ``on`` (the latest rate not after it)."""
    if currency == "USD":
        return Decimal("1")
    if rates is not None:
        candidates = [(d, r) for (c, d), r in rates.items() if c == currency and d <= on]
        return max(candidates)[1] if candidates else None
    row = ExchangeRate.objects.filter(currency=currency, on__lte=on).order_by("-on").values_list("per_usd", flat=True).first()
    return row


@dataclass
class Quote:
    offer: Offer
    amount: Decimal  # sent, in the sending currency
    fee: Decimal  # in the sending currency
    received: Decimal  # in the receive currency
    received_usd: Decimal
    cost_percent: Decimal  # fee and exchange-rate margin, as % of the amount sent

    @property
    def speed_rank(self) -> int:
        return SPEED_ORDER.get(self.offer.speed, 9)


def quote(offer: Offer, amount: Decimal, *, sending_rate: Decimal, receive_rate: Decimal) -> Quote:
    """What arrives when ``amount`` (sending currency) goes through ``offer``."""
    amount = Decimal(amount)
    fee = (offer.fee_fixed + amount * offer.fee_percent / 100).quantize(CENT, ROUND_HALF_UP)
    margin = offer.fx_margin_percent / 100
    net = max(amount - fee, Decimal("0"))
    received_usd = (net / sending_rate * (1 - margin)).quantize(CENT, ROUND_HALF_UP)
    received = (received_usd * receive_rate).quantize(CENT, ROUND_HALF_UP)
    cost = ((fee / amount) * 100 + offer.fx_margin_percent).quantize(CENT, ROUND_HALF_UP) if amount else Decimal("0")
    return Quote(offer, amount, fee, received, received_usd, cost)


def latest_offers(corridor: Corridor, on: date | None = None):
    """Each active provider's most recent offer on the corridor (as of ``on``)."""
    on = on or timezone.localdate()
    base = Offer.objects.filter(corridor=corridor, observed_on__lte=on, provider__active=True)
    latest = base.values("provider").annotate(last=Max("observed_on"))
    keys = {(r["provider"], r["last"]) for r in latest}
    offers = base.select_related("provider", "corridor__country").filter(provider__in={k[0] for k in keys})
    return [o for o in offers if (o.provider_id, o.observed_on) in keys]


def compare(corridor: Corridor, amount: Decimal, *, method: str = "", on: date | None = None) -> list[Quote]:
    """Offers on a corridor ranked by what arrives (best first), then by speed."""
    on = on or timezone.localdate()
    sending_rate = rate_on(corridor.currency, on)
    if sending_rate is None:
        return []
    quotes = []
    for offer in latest_offers(corridor, on):
        if method and method not in offer.receive_methods:
            continue
        if (offer.min_amount and amount < offer.min_amount) or (offer.max_amount and amount > offer.max_amount):
            continue
        receive_rate = rate_on(offer.receive_currency, on)
        if receive_rate is None:
            continue
        quotes.append(quote(offer, amount, sending_rate=sending_rate, receive_rate=receive_rate))
    return sorted(quotes, key=lambda q: (-q.received_usd, q.speed_rank, q.offer.provider.name))


def cost_of_200(offer: Offer, on: date | None = None) -> Decimal | None:
    """Total cost (%) of sending the equivalent of USD 200 through this offer."""
    on = on or offer.observed_on
    sending_rate = rate_on(offer.corridor.currency, on)
    if sending_rate is None:
        return None
    return quote(offer, BENCHMARK_USD * sending_rate, sending_rate=sending_rate, receive_rate=Decimal("1")).cost_percent


@dataclass
class CorridorCost:
    corridor: Corridor
    offers: int
    average: Decimal | None
    cheapest: Decimal | None


def corridor_costs(on: date | None = None) -> list[CorridorCost]:
    """Per corridor, the simple average (as the World Bank computes it) of the cost of USD 200."""
    on = on or timezone.localdate()
    out = []
    for corridor in Corridor.objects.select_related("country"):
        costs = [c for c in (cost_of_200(o, on) for o in latest_offers(corridor, on)) if c is not None]
        avg = (sum(costs) / len(costs)).quantize(CENT, ROUND_HALF_UP) if costs else None
        out.append(CorridorCost(corridor, len(costs), avg, min(costs) if costs else None))
    return out


def national_indicator(on: date | None = None) -> Decimal | None:
    """The average over corridors of the corridor averages: compared with the 3% target."""
    averages = [c.average for c in corridor_costs(on) if c.average is not None]
    return (sum(averages) / len(averages)).quantize(CENT, ROUND_HALF_UP) if averages else None


# --- Writes -----------------------------------------------------------------------------------

OFFER_COLUMNS = ["provider", "corridor", "fee_fixed", "fee_percent", "fx_margin_percent", "receive_currency", "speed",
                 "receive_methods", "observed_on"]


@transaction.atomic
def offers_import(*, upload, actor) -> dict:
    """Import observed offers from CSV or XLSX: every row checked first, then all saved or none.

    Re-importing the same file updates the same rows (provider, corridor, date are the key)."""
    if actor is not None and not actor.has_perm("remittances.add_offer"):
        raise PermissionDenied(_("You are not allowed to do this."))
    data = read_table(upload.read(), getattr(upload, "name", "") or "", UploadLimits.named("remittance_offers"))
    headers = [h.lower() for h in data.headers]
    missing = [c for c in OFFER_COLUMNS if c not in headers]
    if missing:
        data.close()
        raise ValidationError({"file": _("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)}})
    providers = {p.name.upper(): p for p in Provider.objects.all()}
    corridors = {c.country.code.upper(): c for c in Corridor.objects.select_related("country")}
    idx = {h: i for i, h in enumerate(headers)}
    errors, rows = [], []
    for n, row in data.rows():  # blank rows skipped; the row cap and the formula check apply while reading
        v = {c: row[idx[c]] for c in OFFER_COLUMNS}
        e = []
        provider = providers.get(str(v["provider"] or "").strip().upper())
        if provider is None:
            e.append(_("row %(row)d, column provider: unknown provider '%(v)s'") % {"row": n, "v": v["provider"]})
        corridor = corridors.get(str(v["corridor"] or "").strip().upper()[:2])
        if corridor is None:
            e.append(_("row %(row)d, column corridor: unknown corridor '%(v)s' (use the country code, e.g. TH)") % {"row": n, "v": v["corridor"]})
        numbers = {}
        for col in ("fee_fixed", "fee_percent", "fx_margin_percent"):
            try:
                numbers[col] = Decimal(str(v[col] if v[col] not in (None, "") else "0").strip())
                if numbers[col] < 0 or (col != "fee_fixed" and numbers[col] > 100):
                    raise ValueError
                Offer._meta.get_field(col).run_validators(numbers[col])  # the column's digits and range
            except (ValueError, ArithmeticError, ValidationError):
                e.append(_("row %(row)d, column %(col)s: '%(v)s' is not a valid amount") % {"row": n, "col": col, "v": v[col]})
        speed = str(v["speed"] or "").strip()
        if speed not in Speed.values:
            e.append(_("row %(row)d, column speed: use one of %(values)s") % {"row": n, "values": ", ".join(Speed.values)})
        methods = [m.strip() for m in str(v["receive_methods"] or "").replace(";", ",").split(",") if m.strip()]
        if not methods or any(m not in ReceiveMethod.values for m in methods):
            e.append(_("row %(row)d, column receive_methods: use %(values)s") % {"row": n, "values": ", ".join(ReceiveMethod.values)})
        currency = str(v["receive_currency"] or "USD").strip().upper()
        if currency not in ("USD", "KHR"):
            e.append(_("row %(row)d, column receive_currency: USD or KHR") % {"row": n})
        observed = v["observed_on"]
        try:
            observed = observed if isinstance(observed, date) else date.fromisoformat(str(observed).strip()[:10])
            if observed > timezone.localdate():
                raise ValueError
        except ValueError:
            e.append(_("row %(row)d, column observed_on: give a past date as YYYY-MM-DD") % {"row": n})
        if e:
            errors.extend(e)
            continue
        rows.append((provider, corridor, observed, {**numbers, "speed": speed, "receive_methods": methods, "receive_currency": currency}))
    if errors:
        raise ValidationError({"file": errors})
    created = updated = 0
    for provider, corridor, observed, values in rows:
        _offer, was_created = Offer.objects.update_or_create(provider=provider, corridor=corridor, observed_on=observed,
                                                             defaults={**values, "source": _("Import")})
        created += was_created
        updated += not was_created
    return {"created": created, "updated": updated}


@transaction.atomic
def remittance_record(*, deployment, actor, month: date, amount: Decimal, currency: str, channel: str,
                      source: str = RemittanceSource.AGENCY, provider=None) -> Remittance:
    if actor is not None and not actor.has_perm("remittances.add_remittance"):
        raise PermissionDenied(_("You are not allowed to do this."))
    from migration_portal.core.scoping import Role, scope_for

    scope = scope_for(actor)
    if scope.role is Role.AGENCY and deployment.agency_id != scope.agency_id:
        raise PermissionDenied(_("You may record remittances only for your own workers."))
    errors = {}
    month = month.replace(day=1)
    if month > timezone.localdate():
        errors["month"] = _("This month has not come yet.")
    if Decimal(amount) <= 0:
        errors["amount"] = _("The amount must be more than zero.")
    if channel not in RemittanceChannel.values:
        errors["channel"] = _("Choose formal or informal.")
    rate = rate_on(currency, month)
    if rate is None:
        errors["currency"] = _("No exchange rate is known for %(c)s.") % {"c": currency}
    if errors:
        raise ValidationError(errors)
    remittance, _created = Remittance.objects.update_or_create(
        deployment=deployment, month=month, channel=channel, source=source,
        defaults={"amount": amount, "currency": currency, "amount_usd": (Decimal(amount) / rate).quantize(CENT, ROUND_HALF_UP),
                  "provider": provider, "recorded_by": actor if getattr(actor, "is_authenticated", False) else None},
    )
    event_record(subject=deployment, code="remittance.recorded", actor=actor, data={"month": str(month), "usd": str(remittance.amount_usd)})
    return remittance


# --- Reads at a fixed number of queries ---------------------------------------------------------
#
# ``compare``, ``corridor_costs`` and ``national_indicator`` above read the rates and the
# offers one corridor and one offer at a time: right for a single figure, but a page
# showing all corridors (or eight quarters of them) would run a query per offer. The
# functions below compute the same figures from rows loaded once: the public page, the
# admin's cost column and the indicator history each cost a few queries however many
# offers and rates there are. tests/remittances/test_pages.py checks that they agree
# with the functions above.


class RateBook:
    """Reference rates loaded once; ``rate(currency, on)`` answers as ``rate_on`` does
    (the latest rate not after ``on``; USD is 1) without a query."""

    def __init__(self, rows):
        self._dates: dict[str, list[date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, on, per_usd in sorted(rows):
            self._dates.setdefault(currency, []).append(on)
            self._rates.setdefault(currency, []).append(per_usd)

    @classmethod
    def until(cls, on: date, currencies=None) -> RateBook:
        """Every rate up to ``on`` (one query), for figures at several dates."""
        qs = ExchangeRate.objects.filter(on__lte=on)
        if currencies is not None:
            qs = qs.filter(currency__in=sorted(set(currencies)))
        return cls(qs.values_list("currency", "on", "per_usd"))

    @classmethod
    def latest(cls, on: date) -> RateBook:
        """Each currency's latest rate not after ``on`` (one query), for figures on one date."""
        newest = ExchangeRate.objects.filter(currency=OuterRef("currency"), on__lte=on).order_by("-on").values("on")[:1]
        return cls(ExchangeRate.objects.filter(on__lte=on, on=Subquery(newest)).values_list("currency", "on", "per_usd"))

    def rate(self, currency: str, on: date) -> Decimal | None:
        if currency == "USD":
            return Decimal("1")
        dates = self._dates.get(currency)
        if not dates:
            return None
        i = bisect_right(dates, on)
        return self._rates[currency][i - 1] if i else None


def latest_offers_all(on: date | None = None) -> dict[int, list[Offer]]:
    """``latest_offers`` for every corridor at once (one query): corridor id -> offers."""
    on = on or timezone.localdate()
    newest = (
        Offer.objects.filter(provider=OuterRef("provider"), corridor=OuterRef("corridor"), observed_on__lte=on)
        .order_by("-observed_on")
        .values("observed_on")[:1]
    )
    offers = Offer.objects.filter(provider__active=True, observed_on__lte=on, observed_on=Subquery(newest)).select_related(
        "provider", "corridor__country"
    )
    out: dict[int, list[Offer]] = {}
    for offer in offers:
        out.setdefault(offer.corridor_id, []).append(offer)
    return out


def latest_as_of(offers: list[Offer], on: date) -> dict[int, list[Offer]]:
    """From offers already loaded (active providers only), each provider's latest per corridor on ``on``."""
    best: dict[tuple[int, int], Offer] = {}
    for offer in offers:
        if offer.observed_on <= on:
            key = (offer.corridor_id, offer.provider_id)
            if key not in best or best[key].observed_on < offer.observed_on:
                best[key] = offer
    out: dict[int, list[Offer]] = {}
    for (corridor_id, _provider), offer in best.items():
        out.setdefault(corridor_id, []).append(offer)
    return out


def cost_of_200_from(offer: Offer, rates: RateBook, on: date | None = None) -> Decimal | None:
    """``cost_of_200`` with the rate read from ``rates``."""
    on = on or offer.observed_on
    sending_rate = rates.rate(offer.corridor.currency, on)
    if sending_rate is None:
        return None
    return quote(offer, BENCHMARK_USD * sending_rate, sending_rate=sending_rate, receive_rate=Decimal("1")).cost_percent


def quotes_from(corridor: Corridor, amount: Decimal, *, offers: list[Offer], rates: RateBook, method: str = "",
                on: date) -> list[Quote]:
    """``compare`` over offers and rates already loaded: the same filters and the same order."""
    sending_rate = rates.rate(corridor.currency, on)
    if sending_rate is None:
        return []
    quotes = []
    for offer in offers:
        if method and method not in offer.receive_methods:
            continue
        if (offer.min_amount and amount < offer.min_amount) or (offer.max_amount and amount > offer.max_amount):
            continue
        receive_rate = rates.rate(offer.receive_currency, on)
        if receive_rate is None:
            continue
        quotes.append(quote(offer, amount, sending_rate=sending_rate, receive_rate=receive_rate))
    return sorted(quotes, key=lambda q: (-q.received_usd, q.speed_rank, q.offer.provider.name))


def costs_from(corridors, offers_by_corridor: dict[int, list[Offer]], rates: RateBook, on: date) -> list[CorridorCost]:
    """``corridor_costs`` over offers and rates already loaded."""
    out = []
    for corridor in corridors:
        offers = offers_by_corridor.get(corridor.pk, [])
        costs = [c for c in (cost_of_200_from(o, rates, on) for o in offers) if c is not None]
        avg = (sum(costs) / len(costs)).quantize(CENT, ROUND_HALF_UP) if costs else None
        out.append(CorridorCost(corridor, len(costs), avg, min(costs) if costs else None))
    return out


def indicator_from(costs: list[CorridorCost]) -> Decimal | None:
    """``national_indicator`` from corridor costs already computed."""
    averages = [c.average for c in costs if c.average is not None]
    return (sum(averages) / len(averages)).quantize(CENT, ROUND_HALF_UP) if averages else None


@dataclass
class Comparison:
    """Everything the public comparison shows, read in two queries (plus the corridors the caller holds)."""

    on: date
    corridor: Corridor | None
    amount: Decimal | None
    sending_rate: Decimal | None  # units of the sending currency per USD
    benchmark_amount: Decimal | None  # USD 200 in the sending currency
    quotes: list[Quote]
    corridor_cost: CorridorCost | None
    costs: list[CorridorCost]
    national: Decimal | None
    target: Decimal = SDG_TARGET_PERCENT


def comparison(*, corridors, corridor: Corridor | None = None, amount: Decimal | None = None, method: str = "",
               on: date | None = None) -> Comparison:
    """The ranked offers for an amount on a corridor, the corridor's average cost of USD 200
    and the national indicator, all as of ``on``. ``amount`` None means the USD 200 equivalent."""
    on = on or timezone.localdate()
    corridors = list(corridors)
    rates = RateBook.latest(on)
    by_corridor = latest_offers_all(on)
    costs = costs_from(corridors, by_corridor, rates, on)
    sending_rate = benchmark = None
    quotes: list[Quote] = []
    corridor_cost = None
    if corridor is not None:
        sending_rate = rates.rate(corridor.currency, on)
        if sending_rate is not None:
            benchmark = (BENCHMARK_USD * sending_rate).quantize(CENT, ROUND_HALF_UP)
        if amount is None:
            amount = benchmark
        if amount is not None:
            quotes = quotes_from(corridor, amount, offers=by_corridor.get(corridor.pk, []), rates=rates, method=method, on=on)
        corridor_cost = next((c for c in costs if c.corridor.pk == corridor.pk), None)
    return Comparison(on, corridor, amount, sending_rate, benchmark, quotes, corridor_cost, costs, indicator_from(costs))


@dataclass
class IndicatorPoint:
    on: date
    label: str
    national: Decimal | None
    costs: list[CorridorCost]

    def average_for(self, corridor_id: int) -> Decimal | None:
        return next((c.average for c in self.costs if c.corridor.pk == corridor_id), None)


def quarter_points(today: date | None = None, quarters: int = 8) -> list[tuple[date, str]]:
    """The last day of each of the last ``quarters`` quarters, oldest first, the running one
    counted to ``today``: [(date, "2025 Q3"), ...]."""
    today = today or timezone.localdate()
    year, q = today.year, (today.month - 1) // 3 + 1
    points = []
    for _i in range(quarters):
        end = today if not points else _quarter_end(year, q)
        points.append((end, f"{year} Q{q}"))
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
    return points[::-1]


def _quarter_end(year: int, q: int) -> date:
    month = 3 * q
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def indicator_series(points: list[tuple[date, str]]) -> list[IndicatorPoint]:
    """Per point, each corridor's average cost of USD 200 and the national indicator, as
    ``corridor_costs`` and ``national_indicator`` give them on that date: three queries in all."""
    if not points:
        return []
    last = max(d for d, _label in points)
    corridors = list(Corridor.objects.select_related("country"))
    offers = list(
        Offer.objects.filter(provider__active=True, observed_on__lte=last).select_related("provider", "corridor__country")
    )
    rates = RateBook.until(last)
    series = []
    for on, label in points:
        costs = costs_from(corridors, latest_as_of(offers, on), rates, on)
        series.append(IndicatorPoint(on, label, indicator_from(costs), costs))
    return series
