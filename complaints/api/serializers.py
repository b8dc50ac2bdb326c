"""Serializers of the complaints API.

Output serializers read what the viewset's queryset joined or prefetched (no method
runs a query). The shape is chosen by role: officers who handle complaints get the
whole case they may see; other ministry staff the same without confidential notes and
the complainant's phone; the respondent agency a redacted shape with no confidential
notes, no legal aid, no worker identifiers, no complainant's phone (its attachments and
cases are already limited by the row scope: shared files only, never restricted cases).

Input serializers only parse; the rules are in ``complaints.services`` and come back
as 400s naming the field. Every input acting on a case carries ``version``. No input
serializer has a stage or status field, except the transition's target stage.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api.serializers import AgencyBriefSerializer, ScopedAgencyField
from migration_portal.core.api.fields import (
    CountryBriefSerializer,
    EnumField,
    OutOfScopeAsNull,
    ProvinceBriefSerializer,
    UserBriefSerializer,
)
from migration_portal.core.scoping import visible
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Checkpoint, Country, Province

from ..choices import (
    Channel,
    ComplainantType,
    DrawdownStatus,
    Ground,
    LodgedAt,
    Payer,
    ReferredTo,
    RespondentKind,
    Stage,
    TraffickingIndicator,
)
from ..models import (
    AgencyResponse,
    Attachment,
    ConciliationMeeting,
    DrawdownProposal,
    Instalment,
    LegalAidReferral,
    Payment,
    Respondent,
    Settlement,
    Transfer,
)
from ..selectors import deadline_of

MONEY = {"max_digits": 12, "decimal_places": 2}


class _NamedChoices:
    """A choices class under another name, for an enum whose class name another app uses
    too (``Channel`` is also the workers' deployment channel)."""

    def __init__(self, name: str, choices_class):
        self.__name__ = name
        self.values = choices_class.values
        self.choices = choices_class.choices


ComplaintChannel = _NamedChoices("ComplaintChannel", Channel)


class ScopedSlugField(serializers.SlugRelatedField):
    """A reference row by its code, among those the caller may see."""

    def get_queryset(self):
        return visible(self.queryset.model._default_manager.all(), self.context["request"].user)


def code_field(model, **kwargs):
    return ScopedSlugField(slug_field="code", queryset=model.objects.all(), **kwargs)


# --- Small nested pieces ------------------------------------------------------------------------


class ComplaintWorkerSerializer(serializers.Serializer):
    """The worker as officers see them: names, sex, date of birth, identifiers masked."""

    ref = serializers.UUIDField(read_only=True, allow_null=True, help_text=_("Null when the worker is outside your register"))
    name_latin = serializers.CharField(read_only=True)
    name_km = serializers.CharField(read_only=True)
    sex = EnumField(Sex, read_only=True)
    date_of_birth = serializers.DateField(read_only=True)
    home_province = ProvinceBriefSerializer(read_only=True)
    national_id_masked = serializers.CharField(source="masked_national_id", read_only=True)
    passport_masked = serializers.CharField(source="masked_passport", read_only=True)
    phone_masked = serializers.CharField(source="masked_phone", read_only=True)


class ComplaintWorkerNameSerializer(serializers.Serializer):
    """The worker as the agency sees them: the name only."""

    name_latin = serializers.CharField(read_only=True)
    name_km = serializers.CharField(read_only=True)


class ComplaintRespondentSerializer(serializers.ModelSerializer):
    kind = EnumField(RespondentKind, read_only=True)
    agency = AgencyBriefSerializer(read_only=True)

    class Meta:
        model = Respondent
        fields = ["id", "kind", "agency", "name", "details"]


class ComplaintAttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_("Download, through the same scope"))

    class Meta:
        model = Attachment
        fields = ["id", "description", "share_with_agency", "created", "url"]

    def get_url(self, attachment) -> str:  # the complaint is the prefetch's parent: no query
        return reverse("complaint-attachment", kwargs={"ref": attachment.complaint.ref, "pk": attachment.pk})


class ComplaintMeetingSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConciliationMeeting
        fields = ["id", "scheduled_for", "place", "participants", "held", "agreement_reached", "agency_response", "minutes"]


class ComplaintAgencyMeetingSerializer(serializers.ModelSerializer):
    """What the agency sees of a meeting: when, where, whether held and agreed."""

    class Meta:
        model = ConciliationMeeting
        fields = ["id", "scheduled_for", "place", "held", "agreement_reached"]


class ComplaintInstalmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Instalment
        fields = ["due_on", "amount"]


class ComplaintPaymentSerializer(serializers.ModelSerializer):
    from_deposit = serializers.SerializerMethodField(help_text=_("Paid from the agency's guarantee deposit"))

    class Meta:
        model = Payment
        fields = ["id", "paid_on", "amount", "method", "reference", "from_deposit"]

    def get_from_deposit(self, payment) -> bool:
        return payment.from_deposit_id is not None


class ComplaintDrawdownSerializer(serializers.ModelSerializer):
    status = EnumField(DrawdownStatus, read_only=True)
    agency = AgencyBriefSerializer(read_only=True)
    proposed_by = UserBriefSerializer(read_only=True)
    decided_by = UserBriefSerializer(read_only=True)

    class Meta:
        model = DrawdownProposal
        fields = ["id", "agency", "amount", "reason", "status", "proposed_by", "decided_by", "decided_at", "decision_note",
                  "created"]


class ComplaintSettlementSerializer(serializers.ModelSerializer):
    payer = EnumField(Payer, read_only=True)
    payer_agency = AgencyBriefSerializer(read_only=True)
    instalments = ComplaintInstalmentSerializer(many=True, read_only=True)
    payments = ComplaintPaymentSerializer(many=True, read_only=True)
    paid = serializers.DecimalField(source="paid_total", read_only=True, **MONEY)
    outstanding = serializers.DecimalField(source="outstanding_total", read_only=True, **MONEY)

    class Meta:
        model = Settlement
        fields = ["amount", "currency", "payer", "payer_agency", "agreed_on", "terms", "instalments", "payments", "paid",
                  "outstanding"]

    def to_representation(self, settlement):
        # Totals from the prefetched payments: no query.
        settlement.paid_total = sum((p.amount for p in settlement.payments.all()), Decimal("0"))
        settlement.outstanding_total = settlement.amount - settlement.paid_total
        return super().to_representation(settlement)


class ComplaintOfficerSettlementSerializer(ComplaintSettlementSerializer):
    drawdowns = ComplaintDrawdownSerializer(many=True, read_only=True)

    class Meta(ComplaintSettlementSerializer.Meta):
        fields = [*ComplaintSettlementSerializer.Meta.fields, "drawdowns"]


class ComplaintLegalAidSerializer(serializers.ModelSerializer):
    class Meta:
        model = LegalAidReferral
        fields = ["id", "partner", "referred_on", "result", "result_on"]


class ComplaintResponseSerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)

    class Meta:
        model = AgencyResponse
        fields = ["id", "agency", "text", "created"]


class ComplaintTransferSerializer(serializers.ModelSerializer):
    from_province = ProvinceBriefSerializer(read_only=True)
    to_province = ProvinceBriefSerializer(read_only=True)

    class Meta:
        model = Transfer
        fields = ["from_province", "to_province", "reason", "created"]


class ComplaintEventSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    message = serializers.CharField(read_only=True)
    created = serializers.DateTimeField(read_only=True)
    actor = UserBriefSerializer(read_only=True)


# --- The case, by role -------------------------------------------------------------------------------


class _DeadlineMixin(serializers.Serializer):
    """Deadline and overdue from the stage limits read once for the request (``context["limits"]``)."""

    deadline = serializers.SerializerMethodField(help_text=_("When the current stage runs out (open stages only)"))
    overdue = serializers.SerializerMethodField()

    def get_deadline(self, complaint) -> datetime | None:
        return deadline_of(complaint, self.context["limits"])

    def get_overdue(self, complaint) -> bool:
        deadline = deadline_of(complaint, self.context["limits"])
        return bool(deadline and deadline < self.context["now"])


class ComplaintListSerializer(OutOfScopeAsNull, _DeadlineMixin, serializers.Serializer):
    """A case as officers list it. The worker's register reference only when the worker is in
    the officer's own scope (a case handled in one province may be about another's worker)."""

    out_of_scope = {"worker.ref": "worker_in_scope"}

    ref = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    stage = EnumField(Stage, read_only=True)
    stage_since = serializers.DateTimeField(read_only=True)
    current_province = ProvinceBriefSerializer(read_only=True, allow_null=True)
    assigned_officer = UserBriefSerializer(read_only=True, allow_null=True)
    worker = ComplaintWorkerSerializer(read_only=True)
    grounds = serializers.SerializerMethodField()
    respondents = ComplaintRespondentSerializer(many=True, read_only=True)
    restricted = serializers.BooleanField(read_only=True)
    trafficking_flag = serializers.BooleanField(read_only=True)
    amount_claimed = serializers.DecimalField(read_only=True, **MONEY)
    claim_currency = serializers.CharField(read_only=True)

    def get_grounds(self, complaint) -> list[str]:  # the prefetched grounds
        return [g.ground for g in complaint.grounds.all()]


class ComplaintDetailSerializer(ComplaintListSerializer):
    """The whole case for ministry staff who read but do not handle complaints."""

    complainant_type = EnumField(ComplainantType, read_only=True)
    complainant_name = serializers.CharField(read_only=True)
    complainant_relation = serializers.CharField(read_only=True)
    worker_was_irregular = serializers.BooleanField(read_only=True)
    country = CountryBriefSerializer(read_only=True, allow_null=True)
    lodged_at = EnumField(LodgedAt, read_only=True)
    lodged_province = ProvinceBriefSerializer(read_only=True)
    channel = EnumField(ComplaintChannel, read_only=True)
    narrative = serializers.CharField(read_only=True)
    trafficking_indicators = serializers.ListField(child=EnumField(TraffickingIndicator), read_only=True)
    referred_to_ncct_on = serializers.DateField(read_only=True, allow_null=True)
    referred_to = serializers.CharField(read_only=True)
    resolved_on = serializers.DateField(read_only=True, allow_null=True)
    closed_on = serializers.DateField(read_only=True, allow_null=True)
    version = serializers.IntegerField(read_only=True, help_text=_("Send it back with every action on the case"))
    attachments = ComplaintAttachmentSerializer(many=True, read_only=True)
    meetings = ComplaintMeetingSerializer(many=True, read_only=True)
    settlement = serializers.SerializerMethodField()
    legal_aid = ComplaintLegalAidSerializer(many=True, read_only=True)
    agency_responses = ComplaintResponseSerializer(many=True, read_only=True)
    transfers = ComplaintTransferSerializer(many=True, read_only=True)
    events = serializers.SerializerMethodField(help_text=_("The case's timeline, newest first"))

    def get_settlement(self, complaint) -> ComplaintOfficerSettlementSerializer(allow_null=True):
        settlement = getattr(complaint, "settlement_row", None)
        return ComplaintOfficerSettlementSerializer(settlement, context=self.context).data if settlement else None

    def get_events(self, complaint) -> ComplaintEventSerializer(many=True):
        return ComplaintEventSerializer(self.context.get("events", []), many=True).data


class ComplaintHandlerDetailSerializer(ComplaintDetailSerializer):
    """The whole case for those who handle complaints: with the confidential notes and the complainant's phone."""

    complainant_phone = serializers.CharField(read_only=True, allow_null=True)
    confidential_notes = serializers.CharField(read_only=True)


class ComplaintAgencyListSerializer(serializers.Serializer):
    """A case as the respondent agency lists it."""

    ref = serializers.CharField(read_only=True)
    received_on = serializers.DateField(read_only=True)
    stage = EnumField(Stage, read_only=True)
    grounds = serializers.SerializerMethodField()
    worker = ComplaintWorkerNameSerializer(read_only=True)

    def get_grounds(self, complaint) -> list[str]:
        return [g.ground for g in complaint.grounds.all()]


class ComplaintAgencyDetailSerializer(ComplaintAgencyListSerializer):
    """What the agency may read: no confidential notes, legal aid, unshared files, complainant's phone or identifiers."""

    narrative = serializers.CharField(read_only=True)
    meetings = ComplaintAgencyMeetingSerializer(many=True, read_only=True)
    settlement = serializers.SerializerMethodField()
    attachments = ComplaintAttachmentSerializer(many=True, read_only=True)
    agency_responses = ComplaintResponseSerializer(many=True, read_only=True)

    def get_settlement(self, complaint) -> ComplaintSettlementSerializer(allow_null=True):
        settlement = getattr(complaint, "settlement_row", None)
        return ComplaintSettlementSerializer(settlement, context=self.context).data if settlement else None


# --- Inputs ----------------------------------------------------------------------------------------------


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(help_text=_("The case's version as you read it; a changed case is refused (409)"))


class ComplaintNewWorkerInputSerializer(serializers.Serializer):
    name_latin = serializers.CharField(max_length=120)
    name_km = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    sex = EnumField(Sex)
    date_of_birth = serializers.DateField()
    home_province = code_field(Province)
    national_id = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    passport_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class ComplaintRespondentInputSerializer(serializers.Serializer):
    kind = EnumField(RespondentKind)
    agency = ScopedAgencyField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    details = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintIntakeInputSerializer(serializers.Serializer):
    """Intake: an existing worker (``worker``: their reference) or a new one (``new_worker``)."""

    worker = serializers.UUIDField(required=False, allow_null=True, default=None,
                                   help_text=_("A worker you may see, or the exact match of worker_identifier"))
    worker_identifier = serializers.CharField(required=False, allow_blank=True, default="", max_length=32,
                                              help_text=_("The national ID, passport or phone number the worker was found by"))
    new_worker = ComplaintNewWorkerInputSerializer(required=False, allow_null=True, default=None)
    confirm_not_duplicate = serializers.BooleanField(required=False, default=False)
    received_on = serializers.DateField(required=False)
    complainant_type = EnumField(ComplainantType)
    complainant_name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    complainant_relation = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    complainant_phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    worker_was_irregular = serializers.BooleanField(required=False, default=False)
    lodged_at = EnumField(LodgedAt)
    lodged_province = code_field(Province, required=False, allow_null=True, default=None)
    lodged_checkpoint = code_field(Checkpoint, required=False, allow_null=True, default=None)
    channel = EnumField(ComplaintChannel)
    country = code_field(Country, required=False, allow_null=True, default=None)
    grounds = serializers.ListField(child=EnumField(Ground), allow_empty=True)
    respondents = ComplaintRespondentInputSerializer(many=True, allow_empty=True)
    narrative = serializers.CharField()
    confidential_notes = serializers.CharField(required=False, allow_blank=True, default="")
    amount_claimed = serializers.DecimalField(required=False, default=Decimal("0"), min_value=Decimal("0"), **MONEY)
    claim_currency = serializers.CharField(max_length=3, required=False, default="USD")
    trafficking_indicators = serializers.ListField(child=EnumField(TraffickingIndicator), required=False, default=list)

    def validate(self, data):
        if bool(data.get("worker")) == bool(data.get("new_worker")):
            raise serializers.ValidationError({"worker": _("Give either the reference of a registered worker or new_worker.")})
        return data


class ComplaintAssignInputSerializer(VersionInput):
    officer = serializers.IntegerField(help_text=_("The id of an officer who handles complaints where the case is"))


class ComplaintTransferInputSerializer(VersionInput):
    to_province = code_field(Province, allow_null=True, help_text=_("A province's code, or null for the ministry"))
    reason = serializers.CharField()


class ComplaintTransitionInputSerializer(VersionInput):
    to_stage = EnumField(Stage)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    referred_to = EnumField(ReferredTo, required=False, allow_blank=True, default="")


class ComplaintMeetingInputSerializer(VersionInput):
    scheduled_for = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    participants = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintMeetingRecordInputSerializer(VersionInput):
    meeting = serializers.IntegerField(help_text=_("The id of one of the case's meetings"))
    minutes = serializers.CharField(allow_blank=True)
    agreement_reached = serializers.BooleanField()
    agency_response = serializers.CharField(required=False, allow_blank=True, default="")
    participants = serializers.CharField(required=False, allow_blank=True, default="")


class ComplaintInstalmentInputSerializer(serializers.Serializer):
    due_on = serializers.DateField()
    amount = serializers.DecimalField(min_value=Decimal("0.01"), **MONEY)


class ComplaintSettlementInputSerializer(VersionInput):
    amount = serializers.DecimalField(min_value=Decimal("0"), **MONEY)
    currency = serializers.CharField(max_length=3, required=False, default="USD")
    payer = EnumField(Payer)
    payer_agency = ScopedAgencyField(required=False, allow_null=True, default=None)
    agreed_on = serializers.DateField()
    terms = serializers.CharField(required=False, allow_blank=True, default="")
    instalments = ComplaintInstalmentInputSerializer(many=True, required=False, default=list)


class ComplaintPaymentInputSerializer(VersionInput):
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    method = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")


class ComplaintDrawdownInputSerializer(VersionInput):
    amount = serializers.DecimalField(**MONEY)
    reason = serializers.CharField(allow_blank=True)


class ComplaintLegalAidInputSerializer(VersionInput):
    partner = serializers.CharField(max_length=200, allow_blank=True)
    referred_on = serializers.DateField(required=False, allow_null=True, default=None)


class ComplaintLegalAidResultInputSerializer(VersionInput):
    referral = serializers.IntegerField(help_text=_("The id of one of the case's legal aid referrals"))
    result = serializers.CharField(allow_blank=True)
    result_on = serializers.DateField(required=False, allow_null=True, default=None)


class ComplaintRespondInputSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True)


class ComplaintAttachmentInputSerializer(VersionInput):
    file = serializers.FileField()
    description = serializers.CharField(max_length=200, allow_blank=True)
    share_with_agency = serializers.BooleanField(required=False, default=False)


class PublicComplaintStatusInputSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=16)
    date_of_birth = serializers.DateField()


class PublicComplaintStatusSerializer(serializers.Serializer):
    ref = serializers.CharField(read_only=True)
    stage = EnumField(Stage, read_only=True)
    stage_label = serializers.CharField(read_only=True)
