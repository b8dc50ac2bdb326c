"""Serializers of the training API. Output serializers read only what the view's query
shape joined or annotated; input serializers parse and resolve ids through the caller's
scope; neither holds a rule (the services do)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agencies.models import Agency
from migration_portal.core.api.fields import OutOfScopeAsNull
from migration_portal.core.scoping import visible
from migration_portal.reference.models import Province

from ..models import Attendance, Certificate, Curriculum, CurriculumModule, Trainer, TrainingSession

MAX_HOURS = 500


class ScopedPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """An id resolved only among the rows the caller may see (``queryset`` is for the schema):
    a row outside the scope reads as "does not exist"."""

    def __init__(self, *, scoped=None, **kwargs):
        self.scoped = scoped
        super().__init__(**kwargs)

    def get_queryset(self):
        qs = visible(self.queryset.all(), self.context["request"].user)
        return self.scoped(qs) if self.scoped else qs


# --- Curricula and trainers ---------------------------------------------------------------


class CurriculumModuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = CurriculumModule
        fields = ["order", "title", "title_km", "hours"]


class CurriculumSerializer(serializers.ModelSerializer):
    destination = serializers.SlugRelatedField(
        source="country",
        slug_field="code",
        read_only=True,
        allow_null=True,
        help_text=_("ISO code of the destination; null for the general version"),
    )
    modules = CurriculumModuleSerializer(many=True, read_only=True)

    class Meta:
        model = Curriculum
        fields = ["id", "title", "destination", "version", "hours", "is_current", "modules"]


class TrainerSerializer(serializers.ModelSerializer):
    """A certified trainer. Ministry staff with the permission add and correct trainers."""

    agency = ScopedPrimaryKeyField(queryset=Agency.objects.all(), required=False, allow_null=True)
    certified_today = serializers.SerializerMethodField(help_text=_("Whether the certification is in force today"))

    class Meta:
        model = Trainer
        fields = ["id", "name", "name_km", "certificate_number", "certified_on", "certified_until", "agency", "certified_today"]

    def get_certified_today(self, trainer: Trainer) -> bool:  # the row's own fields: no query
        return trainer.certified_on_date(timezone.localdate())


# --- Sessions ---------------------------------------------------------------------------------


class SessionSerializer(serializers.ModelSerializer):
    """A session as a list row; the counts and ``trainer_covers`` are annotations."""

    agency_name = serializers.CharField(source="agency.name", read_only=True, default=None, allow_null=True)
    curriculum_title = serializers.CharField(source="curriculum.title", read_only=True)
    curriculum_version = serializers.IntegerField(source="curriculum.version", read_only=True)
    destination = serializers.SlugRelatedField(source="curriculum.country", slug_field="code", read_only=True, allow_null=True)
    trainer_name = serializers.CharField(source="trainer.name", read_only=True)
    trainer_certificate_number = serializers.CharField(source="trainer.certificate_number", read_only=True)
    trainer_covers = serializers.BooleanField(
        read_only=True,
        help_text=_("Whether the trainer is certified on every day of the session; if not, its certificates are not valid"),
    )
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enrolled_count = serializers.IntegerField(read_only=True)
    completed_count = serializers.IntegerField(read_only=True)
    certificate_count = serializers.IntegerField(read_only=True)
    valid_certificate_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = TrainingSession
        fields = [
            "id",
            "agency",
            "agency_name",
            "curriculum",
            "curriculum_title",
            "curriculum_version",
            "destination",
            "trainer",
            "trainer_name",
            "trainer_certificate_number",
            "trainer_covers",
            "province",
            "place",
            "starts_on",
            "ends_on",
            "completed",
            "enrolled_count",
            "completed_count",
            "certificate_count",
            "valid_certificate_count",
        ]
        read_only_fields = fields


class AttendanceSerializer(serializers.ModelSerializer):
    worker_name_km = serializers.CharField(source="worker.name_km", read_only=True)
    worker_name_latin = serializers.CharField(source="worker.name_latin", read_only=True)

    class Meta:
        model = Attendance
        fields = ["worker", "worker_name_km", "worker_name_latin", "completed", "hours_attended"]
        read_only_fields = fields


class SessionDetailSerializer(SessionSerializer):
    attendances = serializers.SerializerMethodField(
        help_text=_("The enrolled workers whose records you may see (read through your scope)")
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "attendances"]
        read_only_fields = fields

    def get_attendances(self, session) -> list[dict]:  # prefetched, scoped, by the view
        return AttendanceSerializer(getattr(session, "visible_attendances", []), many=True).data


class SessionInputSerializer(serializers.Serializer):
    curriculum = ScopedPrimaryKeyField(
        queryset=Curriculum.objects.all(),
        scoped=lambda qs: qs.filter(is_current=True),
        help_text=_("A current curriculum version"),
    )
    trainer = ScopedPrimaryKeyField(queryset=Trainer.objects.all())
    province = serializers.SlugRelatedField(slug_field="code", queryset=Province.objects.all(), help_text=_("Province code"))
    place = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    agency = ScopedPrimaryKeyField(
        queryset=Agency.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Ministry staff only: the agency that runs it (empty for the Ministry); an agency user's own agency is used"),
    )


class EnrolInputSerializer(serializers.Serializer):
    workers = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=500, help_text=_("Ids of your workers to enrol")
    )


class CompleteInputSerializer(serializers.Serializer):
    completed = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        allow_empty=True,
        max_length=500,
        help_text=_("Ids of the enrolled workers who completed the session"),
    )
    hours = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=MAX_HOURS),
        required=False,
        help_text=_('Hours attended by worker id, e.g. {"12": 24}; defaults to the curriculum hours for those who completed'),
    )
    issued_on = serializers.DateField(required=False, help_text=_("Defaults to today"))

    def validate_hours(self, value: dict) -> dict[int, int]:
        try:
            return {int(k): v for k, v in value.items()}
        except (TypeError, ValueError):
            raise serializers.ValidationError(_("Keys must be worker ids.")) from None


# --- Certificates --------------------------------------------------------------------------------


class CertificateSerializer(OutOfScopeAsNull, serializers.ModelSerializer):
    """A certificate; its session's id only when the caller may see the session (a worker of the
    province may have been trained elsewhere, a worker of the agency by another agency)."""

    out_of_scope = {"session": "session_in_scope"}
    worker_name_km = serializers.CharField(source="worker.name_km", read_only=True)
    worker_name_latin = serializers.CharField(source="worker.name_latin", read_only=True)
    curriculum_title = serializers.CharField(source="session.curriculum.title", read_only=True)
    curriculum_version = serializers.IntegerField(source="session.curriculum.version", read_only=True)
    destination = serializers.SlugRelatedField(
        source="session.curriculum.country", slug_field="code", read_only=True, allow_null=True
    )
    agency_name = serializers.CharField(source="session.agency.name", read_only=True, default=None, allow_null=True)
    revoked = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = [
            "number",
            "worker",
            "worker_name_km",
            "worker_name_latin",
            "session",
            "curriculum_title",
            "curriculum_version",
            "destination",
            "agency_name",
            "issued_on",
            "is_valid",
            "invalid_reason",
            "revoked",
        ]
        read_only_fields = fields

    def get_revoked(self, certificate) -> bool:  # the row's own column: no query
        return certificate.revoked_by_id is not None


class PublicCertificateSerializer(serializers.Serializer):
    """What verifying a certificate needs, and nothing else: no identifiers, no date of
    birth, no address, no internal ids."""

    number = serializers.CharField()
    name_km = serializers.CharField(source="worker.name_km")
    name_latin = serializers.CharField(source="worker.name_latin")
    curriculum = serializers.CharField(source="session.curriculum.title")
    curriculum_version = serializers.IntegerField(source="session.curriculum.version")
    destination = serializers.SerializerMethodField()
    issued_on = serializers.DateField()
    agency = serializers.CharField(source="session.agency.name", default=None, allow_null=True)
    agency_km = serializers.CharField(source="session.agency.name_km", default=None, allow_null=True)
    valid = serializers.BooleanField(source="public_valid")
    reason = serializers.CharField(source="public_reason")

    def get_destination(self, certificate) -> str | None:
        country = certificate.session.curriculum.country
        return country.name if country else None
