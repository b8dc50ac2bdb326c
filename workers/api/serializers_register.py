"""Serializers of the worker register's API.

Output serializers read what the viewset's queryset joined or annotated (no
serializer method runs a query) and show identifiers only masked: the unmasked
numbers come from the separate ``identifiers`` action, through
``services.worker_identifiers``, which checks the permission and logs the read.

Input serializers only parse: types, formats, and references to rows the caller
may see (a worker, job order, employer or agency outside the scope reads as "does
not exist"). The rules live in ``workers.services`` and come back as 400s naming
the field. No input serializer has a status field.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.api.serializers import AgencyBriefSerializer, ScopedAgencyField
from migration_portal.core.api.fields import (
    CountryBriefSerializer,
    EnumField,
    OutOfScopeAsNull,
    ProvinceBriefSerializer,
    SectorBriefSerializer,
    UserBriefSerializer,
)
from migration_portal.core.filters import MAX_POSITIONS
from migration_portal.core.scoping import visible
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Checkpoint, Country, Province, Sector

from ..choices import (
    Channel,
    ContractStatus,
    DeploymentStatus,
    Education,
    JobOrderStatus,
    KeyProtection,
    LegalStatus,
    PlacementArticle,
)
from ..models import (
    Deployment,
    Employer,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    SendingSuspension,
    Worker,
)

MONEY = {"max_digits": 12, "decimal_places": 2}


# --- Scoped references -------------------------------------------------------------------


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A row id resolved only among the rows the caller may see (others: "does not exist")."""

    def get_queryset(self):
        return visible(self.queryset.model._default_manager.all(), self.context["request"].user)


class ScopedSlugField(serializers.SlugRelatedField):
    def get_queryset(self):
        return visible(self.queryset.model._default_manager.all(), self.context["request"].user)


def code_field(model, **kwargs):
    """A reference row (province, country, sector, checkpoint) by its code."""
    return ScopedSlugField(slug_field="code", queryset=model.objects.all(), **kwargs)


# --- Small nested pieces ----------------------------------------------------------------------


class WorkerBriefSerializer(serializers.ModelSerializer):
    sex = EnumField(Sex, read_only=True)

    class Meta:
        model = Worker
        fields = ["ref", "name_latin", "name_km", "sex", "date_of_birth"]
        read_only_fields = fields


class EmployerSerializer(serializers.ModelSerializer):
    country = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Employer
        fields = ["id", "name", "country", "sector", "registration"]
        read_only_fields = fields


class JobOrderBriefSerializer(serializers.ModelSerializer):
    status = EnumField(JobOrderStatus, read_only=True)

    class Meta:
        model = JobOrder
        fields = ["id", "ref", "status", "valid_until"]
        read_only_fields = fields


# --- Workers ------------------------------------------------------------------------------------


class WorkerSerializer(serializers.ModelSerializer):
    """A worker as listed: identifiers masked, the latest deployment the caller may see."""

    sex = EnumField(Sex, read_only=True)
    home_province = ProvinceBriefSerializer(read_only=True)
    registered_by_agency = AgencyBriefSerializer(read_only=True, allow_null=True)
    national_id_masked = serializers.CharField(source="masked_national_id", read_only=True)
    passport_masked = serializers.CharField(source="masked_passport", read_only=True)
    phone_masked = serializers.CharField(source="masked_phone", read_only=True)
    latest_status = EnumField(DeploymentStatus, read_only=True, allow_null=True,
                              help_text=_("Status of the latest deployment you may see."))
    latest_country = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Worker
        fields = [
            "ref", "name_latin", "name_km", "sex", "date_of_birth", "home_province", "national_id_masked", "passport_masked",
            "passport_expiry", "phone_masked", "registered_by_agency", "latest_status", "latest_country", "created",
        ]
        read_only_fields = fields


class WorkerDetailSerializer(WorkerSerializer):
    education = EnumField(Education, read_only=True, allow_blank=True)
    next_of_kin_phone_masked = serializers.SerializerMethodField()

    class Meta(WorkerSerializer.Meta):
        fields = [
            *WorkerSerializer.Meta.fields, "district", "commune", "village", "next_of_kin_name", "next_of_kin_relation",
            "next_of_kin_phone_masked", "education", "skills", "updated",
        ]
        read_only_fields = fields

    def get_next_of_kin_phone_masked(self, worker) -> str:  # reads the row only
        from ..pii import mask

        return mask(worker.next_of_kin_phone)


class WorkerIdentifiersSerializer(serializers.Serializer):
    national_id = serializers.CharField(read_only=True)
    passport_number = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True)
    next_of_kin_phone = serializers.CharField(read_only=True)


class WorkerInputSerializer(serializers.Serializer):
    """Register a worker. ``confirm_not_duplicate``: the person registering has checked
    that a record with the same name and date of birth is someone else."""

    name_latin = serializers.CharField(max_length=120)
    name_km = serializers.CharField(max_length=120, required=False, allow_blank=True)
    sex = EnumField(Sex)
    date_of_birth = serializers.DateField()
    national_id = serializers.CharField(max_length=32, required=False, allow_blank=True)
    passport_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    passport_expiry = serializers.DateField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    home_province = code_field(Province, help_text=_("Province code"))
    district = serializers.CharField(max_length=80, required=False, allow_blank=True)
    commune = serializers.CharField(max_length=80, required=False, allow_blank=True)
    village = serializers.CharField(max_length=80, required=False, allow_blank=True)
    next_of_kin_name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    next_of_kin_relation = serializers.CharField(max_length=40, required=False, allow_blank=True)
    next_of_kin_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    education = EnumField(Education, required=False, allow_blank=True)
    skills = serializers.CharField(required=False, allow_blank=True)
    confirm_not_duplicate = serializers.BooleanField(required=False, default=False)


class WorkerUpdateInputSerializer(WorkerInputSerializer):
    """Change a worker's record: only the fields sent change (PATCH) or all of them (PUT)."""

    confirm_not_duplicate = None


class DuplicateSerializer(serializers.Serializer):
    ref = serializers.UUIDField(source="worker.ref")
    name_latin = serializers.CharField(source="worker.name_latin")
    name_km = serializers.CharField(source="worker.name_km")
    date_of_birth = serializers.DateField(source="worker.date_of_birth")
    reason = serializers.CharField()
    exact = serializers.BooleanField()


# --- Deployments --------------------------------------------------------------------------------


class LegalStatusSerializer(serializers.ModelSerializer):
    status = EnumField(LegalStatus, read_only=True)

    class Meta:
        model = LegalStatusRecord
        fields = ["id", "status", "since", "note", "created"]
        read_only_fields = fields


class PlacementContractSerializer(serializers.ModelSerializer):
    status = EnumField(ContractStatus, read_only=True)
    articles = serializers.ListField(child=EnumField(PlacementArticle), read_only=True)
    missing_articles = serializers.ListField(child=EnumField(PlacementArticle), read_only=True)

    class Meta:
        model = PlacementContract
        fields = ["signed_on", "articles", "missing_articles", "service_fee", "fee_currency", "status", "reviewed_at",
                  "review_note"]
        read_only_fields = fields


class EmploymentContractSerializer(serializers.ModelSerializer):
    status = EnumField(ContractStatus, read_only=True)
    protections = serializers.ListField(child=EnumField(KeyProtection), read_only=True)
    missing_protections = serializers.ListField(child=EnumField(KeyProtection), read_only=True)
    differences = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), read_only=True,
        help_text=_('What the contract changes from the job order: {"field": [job order, contract]}.'),
    )
    substitution_accepted = serializers.SerializerMethodField()

    class Meta:
        model = EmploymentContract
        fields = ["employer_name", "position", "monthly_wage", "wage_currency", "hours_per_week", "duration_months", "signed_on",
                  "protections", "missing_protections", "differences", "substitution_accepted", "substitution_reason", "status",
                  "reviewed_at", "review_note"]
        read_only_fields = fields

    def get_substitution_accepted(self, contract) -> bool:  # reads the row only
        return contract.substitution_accepted_by_id is not None


class DeploymentSerializer(OutOfScopeAsNull, serializers.ModelSerializer):
    """A deployment. Its job order and employer are shown only to those who may see them
    (a province sees its workers' deployments, not the agencies' job orders)."""

    out_of_scope = {"job_order": "job_order_in_scope", "employer": "employer_in_scope"}
    worker = WorkerBriefSerializer(read_only=True)
    channel = EnumField(Channel, read_only=True)
    status = EnumField(DeploymentStatus, read_only=True)
    agency = AgencyBriefSerializer(read_only=True, allow_null=True)
    job_order = JobOrderBriefSerializer(read_only=True, allow_null=True)
    employer = serializers.CharField(source="employer.name", read_only=True, allow_null=True, default=None)
    country = CountryBriefSerializer(read_only=True)
    sector = SectorBriefSerializer(read_only=True)
    departure_checkpoint = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Deployment
        fields = [
            "ref", "worker", "channel", "agency", "job_order", "employer", "country", "sector", "occupation", "contract_start",
            "contract_end", "monthly_wage", "wage_currency", "fees_paid", "fees_currency", "wages_to_bank", "status",
            "departed_on", "departure_checkpoint", "returned_on", "version", "created",
        ]
        read_only_fields = fields


class DeploymentDetailSerializer(DeploymentSerializer):
    legal_statuses = LegalStatusSerializer(many=True, read_only=True)
    # Joined by the viewset (select_related on the reverse one-to-ones): no query here.
    placement_contract = PlacementContractSerializer(read_only=True, allow_null=True)
    employment_contract = EmploymentContractSerializer(read_only=True, allow_null=True)

    class Meta(DeploymentSerializer.Meta):
        fields = [*DeploymentSerializer.Meta.fields, "legal_statuses", "placement_contract", "employment_contract"]
        read_only_fields = fields


class DeploymentInputSerializer(serializers.Serializer):
    """Open a deployment. Through an agency it names an approved job order of that agency,
    whose destination, sector, employer and wage it takes; an irregular migration names
    its destination and sector."""

    worker = ScopedSlugField(slug_field="ref", queryset=Worker.objects.all(), help_text=_("The worker's reference"))
    channel = EnumField(Channel)
    agency = ScopedAgencyField(required=False, allow_null=True, help_text=_("Ministry staff only; an agency acts for itself."))
    job_order = ScopedRelatedField(queryset=JobOrder.objects.all(), required=False, allow_null=True)
    country = code_field(Country, required=False, allow_null=True, help_text=_("ISO code; taken from the job order if any"))
    sector = code_field(Sector, required=False, allow_null=True, help_text=_("Code; taken from the job order if any"))
    occupation = serializers.CharField(max_length=120, required=False, allow_blank=True)
    contract_start = serializers.DateField(required=False, allow_null=True)
    contract_end = serializers.DateField(required=False, allow_null=True)
    monthly_wage = serializers.DecimalField(**MONEY, required=False, allow_null=True, min_value=0)
    wage_currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    fees_paid = serializers.DecimalField(**MONEY, required=False, min_value=0)
    fees_currency = serializers.CharField(max_length=3, required=False)
    wages_to_bank = serializers.BooleanField(required=False)

    def validate(self, data):
        order = data.get("job_order")
        if order is not None:
            data.setdefault("country", order.country)
            data.setdefault("sector", order.sector)
            data["country"] = data["country"] or order.country
            data["sector"] = data["sector"] or order.sector
        errors = {}
        if not data.get("country"):
            errors["country"] = _("Give the destination.")
        if not data.get("sector"):
            errors["sector"] = _("Give the sector.")
        if errors:
            raise serializers.ValidationError(errors)
        return data


class TransitionInputSerializer(serializers.Serializer):
    to_status = EnumField(DeploymentStatus)
    version = serializers.IntegerField(min_value=1, help_text=_("The deployment's version as you read it."))
    on_date = serializers.DateField(required=False, allow_null=True)
    checkpoint = code_field(Checkpoint, required=False, allow_null=True, help_text=_("Border checkpoint code (departure)"))
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LegalStatusInputSerializer(serializers.Serializer):
    status = EnumField(LegalStatus)
    since = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PlacementContractInputSerializer(serializers.Serializer):
    signed_on = serializers.DateField()
    articles = serializers.ListField(child=EnumField(PlacementArticle), allow_empty=True)
    service_fee = serializers.DecimalField(**MONEY, min_value=0)
    fee_currency = serializers.CharField(max_length=3, default="USD")


class EmploymentContractInputSerializer(serializers.Serializer):
    employer_name = serializers.CharField(max_length=200)
    position = serializers.CharField(max_length=120)
    monthly_wage = serializers.DecimalField(**MONEY, min_value=0)
    wage_currency = serializers.CharField(max_length=3)
    hours_per_week = serializers.IntegerField(min_value=1, max_value=168)
    duration_months = serializers.IntegerField(min_value=1, max_value=120)
    signed_on = serializers.DateField()
    protections = serializers.ListField(child=EnumField(KeyProtection), allow_empty=True)


class ContractReviewInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Required to reject."))


class SubstitutionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text=_("Why the differences from the job order are acceptable."))


# --- Job orders -------------------------------------------------------------------------------------


class JobOrderSerializer(serializers.ModelSerializer):
    agency = AgencyBriefSerializer(read_only=True)
    employer = EmployerSerializer(read_only=True)
    country = CountryBriefSerializer(read_only=True)
    sector = SectorBriefSerializer(read_only=True)
    status = EnumField(JobOrderStatus, read_only=True)
    remaining_male = serializers.IntegerField(read_only=True, help_text=_("Positions for men not yet drawn on."))
    remaining_female = serializers.IntegerField(read_only=True, help_text=_("Positions for women not yet drawn on."))

    class Meta:
        model = JobOrder
        fields = [
            "id", "ref", "agency", "employer", "country", "sector", "occupation", "positions_male", "positions_female",
            "remaining_male", "remaining_female", "monthly_wage", "wage_currency", "hours_per_week", "contract_months",
            "valid_from", "valid_until", "status", "vetted_by", "vetted_on", "vetting_note", "created",
        ]
        read_only_fields = fields


class JobOrderInputSerializer(serializers.Serializer):
    agency = ScopedAgencyField(required=False, allow_null=True, help_text=_("Ministry staff only; an agency acts for itself."))
    ref = serializers.CharField(max_length=40)
    employer = ScopedRelatedField(queryset=Employer.objects.all())
    country = code_field(Country)
    sector = code_field(Sector)
    occupation = serializers.CharField(max_length=120)
    positions_male = serializers.IntegerField(min_value=0, max_value=MAX_POSITIONS, default=0)
    positions_female = serializers.IntegerField(min_value=0, max_value=MAX_POSITIONS, default=0)
    monthly_wage = serializers.DecimalField(**MONEY, min_value=0)
    wage_currency = serializers.CharField(max_length=3)
    hours_per_week = serializers.IntegerField(min_value=1, max_value=168)
    contract_months = serializers.IntegerField(min_value=1, max_value=120)
    valid_from = serializers.DateField()
    valid_until = serializers.DateField()


class JobOrderVetInputSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    vetted_by = serializers.CharField(max_length=120, allow_blank=True, help_text=_("The labour attaché who vetted it."))
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text=_("Required to reject."))
    vetted_on = serializers.DateField(required=False, allow_null=True)


# --- Sending suspensions ------------------------------------------------------------------------------


class SendingSuspensionSerializer(serializers.ModelSerializer):
    country = CountryBriefSerializer(read_only=True)
    sector = SectorBriefSerializer(read_only=True, allow_null=True)
    decided_by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SendingSuspension
        fields = ["id", "country", "sector", "starts_on", "ends_on", "reason", "reference", "decided_by", "created"]
        read_only_fields = fields


class SendingSuspensionInputSerializer(serializers.Serializer):
    country = code_field(Country)
    sector = code_field(Sector, required=False, allow_null=True, help_text=_("Empty: every sector."))
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    reference = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
