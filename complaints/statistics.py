"""Complaint statistics: the one module every figure comes from.

The dashboards, the public quarterly statistics and the annual report (policy 10.3) all
call these functions, so a figure means the same thing wherever it is shown.

Every function takes a complaint queryset that is already scoped (a province's dashboard
passes ``visible(Complaint, officer)``, so it counts only that province's cases; the public
pages pass every case and show aggregates only) and a ``Period``. Figures are computed
from the individual records with a few grouped queries each, never a query per case.

The unit of count is the *cohort*: the cases received in the period, and where they stand
now (or, in the annual report, when it was generated).

- received: cases whose ``received_on`` falls in the period;
- resolved: those now settled, referred, withdrawn or closed (``RESOLVED_STAGES``);
- pending: the others (still open);
- days to resolution: ``resolved_on - received_on`` of the resolved ones;
- days per stage: from the event timeline (``complaint.registered`` opens the stage
  "received", each ``complaint.<stage>`` event closes one stage and opens the next), summed
  per case when a stage is visited twice; only stages the case has left are counted;
- outcome: settled, referred, withdrawn, closed without conciliation, or pending. A closed
  case keeps the outcome it had before closing (read from its ``referred_to`` and events).

Medians are computed in Python over a ``values_list`` of day counts (one query, a few
integers per case): the same code on SQLite and PostgreSQL, and quick at the ministry's
volume (hundreds to a few thousand cases a year).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from statistics import median

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, CharField, Count, DecimalField, Exists, F, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractQuarter
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from migration_portal.core.models import Event
from migration_portal.core.scoping import Role, scope_for
from migration_portal.reference.choices import Sex

from .choices import OPEN_STAGES, RESOLVED_STAGES, Ground, RespondentKind, Stage
from .models import Complaint, ComplaintGround, Payment, Respondent, Settlement

SCHEMA = 1
# Public tables show counts of 1 or 2 as "fewer than 3" (and hide what would let them be worked out).
SMALL_CELL = 3
CENTS = Decimal("0.01")


class Outcome(models.TextChoices):
    SETTLED = "settled", gettext_lazy("Settled with an agreement")
    REFERRED = "referred", gettext_lazy("Not settled: referred to court, arbitration or police")
    WITHDRAWN = "withdrawn", gettext_lazy("Withdrawn by the complainant")
    CLOSED = "closed", gettext_lazy("Closed without conciliation")
    PENDING = "pending", gettext_lazy("Pending")


RESOLVED = Q(stage__in=RESOLVED_STAGES)


# --- Periods -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar year, or one quarter of it."""

    year: int
    quarter: int | None = None

    def __post_init__(self):
        if not 2000 <= self.year <= 2100:
            raise ValidationError({"year": _("Choose a year between 2000 and 2100.")})
        if self.quarter is not None and self.quarter not in (1, 2, 3, 4):
            raise ValidationError({"quarter": _("A quarter is 1, 2, 3 or 4.")})

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.quarter - 1) + 1, 1) if self.quarter else date(self.year, 1, 1)

    @property
    def end(self) -> date:
        """The last day, inclusive."""
        if not self.quarter or self.quarter == 4:
            return date(self.year, 12, 31)
        return date(self.year, 3 * self.quarter + 1, 1) - timedelta(days=1)

    @property
    def label(self) -> str:
        if self.quarter:
            return _("Quarter %(q)d of %(year)d") % {"q": self.quarter, "year": self.year}
        return str(self.year)

    def is_over(self, today: date | None = None) -> bool:
        return self.end < (today or timezone.localdate())

    def as_dict(self) -> dict:
        return {"year": self.year, "quarter": self.quarter, "start": self.start.isoformat(), "end": self.end.isoformat()}


def last_complete_quarter(today: date | None = None) -> Period:
    today = today or timezone.localdate()
    quarter = (today.month - 1) // 3  # the current quarter is (this + 1)
    return Period(today.year, quarter) if quarter else Period(today.year - 1, 4)


# --- The cohort --------------------------------------------------------------------------------


def received(qs, period: Period):
    """The cases received in the period, within the scope of ``qs``."""
    return qs.filter(received_on__gte=period.start, received_on__lte=period.end)


def _happened(stage: str):
    """The case's timeline has an event for this stage (the events' object_id is text)."""
    return Exists(Event.objects.filter(
        content_type__app_label="complaints", content_type__model="complaint",
        object_id=Cast(OuterRef("pk"), CharField()), code=f"complaint.{stage}",
    ))


def outcome_expression():
    return Case(
        When(stage__in=OPEN_STAGES, then=Value(Outcome.PENDING.value)),
        When(stage=Stage.SETTLED, then=Value(Outcome.SETTLED.value)),
        When(stage=Stage.REFERRED, then=Value(Outcome.REFERRED.value)),
        When(stage=Stage.WITHDRAWN, then=Value(Outcome.WITHDRAWN.value)),
        # Closed: the outcome it had before closing.
        When(~Q(referred_to=""), then=Value(Outcome.REFERRED.value)),
        When(_happened(Stage.SETTLED), then=Value(Outcome.SETTLED.value)),
        When(_happened(Stage.WITHDRAWN), then=Value(Outcome.WITHDRAWN.value)),
        default=Value(Outcome.CLOSED.value),
        output_field=CharField(),
    )


# --- Counts ------------------------------------------------------------------------------------


def totals(qs, period: Period) -> dict:
    """Received, resolved, pending and the share resolved (one query)."""
    row = received(qs, period).aggregate(
        received=Count("pk"), resolved=Count("pk", filter=RESOLVED), restricted=Count("pk", filter=Q(restricted=True)),
    )
    row["pending"] = row["received"] - row["resolved"]
    row["share_resolved"] = round(row["resolved"] / row["received"], 4) if row["received"] else None
    return row


def by_sex(qs, period: Period) -> list[dict]:
    """Cases by the worker's sex (policy goal 6: every figure by sex). One query."""
    rows = {
        r["worker__sex"]: r for r in received(qs, period).values("worker__sex")
        .annotate(received=Count("pk"), resolved=Count("pk", filter=RESOLVED)).order_by()
    }
    return [{"sex": sex, "received": rows.get(sex, {}).get("received", 0), "resolved": rows.get(sex, {}).get("resolved", 0)}
            for sex in Sex.values]


def by_province(qs, period: Period) -> list[dict]:
    """Cases by the province where they were lodged, split by sex. One query."""
    rows: dict[str, dict] = {}
    for r in (
        received(qs, period)
        .values("lodged_province__code", "lodged_province__name", "lodged_province__name_km", "worker__sex")
        .annotate(n=Count("pk"), resolved=Count("pk", filter=RESOLVED)).order_by()
    ):
        row = rows.setdefault(r["lodged_province__code"], {
            "code": r["lodged_province__code"], "name": r["lodged_province__name"], "name_km": r["lodged_province__name_km"],
            "received": 0, "resolved": 0, "sex": dict.fromkeys(Sex.values, 0),
        })
        row["received"] += r["n"]
        row["resolved"] += r["resolved"]
        row["sex"][r["worker__sex"]] = row["sex"].get(r["worker__sex"], 0) + r["n"]
    return sorted(rows.values(), key=lambda r: (-r["received"], r["name"]))


def by_ground(qs, period: Period) -> list[dict]:
    """Cases by ground, split by sex. A case may have several grounds: the rows add up to more than the total. One query."""
    rows = {
        r["ground"]: r for r in ComplaintGround.objects.filter(complaint__in=received(qs, period).values("pk"))
        .values("ground")
        .annotate(received=Count("pk"), resolved=Count("pk", filter=Q(complaint__stage__in=RESOLVED_STAGES)),
                  women=Count("pk", filter=Q(complaint__worker__sex=Sex.FEMALE)),
                  men=Count("pk", filter=Q(complaint__worker__sex=Sex.MALE)))
        .order_by()
    }
    out = [{"ground": g, **{k: rows[g][k] for k in ("received", "resolved", "women", "men")}} for g in Ground.values if g in rows]
    return sorted(out, key=lambda r: -r["received"])


def by_agency(qs, period: Period) -> list[dict]:
    """Cases by respondent: each licensed agency, then unlicensed brokers and employers abroad
    as one row each. A case may name several respondents. One query."""
    out = []
    for r in (
        Respondent.objects.filter(complaint__in=received(qs, period).values("pk"))
        .values("kind", "agency_id", "agency__name", "agency__name_km", "agency__licence_number")
        .annotate(received=Count("complaint", distinct=True),
                  resolved=Count("complaint", distinct=True, filter=Q(complaint__stage__in=RESOLVED_STAGES)),
                  women=Count("complaint", distinct=True, filter=Q(complaint__worker__sex=Sex.FEMALE)),
                  men=Count("complaint", distinct=True, filter=Q(complaint__worker__sex=Sex.MALE)))
        .order_by()
    ):
        out.append({
            "kind": r["kind"], "agency_id": r["agency_id"],
            "name": r["agency__name"] or "", "name_km": r["agency__name_km"] or "",
            "licence_number": r["agency__licence_number"] or "",
            "received": r["received"], "resolved": r["resolved"], "women": r["women"], "men": r["men"],
        })
    kinds = {RespondentKind.AGENCY: 0, RespondentKind.BROKER: 1, RespondentKind.EMPLOYER: 2}
    return sorted(out, key=lambda r: (kinds.get(r["kind"], 3), -r["received"], r["name"]))


def by_outcome(qs, period: Period) -> list[dict]:
    """Cases by outcome. One query."""
    rows = dict(
        received(qs, period).annotate(outcome=outcome_expression()).values("outcome").annotate(n=Count("pk"))
        .order_by().values_list("outcome", "n")
    )
    return [{"outcome": o, "n": rows.get(o, 0)} for o in Outcome.values]


def by_quarter(qs, year: int) -> list[dict]:
    """Received and resolved per quarter of a year. One query."""
    rows = {
        r["q"]: r for r in received(qs, Period(year)).annotate(q=ExtractQuarter("received_on")).values("q")
        .annotate(received=Count("pk"), resolved=Count("pk", filter=RESOLVED)).order_by()
    }
    return [{"quarter": q, "received": rows.get(q, {}).get("received", 0), "resolved": rows.get(q, {}).get("resolved", 0)}
            for q in (1, 2, 3, 4)]


# --- Time taken --------------------------------------------------------------------------------


def _median(values: list[float]) -> float | None:
    return round(float(median(values)), 1) if values else None


def resolution_days(qs, period: Period) -> dict:
    """Median days from receipt to resolution of the resolved cases. One query."""
    days = [
        (resolved_on - received_on).days
        for received_on, resolved_on in received(qs, period).filter(RESOLVED, resolved_on__isnull=False)
        .values_list("received_on", "resolved_on")
    ]
    return {"median": _median(days), "n": len(days)}


def stage_days(qs, period: Period) -> list[dict]:
    """Median days spent in each open stage, from the event timeline. One query."""
    ids = received(qs, period).annotate(sid=Cast("pk", CharField())).values("sid")
    codes = ["complaint.registered", *(f"complaint.{s}" for s in Stage.values)]
    events = (
        Event.objects.filter(content_type__app_label="complaints", content_type__model="complaint", object_id__in=ids,
                             code__in=codes)
        .order_by("object_id", "created", "id").values_list("object_id", "code", "created")
    )
    per_case: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    current: dict[str, tuple[str, datetime]] = {}
    for object_id, code, created in events:
        if code == "complaint.registered":
            current[object_id] = (Stage.RECEIVED, created)
            continue
        if object_id in current:
            stage, since = current[object_id]
            per_case[object_id][stage] += (created - since).total_seconds() / 86400
        current[object_id] = (code.removeprefix("complaint."), created)
    out = []
    for stage in OPEN_STAGES:
        values = [stages[stage] for stages in per_case.values() if stage in stages]
        out.append({"stage": str(stage), "median": _median(values), "n": len(values)})
    return out


# --- Money -------------------------------------------------------------------------------------


def compensation(qs, period: Period) -> list[dict]:
    """Compensation agreed in settlements of the period's cases against what was paid,
    and how much of that came from agencies' guarantee deposits, per currency. Three queries."""
    settlements = Settlement.objects.filter(complaint__in=received(qs, period).values("pk"))
    rows: dict[str, dict] = {}
    for r in settlements.values("currency").annotate(settlements=Count("pk"), agreed=Sum("amount")).order_by("currency"):
        rows[r["currency"]] = {"currency": r["currency"], "settlements": r["settlements"], "agreed": r["agreed"],
                               "paid": Decimal("0"), "from_deposit": Decimal("0"), "fully_paid": 0}
    for r in (
        Payment.objects.filter(settlement__in=settlements.values("pk")).values("settlement__currency")
        .annotate(paid=Sum("amount"), from_deposit=Sum("amount", filter=Q(from_deposit__isnull=False))).order_by()
    ):
        row = rows[r["settlement__currency"]]
        row["paid"], row["from_deposit"] = r["paid"] or Decimal("0"), r["from_deposit"] or Decimal("0")
    paid_per_settlement = (
        Payment.objects.filter(settlement=OuterRef("pk")).values("settlement").annotate(t=Sum("amount")).values("t")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    for r in (
        settlements.annotate(paid=Coalesce(Subquery(paid_per_settlement, output_field=money), Value(Decimal("0")),
                                           output_field=money))
        .filter(paid__gte=F("amount")).values("currency").annotate(n=Count("pk")).order_by()
    ):
        rows[r["currency"]]["fully_paid"] = r["n"]
    out = []
    for row in rows.values():
        row["outstanding"] = row["agreed"] - row["paid"]
        out.append({k: (str(v.quantize(CENTS)) if isinstance(v, Decimal) else v) for k, v in row.items()})
    return out


# --- Now ---------------------------------------------------------------------------------------


def workload(qs, now: datetime | None = None) -> list[dict]:
    """Open cases now, per stage, and how many are past their time limit. One query (plus the limits)."""
    from .jobs import late_q, time_limits

    now = now or timezone.now()
    rows = {
        r["stage"]: r for r in qs.open().values("stage")
        .annotate(n=Count("pk"), late=Count("pk", filter=late_q(time_limits(), now))).order_by()
    }
    return [{"stage": str(s), "n": rows.get(s, {}).get("n", 0), "late": rows.get(s, {}).get("late", 0)} for s in OPEN_STAGES]


def restricted_not_visible(user, period: Period) -> int:
    """Restricted cases of the user's unit (a province, or the whole country for ministry
    staff) received in the period that the user does not handle: counted, never described,
    so a dashboard can say how many cases it leaves out."""
    scope = scope_for(user)
    unit = Complaint.objects.filter(restricted=True)
    if scope.role is Role.PROVINCE:
        unit = unit.filter(current_province=scope.province_id)
    elif scope.role is not Role.MINISTRY:
        return 0
    return received(unit, period).exclude(pk__in=Complaint.objects.visible_to(user).values("pk")).count()


# --- Bundles -----------------------------------------------------------------------------------


def figures(qs, period: Period, *, describe_restricted: bool) -> dict:
    """Every figure of a period, as plain JSON (the annual report stores it as its snapshot).

    With ``describe_restricted=False`` (anything the public sees), restricted cases count in
    the totals, the medians and the money, and in no breakdown: the breakdowns carry a
    separate "restricted" count instead, so their rows still add up to the total.
    """
    described = qs if describe_restricted else qs.filter(restricted=False)
    out = {
        "schema": SCHEMA,
        "period": period.as_dict(),
        "totals": totals(qs, period),
        "by_sex": by_sex(described, period),
        "by_province": by_province(described, period),
        "by_ground": by_ground(described, period),
        "by_agency": by_agency(described, period),
        "by_outcome": by_outcome(described, period),
        "resolution_days": resolution_days(qs, period),
        "stage_days": stage_days(qs, period),
        "compensation": compensation(qs, period),
    }
    out["not_broken_down"] = 0 if describe_restricted else out["totals"]["restricted"]
    if period.quarter is None:
        out["by_quarter"] = by_quarter(qs, period.year)
    return out


def public_figures(period: Period) -> dict:
    """What the public quarterly page shows: totals, days per stage, by province and sex.
    Aggregates of every case; restricted cases only in the totals."""
    everything = Complaint.objects.all()
    described = everything.filter(restricted=False)
    out = {
        "schema": SCHEMA,
        "period": period.as_dict(),
        "totals": totals(everything, period),
        "stage_days": stage_days(everything, period),
        "resolution_days": resolution_days(everything, period),
        "by_sex": by_sex(described, period),
        "by_province": by_province(described, period),
    }
    out["not_broken_down"] = out["totals"]["restricted"]
    return out


# --- Disclosure control ------------------------------------------------------------------------


@dataclass
class Cell:
    """One published count: shown, or hidden because it is small or would reveal a small one."""

    value: int
    small: bool = False
    complement: bool = False

    @property
    def hidden(self) -> bool:
        return self.small or self.complement

    def __str__(self) -> str:
        if self.small:
            return _("fewer than %(n)d") % {"n": SMALL_CELL}
        if self.complement:
            return "*"
        return str(self.value)


def suppress_small_cells(by_province_rows: list[dict], by_sex_rows: list[dict], threshold: int = SMALL_CELL) -> dict:
    """Province x sex cells safe to publish.

    Primary suppression: a count of 1 or 2 is shown as "fewer than 3". Complementary
    suppression, so that the hidden count cannot be worked out from the totals shown: the
    other sex in the same province is hidden too (the province total is shown), and when
    only one province has hidden cells, the next smallest province's cells are hidden as
    well (the national totals by sex are shown). Zeros are shown unless hidden as complements.
    """
    sexes = list(Sex.values)

    def small(v: int) -> bool:
        return 0 < v < threshold

    rows = []
    for r in by_province_rows:
        cells = {s: Cell(r["sex"].get(s, 0), small=small(r["sex"].get(s, 0))) for s in sexes}
        if any(c.hidden for c in cells.values()):
            for c in cells.values():
                c.complement = not c.small
        rows.append({**r, "cells": [cells[s] for s in sexes]})
    national = {r["sex"]: Cell(r["received"], small=small(r["received"])) for r in by_sex_rows}
    hidden_rows = [r for r in rows if any(c.hidden for c in r["cells"])]
    if len(hidden_rows) == 1:
        others = sorted((r for r in rows if not any(c.hidden for c in r["cells"]) and r["received"]), key=lambda r: r["received"])
        if others:
            for c in others[0]["cells"]:
                c.complement = True
        else:  # one province only: the national figures are that province's
            for c in national.values():
                c.complement = c.complement or not c.small
    if any(c.hidden for c in national.values()):
        for c in national.values():
            c.complement = not c.small
    return {"sexes": sexes, "rows": rows, "national": [national.get(s, Cell(0)) for s in sexes],
            "any_hidden": bool(hidden_rows) or any(c.hidden for c in national.values())}


def public_median(row: dict, threshold: int = SMALL_CELL) -> float | None:
    """A median is published only when at least ``threshold`` cases make it."""
    return row["median"] if row["n"] >= threshold else None
