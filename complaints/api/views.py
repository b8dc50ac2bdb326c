"""The complaints API: thin views over the scoped querysets and the services.

``ComplaintViewSet`` derives from ``ScopedViewSetMixin``: its rows come through
``visible_to(request.user)`` (a case outside the caller's scope is a 404, on reads and
actions alike). Each action maps to a permission (``RolePermission``); an unmapped one is
refused. A write parses its input, calls one service and answers with the case re-read
through the same scope, in the caller's shape. Every action on a case takes the
``version`` the caller read; a case changed meanwhile is a 409 and nothing is saved.

``PublicComplaintStatusView`` is the one public endpoint: no authentication, POST of a
reference and the worker's date of birth, the stage only, throttled per address
(``public_lookup``) and closed for an hour after 10 failed lookups, as the page is.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from migration_portal.core.api.fields import scope_flag
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import Role, scope_for, visible
from workers.models import Worker

from .. import selectors, services
from ..choices import Stage
from ..filters import ComplaintFilterSet
from ..forms import STALE_CODE, is_stale, stale_error
from ..models import (
    AgencyResponse,
    Attachment,
    Complaint,
    ConciliationMeeting,
    DrawdownProposal,
    LegalAidReferral,
    Payment,
    Respondent,
    Settlement,
    Transfer,
)
from ..views import BLOCKED_MESSAGE, NOT_FOUND_MESSAGE, IntakeError, intake_register, lookup_client, lookup_status
from . import serializers as s

ERRORS = OpenApiResponse(description=_('Invalid input: {"errors": {field: [messages]}}'))
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(description=_("No such case among those you may see."))
CONFLICT = OpenApiResponse(description=_("Another officer changed the case since you read it (version); nothing was saved."))

CASE = PolymorphicProxySerializer(
    component_name="ComplaintByRole",
    serializers=[s.ComplaintHandlerDetailSerializer, s.ComplaintDetailSerializer, s.ComplaintAgencyDetailSerializer],
    resource_type_field_name=None,
)
CASE_LIST = PolymorphicProxySerializer(
    component_name="ComplaintListByRole",
    serializers=[s.ComplaintListSerializer, s.ComplaintAgencyListSerializer],
    resource_type_field_name=None,
    many=True,
)
ACTION_RESPONSES = {200: CASE, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND, 409: CONFLICT}
MOVED = OpenApiResponse(description=_("Done; the case is no longer among those you may see."))


def _action(summary, request, **kwargs):
    responses = {**ACTION_RESPONSES, 204: MOVED} if "description" in kwargs else ACTION_RESPONSES
    return extend_schema(summary=summary, request=request, responses=responses, **kwargs)


class ConflictError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


@extend_schema_view(
    list=extend_schema(summary=_("Cases you may see (an agency: the cases naming it, redacted)"), responses=CASE_LIST),
    retrieve=extend_schema(summary=_("One case, in the shape your role may read"), responses=CASE),
    create=extend_schema(summary=_("Register a complaint (intake), finding or recording the worker"),
                         request=s.ComplaintIntakeInputSerializer, responses={201: CASE, 400: ERRORS, 403: FORBIDDEN}),
    assign=_action(_("Assign an officer"), s.ComplaintAssignInputSerializer),
    transfer=_action(_("Transfer the case to another province or to the ministry"), s.ComplaintTransferInputSerializer,
                     description=_("Answers 204 when the case is no longer among those you may see.")),
    transition=_action(_("Move the case to another stage (the services say why not)"), s.ComplaintTransitionInputSerializer),
    meetings=_action(_("Schedule a conciliation meeting"), s.ComplaintMeetingInputSerializer),
    record_meeting=_action(_("Record a meeting held: minutes, agreement, the respondent's position"),
                           s.ComplaintMeetingRecordInputSerializer),
    settlement=_action(_("Record the settlement: amount, who pays, instalments"), s.ComplaintSettlementInputSerializer),
    payments=_action(_("Record a payment to the worker"), s.ComplaintPaymentInputSerializer),
    drawdown=_action(_("Propose paying the worker from the agency's guarantee deposit"), s.ComplaintDrawdownInputSerializer),
    legal_aid=_action(_("Refer the worker to legal aid"), s.ComplaintLegalAidInputSerializer),
    legal_aid_result=_action(_("Record the result of a legal aid referral"), s.ComplaintLegalAidResultInputSerializer),
    respond=extend_schema(summary=_("The respondent agency's response"), request=s.ComplaintRespondInputSerializer,
                          responses={200: s.ComplaintAgencyDetailSerializer, 400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}),
    attachments=_action(_("Attach a file (PDF, photo, Word; 5 MB)"),
                        {"multipart/form-data": s.ComplaintAttachmentInputSerializer}),
)
class ComplaintViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Complaints from migrant workers and their families (Prakas 249): intake, conciliation, settlement, payment.

    Officers see the cases they handle (a province: its own; restricted cases: their
    handlers only); the respondent agency sees the cases naming it, redacted.
    """

    queryset = Complaint.objects.all()
    serializer_class = s.ComplaintListSerializer
    filterset_class = ComplaintFilterSet
    lookup_field = "ref"
    lookup_value_regex = r"[Cc]\d{2}-[A-Za-z0-9]{7}"
    ordering_fields = ["received_on", "stage_since", "stage", "ref", "amount_claimed"]
    ordering = ["-received_on", "-id"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    HANDLE = "complaints.handle_complaint"
    action_permissions = {
        "list": "complaints.view_complaint",
        "retrieve": "complaints.view_complaint",
        "create": "complaints.add_complaint",
        "assign": HANDLE,
        "transfer": "complaints.transfer_complaint",
        "transition": HANDLE,
        "meetings": HANDLE,
        "record_meeting": HANDLE,
        "settlement": HANDLE,
        "payments": HANDLE,
        "drawdown": HANDLE,
        "legal_aid": HANDLE,
        "legal_aid_result": HANDLE,
        "respond": "complaints.add_agencyresponse",
        "attachments": HANDLE,
    }

    # --- Rows and shapes -------------------------------------------------------------------

    @property
    def role(self) -> Role:
        return scope_for(self.request.user).role

    def base_queryset(self):
        user = self.request.user
        if self.role is Role.AGENCY:
            qs = Complaint.objects.select_related("worker").prefetch_related("grounds")
        else:
            qs = Complaint.objects.for_list().select_related("worker__home_province").prefetch_related(
                "grounds", Prefetch("respondents", queryset=Respondent.objects.select_related("agency").order_by("pk"))
            ).annotate(**scope_flag("worker", Worker.objects.all(), user))
        if self.action == "list":
            return qs
        settlement = visible(Settlement.objects.all(), user).select_related("payer_agency").prefetch_related(
            "instalments", Prefetch("payments", queryset=Payment.objects.order_by("paid_on", "id")))
        if self.role is Role.AGENCY:
            return qs.prefetch_related(
                Prefetch("meetings", queryset=visible(ConciliationMeeting.objects.all(), user)),
                Prefetch("attachments", queryset=visible(Attachment.objects.all(), user)),
                Prefetch("agency_responses", queryset=visible(AgencyResponse.objects.all(), user).select_related("agency")),
                Prefetch("settlement", queryset=settlement, to_attr="settlement_row"),
            )
        settlement = settlement.prefetch_related(
            Prefetch("drawdowns", queryset=DrawdownProposal.objects.select_related("agency", "proposed_by", "decided_by")))
        return qs.select_related("lodged_province", "country").prefetch_related(
            Prefetch("meetings", queryset=visible(ConciliationMeeting.objects.all(), user)),
            Prefetch("attachments", queryset=visible(Attachment.objects.all(), user)),
            Prefetch("legal_aid", queryset=visible(LegalAidReferral.objects.all(), user)),
            Prefetch("agency_responses", queryset=visible(AgencyResponse.objects.all(), user).select_related("agency")),
            Prefetch("transfers", queryset=visible(Transfer.objects.all(), user).select_related("from_province", "to_province")),
            Prefetch("settlement", queryset=settlement, to_attr="settlement_row"),
        )

    def get_serializer_class(self):
        if self.role is Role.AGENCY:
            return s.ComplaintAgencyListSerializer if self.action == "list" else s.ComplaintAgencyDetailSerializer
        if self.action == "list":
            return s.ComplaintListSerializer
        if selectors.is_handler(self.request.user):
            return s.ComplaintHandlerDetailSerializer
        return s.ComplaintDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        if self.role is not Role.AGENCY:
            context.update(limits=selectors.stage_limits(), now=timezone.now())
        return context

    def get_object(self):
        # References are shown upper case; accept them as typed.
        self.kwargs[self.lookup_field] = self.kwargs[self.lookup_field].upper()
        return super().get_object()

    def answer(self, complaint, status_code=status.HTTP_200_OK) -> Response:
        """The case re-read through the scope and shape of a GET (detail serializer, timeline)."""
        obj = self.get_queryset().filter(pk=complaint.pk).first()
        if obj is None:  # the step took the case out of the caller's scope (a transfer)
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(self.serialize(obj), status=status_code)

    def serialize(self, complaint) -> dict:
        """The case body (a GET, and the answer to each step): logged when the case is restricted."""
        services.complaint_record_read(complaint=complaint, actor=self.request.user, channel=AccessChannel.API)
        context = self.get_serializer_context()
        if self.role is not Role.AGENCY:
            context["events"] = list(selectors.timeline_events(complaint)[:100])
        return self.get_serializer_class()(complaint, context=context).data

    def retrieve(self, request, *args, **kwargs):
        return Response(self.serialize(self.get_object()))

    def parse(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def act(self, serializer_class, call):
        """Parse, check the version against the case read now, call the service; a case
        changed meanwhile (here or under the service's lock) is a 409."""
        complaint = self.get_object()
        data = self.parse(serializer_class)
        try:
            if "version" in data and data["version"] != complaint.version:
                raise ConflictError(stale_error(complaint).messages[0])
            with transaction.atomic():
                call(complaint, data)
        except ValidationError as exc:
            if is_stale(exc):
                return self.conflict(exc.messages[0])
            raise
        except ConflictError as c:
            return self.conflict(c.message)
        return self.answer(complaint)

    def conflict(self, message) -> Response:
        return Response({"errors": {"version": [message]}, "code": STALE_CODE}, status=status.HTTP_409_CONFLICT)

    # --- Intake ---------------------------------------------------------------------------------

    def create(self, request, *args, **kwargs):
        data = self.parse(s.ComplaintIntakeInputSerializer)
        worker = None
        if data["worker"]:
            worker = selectors.intake_worker_resolve(user=request.user, ref=data["worker"], identifier=data["worker_identifier"])
            if worker is None:
                raise ValidationError({"worker": _("No such worker among those you may see (or matching worker_identifier).")})
        new_worker = dict(data["new_worker"]) if data["new_worker"] else None
        fields = {k: data[k] for k in (
            "complainant_type", "complainant_name", "complainant_relation", "complainant_phone", "worker_was_irregular",
            "lodged_at", "lodged_province", "lodged_checkpoint", "channel", "country", "narrative", "confidential_notes",
            "amount_claimed", "claim_currency")}
        if data.get("received_on"):
            fields["received_on"] = data["received_on"]
        try:
            complaint = intake_register(
                actor=request.user, worker=worker, new_worker=new_worker, confirm_not_duplicate=data["confirm_not_duplicate"],
                fields=fields, grounds=data["grounds"], respondents=[dict(r) for r in data["respondents"]],
                trafficking_indicators=data["trafficking_indicators"], attachments=[],
            )
        except IntakeError as refused:
            errors = refused.error.message_dict if hasattr(refused.error, "error_dict") else {
                "non_field_errors": refused.error.messages}
            if refused.part == "worker":
                errors = {f"new_worker.{k}" if k != "__all__" else "new_worker": v for k, v in errors.items()}
            raise ValidationError(errors)
        return self.answer(complaint, status.HTTP_201_CREATED)

    # --- The case's steps -----------------------------------------------------------------------

    @action(detail=True, methods=["post"])
    def assign(self, request, ref=None):
        def call(complaint, data):
            officer = selectors.assignable_officers(complaint=complaint).filter(pk=data["officer"]).first()
            if officer is None:
                raise ValidationError({"officer": _("Choose an officer who handles complaints where the case is.")})
            services.complaint_assign(complaint=complaint, officer=officer, actor=request.user, version=data["version"])

        return self.act(s.ComplaintAssignInputSerializer, call)

    @action(detail=True, methods=["post"])
    def transfer(self, request, ref=None):
        return self.act(s.ComplaintTransferInputSerializer, lambda complaint, data: services.complaint_transfer(
            complaint=complaint, to_province=data["to_province"], actor=request.user, reason=data["reason"],
            version=data["version"]))

    @action(detail=True, methods=["post"])
    def transition(self, request, ref=None):
        return self.act(s.ComplaintTransitionInputSerializer, lambda complaint, data: services.complaint_transition(
            complaint=complaint, to_stage=data["to_stage"], actor=request.user, reason=data["reason"],
            referred_to=data["referred_to"], version=data["version"]))

    @action(detail=True, methods=["post"])
    def meetings(self, request, ref=None):
        return self.act(s.ComplaintMeetingInputSerializer, lambda complaint, data: services.meeting_schedule(
            complaint=complaint, actor=request.user, scheduled_for=data["scheduled_for"], place=data["place"],
            participants=data["participants"]))

    @action(detail=True, methods=["post"], url_path="record-meeting", url_name="record-meeting")
    def record_meeting(self, request, ref=None):
        def call(complaint, data):
            meeting = visible(ConciliationMeeting.objects.filter(complaint=complaint), request.user).filter(
                pk=data["meeting"]).first()
            if meeting is None:
                raise ValidationError({"meeting": _("No such meeting in this case.")})
            services.meeting_record(meeting=meeting, actor=request.user, minutes=data["minutes"],
                                    agreement_reached=data["agreement_reached"], agency_response=data["agency_response"],
                                    participants=data["participants"])

        return self.act(s.ComplaintMeetingRecordInputSerializer, call)

    @action(detail=True, methods=["post"])
    def settlement(self, request, ref=None):
        return self.act(s.ComplaintSettlementInputSerializer, lambda complaint, data: services.settlement_record(
            complaint=complaint, actor=request.user, amount=data["amount"], payer=data["payer"], agreed_on=data["agreed_on"],
            currency=data["currency"], payer_agency=data["payer_agency"], terms=data["terms"],
            instalments=[(i["due_on"], i["amount"]) for i in data["instalments"]] or None))

    def _settlement(self, complaint) -> Settlement:
        settlement = visible(Settlement.objects.filter(complaint=complaint), self.request.user).first()
        if settlement is None:
            raise ValidationError({"settlement": _("Record the settlement first.")})
        return settlement

    @action(detail=True, methods=["post"])
    def payments(self, request, ref=None):
        return self.act(s.ComplaintPaymentInputSerializer, lambda complaint, data: services.payment_record(
            settlement=self._settlement(complaint), actor=request.user, amount=data["amount"], paid_on=data["paid_on"],
            method=data["method"], reference=data["reference"]))

    @action(detail=True, methods=["post"])
    def drawdown(self, request, ref=None):
        return self.act(s.ComplaintDrawdownInputSerializer, lambda complaint, data: services.drawdown_propose(
            settlement=self._settlement(complaint), actor=request.user, amount=data["amount"], reason=data["reason"]))

    @action(detail=True, methods=["post"], url_path="legal-aid", url_name="legal-aid")
    def legal_aid(self, request, ref=None):
        return self.act(s.ComplaintLegalAidInputSerializer, lambda complaint, data: services.legal_aid_refer(
            complaint=complaint, actor=request.user, partner=data["partner"], referred_on=data["referred_on"]))

    @action(detail=True, methods=["post"], url_path="legal-aid-result", url_name="legal-aid-result")
    def legal_aid_result(self, request, ref=None):
        def call(complaint, data):
            referral = visible(LegalAidReferral.objects.filter(complaint=complaint), request.user).filter(
                pk=data["referral"]).first()
            if referral is None:
                raise ValidationError({"referral": _("No such legal aid referral in this case.")})
            services.legal_aid_result(referral=referral, actor=request.user, result=data["result"], result_on=data["result_on"])

        return self.act(s.ComplaintLegalAidResultInputSerializer, call)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attachments(self, request, ref=None):
        return self.act(s.ComplaintAttachmentInputSerializer, lambda complaint, data: services.attachment_add(
            complaint=complaint, actor=request.user, file=data["file"], description=data["description"],
            share_with_agency=data["share_with_agency"]))

    @action(detail=True, methods=["post"])
    def respond(self, request, ref=None):
        complaint = self.get_object()
        data = self.parse(s.ComplaintRespondInputSerializer)
        services.agency_respond(complaint=complaint, actor=request.user, text=data["text"])
        return self.answer(complaint)


# --- Public ---------------------------------------------------------------------------------------------


class PublicComplaintStatusView(APIView):
    """Where is my complaint? The stage of a case, for its reference and the worker's date of birth. No login.

    The same 404 whether the reference or the date is wrong; throttled per address, and
    refused for an hour (429) after 10 failed lookups from one address."""

    public_data = True
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_lookup"

    @extend_schema(
        summary=_("The stage of a complaint, for its reference and the worker's date of birth"),
        request=s.PublicComplaintStatusInputSerializer,
        responses={200: s.PublicComplaintStatusSerializer, 400: ERRORS,
                   404: OpenApiResponse(description=_("No complaint with this reference and date of birth.")),
                   429: OpenApiResponse(description=_("Too many attempts; try again later."))},
    )
    def post(self, request):
        serializer = s.PublicComplaintStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome, stage = lookup_status(client=lookup_client(request), ref=data["ref"], date_of_birth=data["date_of_birth"])
        if outcome == "blocked":
            return Response({"errors": {"non_field_errors": [str(BLOCKED_MESSAGE)]}}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        if outcome == "not_found":
            return Response({"errors": {"non_field_errors": [str(NOT_FOUND_MESSAGE)]}}, status=status.HTTP_404_NOT_FOUND)
        body = {"ref": data["ref"].strip().upper(), "stage": stage, "stage_label": str(Stage(stage).label)}
        return Response(s.PublicComplaintStatusSerializer(body).data)

