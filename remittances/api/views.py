"""The remittances API: reference data (providers, corridors, rates, offers), the cost
indicator, remittances per deployment and financial-literacy sessions.

Every private view derives from ``ScopedViewSetMixin``: its rows come through
``visible_to(request.user)``, and a row outside the caller's scope is a 404. Reads of
the reference data are open to every signed-in user with a role (the same figures are
public on the comparison page); writes need the model permission (Statisticians).
Remittances and literacy sessions are written through their services and answered
with the row re-read through the scoped queryset.

The public comparison at the end is the one view not scoped to a user (see its comment).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from migration_portal.core.api.fields import scoped_prefetch
from migration_portal.core.api.filters import IdFilter
from migration_portal.core.api.permissions import PublicReadOnly, RolePermission
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.scoping import Role, scope_for, visible

from .. import literacy, selectors, services
from ..choices import ReceiveMethod, RemittanceChannel
from ..forms import SummaryForm
from ..models import Corridor, ExchangeRate, LiteracyAttendance, LiteracySession, Offer, Provider, Remittance
from . import serializers as s

ERRORS = OpenApiResponse(description=_('Invalid input: {"errors": {field: [messages]}}'))
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(description=_("No such record among those you may see."))
WRITE_RESPONSES = {400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}


class ReadForRolesWriteByPermission(BasePermission):
    """Reference data: any signed-in user with a role reads it (it is public anyway); a write
    needs the model permission mapped to the action, as everywhere else (RolePermission)."""

    def has_permission(self, request, view) -> bool:
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return scope_for(request.user).role is not Role.NONE
        return RolePermission().has_permission(request, view)


class PortalViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    lookup_value_regex = r"\d+"

    def parse(self, serializer_class, data=None) -> dict:
        serializer = serializer_class(data=self.request.data if data is None else data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def respond(self, obj, status_code=status.HTTP_200_OK) -> Response:
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status_code)


class ReferenceViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                       mixins.UpdateModelMixin):
    permission_classes = [ReadForRolesWriteByPermission]


# --- FilterSets -----------------------------------------------------------------------------


class OfferFilterSet(filters.FilterSet):
    corridor = filters.CharFilter(field_name="corridor__country__code", lookup_expr="iexact",
                                  label=_("Sending country (ISO code)"))
    provider = IdFilter(field_name="provider_id", label=_("Provider id"))
    observed_from = filters.DateFilter(field_name="observed_on", lookup_expr="gte", label=_("Observed on or after"))
    observed_to = filters.DateFilter(field_name="observed_on", lookup_expr="lte", label=_("Observed on or before"))

    class Meta:
        model = Offer
        fields = ["corridor", "provider", "observed_from", "observed_to"]


class ExchangeRateFilterSet(filters.FilterSet):
    currency = filters.CharFilter(lookup_expr="iexact", label=_("Currency (ISO code)"))
    on_from = filters.DateFilter(field_name="on", lookup_expr="gte", label=_("On or after"))
    on_to = filters.DateFilter(field_name="on", lookup_expr="lte", label=_("On or before"))

    class Meta:
        model = ExchangeRate
        fields = ["currency", "on_from", "on_to"]


class RemittanceFilterSet(filters.FilterSet):
    deployment = filters.UUIDFilter(field_name="deployment__ref", label=_("Deployment reference"))
    destination = filters.CharFilter(field_name="deployment__country__code", lookup_expr="iexact",
                                     label=_("Destination (ISO code)"))
    channel = filters.ChoiceFilter(choices=RemittanceChannel.choices)
    month_from = filters.DateFilter(field_name="month", lookup_expr="gte", label=_("From month (first day)"))
    month_to = filters.DateFilter(field_name="month", lookup_expr="lte", label=_("To month (first day)"))

    class Meta:
        model = Remittance
        fields = ["deployment", "destination", "channel", "month_from", "month_to"]


class LiteracySessionFilterSet(filters.FilterSet):
    province = filters.CharFilter(field_name="province__code", label=_("Province code"))
    held_from = filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_to = filters.DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = LiteracySession
        fields = ["province", "audience", "held_from", "held_to"]


class LiteracyAttendanceFilterSet(filters.FilterSet):
    # A plain number, not a choice among all sessions: an id outside the caller's scope gives an
    # empty list, the same as one that does not exist.
    session = IdFilter(field_name="session_id", label=_("Session id"))

    class Meta:
        model = LiteracyAttendance
        fields = ["session"]


# --- Reference data ---------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary=_("Remittance providers: banks, operators, wallets, MFIs")))
class ProviderViewSet(ReferenceViewSet, mixins.DestroyModelMixin):
    queryset = Provider.objects.all()
    serializer_class = s.ProviderSerializer
    filterset_fields = ["kind", "active"]
    ordering_fields = ["name"]
    ordering = ["name"]


@extend_schema_view(
    update=extend_schema(request=s.CorridorInputSerializer, responses={200: s.CorridorSerializer, **WRITE_RESPONSES}),
    partial_update=extend_schema(request=s.CorridorInputSerializer, responses={200: s.CorridorSerializer, **WRITE_RESPONSES}),
)
class CorridorViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin):
    """Corridors into Cambodia (one per sending country). They are created with the reference
    data; statisticians may correct a corridor's currency."""

    permission_classes = [ReadForRolesWriteByPermission]
    queryset = Corridor.objects.all()
    serializer_class = s.CorridorSerializer
    filter_backends: list = []
    pagination_class = None

    def base_queryset(self):
        return Corridor.objects.select_related("country").order_by("country__name")

    def get_serializer_class(self):
        return s.CorridorInputSerializer if self.action in ("update", "partial_update") else s.CorridorSerializer

    def update(self, request, *args, **kwargs):
        super().update(request, *args, **kwargs)
        return Response(s.CorridorSerializer(self.get_object()).data)


class ExchangeRateViewSet(ReferenceViewSet, mixins.DestroyModelMixin):
    """Reference mid-market rates: units of a currency per US dollar on a date."""

    queryset = ExchangeRate.objects.all()
    serializer_class = s.ExchangeRateSerializer
    filterset_class = ExchangeRateFilterSet
    ordering_fields = ["on", "currency"]
    ordering = ["currency", "-on"]


class OfferViewSet(ReferenceViewSet, mixins.DestroyModelMixin):
    """Offers observed per provider and corridor, each with its total cost of sending USD 200.

    The cost needs each offer's reference rate on its date; the rates for the whole page
    are read in one query and handed to the serializer."""

    queryset = Offer.objects.all()
    serializer_class = s.OfferSerializer
    filterset_class = OfferFilterSet
    ordering_fields = ["observed_on", "provider__name"]
    ordering = ["-observed_on", "provider__name", "id"]

    def base_queryset(self):
        return Offer.objects.select_related("provider", "corridor__country")

    def with_rates(self, offers) -> dict:
        offers = list(offers)
        if not offers:
            return {"rates": services.RateBook([])}
        rates = services.RateBook.until(max(o.observed_on for o in offers), {o.corridor.currency for o in offers})
        return {"rates": rates}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = s.OfferSerializer(page, many=True, context={**self.get_serializer_context(), **self.with_rates(page)})
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        offer = self.get_object()
        return Response(s.OfferSerializer(offer, context={**self.get_serializer_context(), **self.with_rates([offer])}).data)

    def respond_with(self, offer, status_code):
        offer = self.get_queryset().get(pk=offer.pk)
        return Response(s.OfferSerializer(offer, context={**self.get_serializer_context(), **self.with_rates([offer])}).data,
                        status=status_code)

    def perform_create(self, serializer):
        serializer.save(source=serializer.validated_data.get("source") or _("API"))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)
        return self.respond_with(serializer.instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return self.respond_with(serializer.instance, status.HTTP_200_OK)


# --- The indicator ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("The national indicator and each corridor's average cost of USD 200, per quarter"),
        parameters=[OpenApiParameter("quarters", OpenApiTypes.INT, description=_("How many quarters (default 8, at most 40)"))],
        responses=s.IndicatorPointSerializer(many=True),
    )
)
class IndicatorViewSet(PortalViewSet):
    """Per quarter (its last day; the running quarter: today), oldest first. The figures come
    from every offer (public data); the scoped queryset is there for the permission check."""

    queryset = Offer.objects.all()
    serializer_class = s.IndicatorPointSerializer
    action_permissions = {"list": "remittances.view_offer"}
    filter_backends: list = []
    pagination_class = None

    def list(self, request, *args, **kwargs):
        query = s.IndicatorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        points = services.quarter_points(timezone.localdate(), query.validated_data["quarters"])
        return Response(s.IndicatorPointSerializer(services.indicator_series(points), many=True).data)


# --- Remittances ---------------------------------------------------------------------------------


def _deployment_or_404(user, ref):
    from workers.models import Deployment

    try:
        return selectors.deployment_for_remittances(user=user, ref=ref)
    except Deployment.DoesNotExist:
        raise NotFound(_("No such deployment among those you may see."))


@extend_schema_view(
    create=extend_schema(
        summary=_("Record what a worker sent home in a month"),
        request=s.RemittanceInputSerializer,
        responses={201: s.RemittanceSerializer, **WRITE_RESPONSES},
    ),
    summary=extend_schema(
        summary=_("Totals by destination, province of origin and sex, with the formal share"),
        parameters=[
            OpenApiParameter("start", OpenApiTypes.STR, description=_("First month, YYYY-MM (default: a year before the end)")),
            OpenApiParameter("end", OpenApiTypes.STR, description=_("Last month, YYYY-MM (default: last month)")),
        ],
        responses=s.RemittanceSummarySerializer,
    ),
)
class RemittanceViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Money sent home per deployment and month: an agency sees and records its own workers',
    a provincial officer reads those of workers from the province, ministry staff read all."""

    queryset = Remittance.objects.all()
    serializer_class = s.RemittanceSerializer
    filterset_class = RemittanceFilterSet
    ordering_fields = ["month", "amount_usd"]
    ordering = ["-month", "-id"]
    action_permissions = {"summary": "remittances.view_remittance"}

    def base_queryset(self):
        return Remittance.objects.select_related("deployment__worker", "deployment__country", "provider")

    def create(self, request, *args, **kwargs):
        data = self.parse(s.RemittanceInputSerializer)
        deployment = _deployment_or_404(request.user, data["deployment"])
        provider = data.get("provider")
        if provider is not None and not visible(Provider.objects.filter(pk=provider.pk), request.user).exists():
            raise ValidationError({"provider": _("No such provider.")})
        remittance = services.remittance_record(
            deployment=deployment, actor=request.user, month=data["month"], amount=data["amount"], currency=data["currency"],
            channel=data["channel"], source=data["source"], provider=provider,
        )
        return self.respond(remittance, status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def summary(self, request):
        query = s.SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        default_start, default_end = SummaryForm().period()
        start = (query.validated_data.get("start") or default_start).replace(day=1)
        end = (query.validated_data.get("end") or default_end).replace(day=1)
        result = selectors.remittance_summary(user=request.user, start=start, end=end)
        return Response(s.RemittanceSummarySerializer(result).data)


# --- Financial literacy --------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Record a financial-literacy session held"),
        request=s.LiteracySessionInputSerializer,
        responses={201: s.LiteracySessionSerializer, **WRITE_RESPONSES},
    ),
)
class LiteracySessionViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Sessions: an agency's own, a province's held there, all for ministry staff; with the
    number who attended, by sex."""

    queryset = LiteracySession.objects.all()
    serializer_class = s.LiteracySessionSerializer
    filterset_class = LiteracySessionFilterSet
    ordering_fields = ["held_on"]
    ordering = ["-held_on", "-id"]

    def base_queryset(self):
        return selectors.literacy_session_rows()  # get_queryset applies the scope

    def create(self, request, *args, **kwargs):
        data = self.parse(s.LiteracySessionInputSerializer)
        agency = None
        if data.get("agency") is not None:
            from agencies.models import Agency

            agency = visible(Agency.objects.all(), request.user).filter(pk=data["agency"]).first()
            if agency is None:
                raise ValidationError({"agency": _("No such agency.")})
        session = literacy.session_create(
            actor=request.user, province=data["province"], held_on=data["held_on"], place=data["place"],
            partner=data["partner"], audience=data["audience"], topics=data["topics"], agency=agency,
        )
        return self.respond(session, status.HTTP_201_CREATED)


@extend_schema_view(
    create=extend_schema(
        summary=_("Add someone who attended: a registered worker, or a family member by name"),
        request=s.LiteracyAttendanceInputSerializer,
        responses={201: s.LiteracyAttendanceSerializer, **WRITE_RESPONSES},
    ),
)
class LiteracyAttendanceViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin):
    queryset = LiteracyAttendance.objects.all()
    serializer_class = s.LiteracyAttendanceSerializer
    filterset_class = LiteracyAttendanceFilterSet
    ordering_fields = ["id"]
    ordering = ["id"]

    def base_queryset(self):
        from workers.models import Worker

        # A session's attendee may be a worker of another agency or province: the worker is
        # joined through its own scope, so the row names it only to those who may see it.
        return LiteracyAttendance.objects.prefetch_related(scoped_prefetch("worker", Worker.objects.all(), self.request.user))

    def create(self, request, *args, **kwargs):
        from workers.models import Worker

        data = self.parse(s.LiteracyAttendanceInputSerializer)
        session = visible(LiteracySession.objects.all(), request.user).filter(pk=data["session"]).first()
        if session is None:
            raise NotFound(_("No such session among those you may see."))
        worker = None
        if data.get("worker"):
            worker = visible(Worker.objects.all(), request.user).filter(ref=data["worker"]).first()
            if worker is None:
                raise NotFound(_("No such worker among those you may see."))
        row = literacy.attendance_add(session=session, actor=request.user, worker=worker, name=data.get("name", ""),
                                      sex=data.get("sex", ""), relation=data.get("relation", ""))
        return self.respond(row, status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        literacy.attendance_remove(attendance=instance, actor=self.request.user)


# --- Public -----------------------------------------------------------------------------------------


@extend_schema(
    summary=_("Compare what sending money to Cambodia costs (no login)"),
    auth=[],
    parameters=[
        OpenApiParameter("corridor", OpenApiTypes.STR, required=True, description=_("ISO code of the sending country, e.g. TH")),
        OpenApiParameter("amount", OpenApiTypes.DECIMAL,
                         description=_("In the sending currency; default: the equivalent of USD 200")),
        OpenApiParameter("method", OpenApiTypes.STR, enum=list(ReceiveMethod.values),
                         description=_("How the money should arrive")),
    ],
    responses={200: s.PublicComparisonSerializer, 400: ERRORS},
)
class PublicCompareView(APIView):
    # Not user-scoped, and not under RolePermission: providers' prices, the reference rates
    # and the indicator are published for migrant workers, who have no login, and nothing
    # here depends on who asks. Only public rows are read (offers of active providers,
    # corridors, rates: the same as the public page), through services.comparison. No
    # authentication runs at all (a stale session cookie must not turn a lookup into a
    # CSRF or login error); reads only (PublicReadOnly); throttled per address.

    public_data = True
    authentication_classes: list = []
    permission_classes = [PublicReadOnly]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_lookup"

    def get(self, request):
        query = s.CompareQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        corridors = list(selectors.corridor_list())
        code = query.validated_data["corridor"].strip().upper()
        corridor = next((c for c in corridors if c.country.code == code), None)
        if corridor is None:
            raise ValidationError({"corridor": _("We have no information on sending money from “%(code)s”.") % {"code": code}})
        result = services.comparison(corridors=corridors, corridor=corridor, amount=query.validated_data.get("amount"),
                                     method=query.validated_data.get("method") or "")
        data = {
            "on": result.on,
            "corridor": corridor.country.code,
            "currency": corridor.currency,
            "amount": result.amount,
            "benchmark_amount": result.benchmark_amount,
            "offers": [
                {
                    "rank": i, "provider": q.offer.provider.name, "provider_kind": q.offer.provider.kind, "fee": q.fee,
                    "fx_margin_percent": q.offer.fx_margin_percent, "cost_percent": q.cost_percent, "received": q.received,
                    "receive_currency": q.offer.receive_currency, "received_usd": q.received_usd, "speed": q.offer.speed,
                    "receive_methods": q.offer.valid_methods(), "observed_on": q.offer.observed_on,
                }
                for i, q in enumerate(result.quotes, start=1)
            ],
            "corridor_average": result.corridor_cost.average if result.corridor_cost else None,
            "national_indicator": result.national,
            "target": result.target,
        }
        return Response(s.PublicComparisonSerializer(data).data)
