"""API: return and reintegration. `register(router)` adds this area's viewsets to the API router.

Every viewset derives from ``ScopedViewSetMixin`` (rows through ``visible_to``; a
row outside the caller's scope is a 404) and maps each action to a permission
(``RolePermission``; custom actions in ``action_permissions``, an unmapped one is
refused). A write parses its input, resolves the rows it names through the
caller's scope, calls one service, and answers with the row re-read through the
same queryset, so the response has the shape of a GET.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Count, ExpressionWrapper, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from agencies.models import Agency
from migration_portal.core.api.fields import scope_flag, scoped_prefetch
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.models import AccessChannel, BackgroundJob
from migration_portal.core.pdf import pdf_response
from migration_portal.core.scoping import Role, scope_for, visible
from migration_portal.reference.models import Checkpoint, Country, Province

from .. import services
from ..certificates import work_certificate_export_log, work_certificate_issue
from ..forms.returns import CaseFilterSet, ReturnFilterSet, WorkCertificateFilterSet
from ..jobs import assessment_overdue_q
from ..models import Deployment, Referral, ReintegrationCase, ReturnRecord, WorkCertificate, Worker
from ..returns_import import JOB_KIND, returns_import_start
from . import serializers_returns as s

ERRORS = OpenApiResponse(description=_('Invalid input: {"errors": {field: [messages]}}'))
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(description=_("No such record among those you may see."))
WRITE_RESPONSES = {400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}


class PDFRenderer(BaseRenderer):
    """Lets a client ask for application/pdf; the view returns the PDF bytes itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        # Only an error reaches a renderer (the PDF itself is a finished response): as JSON.
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class ReturnsViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Shared wiring: input parsing, a scoped lookup of rows named in the body, responses re-read."""

    detail_serializer_class = None

    @property
    def scope(self):
        return scope_for(self.request.user)

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

    @staticmethod
    def named(qs, field: str, message=None, **lookup):
        """A row named in the request body, among those the caller may see; else a 400 naming the field."""
        obj = qs.filter(**lookup).first()
        if obj is None:
            raise ValidationError({field: message or _("No such record among those you may see.")})
        return obj


# --- Returns -----------------------------------------------------------------------------------


def _return_by_role(many: bool = False) -> PolymorphicProxySerializer:
    # An officer's answer carries the reintegration case; an agency's has no case field.
    return PolymorphicProxySerializer(
        component_name="ReturnRecordByRole",
        serializers=[s.ReturnRecordOfficerSerializer, s.ReturnRecordSerializer],
        resource_type_field_name=None,
        many=many,
    )


@extend_schema_view(
    list=extend_schema(responses=_return_by_role(many=True)),
    retrieve=extend_schema(responses=_return_by_role()),
    create=extend_schema(
        summary=_("Register a return (and open a reintegration case when assistance is needed)"),
        request=s.ReturnInputSerializer,
        responses={201: _return_by_role(), **WRITE_RESPONSES},
    ),
)
class ReturnRecordViewSet(ReturnsViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Returns of migrant workers (policy goal 16): officers see their province's, agencies their workers'."""

    queryset = ReturnRecord.objects.all()
    serializer_class = s.ReturnRecordOfficerSerializer
    filterset_class = ReturnFilterSet
    ordering_fields = ["returned_on", "created"]
    ordering = ["-returned_on", "-id"]

    def base_queryset(self):
        user = self.request.user
        qs = ReturnRecord.objects.select_related(
            "worker", "worker__home_province", "deployment", "country", "checkpoint", "province", "assisting_agency"
        ).annotate(
            **scope_flag("worker", Worker.objects.all(), user),
            **scope_flag("deployment", Deployment.objects.all(), user),
            **scope_flag("assisting_agency", Agency.objects.all(), user),
        )
        if self.scope.role is Role.AGENCY:
            return qs
        # A return is seen by its worker's home province too, but its case only by the
        # province that handles it: the case is joined through its own scope.
        return qs.prefetch_related(scoped_prefetch("case", ReintegrationCase.objects.all(), self.request.user))

    def get_serializer_class(self):
        # The case is the province's business: an agency's serializer has no case field.
        return s.ReturnRecordSerializer if self.scope.role is Role.AGENCY else s.ReturnRecordOfficerSerializer

    def resolve_worker(self, data) -> Worker:
        user = self.request.user
        if self.scope.role is Role.AGENCY:
            # An agency names only its own workers.
            workers = visible(Worker.objects.all(), user)
            if data.get("worker"):
                return self.named(workers, "worker", ref=data["worker"])
            found = (
                services.worker_lookup(national_id=data.get("national_id", ""))
                if data.get("national_id")
                else services.worker_lookup(passport_number=data.get("passport_number", ""))
            )
            return self.named(visible(found, user), "worker")
        # Officers reach the exact match of a reference or an identifier in the whole
        # register: border reception receives workers from every province (see
        # workers.views.returns.find_returnees).
        if data.get("worker"):
            return self.named(Worker.objects.all(), "worker", ref=data["worker"])
        if data.get("national_id"):
            return self.named(
                services.worker_lookup(national_id=data["national_id"]),
                "national_id",
                _("No registered worker has this national ID."),
            )
        return self.named(
            services.worker_lookup(passport_number=data["passport_number"]),
            "passport_number",
            _("No registered worker has this passport number."),
        )

    def create(self, request, *args, **kwargs):
        data = self.parse(s.ReturnInputSerializer)
        user = request.user
        worker = self.resolve_worker(data)
        kwargs = {
            "returned_on": data["returned_on"],
            "reason": data["reason"],
            "documents": data["documents"],
            "needs_assistance": data["needs_assistance"],
            "country": self.named(visible(Country, user), "country", code__iexact=data["country"]),
            "checkpoint": self.named(visible(Checkpoint, user), "checkpoint", code__iexact=data["checkpoint"])
            if data.get("checkpoint")
            else None,
        }
        if data.get("province"):
            kwargs["province"] = self.named(visible(Province, user), "province", code=data["province"])
        elif self.scope.role is Role.PROVINCE:
            kwargs["province"] = visible(Province, user).get(pk=self.scope.province_id)
        elif self.scope.role is Role.AGENCY:
            kwargs["province"] = worker.home_province
        else:
            raise ValidationError({"province": _("Say which province the worker returns to.")})
        if self.scope.role is Role.AGENCY:
            kwargs["assisting_agency"] = visible(Agency, user).get(pk=self.scope.agency_id)
        elif data.get("assisting_agency"):
            kwargs["assisting_agency"] = self.named(visible(Agency, user), "assisting_agency", pk=data["assisting_agency"])
        if data.get("deployment"):
            kwargs["deployment"] = self.named(
                visible(Deployment, user).filter(worker=worker), "deployment", ref=data["deployment"]
            )
        record = services.return_register(worker=worker, actor=user, **kwargs)
        if not self.get_queryset().filter(pk=record.pk).exists():
            # Returned to another province: it is theirs now; answer with what was registered.
            return Response(self.get_serializer(record).data, status=status.HTTP_201_CREATED)
        return self.respond(record, status.HTTP_201_CREATED)


# --- Reintegration cases ------------------------------------------------------------------------


@extend_schema_view(
    assess=extend_schema(
        summary=_("Record the needs assessment"),
        request=s.CaseAssessInputSerializer,
        responses={200: s.ReintegrationCaseDetailSerializer, **WRITE_RESPONSES},
    ),
    close=extend_schema(
        summary=_("Close the case (every referral has its outcome)"),
        request=s.CaseCloseInputSerializer,
        responses={200: s.ReintegrationCaseDetailSerializer, **WRITE_RESPONSES},
    ),
)
class ReintegrationCaseViewSet(ReturnsViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Reintegration cases: the province's follow-up of a returnee. Agencies see none."""

    queryset = ReintegrationCase.objects.all()
    serializer_class = s.ReintegrationCaseSerializer
    detail_serializer_class = s.ReintegrationCaseDetailSerializer
    filterset_class = CaseFilterSet
    lookup_field = "ref"
    ordering_fields = ["created", "assessed_on", "closed_on"]
    ordering = ["-created", "-id"]
    action_permissions = {
        "assess": "workers.change_reintegrationcase",
        "close": "workers.change_reintegrationcase",
    }

    def base_queryset(self):
        qs = ReintegrationCase.objects.select_related(
            "worker",
            "worker__home_province",
            "province",
            "officer",
            "return_record",
            "return_record__country",
        ).annotate(
            is_overdue=ExpressionWrapper(assessment_overdue_q(), output_field=BooleanField()),
            referrals_pending=Count("referrals", filter=Q(referrals__outcome="")),
        )
        if self.action == "list":
            return qs
        return qs.prefetch_related(
            Prefetch("referrals", queryset=Referral.objects.select_related("case").order_by("referred_on", "pk"))
        )

    @action(detail=True, methods=["post"])
    def assess(self, request, ref=None):
        case = self.get_object()
        data = self.parse(s.CaseAssessInputSerializer)
        services.case_assess(
            case=case, actor=request.user, needs=data["needs"], notes=data["notes"], assessed_on=data["assessed_on"]
        )
        return self.respond(case)

    @action(detail=True, methods=["post"])
    def close(self, request, ref=None):
        case = self.get_object()
        data = self.parse(s.CaseCloseInputSerializer)
        services.case_close(case=case, actor=request.user, note=data["note"])
        return self.respond(case)


# --- Referrals ------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Refer an assessed returnee to a service"),
        request=s.ReferralInputSerializer,
        responses={201: s.ReferralSerializer, **WRITE_RESPONSES},
    ),
    outcome=extend_schema(
        summary=_("Record what became of a referral"),
        request=s.ReferralOutcomeInputSerializer,
        responses={200: s.ReferralSerializer, **WRITE_RESPONSES},
    ),
)
class ReferralViewSet(ReturnsViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Referrals of returnees to service partners (NEA job centres, training, health, legal aid...)."""

    queryset = Referral.objects.all()
    serializer_class = s.ReferralSerializer
    ordering_fields = ["referred_on", "outcome_on"]
    ordering = ["referred_on", "id"]
    lookup_value_regex = r"\d+"
    action_permissions = {"outcome": "workers.change_referral"}

    def base_queryset(self):
        return Referral.objects.select_related("case")

    def create(self, request, *args, **kwargs):
        data = self.parse(s.ReferralInputSerializer)
        case = self.named(visible(ReintegrationCase.objects.all(), request.user), "case", ref=data["case"])
        referral = services.referral_add(
            case=case, actor=request.user, kind=data["kind"], partner=data["partner"], referred_on=data["referred_on"]
        )
        return self.respond(referral, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def outcome(self, request, pk=None):
        referral = self.get_object()
        if referral.outcome:
            raise ValidationError({"outcome": _("The outcome of this referral is already recorded.")})
        data = self.parse(s.ReferralOutcomeInputSerializer)
        services.referral_outcome(
            referral=referral, actor=request.user, outcome=data["outcome"], outcome_on=data["outcome_on"], note=data["note"]
        )
        return self.respond(referral)


# --- Bulk import ------------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Upload a file of returnees; it is checked and imported in the background"),
        request={"multipart/form-data": s.ReturnsImportInputSerializer},
        responses={202: s.ImportJobSerializer, **WRITE_RESPONSES},
    ),
    retrieve=extend_schema(summary=_("The import job: status, progress, errors by row and column, result")),
)
class ReturnsImportViewSet(ReturnsViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Bulk imports of returnees (surges at the border). All rows are saved or none."""

    queryset = BackgroundJob.objects.filter(kind=JOB_KIND)
    serializer_class = s.ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = r"\d+"
    ordering = ["-created", "-id"]
    ordering_fields = ["created"]
    action_permissions = {"create": "workers.add_returnrecord"}

    def base_queryset(self):
        return BackgroundJob.objects.filter(kind=JOB_KIND)

    def create(self, request, *args, **kwargs):
        data = self.parse(s.ReturnsImportInputSerializer)
        job = returns_import_start(actor=request.user, upload=data["file"])
        return self.respond(job, status.HTTP_202_ACCEPTED)


# --- Work certificates ---------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Issue the certificate recognising the work done abroad (policy 16.1)"),
        request=s.WorkCertificateInputSerializer,
        responses={201: s.WorkCertificateSerializer, **WRITE_RESPONSES},
    ),
    pdf=extend_schema(summary=_("The certificate as a PDF"), responses={(200, "application/pdf"): bytes}),
)
class WorkCertificateViewSet(ReturnsViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """MOLVT's certificates recognising work done abroad, for anyone who may see the worker."""

    queryset = WorkCertificate.objects.all()
    serializer_class = s.WorkCertificateSerializer
    filterset_class = WorkCertificateFilterSet
    lookup_field = "number"
    lookup_value_regex = r"[A-Za-z0-9-]+"
    ordering_fields = ["issued_on"]
    ordering = ["-issued_on", "-id"]
    action_permissions = {"pdf": "workers.view_workcertificate"}

    def base_queryset(self):
        return WorkCertificate.objects.select_related(
            "worker",
            "worker__home_province",
            "deployment",
            "deployment__country",
            "deployment__employer",
            "deployment__agency",
            "deployment__sector",
            "issued_by",
        )

    def create(self, request, *args, **kwargs):
        data = self.parse(s.WorkCertificateInputSerializer)
        deployment = self.named(visible(Deployment.objects.all(), request.user), "deployment", ref=data.pop("deployment"))
        cert = work_certificate_issue(deployment=deployment, actor=request.user, **data)
        return self.respond(cert, status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, PDFRenderer])
    def pdf(self, request, number=None):
        cert = self.get_object()
        work_certificate_export_log(cert=cert, actor=request.user, channel=AccessChannel.API)
        return pdf_response(
            "pdf/work_certificate.html",
            {"cert": cert, "worker": cert.worker, "deployment": cert.deployment},
            filename=f"{cert.number}.pdf",
            request=request,
        )


def register(router) -> None:
    router.register("returns", ReturnRecordViewSet, basename="returnrecord")
    router.register("reintegration-cases", ReintegrationCaseViewSet, basename="reintegrationcase")
    router.register("referrals", ReferralViewSet, basename="referral")
    router.register("returns-imports", ReturnsImportViewSet, basename="returns-import")
    router.register("work-certificates", WorkCertificateViewSet, basename="workcertificate")
