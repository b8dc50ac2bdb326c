"""Serializers of the agencies API.

Output serializers read what the viewset's queryset has already joined or
annotated (no serializer method runs a query). Input serializers only parse:
types, formats, references to rows the caller may see. The rules (a report
for a month that has ended, a drawdown no larger than the deposit...) live in
``agencies.services`` and come back as 400s naming the field. Status fields are
never writable: no input serializer has one.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from migration_portal.accounts.models import User
from migration_portal.core.api.fields import (
    CountryBriefSerializer,
    EnumField,
    ProvinceBriefSerializer,
    SectorBriefSerializer,
    UserBriefSerializer,
)
from migration_portal.core.api.filters import MAX_ID
from migration_portal.core.filters import MAX_POSITIONS
from migration_portal.core.scoping import INSPECTION, visible
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country, Sector

from ..choices import (
    PUBLIC_STATUS,
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
from ..models import (
    MAX_FIGURE,
    USD,
    Advertisement,
    Agency,
    DepositEntry,
    Inspection,
    InspectionAction,
    InspectionResult,
    MonthlyReport,
    MonthlyReportLine,
    Sanction,
)
from ..services import LineInput, report_due_date

MONEY = {"max_digits": 12, "decimal_places": 2}

# --- Small shared pieces ----------------------------------------------------------


class ScopedAgencyField(serializers.PrimaryKeyRelatedField):
    """An agency id, resolved only among the agencies the caller may see.

    ``queryset`` is given for the schema; lookups go through ``visible`` so an
    agency outside the caller's scope reads as "does not exist".
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Agency.objects.all())
        super().__init__(**kwargs)

    def get_queryset(self):
        return visible(Agency.objects.all(), self.context["request"].user)


class AgencyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Agency
        fields = ["id", "name", "licence_number"]


# --- Agencies ---------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    """An agency as listed. Reads the ``for_list()`` annotations and the prefetched countries."""

    province = ProvinceBriefSerializer(read_only=True)
    authorised_countries = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    licence_status = EnumField(LicenceStatus, read_only=True)
    licence_status_display = serializers.CharField(source="get_licence_status_display", read_only=True)
    deposit_balance = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    deposit_currency = serializers.SerializerMethodField()
    deposit_short = serializers.BooleanField(read_only=True, help_text=_("Below the deposit Prakas 047 requires."))
    last_inspection_on = serializers.DateField(read_only=True, allow_null=True)
    last_inspection_grade = serializers.CharField(read_only=True, allow_null=True)
    last_inspection_score = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True, allow_null=True)

    class Meta:
        model = Agency
        fields = [
            "id",
            "name",
            "name_km",
            "registration_number",
            "licence_number",
            "licence_status",
            "licence_status_display",
            "licence_issued",
            "licence_expires",
            "province",
            "authorised_countries",
            "acra_member",
            "mac_member",
            "code_of_conduct_signed",
            "deposit_balance",
            "deposit_currency",
            "deposit_short",
            "last_inspection_on",
            "last_inspection_grade",
            "last_inspection_score",
        ]
        read_only_fields = fields

    def get_deposit_currency(self, agency) -> str:
        return USD


class AgencyDetailSerializer(AgencySerializer):
    # A plain string in the schema: empty when no address is on record, which an e-mail format would refuse.
    email = serializers.CharField(read_only=True, label=_("E-mail"))

    class Meta(AgencySerializer.Meta):
        fields = [*AgencySerializer.Meta.fields, "address", "phone", "email", "director_name"]
        read_only_fields = fields


class RiskReasonSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    reason = serializers.CharField()

    def to_representation(self, instance):
        points, reason = instance
        return {"points": points, "reason": str(reason)}


class RiskSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text=_("0 to 100"))
    level = serializers.ChoiceField(choices=[("low", _("Low")), ("medium", _("Medium")), ("high", _("High"))])
    reasons = RiskReasonSerializer(many=True)


class AgencyMinistryDetailSerializer(AgencyDetailSerializer):
    """What ministry staff see: the detail plus the risk profile the view attached as ``risk``."""

    risk = RiskSerializer(read_only=True)

    class Meta(AgencyDetailSerializer.Meta):
        fields = [*AgencyDetailSerializer.Meta.fields, "risk"]
        read_only_fields = fields


# --- Deposit ledger -----------------------------------------------------------------


class DepositEntrySerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)
    kind = EnumField(DepositEntryKind, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    recorded_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = DepositEntry
        fields = [
            "id",
            "agency",
            "kind",
            "kind_display",
            "amount",
            "currency",
            "entry_date",
            "reference",
            "reason",
            "recorded_by",
            "created",
        ]
        read_only_fields = fields


class DepositEntryInputSerializer(serializers.Serializer):
    agency = ScopedAgencyField()
    kind = EnumField(DepositEntryKind)
    amount = serializers.DecimalField(**MONEY, help_text=_("In USD; always positive, the kind gives the direction."))
    entry_date = serializers.DateField(required=False)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


# --- Sanctions ------------------------------------------------------------------------


class SanctionSerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)
    kind = EnumField(SanctionKind, read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    decided_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Sanction
        fields = [
            "id",
            "agency",
            "kind",
            "kind_display",
            "reason",
            "reference",
            "decided_on",
            "effective_until",
            "lifted_on",
            "decided_by",
            "created",
        ]
        read_only_fields = fields


class SanctionInputSerializer(serializers.Serializer):
    agency = ScopedAgencyField()
    kind = EnumField(SanctionKind)
    reason = serializers.CharField(allow_blank=True)
    reference = serializers.CharField(max_length=80, allow_blank=True)
    decided_on = serializers.DateField(required=False)
    effective_until = serializers.DateField(required=False, allow_null=True)


# --- Inspections ------------------------------------------------------------------------


class InspectionSerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)
    status = EnumField(InspectionStatus, read_only=True)
    reason = EnumField(InspectionReason, read_only=True)
    grade = EnumField(Grade, read_only=True, allow_blank=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    checklist_version = serializers.IntegerField(source="template.version", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "agency",
            "status",
            "status_display",
            "reason",
            "scheduled_for",
            "conducted_on",
            "score",
            "grade",
            "checklist_version",
            "approved_at",
        ]
        read_only_fields = fields


class InspectionResultSerializer(serializers.ModelSerializer):
    item = serializers.IntegerField(source="item_id", read_only=True)
    code = serializers.CharField(source="item.code", read_only=True)
    section = serializers.CharField(source="item.section", read_only=True)
    standard = serializers.CharField(source="item.text", read_only=True)
    weight = serializers.IntegerField(source="item.weight", read_only=True)
    result = EnumField(ChecklistResult, read_only=True)

    class Meta:
        model = InspectionResult
        fields = ["item", "code", "section", "standard", "weight", "result", "note"]
        read_only_fields = fields


class InspectionActionSerializer(serializers.ModelSerializer):
    status = EnumField(ActionStatus, read_only=True)

    class Meta:
        model = InspectionAction
        fields = ["id", "description", "due_date", "status", "done_on"]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    """An inspection as its agency sees it once published: results and follow-up actions."""

    results = InspectionResultSerializer(many=True, read_only=True)
    actions = InspectionActionSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "findings", "results", "actions"]
        read_only_fields = fields


class InspectionMinistryDetailSerializer(InspectionDetailSerializer):
    """Ministry staff also see why it was planned (which may quote risk signals) and who inspects."""

    inspectors = UserBriefSerializer(many=True, read_only=True)
    approved_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta(InspectionDetailSerializer.Meta):
        fields = [*InspectionDetailSerializer.Meta.fields, "reason_detail", "inspectors", "approved_by"]
        read_only_fields = fields


class InspectionScheduleInputSerializer(serializers.Serializer):
    agency = ScopedAgencyField()
    scheduled_for = serializers.DateField()
    reason = EnumField(InspectionReason, default=InspectionReason.ROUTINE)
    reason_detail = serializers.CharField(required=False, allow_blank=True, default="")
    inspectors = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        required=False,
        default=list,
        help_text=_("User ids of members of the Inspectors group."),
    )

    def validate_inspectors(self, value) -> list:
        """Resolve the ids to active members of the Inspectors group, in one query, naming any that is not."""
        wanted = set(value)
        users = visible(User.objects.all(), self.context["request"].user).filter(
            pk__in=wanted, is_active=True, groups__name=INSPECTION
        )
        found = list(users.distinct())
        unknown = sorted(wanted - {u.pk for u in found})
        if unknown:
            raise serializers.ValidationError(_("Not an active inspector: %(ids)s.") % {"ids": ", ".join(map(str, unknown))})
        return found


class InspectionResultInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("Checklist item id"))
    result = EnumField(ChecklistResult)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class InspectionActionInputSerializer(serializers.Serializer):
    description = serializers.CharField()
    due_date = serializers.DateField()


class InspectionRecordInputSerializer(serializers.Serializer):
    conducted_on = serializers.DateField()
    results = InspectionResultInputSerializer(many=True, allow_empty=False)
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    actions = InspectionActionInputSerializer(many=True, required=False, default=list)

    def validate_results(self, value):
        seen = set()
        for n, row in enumerate(value, start=1):
            if row["item"] in seen:
                raise serializers.ValidationError(_("Result %(n)d repeats item %(item)d.") % {"n": n, "item": row["item"]})
            seen.add(row["item"])
        return value


class InspectionCancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


# --- Monthly reports ------------------------------------------------------------------


class ReportLineSerializer(serializers.ModelSerializer):
    country = serializers.CharField(source="country.code", read_only=True)
    sector = serializers.CharField(source="sector.code", read_only=True)
    sex = EnumField(Sex, read_only=True)

    class Meta:
        model = MonthlyReportLine
        fields = ["country", "sector", "sex", *MonthlyReportLine.FIGURES]
        read_only_fields = fields


class MonthlyReportSerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)
    status = EnumField(ReportStatus, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    line_count = serializers.IntegerField(read_only=True)
    deployed_total = serializers.IntegerField(read_only=True)
    due_date = serializers.SerializerMethodField()

    class Meta:
        model = MonthlyReport
        fields = [
            "id",
            "agency",
            "period",
            "status",
            "status_display",
            "due_date",
            "complaints_received",
            "fees_charged",
            "fees_currency",
            "submitted_at",
            "reviewed_at",
            "version",
            "line_count",
            "deployed_total",
        ]
        read_only_fields = fields

    def get_due_date(self, report) -> str:  # a calculation on the row, no query
        return report_due_date(report.period).isoformat()


class MonthlyReportDetailSerializer(MonthlyReportSerializer):
    submitted_by = UserBriefSerializer(read_only=True, allow_null=True)
    reviewed_by = UserBriefSerializer(read_only=True, allow_null=True)
    lines = ReportLineSerializer(many=True, read_only=True)

    class Meta(MonthlyReportSerializer.Meta):
        fields = [*MonthlyReportSerializer.Meta.fields, "notes", "submitted_by", "reviewed_by", "review_note", "lines"]
        read_only_fields = fields


class ReportCreateInputSerializer(serializers.Serializer):
    period = serializers.DateField(input_formats=["%Y-%m", "iso-8601"], help_text=_("The month: YYYY-MM (or any date in it)."))
    agency = ScopedAgencyField(required=False, help_text=_("Ministry staff only; agency users report for their own agency."))


class ReportLineInputSerializer(serializers.Serializer):
    country = serializers.CharField(help_text=_("ISO country code, e.g. TH"))
    sector = serializers.CharField(help_text=_("Sector code, e.g. CON"))
    sex = EnumField(Sex)
    recruited = serializers.IntegerField(default=0, max_value=MAX_FIGURE)
    trained = serializers.IntegerField(default=0, max_value=MAX_FIGURE)
    deployed = serializers.IntegerField(default=0, max_value=MAX_FIGURE)
    returned = serializers.IntegerField(default=0, max_value=MAX_FIGURE)
    abroad_end = serializers.IntegerField(default=0, max_value=MAX_FIGURE)


class ReportSaveInputSerializer(serializers.Serializer):
    """The figures of a report, replacing the ones saved. ``version`` is the one the client read."""

    version = serializers.IntegerField(help_text=_("The report's version when you read it; a stale one is refused."))
    lines = ReportLineInputSerializer(many=True)
    complaints_received = serializers.IntegerField(max_value=MAX_FIGURE)
    fees_charged = serializers.DecimalField(**MONEY)
    notes = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        # A PATCH may leave out any field but the version: without it, a stale write could not be refused.
        if "version" not in attrs:
            raise serializers.ValidationError({"version": _("This field is required.")})
        return attrs

    def validate_lines(self, value) -> list[LineInput]:
        """Resolve the country and sector codes of every line in two queries, naming the line of a bad code."""
        countries = {c.upper(): pk for c, pk in Country.objects.values_list("code", "pk")}
        sectors = {s.upper(): pk for s, pk in Sector.objects.values_list("code", "pk")}
        lines, errors = [], []
        for n, row in enumerate(value, start=1):
            country = countries.get(row["country"].strip().upper())
            sector = sectors.get(row["sector"].strip().upper())
            if country is None:
                errors.append(_("Line %(n)d: unknown country code '%(code)s'.") % {"n": n, "code": row["country"]})
            if sector is None:
                errors.append(_("Line %(n)d: unknown sector code '%(code)s'.") % {"n": n, "code": row["sector"]})
            if country and sector:
                figures = {f: row[f] for f in MonthlyReportLine.FIGURES}
                lines.append(LineInput(country_id=country, sector_id=sector, sex=row["sex"], **figures))
        if errors:
            raise serializers.ValidationError(errors)
        return lines


class ReportSubmitInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, help_text=_("If given, refused when the report changed since."))


class ReportReviewInputSerializer(serializers.Serializer):
    review_note = serializers.CharField(required=False, allow_blank=True, default="")


class ReportReturnInputSerializer(serializers.Serializer):
    review_note = serializers.CharField(allow_blank=True, help_text=_("What the agency must correct (required)."))


class ReportUploadInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV or XLSX with the columns of the template."))
    version = serializers.IntegerField(help_text=_("The report's version when you read it; a stale one is refused."))


SUMMARY_PERIODS = [("quarter", _("Quarter")), ("half", _("Half-year")), ("year", _("Year"))]


class ReportSummaryQuerySerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=SUMMARY_PERIODS, default="quarter")
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    agency = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, help_text=_("Ministry staff: one agency's figures.")
    )

    def validate(self, attrs):
        attrs.setdefault("year", timezone.localdate().year)
        return attrs


class FiguresSerializer(serializers.Serializer):
    recruited = serializers.IntegerField()
    trained = serializers.IntegerField()
    deployed = serializers.IntegerField()
    returned = serializers.IntegerField()
    abroad_end = serializers.IntegerField(
        allow_null=True, help_text=_("A stock, not a flow: the figure of the period's latest reported month (null if none).")
    )


class SummaryRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    number = serializers.IntegerField(help_text=_("Quarter 1-4, half 1-2, or 1 for the year"))
    months_reported = serializers.IntegerField(help_text=_("Months of the period with at least one report counted"))
    reports = serializers.IntegerField(help_text=_("Monthly reports counted"))
    totals = FiguresSerializer()
    by_sex = serializers.DictField(child=FiguresSerializer(), help_text=_("Keyed by M and F"))


class ReportSummarySerializer(serializers.Serializer):
    period = serializers.CharField()
    year = serializers.IntegerField()
    agency = serializers.IntegerField(allow_null=True)
    rows = SummaryRowSerializer(many=True)


# --- Advertisements ----------------------------------------------------------------


class AdvertisementSerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)
    country = CountryBriefSerializer(read_only=True)
    sector = SectorBriefSerializer(read_only=True)
    status = EnumField(AdvertisementStatus, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    positions = serializers.IntegerField(read_only=True)

    class Meta:
        model = Advertisement
        fields = [
            "id",
            "agency",
            "code",
            "title",
            "country",
            "sector",
            "occupation",
            "positions_male",
            "positions_female",
            "positions",
            "monthly_wage",
            "wage_currency",
            "worker_fee",
            "fee_currency",
            "text",
            "media",
            "valid_from",
            "valid_until",
            "status",
            "status_display",
            "review_reason",
            "reviewed_at",
            "created",
        ]
        read_only_fields = fields


class AdvertisementInputSerializer(serializers.Serializer):
    agency = ScopedAgencyField(required=False, help_text=_("Ministry staff only; agency users submit for their own agency."))
    title = serializers.CharField(max_length=200)
    country = serializers.SlugRelatedField(slug_field="code", queryset=Country.objects.all(), help_text=_("ISO code"))
    sector = serializers.SlugRelatedField(slug_field="code", queryset=Sector.objects.all(), help_text=_("Sector code"))
    occupation = serializers.CharField(max_length=120)
    positions_male = serializers.IntegerField(min_value=0, max_value=MAX_POSITIONS, default=0)
    positions_female = serializers.IntegerField(min_value=0, max_value=MAX_POSITIONS, default=0)
    monthly_wage = serializers.DecimalField(max_digits=10, decimal_places=2, required=False, allow_null=True)
    wage_currency = serializers.CharField(max_length=3, default=USD)
    worker_fee = serializers.DecimalField(max_digits=10, decimal_places=2, default=0)
    fee_currency = serializers.CharField(max_length=3, default=USD)
    text = serializers.CharField()
    media = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class AdvertisementRefuseInputSerializer(serializers.Serializer):
    review_reason = serializers.CharField(allow_blank=True, help_text=_("Why it is refused (required)."))


# --- Public --------------------------------------------------------------------------
# These read the rows of agencies.selectors' public readers, which load only the
# public columns: a serializer field outside them would cost a query per row.


class PublicNameSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    name_km = serializers.CharField(read_only=True)


class PublicLicenceSerializer(serializers.ModelSerializer):
    """The public licence check: what anyone may know about an agency's licence."""

    licence_status = EnumField(LicenceStatus, read_only=True)
    status = serializers.SerializerMethodField(help_text=_("The licence's state in plain words"))
    may_recruit = serializers.BooleanField(read_only=True)
    warning_on_record = serializers.BooleanField(read_only=True, help_text=_("A warning decided in the last 12 months"))
    authorised_destinations = CountryBriefSerializer(source="authorised_countries", many=True, read_only=True)

    class Meta:
        model = Agency
        fields = [
            "name",
            "name_km",
            "licence_number",
            "licence_status",
            "status",
            "may_recruit",
            "warning_on_record",
            "licence_expires",
            "authorised_destinations",
        ]
        read_only_fields = fields

    def get_status(self, agency) -> str:
        return str(PUBLIC_STATUS[LicenceStatus(agency.licence_status)])


class PublicAgencyBriefSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    name_km = serializers.CharField(read_only=True)
    licence_number = serializers.CharField(read_only=True, allow_null=True)
    status = serializers.SerializerMethodField(help_text=_("The licence's state in plain words"))
    may_recruit = serializers.BooleanField(read_only=True)

    def get_status(self, agency) -> str:
        return str(PUBLIC_STATUS[LicenceStatus(agency.licence_status)])


class PublicAdvertisementSerializer(serializers.Serializer):
    """What a worker checking an advertisement's approval code is told.

    Reads an ``AdvertisementCheck`` (agencies.selectors.advertisement_verify),
    the same answer the public verification page gives.
    """

    code = serializers.CharField(source="advertisement.code", read_only=True)
    status = EnumField(AdvertisementStatus, source="advertisement.status", read_only=True)
    valid_today = serializers.BooleanField(
        source="valid", read_only=True, help_text=_("Approved, running today, and the agency's licence is active.")
    )
    explanation = serializers.CharField(source="reason", read_only=True)
    title = serializers.CharField(source="advertisement.title", read_only=True)
    agency = PublicAgencyBriefSerializer(source="advertisement.agency", read_only=True)
    destination = PublicNameSerializer(source="advertisement.country", read_only=True)
    sector = PublicNameSerializer(source="advertisement.sector", read_only=True)
    occupation = serializers.CharField(source="advertisement.occupation", read_only=True)
    positions_male = serializers.IntegerField(source="advertisement.positions_male", read_only=True)
    positions_female = serializers.IntegerField(source="advertisement.positions_female", read_only=True)
    positions = serializers.IntegerField(source="advertisement.positions", read_only=True)
    monthly_wage = serializers.DecimalField(
        source="advertisement.monthly_wage", max_digits=10, decimal_places=2, read_only=True, allow_null=True
    )
    wage_currency = serializers.CharField(source="advertisement.wage_currency", read_only=True)
    worker_fee = serializers.DecimalField(source="advertisement.worker_fee", max_digits=10, decimal_places=2, read_only=True)
    fee_currency = serializers.CharField(source="advertisement.fee_currency", read_only=True)
    valid_from = serializers.DateField(source="advertisement.valid_from", read_only=True)
    valid_until = serializers.DateField(source="advertisement.valid_until", read_only=True)


class PublicRankingSerializer(serializers.Serializer):
    """One row of agencies.selectors.public_ranking(): equal scores share a rank."""

    rank = serializers.IntegerField(read_only=True)
    agency = serializers.CharField(source="agency_name", read_only=True)
    agency_km = serializers.CharField(source="agency_name_km", read_only=True)
    licence_number = serializers.CharField(read_only=True, allow_null=True)
    licence_status = EnumField(LicenceStatus, read_only=True)
    status = serializers.CharField(source="public_status", read_only=True)
    inspected_on = serializers.DateField(source="conducted_on", read_only=True, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True, allow_null=True)
    grade = EnumField(Grade, read_only=True, allow_blank=True)
