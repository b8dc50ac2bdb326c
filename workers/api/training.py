"""API: pre-departure training (Prakas 046). `register(router)` adds this area's viewsets.

Private viewsets derive from ``ScopedViewSetMixin`` (rows through ``visible_to``; a
row outside the caller's scope is a 404) and map each action to a permission
(``RolePermission``; custom actions in ``action_permissions``). A write parses its
input, calls one service of ``workers.training`` and answers with the row re-read
through the same scoped query shape. The public certificate check at the end is the
one exception to user scoping.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from agencies.models import Agency
from migration_portal.core.api.fields import scope_flag
from migration_portal.core.api.filters import IdFilter
from migration_portal.core.api.permissions import PublicReadOnly
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import Role, scope_for, visible

from .. import training
from ..models import Attendance, Certificate, Curriculum, CurriculumModule, Trainer, TrainingSession, Worker
from ..views.training import certificate_pdf, certificate_status, certificates_for_page, sessions_for_page
from . import serializers_training as s

ERRORS = OpenApiResponse(description=_('Invalid input: {"errors": {field: [messages]}}'))
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(description=_("No such record among those you may see."))
WRITE_RESPONSES = {400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}


class TrainingViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Shared wiring: a list serializer, a detail serializer, input parsing, scoped re-reads."""

    detail_serializer_class = None
    lookup_value_regex = r"\d+"

    def get_serializer_class(self):
        if self.action == "list" or self.detail_serializer_class is None:
            return self.serializer_class
        return self.detail_serializer_class

    def parse(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, obj, status_code=status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status_code)


# --- Filters -------------------------------------------------------------------------------------


class SessionFilterSet(filters.FilterSet):
    completed = filters.BooleanFilter(label=_("Completion recorded"))
    destination = filters.CharFilter(
        field_name="curriculum__country__code", lookup_expr="iexact", label=_("Destination of the curriculum (ISO code)")
    )
    general = filters.BooleanFilter(field_name="curriculum__country", lookup_expr="isnull", label=_("General curriculum"))
    province = filters.CharFilter(field_name="province__code", lookup_expr="iexact", label=_("Province code"))
    trainer = IdFilter(field_name="trainer", label=_("Trainer id"))
    starts_after = filters.DateFilter(field_name="starts_on", lookup_expr="gte", label=_("Starts on or after"))
    starts_before = filters.DateFilter(field_name="starts_on", lookup_expr="lte", label=_("Starts on or before"))

    class Meta:
        model = TrainingSession
        fields = ["completed", "destination", "general", "province", "trainer", "starts_after", "starts_before"]


class CertificateFilterSet(filters.FilterSet):
    is_valid = filters.BooleanFilter(label=_("Valid"))
    session = IdFilter(field_name="session", label=_("Session id"))
    worker = IdFilter(field_name="worker", label=_("Worker id"))
    issued_after = filters.DateFilter(field_name="issued_on", lookup_expr="gte", label=_("Issued on or after"))
    issued_before = filters.DateFilter(field_name="issued_on", lookup_expr="lte", label=_("Issued on or before"))

    class Meta:
        model = Certificate
        fields = ["is_valid", "session", "worker", "issued_after", "issued_before"]


class TrainerFilterSet(filters.FilterSet):
    certified_on_date = filters.DateFilter(method="filter_certified_on", label=_("Certified on this date"))

    class Meta:
        model = Trainer
        fields = ["certified_on_date", "agency"]

    def filter_certified_on(self, qs, name, value):
        return qs.filter(certified_on__lte=value, certified_until__gte=value)


# --- Curricula and trainers -----------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary=_("Curriculum versions with their modules")))
class CurriculumViewSet(TrainingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The national pre-departure orientation: the general version and those for a destination."""

    queryset = Curriculum.objects.all()
    serializer_class = s.CurriculumSerializer
    filterset_fields = ["is_current"]
    ordering_fields = ["version", "title"]
    ordering = ["country__name", "-version", "id"]

    def base_queryset(self):
        modules = Prefetch("modules", queryset=CurriculumModule.objects.order_by("order", "id"))
        return Curriculum.objects.select_related("country").prefetch_related(modules)


@extend_schema_view(
    create=extend_schema(
        summary=_("Register a certified trainer (Ministry)"), responses={201: s.TrainerSerializer, **WRITE_RESPONSES}
    ),
    update=extend_schema(summary=_("Correct a trainer's certification (Ministry)")),
)
class TrainerViewSet(
    TrainingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin
):
    """Trainers certified by the Ministry, with the validity of their certification.

    Every signed-in role reads them; staff with ``workers.add_trainer`` /
    ``workers.change_trainer`` add and correct them. Trainers are reference data
    with no workflow; the model's own checks (dates, unique number) run before saving."""

    queryset = Trainer.objects.all()
    serializer_class = s.TrainerSerializer
    filterset_class = TrainerFilterSet
    ordering_fields = ["name", "certified_until"]
    ordering = ["name", "id"]

    def perform_create(self, serializer):
        self._save(serializer, Trainer(**serializer.validated_data))

    def perform_update(self, serializer):
        trainer = serializer.instance
        for field, value in serializer.validated_data.items():
            setattr(trainer, field, value)
        self._save(serializer, trainer)

    def _save(self, serializer, trainer: Trainer) -> None:
        trainer.full_clean()  # dates in order, number unique: a 400 naming the field, not a 500
        trainer.save()
        serializer.instance = trainer


# --- Sessions -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Training sessions you may see, with enrolment and certificate counts")),
    create=extend_schema(
        summary=_("Open a training session"),
        request=s.SessionInputSerializer,
        responses={201: s.SessionDetailSerializer, **WRITE_RESPONSES},
    ),
    enrol=extend_schema(
        summary=_("Enrol your workers"),
        request=s.EnrolInputSerializer,
        responses={200: s.SessionDetailSerializer, **WRITE_RESPONSES},
    ),
    complete=extend_schema(
        summary=_("Record completion and issue the certificates"),
        request=s.CompleteInputSerializer,
        responses={201: s.CertificateSerializer(many=True), **WRITE_RESPONSES},
    ),
)
class TrainingSessionViewSet(TrainingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Pre-departure orientation sessions: an agency's own; a province's sessions held there."""

    queryset = TrainingSession.objects.all()
    serializer_class = s.SessionSerializer
    detail_serializer_class = s.SessionDetailSerializer
    filterset_class = SessionFilterSet
    ordering_fields = ["starts_on", "ends_on"]
    ordering = ["-starts_on", "-id"]
    action_permissions = {
        "enrol": "workers.add_attendance",
        "complete": "workers.change_trainingsession",
    }

    def base_queryset(self):
        qs = sessions_for_page(self.request.user)
        if self.action != "list":
            # The enrolled workers the caller may see, in one extra query.
            attendances = visible(Attendance, self.request.user).select_related("worker").order_by("worker__name_latin", "id")
            qs = qs.prefetch_related(Prefetch("attendances", queryset=attendances, to_attr="visible_attendances"))
        return qs

    def create(self, request, *args, **kwargs):
        data = self.parse(s.SessionInputSerializer)
        # An agency user acts for their own agency only; ministry staff name one (or none: the Ministry's own).
        is_agency = scope_for(request.user).role is Role.AGENCY
        agency = visible(Agency, request.user).get() if is_agency else data.get("agency")
        session = training.session_create(
            actor=request.user,
            agency=agency,
            curriculum=data["curriculum"],
            trainer=data["trainer"],
            province=data["province"],
            place=data["place"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
        return self.respond(session, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        session = self.get_object()
        ids = set(self.parse(s.EnrolInputSerializer)["workers"])
        # Only workers the caller may see can be enrolled: another agency's worker reads as unknown.
        workers = list(visible(Worker, request.user).filter(pk__in=ids))
        unknown = sorted(ids - {w.pk for w in workers})
        if unknown:
            raise ValidationError({"workers": _("Not among your workers: %(ids)s.") % {"ids": ", ".join(map(str, unknown))}})
        training.session_enrol(session=session, workers=workers, actor=request.user)
        return self.respond(session)

    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        session = self.get_object()
        data = self.parse(s.CompleteInputSerializer)
        certificates = training.session_complete(
            session=session,
            actor=request.user,
            completed_worker_ids=set(data["completed"]),
            hours=data.get("hours"),
            issued_on=data.get("issued_on"),
        )
        issued = certificates_for_page(request.user).filter(pk__in=[c.pk for c in certificates]).order_by("id")
        return Response(s.CertificateSerializer(issued, many=True).data, status=status.HTTP_201_CREATED)


# --- Certificates ---------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Orientation certificates you may see")),
    pdf=extend_schema(summary=_("The certificate as a PDF"), responses={(200, "application/pdf"): OpenApiTypes.BINARY}),
)
class CertificateViewSet(TrainingViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Certificates, addressed by their number. An agency sees its workers' certificates;
    a province, those of workers from or returning to it."""

    queryset = Certificate.objects.all()
    serializer_class = s.CertificateSerializer
    filterset_class = CertificateFilterSet
    ordering_fields = ["issued_on", "number"]
    ordering = ["-issued_on", "-id"]
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]{1,24}"
    action_permissions = {"pdf": "workers.view_certificate"}

    def base_queryset(self):
        user = self.request.user
        return certificates_for_page(user).annotate(**scope_flag("session", TrainingSession.objects.all(), user))

    def get_object(self):
        self.kwargs["number"] = self.kwargs["number"].strip().upper()
        return super().get_object()

    @action(detail=True, methods=["get"])
    def pdf(self, request, number=None):
        return certificate_pdf(self.get_object(), request, channel=AccessChannel.API)


# --- Public ------------------------------------------------------------------------------------------


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Verify a pre-departure orientation certificate"),
        auth=[],
        parameters=[
            OpenApiParameter(
                "number", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("e.g. PDO-2025-7KQ2M9XP (any case)")
            )
        ],
        responses={200: s.PublicCertificateSerializer, 404: OpenApiResponse(description=_("No certificate has this number."))},
    )
)
class PublicCertificateViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Public verification of a certificate by its number. No login needed.

    Not user-scoped, on purpose: the people who must check a certificate (an
    employer, an embassy, a border officer, the worker's family) have no account,
    and the number printed on the certificate is itself the key: non-guessable
    (8 random characters), and one number gives one certificate, never a list. What
    is returned is restricted to what verification needs (PublicCertificateSerializer:
    the names, the curriculum, the destination, the issue date, the agency, valid or
    not and why): no identifiers, date of birth or address. No authentication runs
    (a stale session cookie must not turn a lookup into an error); reads only;
    throttled per address, which also slows any attempt to guess numbers."""

    public_data = True
    authentication_classes: list = []
    permission_classes = [PublicReadOnly]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_lookup"
    queryset = Certificate.objects.none()  # for the schema; the row comes from training.certificate_verify
    serializer_class = s.PublicCertificateSerializer
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]{1,40}"
    filter_backends: list = []

    def get_object(self):
        certificate = training.certificate_verify(self.kwargs["number"])
        if certificate is None:
            raise NotFound(
                _("No certificate has the number %(number)s. A certificate that is not found here is not valid.")
                % {"number": self.kwargs["number"].strip().upper()}
            )
        certificate.public_valid, certificate.public_reason = certificate_status(certificate)
        return certificate


def register(router) -> None:
    router.register("curricula", CurriculumViewSet, basename="curriculum")
    router.register("trainers", TrainerViewSet, basename="trainer")
    router.register("training-sessions", TrainingSessionViewSet, basename="trainingsession")
    router.register("certificates", CertificateViewSet, basename="certificate")
    router.register("public/certificates", PublicCertificateViewSet, basename="public-certificate")
