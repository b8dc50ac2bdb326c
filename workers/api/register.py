"""API: the worker register (workers, deployments, job orders, sending suspensions).

``register(router)`` adds this area's viewsets to the API router.

Thin views over ``workers.selectors`` and ``workers.services``. Every viewset derives
from ``ScopedViewSetMixin``, so its rows come through ``visible_to(request.user)`` and
a row outside the caller's scope is a 404. Each action maps to a permission
(``RolePermission``); the custom ones are listed in ``action_permissions``, so a new
action is refused until someone decides who may use it. A write parses its input,
calls one service and answers with the row re-read through the same scoped
queryset. A refused deployment transition is a 400 listing every rule that failed,
each under its own key.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from agencies.models import Agency
from migration_portal.core.api.fields import scope_flag
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import Role, scope_for, visible

from .. import selectors, services
from ..filters import DeploymentFilterSet, JobOrderFilterSet, SendingSuspensionFilterSet, WorkerFilterSet
from ..forms.register import duplicate_messages, error_codes
from ..models import Deployment, Employer, JobOrder, LegalStatusRecord, SendingSuspension, Worker
from . import serializers_register as s

ERRORS = OpenApiResponse(description=_('Invalid input: {"errors": {field: [messages]}}'))
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(description=_("No such record among those you may see."))
WRITE_RESPONSES = {400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}
RULES_REFUSED = OpenApiResponse(
    description=_('Refused: {"errors": {rule: [message]}}, one key per rule that failed (passport, training, licence, '
                  'placement_contract, employment_contract, substitution, suspension, job_order, age, date...), '
                  "or status when the lifecycle does not allow the step."),
)
DUPLICATE_REFUSED = OpenApiResponse(
    response=inline_serializer(
        name="WorkerDuplicateError",
        fields={
            "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            # Only when the refusal is a possible duplicate; a plain invalid input has errors alone.
            "duplicates": s.DuplicateSerializer(many=True, required=False),
            "hidden_duplicates": serializers.IntegerField(required=False),
        },
    ),
    description=_("Invalid input, or a possible duplicate: the matching records you may open are listed, and how many "
                  "others exist. Send confirm_not_duplicate=true if it is a different person."),
)


class RegisterViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Shared wiring: a list serializer and a detail serializer, input parsing, and
    responses re-read through the scoped queryset."""

    detail_serializer_class = None

    def get_serializer_class(self):
        if self.action == "list" or self.detail_serializer_class is None:
            return self.serializer_class
        return self.detail_serializer_class

    @property
    def scope(self):
        return scope_for(self.request.user)

    def parse(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context(), **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, obj, status_code=status.HTTP_200_OK) -> Response:
        lookup = {self.lookup_field: getattr(obj, self.lookup_field)}
        obj = self.get_queryset().get(**lookup)
        return Response(self.get_serializer(obj).data, status=status_code)

    def acting_agency(self, data: dict) -> Agency | None:
        """Whom a write is for: an agency user's own agency, or the agency ministry staff name."""
        if self.scope.role is Role.AGENCY:
            return visible(Agency.objects.all(), self.request.user).get()
        return data.get("agency")


# --- Workers ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Workers you may see (identifiers masked); search by name or an exact identifier")),
    retrieve=extend_schema(summary=_("One worker (identifiers masked)")),
    create=extend_schema(
        summary=_("Register a worker (duplicate check first)"),
        request=s.WorkerInputSerializer,
        responses={201: s.WorkerDetailSerializer, 400: DUPLICATE_REFUSED, 403: FORBIDDEN},
    ),
    update=extend_schema(summary=_("Change a worker's record"), request=s.WorkerUpdateInputSerializer,
                         responses={200: s.WorkerDetailSerializer, **WRITE_RESPONSES}),
    partial_update=extend_schema(summary=_("Change some of a worker's fields"), request=s.WorkerUpdateInputSerializer,
                                 responses={200: s.WorkerDetailSerializer, **WRITE_RESPONSES}),
    identifiers=extend_schema(
        summary=_("The unmasked national ID, passport and phone numbers (every read is logged)"),
        request=None, responses={200: s.WorkerIdentifiersSerializer, 403: FORBIDDEN, 404: NOT_FOUND}, filters=False,
    ),
)
class WorkerViewSet(RegisterViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Migrant workers, regular or irregular: an agency sees those it registered or deployed,
    a province those from it or returning to it, ministry staff all."""

    queryset = Worker.objects.all()
    serializer_class = s.WorkerSerializer
    detail_serializer_class = s.WorkerDetailSerializer
    filterset_class = WorkerFilterSet
    lookup_field = "ref"
    lookup_value_regex = r"[0-9a-f-]{36}"
    ordering_fields = ["created", "name_latin", "date_of_birth"]
    ordering = ["-created", "-id"]
    action_permissions = {"identifiers": "workers.view_worker_identifiers"}

    def base_queryset(self):
        return selectors.worker_rows(Worker.objects.all(), user=self.request.user)

    def create(self, request, *args, **kwargs):
        data = self.parse(s.WorkerInputSerializer)
        confirm = data.pop("confirm_not_duplicate", False)
        try:
            worker = services.worker_register(actor=request.user, fields=data, confirm_not_duplicate=confirm)
        except ValidationError as exc:
            if not error_codes(exc) & {"duplicate", "possible_duplicate"}:
                raise
            keys = {k: data.get(k) for k in ("name_latin", "date_of_birth", "national_id", "passport_number")}
            duplicates = selectors.worker_duplicates(user=request.user, **keys)
            return Response({
                "errors": duplicate_messages(exc, duplicates),
                "duplicates": s.DuplicateSerializer(duplicates.visible, many=True).data,
                "hidden_duplicates": duplicates.hidden,
            }, status=status.HTTP_400_BAD_REQUEST)
        try:
            return self.respond(worker, status.HTTP_201_CREATED)
        except Worker.DoesNotExist:
            # Registered by an officer for another province: saved, but outside their scope from now on.
            return Response(s.WorkerDetailSerializer(worker).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        worker = self.get_object()
        data = self.parse(s.WorkerUpdateInputSerializer, partial=partial)
        services.worker_update(worker=worker, actor=request.user, fields=data)
        return self.respond(worker)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=True, methods=["get", "post"])
    def identifiers(self, request, ref=None):
        worker = self.get_object()
        data = services.worker_identifiers(worker=worker, actor=request.user, channel=AccessChannel.API)
        response = Response(s.WorkerIdentifiersSerializer(data).data)
        response["Cache-Control"] = "no-store"
        return response


# --- Deployments ----------------------------------------------------------------------------------


DEPLOYMENT_DETAIL_RESPONSES = {200: s.DeploymentDetailSerializer, **WRITE_RESPONSES}


@extend_schema_view(
    list=extend_schema(summary=_("Deployments you may see")),
    retrieve=extend_schema(summary=_("One deployment with its contracts and legal-status history")),
    create=extend_schema(
        summary=_("Open a deployment (an agency draws on an approved job order; or an irregular migration)"),
        request=s.DeploymentInputSerializer, responses={201: s.DeploymentDetailSerializer, **WRITE_RESPONSES},
    ),
    transition=extend_schema(
        summary=_("Move the deployment to its next status (send the version you read)"),
        request=s.TransitionInputSerializer,
        responses={200: s.DeploymentDetailSerializer, 400: RULES_REFUSED, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    legal_status=extend_schema(summary=_("Add a dated legal status abroad"), request=s.LegalStatusInputSerializer,
                               responses={201: s.DeploymentDetailSerializer, **WRITE_RESPONSES}),
    placement_contract=extend_schema(summary=_("Submit the job-placement contract (Prakas 253)"),
                                     request=s.PlacementContractInputSerializer, responses=DEPLOYMENT_DETAIL_RESPONSES),
    employment_contract=extend_schema(
        summary=_("Submit the employment contract; differences from the job order are recorded"),
        request=s.EmploymentContractInputSerializer, responses=DEPLOYMENT_DETAIL_RESPONSES,
    ),
    review_placement_contract=extend_schema(summary=_("Approve or reject the job-placement contract"),
                                            request=s.ContractReviewInputSerializer, responses=DEPLOYMENT_DETAIL_RESPONSES),
    review_employment_contract=extend_schema(summary=_("Approve or reject the employment contract"),
                                             request=s.ContractReviewInputSerializer, responses=DEPLOYMENT_DETAIL_RESPONSES),
    accept_substitution=extend_schema(
        summary=_("Accept the employment contract's differences from the job order, with the reason"),
        request=s.SubstitutionInputSerializer, responses=DEPLOYMENT_DETAIL_RESPONSES,
    ),
)
class DeploymentViewSet(RegisterViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Deployments: one migration episode of one worker, from registration to return.

    Status changes only through ``transition`` (services.deployment_transition: the
    lifecycle table, then the rules); a stale ``version`` is refused."""

    queryset = Deployment.objects.all()
    serializer_class = s.DeploymentSerializer
    detail_serializer_class = s.DeploymentDetailSerializer
    filterset_class = DeploymentFilterSet
    lookup_field = "ref"
    lookup_value_regex = r"[0-9a-f-]{36}"
    ordering_fields = ["created", "departed_on", "contract_end"]
    ordering = ["-created", "-id"]
    action_permissions = {
        "transition": "workers.transition_deployment",
        "legal_status": "workers.add_legalstatusrecord",
        "placement_contract": "workers.add_placementcontract",
        "employment_contract": "workers.add_employmentcontract",
        "review_placement_contract": "workers.review_contract",
        "review_employment_contract": "workers.review_contract",
        "accept_substitution": "workers.accept_substitution",
    }

    def base_queryset(self):
        user = self.request.user
        qs = selectors.deployment_rows(Deployment.objects.all()).annotate(
            **scope_flag("job_order", JobOrder.objects.all(), user), **scope_flag("employer", Employer.objects.all(), user)
        )
        if self.action == "list":
            return qs
        return qs.select_related("placement_contract", "employment_contract").prefetch_related(
            Prefetch("legal_statuses", queryset=LegalStatusRecord.objects.order_by("-since", "-id"))
        )

    def create(self, request, *args, **kwargs):
        data = self.parse(s.DeploymentInputSerializer)
        agency = self.acting_agency(data) if data["channel"] == "agency" else data.get("agency")
        data.pop("agency", None)
        deployment = services.deployment_create(
            worker=data.pop("worker"), actor=request.user, channel=data.pop("channel"), country=data.pop("country"),
            sector=data.pop("sector"), agency=agency, job_order=data.pop("job_order", None), **data,
        )
        return self.respond(deployment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def transition(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.TransitionInputSerializer)
        services.deployment_transition(deployment=deployment, actor=request.user, **data)
        return self.respond(deployment)

    @action(detail=True, methods=["post"], url_path="legal-status")
    def legal_status(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.LegalStatusInputSerializer)
        services.legal_status_record(deployment=deployment, actor=request.user, **data)
        return self.respond(deployment, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"], url_path="placement-contract")
    def placement_contract(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.PlacementContractInputSerializer)
        services.placement_contract_submit(deployment=deployment, actor=request.user, **data)
        return self.respond(deployment)

    @action(detail=True, methods=["post"], url_path="employment-contract")
    def employment_contract(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.EmploymentContractInputSerializer)
        services.employment_contract_submit(deployment=deployment, actor=request.user, fields=data)
        return self.respond(deployment)

    def _contract(self, deployment, name):
        contract = getattr(deployment, name, None)
        if contract is None:
            raise ValidationError({name: _("No such contract has been submitted.")})
        return contract

    @action(detail=True, methods=["post"], url_path="placement-contract/review")
    def review_placement_contract(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.ContractReviewInputSerializer)
        services.contract_review(contract=self._contract(deployment, "placement_contract"), actor=request.user, **data)
        return self.respond(deployment)

    @action(detail=True, methods=["post"], url_path="employment-contract/review")
    def review_employment_contract(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.ContractReviewInputSerializer)
        services.contract_review(contract=self._contract(deployment, "employment_contract"), actor=request.user, **data)
        return self.respond(deployment)

    @action(detail=True, methods=["post"], url_path="employment-contract/accept-substitution")
    def accept_substitution(self, request, ref=None):
        deployment = self.get_object()
        data = self.parse(s.SubstitutionInputSerializer)
        services.substitution_accept(contract=self._contract(deployment, "employment_contract"), actor=request.user,
                                     reason=data["reason"])
        return self.respond(deployment)


# --- Job orders -------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Job orders you may see, with the positions left by sex")),
    retrieve=extend_schema(summary=_("One job order")),
    create=extend_schema(summary=_("Submit a job order (demand letter) for vetting"), request=s.JobOrderInputSerializer,
                         responses={201: s.JobOrderSerializer, **WRITE_RESPONSES}),
    vet=extend_schema(summary=_("Record the labour attaché's vetting (policy 9.1)"), request=s.JobOrderVetInputSerializer,
                      responses={200: s.JobOrderSerializer, **WRITE_RESPONSES}),
)
class JobOrderViewSet(RegisterViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Demand letters from employers abroad, vetted by labour attachés before recruitment (policy 9.1)."""

    queryset = JobOrder.objects.all()
    serializer_class = s.JobOrderSerializer
    filterset_class = JobOrderFilterSet
    lookup_value_regex = r"\d+"
    ordering_fields = ["valid_from", "valid_until", "created"]
    ordering = ["-valid_from", "-id"]
    action_permissions = {"vet": "workers.vet_joborder"}

    def base_queryset(self):
        return selectors.job_order_rows(JobOrder.objects.all())

    def create(self, request, *args, **kwargs):
        data = self.parse(s.JobOrderInputSerializer)
        agency = self.acting_agency(data)
        data.pop("agency", None)
        if agency is None:
            raise ValidationError({"agency": _("Say which agency this is for.")})
        order = services.job_order_submit(agency=agency, actor=request.user, fields=data)
        return self.respond(order, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def vet(self, request, pk=None):
        order = self.get_object()
        data = self.parse(s.JobOrderVetInputSerializer)
        services.job_order_vet(job_order=order, actor=request.user, **data)
        return self.respond(order)


# --- Sending suspensions -------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Suspensions of sending to a country or sector (policy 7.6)")),
    retrieve=extend_schema(summary=_("One suspension")),
    create=extend_schema(summary=_("Suspend sending to a country, or to one sector there"),
                         request=s.SendingSuspensionInputSerializer,
                         responses={201: s.SendingSuspensionSerializer, **WRITE_RESPONSES}),
)
class SendingSuspensionViewSet(RegisterViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The ministry's suspensions of sending (policy 7.6): public policy, read by every role."""

    queryset = SendingSuspension.objects.all()
    serializer_class = s.SendingSuspensionSerializer
    filterset_class = SendingSuspensionFilterSet
    lookup_value_regex = r"\d+"
    ordering_fields = ["starts_on", "ends_on"]
    ordering = ["-starts_on", "-id"]

    def base_queryset(self):
        return SendingSuspension.objects.select_related("country", "sector", "decided_by")

    def create(self, request, *args, **kwargs):
        data = self.parse(s.SendingSuspensionInputSerializer)
        suspension = services.suspension_create(actor=request.user, **data)
        return self.respond(suspension, status.HTTP_201_CREATED)


def register(router) -> None:
    # URL names get an "api-" prefix: the workers API router has no namespace of its own,
    # and "worker-list", "deployment-detail"... are the portal pages' names.
    router.register("workers", WorkerViewSet, basename="api-worker")
    router.register("deployments", DeploymentViewSet, basename="api-deployment")
    router.register("job-orders", JobOrderViewSet, basename="api-joborder")
    router.register("sending-suspensions", SendingSuspensionViewSet, basename="api-sendingsuspension")
