"""Reads of the worker register for pages, the API and the admin.

Every function takes the requesting ``user`` and starts from ``visible``, so an
agency reaches only its own workers and deployments and a provincial officer only
their province's (from it or returning to it). Each returns its rows already
fitted with the joins and annotations its readers use: a template or serializer
reading a list never runs a query per row.

The ``*_rows`` functions are the query shapes alone, for readers that apply the
scope themselves (the API and admin bases call ``visible`` on what they get).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from agencies.models import Agency
from migration_portal.core.events import events_for
from migration_portal.core.models import Event
from migration_portal.core.scoping import Role, scope_for, visible

from . import services
from .choices import OUT_OF_COUNTRY, DeploymentStatus, JobOrderStatus
from .models import (
    Certificate,
    Deployment,
    Employer,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    ReturnRecord,
    SendingSuspension,
    Worker,
)

# How far ahead "expected to return" looks by default: the contract end within two months.
EXPECTED_RETURN_DAYS = 60


# --- Workers ------------------------------------------------------------------------


def worker_rows(qs: QuerySet[Worker], *, user) -> QuerySet[Worker]:
    """Workers shaped for a list: home province and registering agency joined, and the
    latest deployment *the user may see* annotated (status, destination), so an agency
    never reads another agency's deployment of a shared worker through the list."""
    latest = visible(Deployment.objects.filter(worker=OuterRef("pk")), user).order_by("-created", "-id")
    return qs.select_related("home_province", "registered_by_agency").annotate(
        latest_status=Subquery(latest.values("status")[:1]),
        latest_country=Subquery(latest.values("country__name")[:1]),
        latest_country_km=Subquery(latest.values("country__name_km")[:1]),
    )


def worker_list(*, user, filters=None) -> QuerySet[Worker]:
    """The workers the user may see, newest first, shaped for a list.

    ``filters`` is a bound :class:`workers.filters.WorkerFilterSet` (or None); an
    invalid one yields no rows rather than an unfiltered list.
    """
    qs = worker_rows(visible(Worker.objects.all(), user), user=user).order_by("-created", "-id")
    return _filtered(qs, filters)


def _filtered(qs, filters):
    """Apply a FilterSet; an invalid one (a bad date, an unknown code) gives no rows, never all."""
    if filters is None or not filters.is_bound:
        return qs
    return filters.filter_queryset(qs) if filters.is_valid() else qs.none()


def worker_get(*, user, ref) -> Worker:
    """One worker by reference, through the scope (Worker.DoesNotExist outside it)."""
    return visible(Worker.objects.select_related("home_province", "registered_by_agency", "registered_by"), user).get(ref=ref)


@dataclass
class WorkerFile:
    """Everything the worker's page shows, each section one query."""

    worker: Worker
    deployments: list[Deployment]
    certificates: list[Certificate]
    returns: list[ReturnRecord]
    events: list[Event]
    deployment_events: dict[int, list[Event]] = field(default_factory=dict)


def worker_file(*, user, worker: Worker) -> WorkerFile:
    """The worker's deployments (with their legal-status history and status timeline),
    certificates, returns and their own timeline; only rows the user may see."""
    deployments = list(
        deployment_rows(visible(Deployment.objects.filter(worker=worker), user))
        .prefetch_related(Prefetch("legal_statuses", queryset=LegalStatusRecord.objects.order_by("-since", "-id")))
        .order_by("-created", "-id")
    )
    certificates = list(
        visible(Certificate.objects.filter(worker=worker), user)
        .select_related("session__curriculum__country", "session__agency")
        .order_by("-issued_on", "-id")
    )
    returns = list(
        visible(ReturnRecord.objects.filter(worker=worker), user)
        .select_related("country", "province", "checkpoint", "deployment")
        .order_by("-returned_on", "-id")
    )
    return WorkerFile(
        worker=worker,
        deployments=deployments,
        certificates=certificates,
        returns=returns,
        events=list(events_for_many([worker])),
        deployment_events=_group_events(events_for_many(deployments)),
    )


def events_for_many(subjects) -> QuerySet[Event]:
    """The timelines of several records of one model in one query (what
    ``core.events.events_for`` gives for one), newest first, actor joined.

    The subjects were read through the user's scope, so their events are theirs to see."""
    subjects = list(subjects)
    if not subjects:
        return Event.objects.none()
    content_type = ContentType.objects.get_for_model(type(subjects[0]))
    return Event.objects.filter(content_type=content_type, object_id__in=[str(s.pk) for s in subjects]).select_related("actor")


def _group_events(events) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = {}
    for event in events:
        out.setdefault(int(event.object_id), []).append(event)
    return out


@dataclass
class DuplicateReport:
    """What a person registering may learn about the records their entry matches."""

    visible: list[services.DuplicateMatch]
    hidden: int
    exact: bool

    @property
    def any(self) -> bool:
        return bool(self.visible) or self.hidden > 0


def worker_duplicates(*, user, name_latin="", date_of_birth=None, national_id="", passport_number="",
                      exclude_pk=None) -> DuplicateReport:
    """The records a new entry may duplicate, split into those the user may open and
    a count of the others (their existence is said, never who they are)."""
    matches = services.worker_find_duplicates(
        name_latin=name_latin or "", date_of_birth=date_of_birth, national_id=national_id or "",
        passport_number=passport_number or "", exclude_pk=exclude_pk,
    )
    if not matches:
        return DuplicateReport([], 0, False)
    shown_rows = {
        w.pk: w for w in visible(Worker.objects.filter(pk__in=[m.worker.pk for m in matches]), user)
        .select_related("home_province", "registered_by_agency")
    }
    shown = [services.DuplicateMatch(shown_rows[m.worker.pk], m.reason, m.exact) for m in matches if m.worker.pk in shown_rows]
    return DuplicateReport(shown, len(matches) - len(shown), any(m.exact for m in matches))


# --- Deployments ----------------------------------------------------------------------


def deployment_rows(qs: QuerySet[Deployment]) -> QuerySet[Deployment]:
    """Deployments shaped for a list or a page: the worker and everything named joined."""
    return qs.select_related(
        "worker", "worker__home_province", "agency", "country", "sector", "job_order", "employer", "departure_checkpoint",
    )


def deployment_list(*, user, filters=None) -> QuerySet[Deployment]:
    qs = deployment_rows(visible(Deployment.objects.all(), user)).order_by("-created", "-id")
    return _filtered(qs, filters)


def expected_returns(*, user, today: date | None = None, within_days: int = EXPECTED_RETURN_DAYS) -> QuerySet[Deployment]:
    """Workers abroad whose contract ends within ``within_days`` (or has ended): who is
    expected home soon, earliest first (policy goal 16: follow up returnees)."""
    today = today or timezone.localdate()
    return (
        deployment_rows(visible(Deployment.objects.all(), user))
        .filter(status__in=OUT_OF_COUNTRY, contract_end__isnull=False, contract_end__lte=today + timedelta(days=within_days))
        .order_by("contract_end", "id")
    )


def deployment_get(*, user, ref) -> Deployment:
    return deployment_rows(visible(Deployment.objects.all(), user)).get(ref=ref)


@dataclass
class DeploymentFile:
    deployment: Deployment
    legal_statuses: list[LegalStatusRecord]
    placement: PlacementContract | None
    employment: EmploymentContract | None
    events: list[Event]
    remaining: dict[str, int] | None


def deployment_file(*, user, deployment: Deployment) -> DeploymentFile:
    """The deployment's page: legal-status history, both contracts, the status timeline,
    and the job order's open positions."""
    placement = visible(PlacementContract.objects.filter(deployment=deployment), user).select_related("reviewed_by").first()
    employment = (
        visible(EmploymentContract.objects.filter(deployment=deployment), user)
        .select_related("reviewed_by", "substitution_accepted_by")
        .first()
    )
    legal = list(visible(LegalStatusRecord.objects.filter(deployment=deployment), user).select_related("recorded_by"))
    remaining = services.job_order_remaining(deployment.job_order) if deployment.job_order_id else None
    return DeploymentFile(
        deployment=deployment,
        legal_statuses=legal,
        placement=placement,
        employment=employment,
        # The deployment was read through the scope: its own timeline is the user's to see.
        events=list(events_for(deployment)),
        remaining=remaining,
    )


# --- Job orders and employers -------------------------------------------------------------


def job_order_rows(qs: QuerySet[JobOrder]) -> QuerySet[JobOrder]:
    """Job orders with employer, destination and sector joined, and the positions used
    by sex annotated (deployments drawn on it that are not cancelled)."""
    counted = ~Q(deployments__status=DeploymentStatus.CANCELLED)
    return qs.select_related("agency", "employer__country", "employer__sector", "country", "sector").annotate(
        used_male=Count("deployments", filter=counted & Q(deployments__worker__sex="M")),
        used_female=Count("deployments", filter=counted & Q(deployments__worker__sex="F")),
    ).annotate(
        remaining_male=F("positions_male") - F("used_male"),
        remaining_female=F("positions_female") - F("used_female"),
    )


def job_order_list(*, user, filters=None) -> QuerySet[JobOrder]:
    qs = job_order_rows(visible(JobOrder.objects.all(), user)).order_by("-valid_from", "-id")
    return _filtered(qs, filters)


def job_orders_open(*, user, agency: Agency, today: date | None = None) -> QuerySet[JobOrder]:
    """The agency's approved, unexpired job orders: what a new deployment may draw on."""
    today = today or timezone.localdate()
    return (
        visible(JobOrder.objects.all(), user)
        .filter(agency=agency, status=JobOrderStatus.APPROVED, valid_from__lte=today, valid_until__gte=today)
        .select_related("employer", "country", "sector")
        .order_by("-valid_from", "-id")
    )


def employer_choices(*, user) -> QuerySet[Employer]:
    return visible(Employer.objects.all(), user).select_related("country", "sector").order_by("name")


def acting_agency(*, user) -> Agency | None:
    """The agency an agency user works for (None for other roles)."""
    scope = scope_for(user)
    if scope.role is not Role.AGENCY:
        return None
    return visible(Agency.objects.all(), user).prefetch_related("authorised_countries").get()


# --- Sending suspensions ------------------------------------------------------------------


def suspensions_in_force(*, user, on: date | None = None) -> QuerySet[SendingSuspension]:
    """Suspensions of sending in force on a day (policy 7.6), for everyone signed in."""
    on = on or timezone.localdate()
    return (
        visible(SendingSuspension.objects.all(), user)
        .in_force(on)
        .select_related("country", "sector", "decided_by")
        .order_by("country__name", "sector__name", "-starts_on")
    )
