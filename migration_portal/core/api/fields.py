"""API pieces every app shares: named enums for the schema, and brief shapes of reference data."""

from django.db.models import Exists, OuterRef, Prefetch, Value
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers

from migration_portal.reference.models import Country, Province, Sector

from ..scoping import visible


class EnumField(serializers.ChoiceField):
    """A choice field over a TextChoices class, documented as one named enum (``ReportStatusEnum``).

    drf-spectacular names enums after the field ("status", "kind"); several choice
    sets share those names here, which would give hashed names and a warning.
    Naming the enum after its choices class gives each one stable name.
    """

    def __init__(self, choices_class, **kwargs):
        self.choices_class = choices_class
        super().__init__(choices=choices_class.choices, **kwargs)


class EnumFieldExtension(OpenApiSerializerFieldExtension):
    target_class = EnumField

    def map_serializer_field(self, auto_schema, direction):
        cls = self.target.choices_class
        name = f"{cls.__name__}Enum"
        values = list(cls.values) + ([""] if self.target.allow_blank else [])
        component = ResolvedComponent(
            name=name,
            type=ResolvedComponent.SCHEMA,
            # Identified by its name, as drf-spectacular identifies the enums it names itself:
            # a plain ChoiceField "sex" elsewhere (named SexEnum by drf-spectacular) then
            # shares this component instead of colliding with it.
            object=name,
            schema={
                "type": "string",
                "enum": values,
                "description": "\n".join(f"* `{value}` - {label}" for value, label in cls.choices),
            },
        )
        auto_schema.registry.register_on_missing(component)
        return component.ref


class ProvinceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Province
        fields = ["code", "name", "name_km"]


class CountryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Country
        fields = ["code", "name", "name_km"]


class SectorBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Sector
        fields = ["code", "name", "name_km"]


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:  # reads the row only
        return user.get_full_name() or user.get_username()


def scoped_prefetch(lookup: str, queryset, user) -> Prefetch:
    """A related row joined only when ``user`` may see it.

    The lookup is fetched in one query through the related model's ``visible_to``: a
    row outside the caller's scope is not fetched, so the attribute reads ``None`` (a
    reverse one-to-one raises DoesNotExist) and the serializer renders null. Nested
    data then never carries what the related row's own scope would hide, at a fixed
    cost of one query per page whatever the number of rows.
    """
    return Prefetch(lookup, queryset=visible(queryset, user))


def scope_flag(field: str, queryset, user) -> dict:
    """``annotate(**scope_flag("session", TrainingSession.objects.all(), user))``: a boolean
    ``session_in_scope``, true when the row's ``session`` is one ``user`` may see.

    For a relation whose id or name a serializer shows while the related row itself is
    not fetched; ``OutOfScopeAsNull`` then renders those fields as null. An annotation,
    not a query per row; ``True`` outright when the user sees every row of that model.
    """
    rows = visible(queryset, user)
    flag = Value(True) if not rows.query.where else Exists(rows.filter(pk=OuterRef(field)))
    return {f"{field}_in_scope": flag}


class OutOfScopeAsNull:
    """A serializer mixin: ``out_of_scope = {"session": "session_in_scope", "worker.ref": "worker_in_scope"}``
    renders each key (a dotted key reaches into a nested object) as null unless the row's
    flag, annotated by the view with ``scope_flag``, is true. A missing flag counts as out
    of scope: the mixin fails closed."""

    out_of_scope: dict[str, str] = {}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for key, flag in self.out_of_scope.items():
            if getattr(instance, flag, False):
                continue
            *path, last = key.split(".")
            target = data
            for part in path:
                target = target.get(part) if isinstance(target, dict) else None
            if isinstance(target, dict) and last in target:
                target[last] = None
        return data
