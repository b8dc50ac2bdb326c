"""FilterSets of the worker register (django-filter), shared by the API, the portal pages
and the admin, and the predicates they are built from.

Every FilterSet names its fields explicitly; an invalid value (an unknown country
code, a malformed date) is a 400 naming the parameter in the API, and an error
beside the field on a page, never a silently ignored filter.

Workers are filtered on their deployments (destination, sector, status, agency)
with one EXISTS over the deployments *the user may see*: the conditions hold on
the same deployment ("a deployment to Thailand that has departed"), no row is
doubled, and an agency cannot learn about another agency's deployment of a shared
worker by filtering on it.
"""

from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from agencies.models import Agency
from migration_portal.core.scoping import visible
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country, Province, Sector

from . import services
from .choices import OUT_OF_COUNTRY, Channel, DeploymentStatus, Education, JobOrderStatus
from .models import Deployment, JobOrder, SendingSuspension, Worker
from .pii import pii_hash

DATE = forms.DateInput(attrs={"type": "date"})

# --- Predicates ---------------------------------------------------------------------


def worker_name_search(qs, value: str):
    """Name in Latin letters (any case) or in Khmer (contains) includes ``value``."""
    value = " ".join((value or "").split())
    if not value:
        return qs
    return qs.filter(Q(name_latin__icontains=value) | Q(name_km__contains=value))


def workers_by_identifier(qs, *, national_id: str = "", passport_number: str = "", phone: str = ""):
    """Exact match on an identifier through its keyed hash (services.worker_lookup), never by decrypting."""
    found = services.worker_lookup(national_id=national_id, passport_number=passport_number, phone=phone)
    return qs.filter(pk__in=found.values("pk"))


# Something that can only be an identifier: digits, or letters and digits with no space
# ("N1234567", "011 223 344" once separators go). Names have letters and spaces.
_IDENTIFIER = re.compile(r"^(?=.*\d)[A-Za-z0-9]{5,20}$")
_PHONE = re.compile(r"^\+?[\d\s\-().]{8,20}$")


def looks_like_identifier(term: str) -> bool:
    compact = re.sub(r"[\s\-./]", "", term or "")
    return bool(_IDENTIFIER.match(compact)) or bool(_PHONE.match((term or "").strip()))


def workers_by_any_identifier(qs, term: str):
    """Workers whose national ID, passport or phone is exactly ``term`` (three hash lookups as subqueries)."""
    # The hashes compared directly (not IN subqueries): each side of the OR uses its own index.
    conditions = Q()
    for kind, field in (("national_id", "national_id_hash"), ("passport", "passport_hash"), ("phone", "phone_hash")):
        digest = pii_hash(term, kind=kind)
        if digest:
            conditions |= Q(**{field: digest})
    return qs.filter(conditions) if conditions else qs.none()


def visible_deployments(user):
    return visible(Deployment.objects.all(), user)


def workers_with_deployment(qs, deployments, conditions: Q):
    """Workers with at least one of ``deployments`` meeting every condition."""
    return qs.filter(Exists(deployments.filter(conditions, worker=OuterRef("pk"))))


# --- Workers ------------------------------------------------------------------------


class WorkerFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=_("Name (Latin or Khmer) contains"))
    national_id = filters.CharFilter(method="filter_identifier", label=_("National ID number (exact)"))
    passport = filters.CharFilter(method="filter_identifier", label=_("Passport number (exact)"))
    phone = filters.CharFilter(method="filter_identifier", label=_("Phone number (exact)"))
    sex = filters.ChoiceFilter(choices=Sex.choices, label=_("Sex"))
    province = filters.ModelChoiceFilter(
        field_name="home_province", to_field_name="code", queryset=Province.objects.order_by("name"),
        label=_("Home province"),
    )
    education = filters.ChoiceFilter(choices=Education.choices, label=_("Education"))
    # The next four are read together in filter_queryset: one EXISTS over the deployments.
    destination = filters.ModelChoiceFilter(
        to_field_name="code", queryset=Country.objects.order_by("name"), method="filter_code",
        label=_("Destination (of a deployment)"),
    )
    sector = filters.ModelChoiceFilter(
        to_field_name="code", queryset=Sector.objects.order_by("name"), method="filter_code",
        label=_("Sector (of a deployment)"),
    )
    status = filters.MultipleChoiceFilter(
        choices=DeploymentStatus.choices, method="filter_noop", label=_("Deployment status (repeat for several)"),
    )
    agency = filters.ModelChoiceFilter(
        queryset=lambda request: visible(Agency.objects.order_by("name"), request.user) if request else Agency.objects.none(),
        method="filter_id", label=_("Agency (registered or deployed the worker)"),
    )
    registered_after = filters.DateFilter(field_name="created__date", lookup_expr="gte", label=_("Registered on or after"),
                                          widget=DATE)
    registered_before = filters.DateFilter(field_name="created__date", lookup_expr="lte", label=_("Registered on or before"),
                                           widget=DATE)

    DEPLOYMENT_FIELDS = ("destination", "sector", "status", "agency")

    class Meta:
        model = Worker
        fields = [
            "q", "national_id", "passport", "phone", "sex", "province", "education", "destination", "sector", "status",
            "agency", "registered_after", "registered_before",
        ]

    def filter_q(self, qs, name, value):
        return worker_name_search(qs, value)

    def filter_identifier(self, qs, name, value):
        if not value.strip():
            return qs
        key = {"national_id": "national_id", "passport": "passport_number", "phone": "phone"}[name]
        return workers_by_identifier(qs, **{key: value})

    # destination, sector, status and agency are applied together in filter_queryset;
    # these methods only declare the parameters' types for the API schema.
    def filter_code(self, qs, name, value: str):
        return qs

    def filter_id(self, qs, name, value: int):
        return qs

    def filter_noop(self, qs, name, value):
        return qs

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        conditions = Q()
        if data.get("destination"):
            conditions &= Q(country=data["destination"])
        if data.get("sector"):
            conditions &= Q(sector=data["sector"])
        if data.get("status"):
            conditions &= Q(status__in=data["status"])
        agency = data.get("agency")
        user = getattr(self.request, "user", None)
        if agency is not None and not conditions:
            # Alone, "agency" means the agency registered the worker or deployed them.
            return queryset.filter(
                Q(registered_by_agency=agency) | Exists(visible_deployments(user).filter(worker=OuterRef("pk"), agency=agency))
            )
        if agency is not None:
            conditions &= Q(agency=agency)
        if conditions:
            queryset = workers_with_deployment(queryset, visible_deployments(user), conditions)
        return queryset


# --- Deployments ----------------------------------------------------------------------


class DeploymentFilterSet(filters.FilterSet):
    q = filters.CharFilter(method="filter_q", label=_("Worker's name (Latin or Khmer) contains"))
    sex = filters.ChoiceFilter(field_name="worker__sex", choices=Sex.choices, label=_("Sex"))
    province = filters.ModelChoiceFilter(
        field_name="worker__home_province", to_field_name="code", queryset=Province.objects.order_by("name"),
        label=_("Worker's home province"),
    )
    destination = filters.ModelChoiceFilter(
        field_name="country", to_field_name="code", queryset=Country.objects.order_by("name"), label=_("Destination"),
    )
    sector = filters.ModelChoiceFilter(
        field_name="sector", to_field_name="code", queryset=Sector.objects.order_by("name"), label=_("Sector"),
    )
    agency = filters.ModelChoiceFilter(
        field_name="agency",
        queryset=lambda request: visible(Agency.objects.order_by("name"), request.user) if request else Agency.objects.none(),
        label=_("Agency"),
    )
    # distinct=False: a deployment has one status, so the IN list cannot repeat rows, and
    # DISTINCT would stop PostgreSQL walking the (created) index for the page (docs/benchmarks.md).
    status = filters.MultipleChoiceFilter(choices=DeploymentStatus.choices, distinct=False,
                                          label=_("Status (repeat for several)"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("Channel"))
    departed_after = filters.DateFilter(field_name="departed_on", lookup_expr="gte", label=_("Departed on or after"),
                                        widget=DATE)
    departed_before = filters.DateFilter(field_name="departed_on", lookup_expr="lte", label=_("Departed on or before"),
                                         widget=DATE)
    contract_end_after = filters.DateFilter(field_name="contract_end", lookup_expr="gte", label=_("Contract ends on or after"),
                                            widget=DATE)
    contract_end_before = filters.DateFilter(field_name="contract_end", lookup_expr="lte",
                                             label=_("Contract ends on or before"), widget=DATE)
    returning_within = filters.NumberFilter(
        method="filter_returning", min_value=0, max_value=3650,
        label=_("Abroad, contract ending within this many days (expected returns)"),
    )

    class Meta:
        model = Deployment
        fields = [
            "q", "sex", "province", "destination", "sector", "agency", "status", "channel", "departed_after",
            "departed_before", "contract_end_after", "contract_end_before", "returning_within",
        ]

    def filter_q(self, qs, name, value):
        value = " ".join((value or "").split())
        if not value:
            return qs
        return qs.filter(Q(worker__name_latin__icontains=value) | Q(worker__name_km__contains=value))

    def filter_returning(self, qs, name, value):
        until = timezone.localdate() + timedelta(days=int(value))
        return qs.filter(status__in=OUT_OF_COUNTRY, contract_end__isnull=False, contract_end__lte=until)


# --- Job orders and suspensions -----------------------------------------------------------


class JobOrderFilterSet(filters.FilterSet):
    agency = filters.ModelChoiceFilter(
        field_name="agency",
        queryset=lambda request: visible(Agency.objects.order_by("name"), request.user) if request else Agency.objects.none(),
        label=_("Agency"),
    )
    status = filters.MultipleChoiceFilter(choices=JobOrderStatus.choices, label=_("Status (repeat for several)"))
    destination = filters.ModelChoiceFilter(
        field_name="country", to_field_name="code", queryset=Country.objects.order_by("name"), label=_("Destination"),
    )
    sector = filters.ModelChoiceFilter(
        field_name="sector", to_field_name="code", queryset=Sector.objects.order_by("name"), label=_("Sector"),
    )
    open_on = filters.DateFilter(method="filter_open_on", label=_("Approved and valid on this day"), widget=DATE)

    class Meta:
        model = JobOrder
        fields = ["agency", "status", "destination", "sector", "open_on"]

    def filter_open_on(self, qs, name, value):
        return qs.filter(status=JobOrderStatus.APPROVED, valid_from__lte=value, valid_until__gte=value)


class SendingSuspensionFilterSet(filters.FilterSet):
    country = filters.ModelChoiceFilter(
        field_name="country", to_field_name="code", queryset=Country.objects.order_by("name"), label=_("Country"),
    )
    in_force_on = filters.DateFilter(method="filter_in_force", label=_("In force on this day"), widget=DATE)

    class Meta:
        model = SendingSuspension
        fields = ["country", "in_force_on"]

    def filter_in_force(self, qs, name, value):
        return qs.in_force(value)
