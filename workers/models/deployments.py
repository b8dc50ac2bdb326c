"""Job orders, deployments (one migration episode each), contracts, legal status abroad,
and the ministry's sending suspensions."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.core.fields import EncryptedTextField
from migration_portal.core.models import BaseModel

from ..choices import (
    Channel,
    ContractStatus,
    DeploymentStatus,
    JobOrderStatus,
    KeyProtection,
    LegalStatus,
    PlacementArticle,
)
from ..querysets import (
    DeploymentChildQuerySet,
    DeploymentQuerySet,
    EmployerQuerySet,
    JobOrderQuerySet,
    SuspensionQuerySet,
)


class Employer(BaseModel):
    """An employer abroad that recruits Cambodian workers."""

    name = models.CharField(_("name"), max_length=200)
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    address = models.TextField(_("address"), blank=True)
    registration = models.CharField(_("registration abroad"), max_length=80, blank=True)

    objects = EmployerQuerySet.as_manager()

    class Meta:
        verbose_name = _("employer abroad")
        verbose_name_plural = _("employers abroad")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["name", "country"], name="workers_employer_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class JobOrder(BaseModel):
    """A demand letter from an employer abroad, vetted by a labour attaché (policy 9.1).

    Deployments draw on an approved, unexpired job order, within its positions by sex.
    """

    ref = models.CharField(_("reference"), max_length=40, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="job_orders", verbose_name=_("agency"))
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="job_orders", verbose_name=_("employer"))
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    occupation = models.CharField(_("occupation"), max_length=120)
    positions_male = models.PositiveIntegerField(_("positions for men"), default=0)
    positions_female = models.PositiveIntegerField(_("positions for women"), default=0)
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    wage_currency = models.CharField(_("wage currency"), max_length=3)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"))
    contract_months = models.PositiveSmallIntegerField(_("contract length (months)"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=16, choices=JobOrderStatus.choices, default=JobOrderStatus.SUBMITTED, editable=False
    )
    vetted_by = models.CharField(_("vetted by (labour attaché)"), max_length=120, blank=True)
    vetted_on = models.DateField(_("vetted on"), null=True, blank=True)
    vetting_note = models.TextField(_("vetting note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = JobOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("job order")
        verbose_name_plural = _("job orders")
        ordering = ["-valid_from", "-id"]
        permissions = [("vet_joborder", _("Can record the vetting of job orders"))]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=JobOrderStatus.values), name="workers_joborder_status_valid"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="workers_joborder_dates",
                violation_error_message=_("A job order must end on or after the day it starts."),
            ),
        ]
        indexes = [models.Index(fields=["agency", "status", "valid_until"], name="workers_joborder_agency_idx")]

    def __str__(self) -> str:
        return f"{self.ref} {self.employer.name if self.employer_id else ''}"

    @property
    def positions(self) -> int:
        return self.positions_male + self.positions_female


class Deployment(BaseModel):
    """One migration episode of one worker: from registration to return."""

    ref = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="deployments", verbose_name=_("worker"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="deployments", verbose_name=_("agency")
    )
    job_order = models.ForeignKey(
        JobOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="deployments", verbose_name=_("job order")
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="deployments", verbose_name=_("employer")
    )
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("destination"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    occupation = models.CharField(_("occupation"), max_length=120, blank=True)
    contract_start = models.DateField(_("contract starts"), null=True, blank=True)
    contract_end = models.DateField(_("contract ends"), null=True, blank=True)
    monthly_wage = models.DecimalField(
        _("monthly wage"), max_digits=12, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    wage_currency = models.CharField(_("wage currency"), max_length=3, blank=True)
    fees_paid = models.DecimalField(
        _("recruitment fees paid by the worker"), max_digits=12, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    fees_currency = models.CharField(_("fee currency"), max_length=3, default="USD")
    wages_to_bank = models.BooleanField(_("wages paid into a bank account"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=DeploymentStatus.choices, default=DeploymentStatus.REGISTERED, editable=False
    )
    departed_on = models.DateField(_("departed on"), null=True, blank=True, editable=False)
    departure_checkpoint = models.ForeignKey(
        "reference.Checkpoint", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("departure checkpoint"), editable=False,
    )
    returned_on = models.DateField(_("returned on"), null=True, blank=True, editable=False)
    # Optimistic concurrency: every transition bumps it; a stale form is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = DeploymentQuerySet.as_manager()

    class Meta:
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        ordering = ["-created", "-id"]
        permissions = [
            ("transition_deployment", _("Can move a deployment through its lifecycle")),
            ("accept_substitution", _("Can accept a difference between the contract and the job order")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DeploymentStatus.values), name="workers_deployment_status_valid"),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="workers_deployment_channel_valid"),
            models.CheckConstraint(
                condition=~Q(channel=Channel.AGENCY) | Q(agency__isnull=False), name="workers_deployment_agency_channel",
                violation_error_message=_("A deployment through an agency must name the agency."),
            ),
            models.CheckConstraint(
                condition=Q(contract_end__isnull=True) | Q(contract_start__isnull=True) | Q(contract_end__gt=F("contract_start")),
                name="workers_deployment_contract_dates",
                violation_error_message=_("The contract must end after it starts."),
            ),
            models.CheckConstraint(condition=Q(fees_paid__gte=0), name="workers_deployment_fees_nonneg"),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "-created"], name="workers_dep_agency_idx"),
            models.Index(fields=["worker", "-created"], name="workers_dep_worker_idx"),
            models.Index(fields=["country", "departed_on"], name="workers_dep_country_idx"),
            models.Index(fields=["status", "contract_end"], name="workers_dep_status_end_idx"),
            models.Index(fields=["departed_on", "country", "sector"], name="workers_dep_departed_idx"),
            # The newest-first lists (docs/benchmarks.md: 11.6 s to 0.9 ms for a page at 2 M rows).
            models.Index(fields=["-created", "-id"], name="workers_dep_recent_idx"),
            # The agency scope's EXISTS (Deployment where worker = ... and agency = ...).
            models.Index(fields=["agency", "worker"], name="workers_dep_agency_worker_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} → {self.country}"


class LegalStatusRecord(models.Model):
    """The worker's legal status abroad from a date: a history, never overwritten."""

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="legal_statuses", verbose_name=_("deployment"))
    status = models.CharField(_("legal status"), max_length=16, choices=LegalStatus.choices)
    since = models.DateField(_("since"))
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = DeploymentChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal status abroad")
        verbose_name_plural = _("legal status history")
        ordering = ["deployment", "-since", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LegalStatus.values), name="workers_legalstatus_valid"),
            models.UniqueConstraint(fields=["deployment", "since", "status"], name="workers_legalstatus_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} since {self.since}"


class PlacementContract(BaseModel):
    """The job-placement service contract between worker and agency (Prakas 253),
    reviewed before the worker leaves (policy 7.5)."""

    deployment = models.OneToOneField(Deployment, on_delete=models.CASCADE, related_name="placement_contract", verbose_name=_("deployment"))
    signed_on = models.DateField(_("signed on"))
    articles = models.JSONField(
        _("articles included"), default=list, blank=True, help_text=_("Codes of the mandatory articles the contract contains.")
    )
    service_fee = models.DecimalField(_("service fee"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)])
    fee_currency = models.CharField(_("fee currency"), max_length=3, default="USD")
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.SUBMITTED, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("review note"), blank=True)

    objects = DeploymentChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("job-placement contract")
        verbose_name_plural = _("job-placement contracts")
        permissions = [("review_contract", _("Can approve or reject contracts"))]
        constraints = [models.CheckConstraint(condition=Q(status__in=ContractStatus.values), name="workers_placement_status_valid")]

    def __str__(self) -> str:
        return f"{self.deployment} placement contract"

    @property
    def missing_articles(self) -> list[str]:
        return [a for a in PlacementArticle.values if a not in (self.articles or [])]


class EmploymentContract(BaseModel):
    """The contract with the employer abroad, checked against the job order before departure
    so that a substituted contract is caught (policy 3.2, 7.5)."""

    deployment = models.OneToOneField(Deployment, on_delete=models.CASCADE, related_name="employment_contract", verbose_name=_("deployment"))
    employer_name = models.CharField(_("employer"), max_length=200)
    position = models.CharField(_("position"), max_length=120)
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    wage_currency = models.CharField(_("wage currency"), max_length=3)
    hours_per_week = models.PositiveSmallIntegerField(_("hours per week"))
    duration_months = models.PositiveSmallIntegerField(_("duration (months)"))
    signed_on = models.DateField(_("signed on"))
    protections = models.JSONField(_("key protections included"), default=list, blank=True)
    # Differences from the job order found at submission: {"field": [job order, contract]}.
    differences = models.JSONField(_("differences from the job order"), default=dict, blank=True, editable=False)
    substitution_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("differences accepted by"),
    )
    substitution_reason = models.TextField(_("why the differences were accepted"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ContractStatus.choices, default=ContractStatus.SUBMITTED, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    review_note = models.TextField(_("review note"), blank=True)

    objects = DeploymentChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("employment contract")
        verbose_name_plural = _("employment contracts")
        constraints = [models.CheckConstraint(condition=Q(status__in=ContractStatus.values), name="workers_employment_status_valid")]

    def __str__(self) -> str:
        return f"{self.employer_name}: {self.position}"

    @property
    def missing_protections(self) -> list[str]:
        return [p for p in KeyProtection.values if p not in (self.protections or [])]

    @property
    def substitution_blocks(self) -> bool:
        return bool(self.differences) and self.substitution_accepted_by_id is None


class SendingSuspension(BaseModel):
    """MOLVT's suspension of sending workers to a country, or to one sector there (policy 7.6)."""

    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    sector = models.ForeignKey(
        "reference.Sector", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("sector"),
        help_text=_("Leave empty to suspend every sector."),
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Leave empty while in force."))
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("decision reference"), max_length=80, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = SuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("sending suspension")
        verbose_name_plural = _("sending suspensions")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="workers_suspension_dates",
                violation_error_message=_("A suspension must end on or after the day it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.country}{' / ' + str(self.sector) if self.sector_id else ''} from {self.starts_on}"
