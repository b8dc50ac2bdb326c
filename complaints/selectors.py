"""Reads of complaints for the portal pages, the admin and the API.

Every reader takes the requesting user and starts from ``visible`` (the row scope of
``complaints.querysets``): a province sees the cases it handles, an agency the cases
naming it (never restricted ones, never confidential parts), a restricted case only
its handlers. Each returns rows already fitted with the joins its readers need, so a
page's query count does not grow with its rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from agencies.models import Agency
from migration_portal.core.events import events_for
from migration_portal.core.models import Event
from migration_portal.core.scoping import COMPLAINTS, PROVINCIAL_OFFICERS, Role, scope_for, visible
from workers.models import Worker
from workers.services import worker_lookup

from .choices import DEFAULT_STAGE_DAYS, OPEN_STAGES, DrawdownStatus
from .models import (
    AgencyResponse,
    Attachment,
    Complaint,
    ConciliationMeeting,
    DrawdownProposal,
    LegalAidReferral,
    Payment,
    Respondent,
    Settlement,
    StageTimeLimit,
    Transfer,
)

# --- Deadlines ------------------------------------------------------------------------------


def stage_limits() -> dict[str, int]:
    """Days allowed per open stage: the ministry's table over the defaults (one query).

    The same rule as ``services.stage_days``, read once for a whole list instead of once per row."""
    limits = {str(k): v for k, v in DEFAULT_STAGE_DAYS.items()}
    limits.update(dict(StageTimeLimit.objects.values_list("stage", "days")))
    return {stage: days for stage, days in limits.items() if stage in OPEN_STAGES}


def deadline_of(complaint: Complaint, limits: dict[str, int]) -> datetime | None:
    """When the case's current stage runs out (``services.stage_deadline`` without a query)."""
    days = limits.get(complaint.stage)
    return complaint.stage_since + timedelta(days=days) if days is not None else None


def with_deadlines(complaints, limits: dict[str, int], now: datetime | None = None):
    """Set ``deadline`` and ``overdue`` on each row (rows already read: no query)."""
    now = now or timezone.now()
    for complaint in complaints:
        complaint.deadline = deadline_of(complaint, limits)
        complaint.overdue = complaint.deadline is not None and complaint.deadline < now
    return complaints


# --- Lists -----------------------------------------------------------------------------------


def _list_shape(qs: QuerySet) -> QuerySet:
    return qs.for_list().select_related("worker__home_province").prefetch_related(
        "grounds", Prefetch("respondents", queryset=Respondent.objects.select_related("agency").order_by("pk"))
    )


def complaint_list(*, user, filters=None) -> QuerySet[Complaint]:
    """The cases the user may see, newest first, filtered by a bound ``ComplaintFilterSet``."""
    qs = visible(Complaint.objects.all(), user)
    if filters is not None:
        qs = filters.filter_queryset(qs) if filters.is_valid() else qs.none()
    return _list_shape(qs).order_by("-received_on", "-id")


def complaint_get(*, user, ref: str) -> Complaint:
    """One case by its reference, through the user's scope (another's is DoesNotExist: a 404)."""
    return (
        visible(Complaint.objects.all(), user)
        .select_related("worker__home_province", "current_province", "lodged_province", "lodged_checkpoint", "country",
                        "assigned_officer", "registered_by")
        .get(ref=(ref or "").upper())
    )


# --- One case ----------------------------------------------------------------------------------


@dataclass
class CaseFile:
    """Everything the case page shows, each part read through the user's scope."""

    complaint: Complaint
    grounds: list
    respondents: list
    attachments: list
    meetings: list
    settlement: Settlement | None
    legal_aid: list
    responses: list
    transfers: list = field(default_factory=list)
    events: list = field(default_factory=list)
    deadline: datetime | None = None
    overdue: bool = False
    paid: Decimal = Decimal("0")
    instalments: list = field(default_factory=list)
    payments: list = field(default_factory=list)
    drawdowns: list = field(default_factory=list)
    worker_visible: bool = False

    @property
    def outstanding(self) -> Decimal:
        return (self.settlement.amount - self.paid) if self.settlement else Decimal("0")

    @property
    def pending_drawdown(self) -> DrawdownProposal | None:
        return next((d for d in self.drawdowns if d.status == DrawdownStatus.PROPOSED), None)

    @property
    def respondent_agencies(self) -> list[Agency]:
        seen, out = set(), []
        for r in self.respondents:
            if r.agency_id and r.agency_id not in seen:
                seen.add(r.agency_id)
                out.append(r.agency)
        return out

    @property
    def meetings_to_record(self) -> list:
        now = timezone.now()
        return [m for m in self.meetings if not m.held and m.scheduled_for <= now]


def _settlement_parts(user, complaint: Complaint):
    settlement = (
        visible(Settlement.objects.filter(complaint=complaint), user)
        .select_related("payer_agency")
        .prefetch_related(
            "instalments",
            Prefetch("payments", queryset=Payment.objects.select_related("recorded_by").order_by("paid_on", "id")),
            Prefetch("drawdowns", queryset=DrawdownProposal.objects.select_related("proposed_by", "decided_by", "agency")),
        )
        .first()
    )
    if settlement is None:
        return None, [], [], [], Decimal("0")
    instalments = list(settlement.instalments.all())
    payments = list(settlement.payments.all())
    drawdowns = list(settlement.drawdowns.all())
    paid = sum((p.amount for p in payments), Decimal("0"))
    return settlement, instalments, payments, drawdowns, paid


def complaint_file(*, user, complaint: Complaint) -> CaseFile:
    """The officer's case page. The complaint was read through the user's scope; its
    parts are read through theirs (attachments, legal aid and transfers apply their own rules)."""
    settlement, instalments, payments, drawdowns, paid = _settlement_parts(user, complaint)
    limits = stage_limits()
    deadline = deadline_of(complaint, limits)
    return CaseFile(
        complaint=complaint,
        grounds=list(complaint.grounds.all()),
        respondents=list(complaint.respondents.select_related("agency", "employer__country").order_by("pk")),
        attachments=list(visible(Attachment.objects.filter(complaint=complaint), user).select_related("uploaded_by")),
        meetings=list(visible(ConciliationMeeting.objects.filter(complaint=complaint), user)),
        settlement=settlement,
        instalments=instalments,
        payments=payments,
        drawdowns=drawdowns,
        paid=paid,
        legal_aid=list(visible(LegalAidReferral.objects.filter(complaint=complaint), user)),
        responses=list(visible(AgencyResponse.objects.filter(complaint=complaint), user)
                       .select_related("agency", "submitted_by")),
        transfers=list(visible(Transfer.objects.filter(complaint=complaint), user)
                       .select_related("from_province", "to_province", "actor")),
        # The complaint was read through the scope: its own timeline is the user's to see.
        events=list(events_for(complaint)[:100]),
        deadline=deadline,
        overdue=bool(deadline and deadline < timezone.now()),
        worker_visible=visible(Worker.objects.filter(pk=complaint.worker_id), user).exists(),
    )


@dataclass
class AgencyCaseFile:
    """What the respondent agency may read of a case: no confidential notes, no legal aid,
    no unshared attachments, no complainant's phone, no worker identifiers."""

    complaint: Complaint
    grounds: list
    meetings: list
    settlement: Settlement | None
    instalments: list
    payments: list
    paid: Decimal
    attachments: list
    responses: list

    @property
    def outstanding(self) -> Decimal:
        return (self.settlement.amount - self.paid) if self.settlement else Decimal("0")

    @property
    def open(self) -> bool:
        return self.complaint.stage in OPEN_STAGES


def agency_complaint_list(*, user) -> QuerySet[Complaint]:
    """The cases naming the agency (restricted ones never), newest first."""
    return (
        visible(Complaint.objects.all(), user)
        .select_related("worker")
        .prefetch_related("grounds")
        .order_by("-received_on", "-id")
    )


def agency_complaint_file(*, user, complaint: Complaint) -> AgencyCaseFile:
    settlement, instalments, payments, _drawdowns, paid = _settlement_parts(user, complaint)
    return AgencyCaseFile(
        complaint=complaint,
        grounds=list(complaint.grounds.all()),
        meetings=list(visible(ConciliationMeeting.objects.filter(complaint=complaint), user)),
        settlement=settlement,
        instalments=instalments,
        payments=payments,
        paid=paid,
        # AttachmentQuerySet gives an agency the shared ones only.
        attachments=list(visible(Attachment.objects.filter(complaint=complaint), user)),
        responses=list(visible(AgencyResponse.objects.filter(complaint=complaint), user).select_related("submitted_by")),
    )


def attachment_get(*, user, ref: str, pk: int) -> Attachment:
    """One attachment for download, through the user's scope (an agency: shared ones only)."""
    return visible(Attachment.objects.filter(complaint__ref=(ref or "").upper()), user).select_related("complaint").get(pk=pk)


# --- Intake: finding the worker ------------------------------------------------------------------


def intake_worker_search(*, user, name: str = "", date_of_birth: date | None = None, identifier: str = "") -> list[Worker]:
    """Candidates for the worker of a new complaint.

    By name and date of birth: only workers the officer may see (a fuzzy search over
    the register is not offered beyond one's scope). By an exact national ID, passport
    or phone number (``workers.services.worker_lookup``, through the keyed hashes): the
    whole register. The person lodging the complaint holds that document, and a worker
    from another province who walks in must be linked to their one record rather than
    registered twice (which ``worker_register`` refuses anyway). Only the name, date of
    birth and masked identifiers of such a match are shown.
    """
    identifier = (identifier or "").strip()
    if identifier:
        pks = set()
        for key in ("national_id", "passport_number", "phone"):
            pks.update(worker_lookup(**{key: identifier}).values_list("pk", flat=True))
        return list(Worker.objects.filter(pk__in=pks).select_related("home_province").order_by("name_latin")[:20])
    name = " ".join((name or "").split())
    if not (name and date_of_birth):
        return []
    return list(
        visible(Worker.objects.all(), user)
        .filter(date_of_birth=date_of_birth)
        .filter(Q(name_latin__icontains=name) | Q(name_km__contains=name))
        .select_related("home_province")
        .order_by("name_latin")[:20]
    )


def intake_worker_resolve(*, user, ref, identifier: str = "") -> Worker | None:
    """The worker chosen on the intake form: one the officer may see, or the exact match of
    the identifier typed in the search box (see ``intake_worker_search``)."""
    try:
        worker = Worker.objects.select_related("home_province").get(ref=ref)
    except (Worker.DoesNotExist, ValidationError, ValueError, TypeError):  # unknown or malformed reference
        return None
    if visible(Worker.objects.filter(pk=worker.pk), user).exists():
        return worker
    if identifier and any(w.pk == worker.pk for w in intake_worker_search(user=user, identifier=identifier)):
        return worker
    return None


# --- Choices for the forms ----------------------------------------------------------------------


def agency_choices(*, user) -> list[tuple[int, str]]:
    """The agency register for the respondent picker (one query), Khmer name beside the English."""
    rows = visible(Agency.objects.all(), user).order_by("name").values_list("pk", "name", "name_km", "licence_number")
    return [(pk, f"{name} / {km}" + (f" ({lic})" if lic else "") if km else f"{name}" + (f" ({lic})" if lic else ""))
            for pk, name, km, lic in rows]


def assignable_officers(*, complaint: Complaint):
    """Who may be assigned the case: the province's officers, or the ministry's complaints officers."""
    users = get_user_model().objects.filter(is_active=True)
    if complaint.current_province_id:
        users = users.filter(province_id=complaint.current_province_id, groups__name=PROVINCIAL_OFFICERS)
    else:
        users = users.filter(groups__name=COMPLAINTS, agency__isnull=True, province__isnull=True)
    return users.distinct().order_by("first_name", "last_name", "username")


def is_handler(user) -> bool:
    """Staff who handle complaints see confidential notes and the complainant's phone."""
    return scope_for(user).role in (Role.PROVINCE, Role.MINISTRY) and user.has_perm("complaints.handle_complaint")


def timeline_events(complaint: Complaint) -> QuerySet[Event]:
    """The case's timeline, newest first, actors joined. The case was read through the
    user's scope: its own timeline is theirs to see."""
    return events_for(complaint)
