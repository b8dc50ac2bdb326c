"""Return and reintegration (policy goal 16): who came back, why, and what became of them."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.core.fields import EncryptedTextField
from migration_portal.core.models import BaseModel

from ..choices import CaseStatus, ReferralKind, ReferralOutcome, ReturnReason
from ..querysets import CaseQuerySet, ReferralQuerySet, ReturnQuerySet, WorkerChildQuerySet


class ReturnRecord(BaseModel):
    """A worker's return to Cambodia, registered by an agency, a province or border reception staff.

    Returnees who never went through an agency are registered too (``deployment`` empty
    or an irregular deployment), so surges of returnees can be absorbed.
    """

    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="returns", verbose_name=_("worker"))
    deployment = models.ForeignKey(
        "workers.Deployment", on_delete=models.PROTECT, null=True, blank=True, related_name="returns", verbose_name=_("deployment")
    )
    returned_on = models.DateField(_("date of return"))
    reason = models.CharField(_("reason"), max_length=16, choices=ReturnReason.choices)
    country = models.ForeignKey(
        "reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("returned from")
    )
    checkpoint = models.ForeignKey(
        "reference.Checkpoint", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("checkpoint")
    )
    province = models.ForeignKey(
        "reference.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("returning to province")
    )
    assisting_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("assisting agency")
    )
    documents = models.TextField(_("documents held"), blank=True)
    needs_assistance = models.BooleanField(_("needs assistance"), default=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("registered by")
    )

    objects = ReturnQuerySet.as_manager()

    class Meta:
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        ordering = ["-returned_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=ReturnReason.values), name="workers_return_reason_valid"),
            models.UniqueConstraint(fields=["worker", "returned_on"], name="workers_return_once_a_day",
                                    violation_error_message=_("This worker's return on this date is already registered.")),
        ]
        indexes = [
            models.Index(fields=["province", "returned_on"], name="workers_return_province_idx"),
            models.Index(fields=["returned_on", "reason"], name="workers_return_date_idx"),
            # The province scope's EXISTS (ReturnRecord where worker = ... and province = ...).
            models.Index(fields=["province", "worker"], name="workers_return_prov_worker_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.worker} returned {self.returned_on}"


class ReintegrationCase(BaseModel):
    """Follow-up of one returnee by their province: needs assessment, then referrals."""

    ref = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    return_record = models.OneToOneField(ReturnRecord, on_delete=models.PROTECT, related_name="case", verbose_name=_("return"))
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="cases", verbose_name=_("worker"))
    province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province"))
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("officer")
    )
    status = models.CharField(_("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN, editable=False)
    assessed_on = models.DateField(_("assessed on"), null=True, blank=True, editable=False)
    needs = models.JSONField(_("needs identified"), default=list, blank=True)
    assessment_notes = EncryptedTextField(_("assessment notes"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("reintegration case")
        verbose_name_plural = _("reintegration cases")
        ordering = ["-created", "-id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="workers_case_status_valid")]
        indexes = [models.Index(fields=["province", "status", "created"], name="workers_case_province_idx")]

    def __str__(self) -> str:
        return f"{self.worker} ({self.get_status_display()})"


class Referral(BaseModel):
    """A referral to a service partner (NEA, a training centre, an NGO, a clinic...), with its outcome."""

    case = models.ForeignKey(ReintegrationCase, on_delete=models.CASCADE, related_name="referrals", verbose_name=_("case"))
    kind = models.CharField(_("service"), max_length=24, choices=ReferralKind.choices)
    partner = models.CharField(_("partner"), max_length=200)
    referred_on = models.DateField(_("referred on"), default=timezone.localdate)
    outcome = models.CharField(_("outcome"), max_length=16, choices=ReferralOutcome.choices, blank=True, default="")
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    outcome_note = EncryptedTextField(_("outcome note"), blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    escalated_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["case", "referred_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ReferralKind.values), name="workers_referral_kind_valid"),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_on__isnull=False), name="workers_referral_outcome_dated",
                violation_error_message=_("An outcome needs its date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.partner}"


class WorkCertificate(BaseModel):
    """MOLVT's certificate recognising the work done abroad (policy 16.1)."""

    number = models.CharField(_("certificate number"), max_length=24, unique=True, editable=False)
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="work_certificates", verbose_name=_("worker"))
    deployment = models.OneToOneField(
        "workers.Deployment", on_delete=models.PROTECT, related_name="work_certificate", verbose_name=_("deployment")
    )
    issued_on = models.DateField(_("issued on"), default=timezone.localdate)
    months_worked = models.PositiveSmallIntegerField(_("months worked"))
    occupation = models.CharField(_("occupation"), max_length=120)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("issued by")
    )

    objects = WorkerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("work certificate")
        verbose_name_plural = _("work certificates")
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return self.number
