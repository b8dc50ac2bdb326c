"""Complaints from migrant workers and their families, and their resolution (Prakas 249, policy goal 10)."""

import secrets
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField as LibraryEncryptedCharField

from migration_portal.core.fields import EncryptedCharField, EncryptedTextField
from migration_portal.core.models import BaseModel
from migration_portal.reference.choices import Sex

from .choices import Channel as ComplaintChannel
from .choices import (
    ComplainantType,
    DrawdownStatus,
    Ground,
    LodgedAt,
    Payer,
    ReferredTo,
    ReportStatus,
    RespondentKind,
    Stage,
)
from .querysets import (
    AnnualReportQuerySet,
    AttachmentQuerySet,
    ComplaintChildQuerySet,
    ComplaintQuerySet,
    HandlersOnlyQuerySet,
    SettlementChildQuerySet,
    StageLimitQuerySet,
)

USD = "USD"


def complaint_reference() -> str:
    """A reference the complainant can quote and the public status page takes with a
    second factor: year, then 7 characters that cannot be guessed or misread."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return f"C{timezone.localdate():%y}-" + "".join(secrets.choice(alphabet) for _ in range(7))


class Complaint(BaseModel):
    """A grievance lodged by or for a migrant worker, from intake to closure."""

    ref = models.CharField(_("reference"), max_length=16, unique=True, default=complaint_reference, editable=False)
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    complainant_type = models.CharField(_("lodged by"), max_length=16, choices=ComplainantType.choices)
    complainant_name = EncryptedCharField(_("complainant's name"), max_length=120, blank=True)
    complainant_relation = models.CharField(_("relation to the worker"), max_length=60, blank=True)
    complainant_phone = LibraryEncryptedCharField(_("complainant's phone"), max_length=32, blank=True, null=True)
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="complaints", verbose_name=_("worker"))
    worker_was_irregular = models.BooleanField(_("worker was irregular"), default=False)
    deployment = models.ForeignKey(
        "workers.Deployment", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints", verbose_name=_("deployment")
    )
    country = models.ForeignKey(
        "reference.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("country of work")
    )
    lodged_at = models.CharField(_("lodged at"), max_length=16, choices=LodgedAt.choices)
    lodged_province = models.ForeignKey(
        "reference.Province", on_delete=models.PROTECT, related_name="+", verbose_name=_("province of intake")
    )
    lodged_checkpoint = models.ForeignKey(
        "reference.Checkpoint", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("checkpoint")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=ComplaintChannel.choices)
    narrative = EncryptedTextField(_("what happened"))
    confidential_notes = EncryptedTextField(
        _("confidential notes"), blank=True, help_text=_("Never shown to the agency.")
    )
    amount_claimed = models.DecimalField(
        _("amount claimed"), max_digits=12, decimal_places=2, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    claim_currency = models.CharField(_("currency"), max_length=3, default=USD)
    trafficking_flag = models.BooleanField(_("signs of trafficking or forced labour"), default=False)
    trafficking_indicators = models.JSONField(_("indicators"), default=list, blank=True)
    referred_to_ncct_on = models.DateField(_("referred to the counter-trafficking committee on"), null=True, blank=True)
    restricted = models.BooleanField(_("restricted to its handlers"), default=False, editable=False)
    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, default=Stage.RECEIVED, editable=False)
    stage_since = models.DateTimeField(_("in this stage since"), default=timezone.now, editable=False)
    referred_to = models.CharField(_("referred to"), max_length=16, choices=ReferredTo.choices, blank=True, editable=False)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True, editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)
    current_province = models.ForeignKey(
        "reference.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("handled by province"), help_text=_("Empty when the ministry handles the case."),
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="assigned_complaints",
        verbose_name=_("assigned officer"),
    )
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="handled_complaints", verbose_name=_("handlers")
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("registered by")
    )
    # Optimistic concurrency: two officers editing one case never silently overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-id"]
        permissions = [
            ("handle_complaint", _("Can handle complaints (assess, conciliate, settle)")),
            ("transfer_complaint", _("Can transfer complaints between provinces and the ministry")),
            ("approve_drawdown", _("Can approve deposit drawdowns for settlements")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(stage__in=Stage.values), name="complaints_stage_valid"),
            models.CheckConstraint(condition=Q(amount_claimed__gte=0), name="complaints_claim_nonneg"),
            models.CheckConstraint(
                condition=Q(trafficking_flag=False) | Q(restricted=True), name="complaints_trafficking_restricted",
                violation_error_message=_("A case with signs of trafficking must be restricted."),
            ),
        ]
        indexes = [
            models.Index(fields=["current_province", "stage", "-received_on"], name="complaints_province_idx"),
            models.Index(fields=["stage", "stage_since"], name="complaints_stage_idx"),
            models.Index(fields=["received_on"], name="complaints_received_idx"),
        ]

    def __str__(self) -> str:
        return self.ref


class ComplaintGround(models.Model):
    """One ground of a complaint (a complaint may have several); a row each, so they can be counted."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="grounds", verbose_name=_("complaint"))
    ground = models.CharField(_("ground"), max_length=16, choices=Ground.choices)

    objects = ComplaintChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("ground")
        verbose_name_plural = _("grounds")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "ground"], name="complaints_ground_once"),
            models.CheckConstraint(condition=Q(ground__in=Ground.values), name="complaints_ground_valid"),
        ]
        indexes = [models.Index(fields=["ground", "complaint"], name="complaints_ground_idx")]

    def __str__(self) -> str:
        return self.get_ground_display()


class Respondent(models.Model):
    """Who the complaint is against: a licensed agency, an unlicensed broker or an employer abroad."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="respondents", verbose_name=_("complaint"))
    kind = models.CharField(_("kind"), max_length=16, choices=RespondentKind.choices)
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="complaints_against", verbose_name=_("agency")
    )
    employer = models.ForeignKey(
        "workers.Employer", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("employer")
    )
    name = models.CharField(_("name (broker or employer not registered)"), max_length=200, blank=True)
    details = EncryptedTextField(_("details (address, phone, where met)"), blank=True)

    objects = ComplaintChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("respondent")
        verbose_name_plural = _("respondents")
        constraints = [
            models.CheckConstraint(condition=~Q(kind=RespondentKind.AGENCY) | Q(agency__isnull=False),
                                   name="complaints_respondent_agency_named"),
            models.CheckConstraint(condition=Q(kind=RespondentKind.AGENCY) | ~Q(name="") | Q(employer__isnull=False),
                                   name="complaints_respondent_named"),
        ]
        indexes = [models.Index(fields=["agency", "complaint"], name="complaints_resp_agency_idx")]

    def __str__(self) -> str:
        return str(self.agency or self.employer or self.name)


def attachment_path(instance, filename: str) -> str:
    return f"complaints/{instance.complaint.ref}/{uuid.uuid4().hex}-{filename}"


ALLOWED_ATTACHMENT_TYPES = ["pdf", "jpg", "jpeg", "png", "webp", "heic", "docx"]
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


class Attachment(BaseModel):
    """A scan of a contract, a receipt, a photo: checked for type and size."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("complaint"))
    file = models.FileField(_("file"), upload_to=attachment_path, validators=[FileExtensionValidator(ALLOWED_ATTACHMENT_TYPES)])
    description = EncryptedCharField(_("description"), max_length=200)
    share_with_agency = models.BooleanField(_("share with the agency"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("uploaded by")
    )

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["created"]

    def __str__(self) -> str:
        return self.description


class ConciliationMeeting(BaseModel):
    """A conciliation meeting between the worker and the respondent, at provincial or central level."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("complaint"))
    scheduled_for = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=200)
    participants = EncryptedTextField(_("participants"), blank=True)
    held = models.BooleanField(_("held"), default=False, editable=False)
    agency_response = EncryptedTextField(_("respondent's position"), blank=True)
    minutes = EncryptedTextField(_("minutes"), blank=True)
    agreement_reached = models.BooleanField(_("agreement reached"), default=False)

    objects = ComplaintChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("conciliation meeting")
        verbose_name_plural = _("conciliation meetings")
        ordering = ["complaint", "scheduled_for"]

    def __str__(self) -> str:
        return f"{self.complaint} {self.scheduled_for:%Y-%m-%d}"


class Settlement(BaseModel):
    """The compensation agreed at conciliation: how much, who pays, in which instalments."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="settlement", verbose_name=_("complaint"))
    amount = models.DecimalField(_("compensation agreed"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default=USD)
    payer = models.CharField(_("who pays"), max_length=16, choices=Payer.choices)
    payer_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paying agency")
    )
    agreed_on = models.DateField(_("agreed on"))
    terms = EncryptedTextField(_("other terms"), blank=True)

    objects = ComplaintChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="complaints_settlement_nonneg")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Instalment(models.Model):
    settlement = models.ForeignKey(Settlement, on_delete=models.CASCADE, related_name="instalments", verbose_name=_("settlement"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])

    objects = SettlementChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["settlement", "due_on"]

    def __str__(self) -> str:
        return f"{self.amount} by {self.due_on}"


class Payment(BaseModel):
    """Money actually paid to the worker under a settlement (by the payer, or from the agency's deposit)."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="payments", verbose_name=_("settlement"))
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("how"), max_length=60, blank=True)
    reference = models.CharField(_("receipt or reference"), max_length=80, blank=True)
    from_deposit = models.ForeignKey(
        "agencies.DepositEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("paid from the guarantee deposit"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = SettlementChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["settlement", "paid_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="complaints_payment_positive")]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"


class DrawdownProposal(BaseModel):
    """When the agency fails to pay, a drawdown from its guarantee deposit (policy 10.4),
    proposed by the case handler and decided by the ministry."""

    settlement = models.ForeignKey(Settlement, on_delete=models.PROTECT, related_name="drawdowns", verbose_name=_("settlement"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    reason = models.TextField(_("why the agency did not pay"))
    status = models.CharField(_("status"), max_length=16, choices=DrawdownStatus.choices, default=DrawdownStatus.PROPOSED, editable=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("proposed by")
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, editable=False)
    decision_note = models.TextField(_("decision note"), blank=True)
    deposit_entry = models.OneToOneField(
        "agencies.DepositEntry", on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )

    objects = SettlementChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit drawdown proposal")
        verbose_name_plural = _("deposit drawdown proposals")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=DrawdownStatus.values), name="complaints_drawdown_status_valid"),
            models.UniqueConstraint(fields=["settlement"], condition=Q(status=DrawdownStatus.PROPOSED),
                                    name="complaints_one_open_drawdown"),
        ]

    def __str__(self) -> str:
        return f"{self.agency}: {self.amount}"


class AgencyResponse(BaseModel):
    """The respondent agency's answer, submitted in its pages."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="agency_responses", verbose_name=_("complaint"))
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    text = EncryptedTextField(_("response"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("submitted by")
    )

    objects = ComplaintChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency response")
        verbose_name_plural = _("agency responses")
        ordering = ["created"]

    def __str__(self) -> str:
        return f"{self.agency} {self.created:%Y-%m-%d}"


class LegalAidReferral(BaseModel):
    """A referral of the worker to legal aid during the process (policy 9.5, 10.2)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="legal_aid", verbose_name=_("complaint"))
    partner = models.CharField(_("legal aid partner"), max_length=200)
    referred_on = models.DateField(_("referred on"), default=timezone.localdate)
    result = EncryptedTextField(_("result"), blank=True)
    result_on = models.DateField(_("result on"), null=True, blank=True)

    objects = HandlersOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal aid referral")
        verbose_name_plural = _("legal aid referrals")
        ordering = ["complaint", "referred_on"]

    def __str__(self) -> str:
        return self.partner


class StageTimeLimit(models.Model):
    """How many days a case may stay in a stage, set by ministry staff."""

    stage = models.CharField(_("stage"), max_length=16, choices=Stage.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days allowed"))
    remind_days_before = models.PositiveSmallIntegerField(_("remind the officer this many days before"), default=2)

    objects = StageLimitQuerySet.as_manager()

    class Meta:
        verbose_name = _("time limit per stage")
        verbose_name_plural = _("time limits per stage")
        ordering = ["stage"]

    def __str__(self) -> str:
        return f"{self.get_stage_display()}: {self.days}"


class AnnualReport(BaseModel):
    """The annual report on complaints (policy 10.3), generated from the records,
    reviewed, then published once approved."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT, editable=False)
    figures = models.JSONField(_("figures"), default=dict, editable=False)
    generated_at = models.DateTimeField(_("generated"), default=timezone.now, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True, editable=False)
    foreword = models.TextField(_("foreword"), blank=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual complaints report")
        verbose_name_plural = _("annual complaints reports")
        ordering = ["-year"]
        permissions = [("approve_annualreport", _("Can approve and publish the annual complaints report"))]

    def __str__(self) -> str:
        return str(self.year)


class Transfer(models.Model):
    """A case moved between provinces, or to the ministry."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("complaint"))
    from_province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    to_province = models.ForeignKey("reference.Province", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    objects = HandlersOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["complaint", "created"]

    def __str__(self) -> str:
        return f"{self.from_province or 'MOLVT'} → {self.to_province or 'MOLVT'}"


__all__ = [
    "AgencyResponse",
    "AnnualReport",
    "Attachment",
    "Complaint",
    "ComplaintGround",
    "ConciliationMeeting",
    "DrawdownProposal",
    "Instalment",
    "LegalAidReferral",
    "Payment",
    "Respondent",
    "Settlement",
    "Sex",
    "StageTimeLimit",
    "Transfer",
]
