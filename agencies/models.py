"""Licensed private recruitment agencies and the ministry's supervision of them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from migration_portal.core.models import BaseModel
from migration_portal.reference.choices import Sex

from .choices import (
    ActionStatus,
    AdvertisementStatus,
    ChecklistResult,
    DepositEntryKind,
    Grade,
    InspectionReason,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
)
from .querysets import (
    AdvertisementQuerySet,
    AgencyChildQuerySet,
    AgencyQuerySet,
    ChecklistQuerySet,
    InspectionActionQuerySet,
    InspectionQuerySet,
    InspectionResultQuerySet,
    MonthlyReportQuerySet,
    ReportLineQuerySet,
)

USD = "USD"


# A generous cap on one monthly-report figure: no agency deploys a million workers in a month,
# and the cap keeps a typing slip (or 99999999999999999999) from overflowing the database column.
# Forms, the API and the file upload all read it from here (and from the fields' validators).
MAX_FIGURE = 1_000_000

class Agency(BaseModel):
    """A private recruitment agency (PRA) licensed, or applying to be, by MOLVT (Sub-decree 190)."""

    name = models.CharField(_("name"), max_length=200)
    name_km = models.CharField(_("name in Khmer"), max_length=200, blank=True)
    registration_number = models.CharField(
        _("company registration number"), max_length=40, unique=True, help_text=_("Ministry of Commerce")
    )
    licence_number = models.CharField(_("licence number"), max_length=40, unique=True, null=True, blank=True)
    licence_status = models.CharField(
        _("licence status"), max_length=16, choices=LicenceStatus.choices, default=LicenceStatus.APPLIED, editable=False
    )
    licence_issued = models.DateField(_("licence issued"), null=True, blank=True)
    licence_expires = models.DateField(_("licence expires"), null=True, blank=True)
    authorised_countries = models.ManyToManyField(
        "reference.Country", blank=True, related_name="authorised_agencies", verbose_name=_("authorised destinations")
    )
    acra_member = models.BooleanField(_("member of ACRA"), default=False)
    mac_member = models.BooleanField(_("member of MAC"), default=False)
    code_of_conduct_signed = models.BooleanField(_("signed the 2020 Code of Conduct"), default=False)
    province = models.ForeignKey(
        "reference.Province", on_delete=models.PROTECT, related_name="agencies", verbose_name=_("head office province")
    )
    address = models.TextField(_("address"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    director_name = models.CharField(_("director"), max_length=120, blank=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]
        permissions = [("change_licence", _("Can change the licence state of an agency"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(licence_status__in=LicenceStatus.values), name="agencies_agency_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(licence_expires__isnull=True)
                | Q(licence_issued__isnull=True)
                | Q(licence_expires__gt=models.F("licence_issued")),
                name="agencies_agency_licence_dates",
                violation_error_message=_("The licence must expire after it is issued."),
            ),
            models.CheckConstraint(
                condition=Q(licence_status=LicenceStatus.APPLIED) | Q(licence_number__isnull=False),
                name="agencies_agency_licensed_has_number",
                violation_error_message=_("A licensed agency must have a licence number."),
            ),
        ]
        indexes = [
            models.Index(fields=["licence_status", "name"], name="agencies_agency_status_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def may_recruit(self) -> bool:
        return self.licence_status == LicenceStatus.ACTIVE


class Representative(BaseModel):
    """The agency's permanent representative in a destination country (Prakas 047)."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="representatives", verbose_name=_("agency"))
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("country"))
    name = models.CharField(_("name"), max_length=120)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.TextField(_("address"), blank=True)
    since = models.DateField(_("since"), default=timezone.localdate)
    until = models.DateField(_("until"), null=True, blank=True)

    objects = AgencyChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("representative abroad")
        verbose_name_plural = _("representatives abroad")
        ordering = ["agency", "country"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class DepositEntry(BaseModel):
    """One movement on the agency's guarantee deposit (USD 100,000 required by Prakas 047).

    The balance is the sum of the ledger; entries are never edited or deleted.
    Amounts are positive; the kind says which way the money moved.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="deposit_entries", verbose_name=_("agency"))
    kind = models.CharField(_("kind"), max_length=16, choices=DepositEntryKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(_("currency"), max_length=3, default=USD, editable=False)
    entry_date = models.DateField(_("date"), default=timezone.localdate)
    reference = models.CharField(_("bank or decision reference"), max_length=80, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = AgencyChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("deposit entry")
        verbose_name_plural = _("deposit ledger")
        ordering = ["-entry_date", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="agencies_deposit_amount_positive"),
            models.CheckConstraint(condition=Q(kind__in=DepositEntryKind.values), name="agencies_deposit_kind_valid"),
            models.CheckConstraint(condition=Q(currency=USD), name="agencies_deposit_usd"),
        ]
        indexes = [models.Index(fields=["agency", "entry_date"], name="agencies_deposit_agency_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def signed_amount(self) -> Decimal:
        return -self.amount if self.kind in (DepositEntryKind.DRAWDOWN, DepositEntryKind.REFUND) else self.amount


class LicenceChange(models.Model):
    """A change of licence state: from, to, why, on whose decision. The licence's history."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="licence_changes", verbose_name=_("agency"))
    from_status = models.CharField(_("from"), max_length=16, choices=LicenceStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=LicenceStatus.choices)
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("decision reference"), max_length=80, blank=True)
    effective_date = models.DateField(_("effective"), default=timezone.localdate)
    sanction = models.ForeignKey(
        "Sanction", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("sanction")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("by")
    )
    created = models.DateTimeField(_("recorded"), default=timezone.now)

    objects = AgencyChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("licence change")
        verbose_name_plural = _("licence history")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["agency", "created"], name="agencies_licchange_agency_idx")]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Sanction(BaseModel):
    """A decision on an agency after review (Prakas 251, policy 7.9, 7.12): commend, warn, suspend or cancel."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="sanctions", verbose_name=_("agency"))
    kind = models.CharField(_("decision"), max_length=16, choices=SanctionKind.choices)
    reason = models.TextField(_("reason"))
    reference = models.CharField(_("decision reference"), max_length=80)
    decided_on = models.DateField(_("decided on"), default=timezone.localdate)
    effective_until = models.DateField(
        _("suspended until"), null=True, blank=True, help_text=_("For a suspension: the date it ends.")
    )
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("recorded by")
    )

    objects = AgencyChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("sanction or reward")
        verbose_name_plural = _("sanctions and rewards")
        ordering = ["-decided_on", "-id"]
        permissions = [("decide_sanction", _("Can decide sanctions and rewards"))]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SanctionKind.values), name="agencies_sanction_kind_valid"),
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True) | Q(kind=SanctionKind.SUSPENSION),
                name="agencies_sanction_until_only_suspension",
                violation_error_message=_("Only a suspension has an end date."),
            ),
        ]
        indexes = [models.Index(fields=["agency", "decided_on"], name="agencies_sanction_agency_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.decided_on})"


class ChecklistTemplate(BaseModel):
    """A version of the MOLVT inspection checklist (policy 7.10).

    A version used by an inspection is frozen; changes make a new version.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("what changed"), blank=True)
    is_current = models.BooleanField(_("current version"), default=False)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection checklist")
        verbose_name_plural = _("inspection checklists")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="agencies_checklist_one_current"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class ChecklistItem(models.Model):
    """One standard an inspector checks, with the points it weighs."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("checklist"))
    code = models.CharField(_("code"), max_length=16)
    section = models.CharField(_("section"), max_length=100)
    text = models.TextField(_("standard"))
    text_km = models.TextField(_("standard in Khmer"), blank=True)
    weight = models.PositiveSmallIntegerField(_("points"), default=1)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ChecklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="agencies_checklistitem_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.text[:60]}"


class Inspection(BaseModel):
    """An inspection of an agency against the checklist (Prakas 250, 251)."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("agency"))
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("checklist")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InspectionStatus.choices, default=InspectionStatus.PLANNED, editable=False
    )
    reason = models.CharField(_("reason"), max_length=16, choices=InspectionReason.choices, default=InspectionReason.ROUTINE)
    reason_detail = models.TextField(_("why now"), blank=True)
    scheduled_for = models.DateField(_("planned date"))
    conducted_on = models.DateField(_("date of inspection"), null=True, blank=True)
    inspectors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="inspections", verbose_name=_("inspectors")
    )
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True, editable=False)
    findings = models.TextField(_("findings"), blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approved by")
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True, editable=False)
    overdue_flagged_at = models.DateTimeField(_("flagged overdue"), null=True, blank=True, editable=False)

    objects = InspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-scheduled_for", "-id"]
        permissions = [("approve_inspection", _("Can approve and publish inspection results"))]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InspectionStatus.values), name="agencies_inspection_status_valid"),
            # The planner's guard: at most one planned inspection per agency, so a
            # planning task that runs twice schedules nothing twice.
            models.UniqueConstraint(
                fields=["agency"], condition=Q(status=InspectionStatus.PLANNED), name="agencies_inspection_one_planned"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)), name="agencies_inspection_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "status", "conducted_on"], name="agencies_insp_agency_idx"),
            models.Index(fields=["status", "scheduled_for"], name="agencies_insp_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.agency} {self.conducted_on or self.scheduled_for}"


class InspectionResult(models.Model):
    """The inspector's finding on one checklist item."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results", verbose_name=_("inspection"))
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name=_("item"))
    result = models.CharField(_("result"), max_length=16, choices=ChecklistResult.choices)
    note = models.TextField(_("note"), blank=True)

    objects = InspectionResultQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection result")
        verbose_name_plural = _("inspection results")
        ordering = ["item__order", "item__code"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="agencies_result_once_per_item"),
            models.CheckConstraint(condition=Q(result__in=ChecklistResult.values), name="agencies_result_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item.code}: {self.get_result_display()}"


class InspectionAction(BaseModel):
    """A follow-up action the agency must take after an inspection, with its deadline."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="actions", verbose_name=_("inspection"))
    description = models.TextField(_("action required"))
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    objects = InspectionActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["due_date", "id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=ActionStatus.values), name="agencies_action_status_valid")]

    def __str__(self) -> str:
        return self.description[:60]


class Advertisement(BaseModel):
    """A recruitment advertisement, which may run only once MOLVT approves it (Prakas 046, policy 7.2).

    The approved advertisement carries a public code anyone can verify.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="advertisements", verbose_name=_("agency"))
    code = models.CharField(_("approval code"), max_length=20, unique=True, null=True, blank=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("destination"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    occupation = models.CharField(_("occupation"), max_length=120)
    positions_male = models.PositiveIntegerField(_("positions for men"), default=0)
    positions_female = models.PositiveIntegerField(_("positions for women"), default=0)
    monthly_wage = models.DecimalField(_("monthly wage"), max_digits=10, decimal_places=2, null=True, blank=True)
    wage_currency = models.CharField(_("wage currency"), max_length=3, default=USD)
    worker_fee = models.DecimalField(
        _("fee charged to the worker"), max_digits=10, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fee_currency = models.CharField(_("fee currency"), max_length=3, default=USD)
    text = models.TextField(_("advertisement text"))
    media = models.CharField(_("where it will run"), max_length=200, blank=True)
    valid_from = models.DateField(_("runs from"))
    valid_until = models.DateField(_("runs until"))
    status = models.CharField(
        _("status"), max_length=16, choices=AdvertisementStatus.choices, default=AdvertisementStatus.SUBMITTED, editable=False
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("submitted by")
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    review_reason = models.TextField(_("reason for refusal"), blank=True)

    objects = AdvertisementQuerySet.as_manager()

    class Meta:
        verbose_name = _("advertisement")
        verbose_name_plural = _("advertisements")
        ordering = ["-created", "-id"]
        permissions = [
            ("review_advertisement", _("Can approve or refuse advertisements")),
            ("submit_advertisement", _("Can submit advertisements")),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AdvertisementStatus.values), name="agencies_ad_status_valid"),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="agencies_ad_dates",
                violation_error_message=_("An advertisement must end on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status=AdvertisementStatus.APPROVED) | Q(code__isnull=False),
                name="agencies_ad_approved_has_code",
            ),
        ]
        indexes = [models.Index(fields=["status", "created"], name="agencies_ad_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def positions(self) -> int:
        return self.positions_male + self.positions_female


class MonthlyReport(BaseModel):
    """An agency's report for one month (Prakas 047), figures by destination x sector x sex.

    Quarterly, half-yearly and yearly views are derived from these, never typed again.
    """

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="reports", verbose_name=_("agency"))
    period = models.DateField(_("month"), help_text=_("The first day of the month reported."))
    status = models.CharField(
        _("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT, editable=False
    )
    complaints_received = models.PositiveIntegerField(
        _("complaints received"), default=0, validators=[MaxValueValidator(MAX_FIGURE)]
    )
    fees_charged = models.DecimalField(
        _("fees charged to workers"), max_digits=12, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    fees_currency = models.CharField(_("fee currency"), max_length=3, default=USD, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("submitted by")
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("reviewed by")
    )
    review_note = models.TextField(_("ministry's note"), blank=True)
    # Incremented by every write; a form posted with an older version is refused
    # rather than silently overwriting a colleague's figures.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = MonthlyReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-period", "agency__name"]
        permissions = [
            ("submit_monthlyreport", _("Can submit monthly reports")),
            ("review_monthlyreport", _("Can accept or return monthly reports")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "period"],
                name="agencies_report_one_per_month",
                violation_error_message=_("There is already a report for this agency and month."),
            ),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="agencies_report_status_valid"),
            models.CheckConstraint(condition=Q(period__day=1), name="agencies_report_period_first_day"),
            models.CheckConstraint(condition=Q(fees_charged__gte=0), name="agencies_report_fees_nonneg"),
        ]
        indexes = [models.Index(fields=["status", "period"], name="agencies_report_status_idx")]

    def __str__(self) -> str:
        return f"{self.agency} {self.period:%Y-%m}"

    @property
    def is_editable(self) -> bool:
        return self.status in (ReportStatus.DRAFT, ReportStatus.RETURNED)


class MonthlyReportLine(models.Model):
    """The month's figures for one destination country, sector and sex."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="lines", verbose_name=_("report"))
    country = models.ForeignKey("reference.Country", on_delete=models.PROTECT, related_name="+", verbose_name=_("destination"))
    sector = models.ForeignKey("reference.Sector", on_delete=models.PROTECT, related_name="+", verbose_name=_("sector"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    recruited = models.PositiveIntegerField(_("recruited"), default=0, validators=[MaxValueValidator(MAX_FIGURE)])
    trained = models.PositiveIntegerField(_("trained"), default=0, validators=[MaxValueValidator(MAX_FIGURE)])
    deployed = models.PositiveIntegerField(_("deployed"), default=0, validators=[MaxValueValidator(MAX_FIGURE)])
    returned = models.PositiveIntegerField(_("returned"), default=0, validators=[MaxValueValidator(MAX_FIGURE)])
    abroad_end = models.PositiveIntegerField(_("abroad at month end"), default=0, validators=[MaxValueValidator(MAX_FIGURE)])

    objects = ReportLineQuerySet.as_manager()

    FIGURES = ("recruited", "trained", "deployed", "returned", "abroad_end")

    class Meta:
        verbose_name = _("report line")
        verbose_name_plural = _("report lines")
        ordering = ["country__name", "sector__name", "sex"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "country", "sector", "sex"],
                name="agencies_reportline_unique",
                violation_error_message=_("This destination, sector and sex already has a line."),
            ),
            models.CheckConstraint(condition=Q(sex__in=Sex.values), name="agencies_reportline_sex_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.country} / {self.sector} / {self.sex}"
