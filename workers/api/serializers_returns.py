"""Serializers of the return and reintegration API.

Output serializers read only what the viewset's queryset joined or annotated (no
serializer method runs a query). Input serializers only parse types and formats;
references to rows are resolved by the view through the caller's scope, and the
rules live in the services. Status fields are never writable.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# EnumField names each choice set's schema enum after its class (ReturnReasonEnum...), so
# the several "status" and "kind" fields of the API do not collide.
from migration_portal.core.api.fields import EnumField, OutOfScopeAsNull
from migration_portal.core.api.filters import MAX_ID
from migration_portal.core.models import BackgroundJob, JobStatus

from ..choices import CaseStatus, ReferralKind, ReferralOutcome, ReturnReason
from ..models import Referral, ReintegrationCase, ReturnRecord, WorkCertificate, Worker


class ReturneeBriefSerializer(serializers.ModelSerializer):
    """A returnee as lists show them: names, sex, date of birth, masked identifiers."""

    ref = serializers.UUIDField(read_only=True, allow_null=True, help_text=_("Null when the worker is outside your register"))

    home_province = serializers.CharField(source="home_province.code", read_only=True)
    national_id = serializers.CharField(source="masked_national_id", read_only=True)
    passport_number = serializers.CharField(source="masked_passport", read_only=True)

    class Meta:
        model = Worker
        fields = ["ref", "name_latin", "name_km", "sex", "date_of_birth", "home_province", "national_id", "passport_number"]
        read_only_fields = fields


class CaseBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReintegrationCase
        fields = ["ref", "status", "assessed_on", "closed_on"]
        read_only_fields = fields


class ReturnRecordSerializer(OutOfScopeAsNull, serializers.ModelSerializer):
    """A return, for agencies: no reintegration case (those are the province's).

    A return is seen by more than its worker's register: the assisting agency, the province
    of the checkpoint that received them. The worker's register reference and the stay abroad
    are then not named (null); the returnee's names stay, they are the return's own record.
    """

    out_of_scope = {
        "worker.ref": "worker_in_scope",
        "deployment": "deployment_in_scope",
        # Another agency that assisted the return: named only to those who may see that agency.
        "assisting_agency": "assisting_agency_in_scope",
        "assisting_agency_name": "assisting_agency_in_scope",
    }

    worker = ReturneeBriefSerializer(read_only=True)
    deployment = serializers.UUIDField(source="deployment.ref", read_only=True, allow_null=True, default=None)
    country = serializers.CharField(source="country.code", read_only=True)
    checkpoint = serializers.CharField(source="checkpoint.code", read_only=True, allow_null=True, default=None)
    province = serializers.CharField(source="province.code", read_only=True)
    assisting_agency = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    assisting_agency_name = serializers.CharField(source="assisting_agency.name", read_only=True, default=None, allow_null=True)
    reason = EnumField(ReturnReason, read_only=True)

    class Meta:
        model = ReturnRecord
        fields = [
            "id",
            "worker",
            "deployment",
            "returned_on",
            "reason",
            "country",
            "checkpoint",
            "province",
            "assisting_agency",
            "assisting_agency_name",
            "documents",
            "needs_assistance",
            "created",
        ]
        read_only_fields = fields


class ReturnRecordOfficerSerializer(ReturnRecordSerializer):
    """A return, for officers and the ministry: with its reintegration case."""

    case = serializers.SerializerMethodField()

    class Meta(ReturnRecordSerializer.Meta):
        fields = [*ReturnRecordSerializer.Meta.fields, "case"]
        read_only_fields = fields

    def get_case(self, obj) -> dict | None:
        # Prefetched by the queryset through the case's own scope: no query here, and
        # None when the case is another province's.
        try:
            case = obj.case
        except ReintegrationCase.DoesNotExist:
            return None
        return CaseBriefSerializer(case).data


class ReturnInputSerializer(serializers.Serializer):
    """Register a return. The worker is named by ``worker`` (reference), or, for officers, by
    ``national_id`` or ``passport_number`` (exact lookup through the keyed hash)."""

    worker = serializers.UUIDField(required=False, help_text=_("The worker's reference."))
    national_id = serializers.CharField(required=False, allow_blank=True, max_length=32, write_only=True)
    passport_number = serializers.CharField(required=False, allow_blank=True, max_length=32, write_only=True)
    deployment = serializers.UUIDField(
        required=False, allow_null=True, help_text=_("The stay abroad the return ends; by default the open one to that country.")
    )
    returned_on = serializers.DateField()
    reason = EnumField(ReturnReason)
    country = serializers.CharField(max_length=16, help_text=_("ISO code of the country returned from, e.g. TH."))
    checkpoint = serializers.CharField(max_length=16, required=False, allow_blank=True, help_text=_("Checkpoint code, e.g. POI."))
    province = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        help_text=_("Province returned to (code); by default the officer's own, or the worker's home."),
    )
    assisting_agency = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=MAX_ID)
    documents = serializers.CharField(required=False, allow_blank=True, default="")
    needs_assistance = serializers.BooleanField(required=False, default=True)

    def validate(self, attrs):
        if not (attrs.get("worker") or attrs.get("national_id") or attrs.get("passport_number")):
            raise serializers.ValidationError({"worker": _("Name the worker by reference, national ID or passport number.")})
        return attrs


class ReferralSerializer(serializers.ModelSerializer):
    case = serializers.UUIDField(source="case.ref", read_only=True)
    kind = EnumField(ReferralKind, read_only=True)
    outcome = EnumField(ReferralOutcome, read_only=True)

    class Meta:
        model = Referral
        fields = ["id", "case", "kind", "partner", "referred_on", "outcome", "outcome_on", "outcome_note"]
        read_only_fields = fields


class ReintegrationCaseSerializer(serializers.ModelSerializer):
    worker = ReturneeBriefSerializer(read_only=True)
    status = EnumField(CaseStatus, read_only=True)
    province = serializers.CharField(source="province.code", read_only=True)
    officer = serializers.CharField(source="officer.username", read_only=True, default=None, allow_null=True)
    returned_on = serializers.DateField(source="return_record.returned_on", read_only=True)
    reason = EnumField(ReturnReason, source="return_record.reason", read_only=True)
    country = serializers.CharField(source="return_record.country.code", read_only=True)
    return_id = serializers.IntegerField(source="return_record_id", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True, help_text=_("Not assessed within the time allowed."))
    referrals_pending = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReintegrationCase
        fields = [
            "ref",
            "status",
            "worker",
            "province",
            "officer",
            "return_id",
            "returned_on",
            "reason",
            "country",
            "assessed_on",
            "needs",
            "assessment_notes",
            "closed_on",
            "created",
            "is_overdue",
            "referrals_pending",
        ]
        read_only_fields = fields


class ReintegrationCaseDetailSerializer(ReintegrationCaseSerializer):
    referrals = ReferralSerializer(many=True, read_only=True)

    class Meta(ReintegrationCaseSerializer.Meta):
        fields = [*ReintegrationCaseSerializer.Meta.fields, "referrals"]
        read_only_fields = fields


class CaseAssessInputSerializer(serializers.Serializer):
    needs = serializers.ListField(child=EnumField(ReferralKind), allow_empty=True)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    assessed_on = serializers.DateField(required=False, allow_null=True, default=None)


class CaseCloseInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReferralInputSerializer(serializers.Serializer):
    case = serializers.UUIDField(help_text=_("The reintegration case's reference."))
    kind = EnumField(ReferralKind)
    partner = serializers.CharField(max_length=200)
    referred_on = serializers.DateField(required=False, allow_null=True, default=None)


class ReferralOutcomeInputSerializer(serializers.Serializer):
    outcome = EnumField(ReferralOutcome)
    outcome_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnsImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV or XLSX with the columns of the template."))


class ImportJobSerializer(serializers.ModelSerializer):
    status = EnumField(JobStatus, read_only=True)
    percent = serializers.IntegerField(read_only=True)
    errors = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = BackgroundJob
        fields = ["id", "kind", "status", "progress", "total", "percent", "errors", "result", "created", "finished", "url"]
        read_only_fields = fields

    def get_errors(self, obj) -> list:
        return obj.errors[:200]

    def get_url(self, obj) -> str:
        return reverse("job-detail", args=[obj.pk])


class WorkCertificateSerializer(serializers.ModelSerializer):
    worker = ReturneeBriefSerializer(read_only=True)
    deployment = serializers.UUIDField(source="deployment.ref", read_only=True)
    country = serializers.CharField(source="deployment.country.code", read_only=True)
    issued_by = serializers.CharField(source="issued_by.username", read_only=True, default=None, allow_null=True)
    pdf = serializers.SerializerMethodField()

    class Meta:
        model = WorkCertificate
        fields = ["number", "worker", "deployment", "country", "issued_on", "months_worked", "occupation", "issued_by", "pdf"]
        read_only_fields = fields

    def get_pdf(self, obj) -> str:
        return reverse("workcertificate-pdf", args=[obj.number])


class WorkCertificateInputSerializer(serializers.Serializer):
    deployment = serializers.UUIDField(help_text=_("The returned stay abroad's reference."))
    occupation = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    worked_from = serializers.DateField(
        required=False, allow_null=True, default=None, help_text=_("Only when no departure is recorded: when work abroad began.")
    )
