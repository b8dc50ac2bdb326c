"""Reads for the remittance pages, the API and the admin: scoped, and shaped for their readers.

Every function takes the requesting user and starts from ``visible_to``; the joins
a list shows are made here, so no page or serializer queries per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from migration_portal.core.scoping import visible
from migration_portal.reference.choices import Sex

from .choices import RemittanceChannel
from .models import Corridor, LiteracyAttendance, LiteracySession, Offer, Provider, Remittance

MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Value(Decimal("0"), output_field=MONEY)


# --- Reference: providers, corridors, offers ------------------------------------------------


def corridor_list(*, user=None) -> QuerySet[Corridor]:
    """Corridors with their country. The public page passes no user: corridors are public."""
    qs = Corridor.objects.select_related("country").order_by("country__name")
    return qs if user is None else visible(qs, user)


def provider_list(*, user) -> QuerySet[Provider]:
    return visible(Provider.objects.order_by("name"), user)


def offer_list(*, user) -> QuerySet[Offer]:
    return visible(Offer.objects.select_related("provider", "corridor__country"), user)


# --- Remittances recorded -----------------------------------------------------------------


def remittance_list(*, user) -> QuerySet[Remittance]:
    """What workers sent, newest month first, with the worker, destination, agency and provider joined."""
    return visible(
        Remittance.objects.select_related(
            "deployment__worker", "deployment__country", "deployment__agency", "provider"
        ).order_by("-month", "-id"),
        user,
    )


def deployment_for_remittances(*, user, ref):
    """A deployment the user may see, by its reference (Deployment.DoesNotExist outside the scope)."""
    from workers.models import Deployment

    return visible(Deployment.objects.select_related("worker", "country", "agency"), user).get(ref=ref)


def deployment_search(*, user, query: str, limit: int = 20):
    """Deployments the user may see whose worker's name matches, for picking whom a record is about."""
    from workers.models import Deployment

    query = (query or "").strip()[:100]
    if len(query) < 2:
        return []
    return list(
        visible(Deployment.objects.select_related("worker", "country"), user)
        .filter(Q(worker__name_latin__icontains=query) | Q(worker__name_km__icontains=query))
        .order_by("worker__name_latin", "-created")[:limit]
    )


@dataclass
class SummaryRow:
    key: str
    label: str
    label_km: str
    records: int
    senders: int
    total_usd: Decimal
    formal_usd: Decimal
    informal_usd: Decimal

    @property
    def formal_share(self) -> Decimal | None:
        if not self.total_usd:
            return None
        return (self.formal_usd * 100 / self.total_usd).quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def per_sender(self) -> Decimal | None:
        if not self.senders:
            return None
        return (self.total_usd / self.senders).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass
class RemittanceSummary:
    start: date
    end: date
    by_corridor: list[SummaryRow]
    by_province: list[SummaryRow]
    by_sex: list[SummaryRow]
    total: SummaryRow


def _grouped(qs, keys: list[str]) -> list[dict]:
    return list(
        qs.values(*keys)
        .annotate(
            records=Count("id"),
            senders=Count("deployment", distinct=True),
            total_usd=Coalesce(Sum("amount_usd"), ZERO),
            formal_usd=Coalesce(Sum("amount_usd", filter=Q(channel=RemittanceChannel.FORMAL)), ZERO),
            informal_usd=Coalesce(Sum("amount_usd", filter=Q(channel=RemittanceChannel.INFORMAL)), ZERO),
        )
        .order_by(*keys)
    )


def _row(d: dict, key: str, label: str, label_km: str = "") -> SummaryRow:
    return SummaryRow(key, label, label_km, d["records"], d["senders"], d["total_usd"], d["formal_usd"], d["informal_usd"])


def remittance_summary(*, user, start: date, end: date) -> RemittanceSummary:
    """What was sent in the months from ``start`` to ``end``, in USD, by destination, by
    province of origin and by sex, with the formal and informal shares: one grouped query
    each, over the rows the user may see (a provincial officer: workers from their province)."""
    qs = visible(Remittance.objects.filter(month__gte=start, month__lte=end), user)
    by_corridor = [
        _row(d, d["deployment__country__code"], d["deployment__country__name"], d["deployment__country__name_km"])
        for d in _grouped(qs, ["deployment__country__code", "deployment__country__name", "deployment__country__name_km"])
    ]
    by_corridor.sort(key=lambda r: -r.total_usd)
    by_province = [
        _row(d, d["deployment__worker__home_province__code"] or "", d["deployment__worker__home_province__name"] or "",
             d["deployment__worker__home_province__name_km"] or "")
        for d in _grouped(qs, ["deployment__worker__home_province__code", "deployment__worker__home_province__name",
                               "deployment__worker__home_province__name_km"])
    ]
    by_province.sort(key=lambda r: -r.total_usd)
    labels = dict(Sex.choices)
    by_sex = [_row(d, d["deployment__worker__sex"], str(labels.get(d["deployment__worker__sex"], "?")))
              for d in _grouped(qs, ["deployment__worker__sex"])]
    # Every remittance belongs to a worker of one sex, so the totals are the sum of the sex rows
    # (a worker is one sender in one sex row; senders add up).
    total = SummaryRow(
        "all", "", "", sum(r.records for r in by_sex), sum(r.senders for r in by_sex),
        sum((r.total_usd for r in by_sex), Decimal("0")), sum((r.formal_usd for r in by_sex), Decimal("0")),
        sum((r.informal_usd for r in by_sex), Decimal("0")),
    )
    return RemittanceSummary(start, end, by_corridor, by_province, by_sex, total)


# --- Financial literacy -------------------------------------------------------------------


def literacy_session_rows() -> QuerySet[LiteracySession]:
    """The shape of a session list (not yet scoped): province and agency joined, and the
    number of people who came, by sex, as annotations (no per-row query)."""
    return LiteracySession.objects.select_related("province", "agency").annotate(
        attendee_count=Count("attendees"),
        women=Count("attendees", filter=Q(attendees__sex=Sex.FEMALE)),
        men=Count("attendees", filter=Q(attendees__sex=Sex.MALE)),
    ).order_by("-held_on", "-id")


def literacy_session_list(*, user) -> QuerySet[LiteracySession]:
    """Sessions the user may see: an agency its own, a province those held there, the ministry all."""
    return visible(literacy_session_rows(), user)


def literacy_session_get(*, user, pk: int) -> LiteracySession:
    return visible(LiteracySession.objects.select_related("province", "agency"), user).get(pk=pk)


def literacy_attendees(*, user, session: LiteracySession) -> QuerySet[LiteracyAttendance]:
    return visible(
        LiteracyAttendance.objects.filter(session=session).select_related("worker", "worker__home_province").order_by("id"),
        user,
    )


def worker_search(*, user, query: str, session: LiteracySession | None = None, limit: int = 20):
    """Registered workers the user may see whose name matches (to add one to a session),
    leaving out those already on the session's list."""
    from workers.models import Worker

    query = (query or "").strip()[:100]
    if len(query) < 2:
        return []
    qs = visible(Worker.objects.select_related("home_province"), user).filter(
        Q(name_latin__icontains=query) | Q(name_km__icontains=query)
    )
    if session is not None:
        qs = qs.exclude(pk__in=LiteracyAttendance.objects.filter(session=session, worker__isnull=False).values("worker"))
    return list(qs.order_by("name_latin", "id")[:limit])
