"""The agencies API: thin views over the scoped querysets and the services.

Every private viewset derives from ``ScopedViewSetMixin``, so its rows come
through ``visible_to(request.user)`` and a row outside the caller's scope is a
404. Each action maps to a permission (``RolePermission``); custom actions are
listed in ``action_permissions`` or refused. A write parses its input with an
input serializer, calls one service, and answers with the row re-read through
the same scoped queryset, so the response has the shape of a GET.

The public views at the end are the one exception to user scoping: the data
they show is public by law, and their querysets are restricted to public rows.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import BooleanField, Case, Count, Prefetch, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from migration_portal.core.api.permissions import PublicReadOnly
from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.scoping import Role, scope_for, visible
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country

from .. import selectors, services
from ..choices import ReportStatus
from ..filters import (
    AdvertisementFilterSet,
    AgencyFilterSet,
    DepositEntryFilterSet,
    InspectionFilterSet,
    MonthlyReportFilterSet,
    PublicLicenceFilterSet,
    SanctionFilterSet,
)
from ..models import (
    Advertisement,
    Agency,
    DepositEntry,
    Inspection,
    InspectionResult,
    MonthlyReport,
    MonthlyReportLine,
    Sanction,
)
from ..risk import risk_profile
from ..uploads import report_lines_from_file
from . import serializers as s

ERRORS = OpenApiResponse(description=_('Invalid input: {"errors": {field or row: [messages]}}'))
FORBIDDEN = OpenApiResponse(description=_("Your role may not do this."))
NOT_FOUND = OpenApiResponse(description=_("No such record among those you may see."))
WRITE_RESPONSES = {400: ERRORS, 403: FORBIDDEN, 404: NOT_FOUND}


class PortalViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    """Shared wiring: a list serializer, a detail serializer for everything else,
    input parsing, and responses re-read through the scoped queryset."""

    detail_serializer_class = None
    lookup_value_regex = r"\d+"

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
        return serializer.validated_data

    def respond(self, obj, status_code=status.HTTP_200_OK) -> Response:
        # Re-read through the scope and the query shape, so annotations are there.
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=status_code)

    def acting_agency(self, data: dict) -> Agency:
        """Whom a write is for: an agency user's own agency, or the agency ministry staff name."""
        if self.scope.role is Role.AGENCY:
            return visible(Agency.objects.all(), self.request.user).get()
        agency = data.get("agency")
        if agency is None:
            raise ValidationError({"agency": _("Say which agency this is for.")})
        return agency


# --- Agencies ---------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Agencies you may see, with deposit and last inspection")),
    retrieve=extend_schema(
        summary=_("One agency; ministry staff also get its risk profile"),
        responses=PolymorphicProxySerializer(
            component_name="AgencyDetailByRole",
            serializers=[s.AgencyDetailSerializer, s.AgencyMinistryDetailSerializer],
            resource_type_field_name=None,
        ),
    ),
)
class AgencyViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Recruitment agencies: licence, authorised destinations, guarantee deposit, last published inspection.

    An agency user sees their own agency; officers and ministry staff see the register.
    """

    queryset = Agency.objects.all()
    serializer_class = s.AgencySerializer
    detail_serializer_class = s.AgencyDetailSerializer
    filterset_class = AgencyFilterSet
    ordering_fields = ["name", "licence_number", "licence_status", "licence_expires", "deposit_balance", "last_inspection_on"]
    ordering = ["name", "id"]

    def base_queryset(self):
        required = services.deposit_required()
        return (
            Agency.objects.for_list()
            .prefetch_related("authorised_countries")
            .annotate(
                deposit_short=Case(
                    When(deposit_balance__lt=required, then=Value(True)), default=Value(False), output_field=BooleanField()
                )
            )
        )

    def get_serializer_class(self):
        if self.action == "retrieve" and self.scope.role is Role.MINISTRY:
            return s.AgencyMinistryDetailSerializer
        return super().get_serializer_class()

    def retrieve(self, request, *args, **kwargs):
        agency = self.get_object()
        if self.scope.role is Role.MINISTRY:
            agency.risk = risk_profile(agency, timezone.localdate())
        return Response(self.get_serializer(agency).data)


# --- Deposit ledger ------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Record a movement on an agency's guarantee deposit"),
        request=s.DepositEntryInputSerializer,
        responses={201: s.DepositEntrySerializer, **WRITE_RESPONSES},
    ),
)
class DepositEntryViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The guarantee deposit ledger (Prakas 047): entries are added, never edited."""

    queryset = DepositEntry.objects.all()
    serializer_class = s.DepositEntrySerializer
    filterset_class = DepositEntryFilterSet
    ordering_fields = ["entry_date", "amount", "created"]
    ordering = ["-entry_date", "-id"]

    def base_queryset(self):
        return DepositEntry.objects.select_related("agency", "recorded_by")

    def create(self, request, *args, **kwargs):
        data = self.parse(s.DepositEntryInputSerializer)
        entry = services.deposit_record(actor=request.user, **data)
        return self.respond(entry, status.HTTP_201_CREATED)


# --- Sanctions and rewards -------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Decide a sanction or reward (Prakas 251)"),
        request=s.SanctionInputSerializer,
        responses={201: s.SanctionSerializer, **WRITE_RESPONSES},
    ),
)
class SanctionViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Sanctions and rewards decided on agencies (Prakas 251). A suspension or cancellation changes the licence."""

    queryset = Sanction.objects.all()
    serializer_class = s.SanctionSerializer
    filterset_class = SanctionFilterSet
    ordering_fields = ["decided_on", "created"]
    ordering = ["-decided_on", "-id"]
    # Deciding is a director's or licensing officer's power, not a plain "add".
    action_permissions = {"create": "agencies.decide_sanction"}

    def base_queryset(self):
        return Sanction.objects.select_related("agency", "decided_by")

    def create(self, request, *args, **kwargs):
        data = self.parse(s.SanctionInputSerializer)
        sanction = services.sanction_decide(actor=request.user, **data)
        return self.respond(sanction, status.HTTP_201_CREATED)


# --- Inspections ---------------------------------------------------------------------------------


INSPECTION_DETAIL = PolymorphicProxySerializer(
    component_name="InspectionDetailByRole",
    serializers=[s.InspectionDetailSerializer, s.InspectionMinistryDetailSerializer],
    resource_type_field_name=None,
)


@extend_schema_view(
    retrieve=extend_schema(responses=INSPECTION_DETAIL),
    create=extend_schema(
        summary=_("Plan an inspection"),
        request=s.InspectionScheduleInputSerializer,
        responses={201: INSPECTION_DETAIL, **WRITE_RESPONSES},
    ),
    record=extend_schema(
        summary=_("Record the results, findings and follow-up actions"),
        request=s.InspectionRecordInputSerializer,
        responses={200: INSPECTION_DETAIL, **WRITE_RESPONSES},
    ),
    approve=extend_schema(
        summary=_("Approve and publish the results"), request=None, responses={200: INSPECTION_DETAIL, **WRITE_RESPONSES}
    ),
    cancel=extend_schema(
        summary=_("Cancel a planned inspection"),
        request=s.InspectionCancelInputSerializer,
        responses={200: INSPECTION_DETAIL, **WRITE_RESPONSES},
    ),
)
class InspectionViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Inspections of agencies against the MOLVT checklist (Prakas 250, 251): plan, record, approve, cancel.

    Agency users see only their own inspections once approved and published.
    """

    queryset = Inspection.objects.all()
    serializer_class = s.InspectionSerializer
    detail_serializer_class = s.InspectionDetailSerializer
    filterset_class = InspectionFilterSet
    ordering_fields = ["scheduled_for", "conducted_on", "score"]
    ordering = ["-scheduled_for", "-id"]
    action_permissions = {
        "record": "agencies.change_inspection",
        "approve": "agencies.approve_inspection",
        "cancel": "agencies.change_inspection",
    }

    def base_queryset(self):
        qs = Inspection.objects.select_related("agency", "template")
        if self.action == "list":
            return qs
        return qs.select_related("approved_by").prefetch_related(
            Prefetch("results", queryset=InspectionResult.objects.select_related("item")),
            "actions",
            "inspectors",
        )

    def get_serializer_class(self):
        if self.action != "list" and self.scope.role is Role.MINISTRY:
            return s.InspectionMinistryDetailSerializer
        return super().get_serializer_class()

    def create(self, request, *args, **kwargs):
        data = self.parse(s.InspectionScheduleInputSerializer)
        inspection = services.inspection_schedule(actor=request.user, **data)
        return self.respond(inspection, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        inspection = self.get_object()
        data = self.parse(s.InspectionRecordInputSerializer)
        services.inspection_record(
            inspection=inspection,
            actor=request.user,
            conducted_on=data["conducted_on"],
            results={r["item"]: r["result"] for r in data["results"]},
            notes={r["item"]: r["note"] for r in data["results"] if r["note"]},
            findings=data["findings"],
            actions=[(a["description"], a["due_date"]) for a in data["actions"]],
        )
        return self.respond(inspection)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        inspection = self.get_object()
        services.inspection_approve(inspection=inspection, actor=request.user)
        return self.respond(inspection)

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        inspection = self.get_object()
        data = self.parse(s.InspectionCancelInputSerializer)
        services.inspection_cancel(inspection=inspection, actor=request.user, reason=data["reason"])
        return self.respond(inspection)


# --- Monthly reports -------------------------------------------------------------------------------


SUMMARY_BUCKETS = {
    # period -> (month -> bucket number, the bucket numbers, label)
    "quarter": (lambda m: (m - 1) // 3 + 1, (1, 2, 3, 4), "{year}-Q{n}"),
    "half": (lambda m: 1 if m <= 6 else 2, (1, 2), "{year}-H{n}"),
    "year": (lambda m: 1, (1,), "{year}"),
}


def report_summary(*, user, period: str, year: int, agency_id: int | None = None) -> list[dict]:
    """Quarterly, half-yearly or yearly figures derived from the monthly lines (Prakas 047).

    Only submitted and accepted reports count. One aggregate query, grouped by
    month (at most twelve rows) with the figures split by sex, scoped to the
    user: an agency gets its own figures, ministry staff everyone's (or one
    agency's). Flows (recruited, trained, deployed, returned) are summed over
    the months; ``abroad_end`` is a stock, so a period takes it from its latest
    reported month, as the portal's summary page does.

    Belongs with the readers in agencies/selectors.py; kept here while that file
    has no variant taking a year and an agency.
    """
    lines = visible(MonthlyReportLine.objects.all(), user).filter(
        report__status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED), report__period__year=year
    )
    if agency_id is not None:
        lines = lines.filter(report__agency_id=agency_id)
    sums = {f"{f}_{sex}": Sum(f, filter=Q(sex=sex)) for f in MonthlyReportLine.FIGURES for sex in Sex.values}
    months = lines.order_by().values("report__period").annotate(reports=Count("report", distinct=True), **sums)

    bucket_of, numbers, label = SUMMARY_BUCKETS[period]
    by_bucket: dict[int, list[dict]] = {n: [] for n in numbers}
    for row in months:
        by_bucket[bucket_of(row["report__period"].month)].append(row)

    def figures(rows: list[dict], sexes) -> dict:
        out = {f: sum((r[f"{f}_{x}"] or 0) for r in rows for x in sexes) for f in MonthlyReportLine.FIGURES}
        latest = max(rows, key=lambda r: r["report__period"], default=None)
        out["abroad_end"] = sum((latest[f"abroad_end_{x}"] or 0) for x in sexes) if latest else None
        return out

    return [
        {
            "label": label.format(year=year, n=n),
            "number": n,
            "months_reported": len(rows),
            "reports": sum(r["reports"] for r in rows),
            "totals": figures(rows, Sex.values),
            "by_sex": {x: figures(rows, (x,)) for x in Sex.values},
        }
        for n, rows in by_bucket.items()
    ]


REPORT_DETAIL_RESPONSES = {200: s.MonthlyReportDetailSerializer, **WRITE_RESPONSES}


@extend_schema_view(
    create=extend_schema(
        summary=_("Open a draft report for a month that has ended"),
        request=s.ReportCreateInputSerializer,
        responses={201: s.MonthlyReportDetailSerializer, **WRITE_RESPONSES},
    ),
    update=extend_schema(
        summary=_("Replace the report's figures"), request=s.ReportSaveInputSerializer, responses=REPORT_DETAIL_RESPONSES
    ),
    partial_update=extend_schema(
        summary=_("Change some of the report's figures (version still required)"),
        request=s.ReportSaveInputSerializer,
        responses=REPORT_DETAIL_RESPONSES,
    ),
    submit=extend_schema(
        summary=_("Submit the report to the ministry"), request=s.ReportSubmitInputSerializer, responses=REPORT_DETAIL_RESPONSES
    ),
    accept=extend_schema(
        summary=_("Accept a submitted report"), request=s.ReportReviewInputSerializer, responses=REPORT_DETAIL_RESPONSES
    ),
    return_for_correction=extend_schema(
        summary=_("Return a submitted report for correction"),
        request=s.ReportReturnInputSerializer,
        responses=REPORT_DETAIL_RESPONSES,
    ),
    upload=extend_schema(
        summary=_("Replace the figures from a CSV or XLSX file"),
        request={"multipart/form-data": s.ReportUploadInputSerializer},
        responses=REPORT_DETAIL_RESPONSES,
    ),
    summary=extend_schema(
        summary=_("Quarterly, half-yearly or yearly totals derived from the monthly reports"),
        parameters=[s.ReportSummaryQuerySerializer],
        filters=False,
        responses={200: s.ReportSummarySerializer, 400: ERRORS, 403: FORBIDDEN},
    ),
)
class MonthlyReportViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Agencies' monthly reports (Prakas 047): draft, save figures (with the version read), submit; the ministry
    accepts or returns them. Quarterly and later figures are derived in ``summary``."""

    queryset = MonthlyReport.objects.all()
    serializer_class = s.MonthlyReportSerializer
    detail_serializer_class = s.MonthlyReportDetailSerializer
    filterset_class = MonthlyReportFilterSet
    ordering_fields = ["period", "status", "submitted_at"]
    ordering = ["-period", "agency__name", "id"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    action_permissions = {
        "submit": "agencies.submit_monthlyreport",
        "accept": "agencies.review_monthlyreport",
        "return_for_correction": "agencies.review_monthlyreport",
        "upload": "agencies.change_monthlyreport",
        "summary": "agencies.view_monthlyreport",
    }

    def base_queryset(self):
        qs = MonthlyReport.objects.for_list().annotate(
            line_count=Count("lines"), deployed_total=Coalesce(Sum("lines__deployed"), 0)
        )
        if self.action == "list":
            return qs
        return qs.prefetch_related(Prefetch("lines", queryset=MonthlyReportLine.objects.select_related("country", "sector")))

    def create(self, request, *args, **kwargs):
        data = self.parse(s.ReportCreateInputSerializer)
        report = services.report_create(agency=self.acting_agency(data), period=data["period"], actor=request.user)
        return self.respond(report, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        report = self.get_object()
        data = self.parse(s.ReportSaveInputSerializer, partial=partial)
        lines = data.get("lines")
        if lines is None:  # a PATCH without lines keeps the figures saved
            lines = [
                services.LineInput(
                    country_id=line.country_id,
                    sector_id=line.sector_id,
                    sex=line.sex,
                    **{f: getattr(line, f) for f in MonthlyReportLine.FIGURES},
                )
                for line in report.lines.all()
            ]
        services.report_save(
            report=report,
            actor=request.user,
            lines=lines,
            complaints_received=data.get("complaints_received", report.complaints_received),
            fees_charged=data.get("fees_charged", report.fees_charged),
            notes=data.get("notes", report.notes),
            version=data["version"],
        )
        return self.respond(report)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        data = self.parse(s.ReportSubmitInputSerializer)
        services.report_submit(report=report, actor=request.user, version=data.get("version"))
        return self.respond(report)

    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        report = self.get_object()
        data = self.parse(s.ReportReviewInputSerializer)
        services.report_review(report=report, accept=True, actor=request.user, note=data["review_note"])
        return self.respond(report)

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_for_correction(self, request, pk=None):
        report = self.get_object()
        data = self.parse(s.ReportReturnInputSerializer)
        services.report_review(report=report, accept=False, actor=request.user, note=data["review_note"])
        return self.respond(report)

    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def upload(self, request, pk=None):
        report = self.get_object()
        data = self.parse(s.ReportUploadInputSerializer)
        lines = report_lines_from_file(data["file"])
        services.report_save(
            report=report,
            actor=request.user,
            lines=lines,
            complaints_received=report.complaints_received,
            fees_charged=report.fees_charged,
            notes=report.notes,
            version=data["version"],
        )
        return self.respond(report)

    @action(detail=False, methods=["get"])
    def summary(self, request):
        query = s.ReportSummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        rows = report_summary(user=request.user, period=params["period"], year=params["year"], agency_id=params.get("agency"))
        body = {"period": params["period"], "year": params["year"], "agency": params.get("agency"), "rows": rows}
        return Response(s.ReportSummarySerializer(body).data)


# --- Advertisements ----------------------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary=_("Submit an advertisement for approval (Prakas 046)"),
        request=s.AdvertisementInputSerializer,
        responses={201: s.AdvertisementSerializer, **WRITE_RESPONSES},
    ),
    approve=extend_schema(
        summary=_("Approve an advertisement"), request=None, responses={200: s.AdvertisementSerializer, **WRITE_RESPONSES}
    ),
    refuse=extend_schema(
        summary=_("Refuse an advertisement, with the reason"),
        request=s.AdvertisementRefuseInputSerializer,
        responses={200: s.AdvertisementSerializer, **WRITE_RESPONSES},
    ),
)
class AdvertisementViewSet(PortalViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Recruitment advertisements, which run only once the ministry approves them (Prakas 046)."""

    queryset = Advertisement.objects.all()
    serializer_class = s.AdvertisementSerializer
    filterset_class = AdvertisementFilterSet
    ordering_fields = ["created", "valid_from", "valid_until"]
    ordering = ["-created", "-id"]
    action_permissions = {
        "create": "agencies.submit_advertisement",
        "approve": "agencies.review_advertisement",
        "refuse": "agencies.review_advertisement",
    }

    def base_queryset(self):
        return Advertisement.objects.select_related("agency", "country", "sector")

    def create(self, request, *args, **kwargs):
        data = self.parse(s.AdvertisementInputSerializer)
        agency = self.acting_agency(data)
        data.pop("agency", None)
        ad = services.advertisement_submit(agency=agency, actor=request.user, **data)
        return self.respond(ad, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        ad = self.get_object()
        services.advertisement_review(advertisement=ad, approve=True, actor=request.user)
        return self.respond(ad)

    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        ad = self.get_object()
        data = self.parse(s.AdvertisementRefuseInputSerializer)
        services.advertisement_review(advertisement=ad, approve=False, actor=request.user, reason=data["review_reason"])
        return self.respond(ad)


# --- Public ----------------------------------------------------------------------------------------------


class PublicViewMixin:
    # The public endpoints: the licence register, advertisement verification,
    # inspection rankings. Not user-scoped, and not under RolePermission, because
    # the data is public by law (Sub-decree 190's register of licensed agencies,
    # Prakas 046 approvals, policy 7.10's published rankings) and the public has
    # no login. No authentication runs at all (authentication_classes = []): a
    # stale session cookie must not turn a public lookup into a CSRF or login
    # error, and nothing here depends on who asks. Reads only (PublicReadOnly
    # refuses any other method), throttled per address. Each view's get_queryset
    # restricts itself to the public rows; a test walks the API's routes and
    # checks that every view is either scoped or marked public like this.

    public_data = True
    authentication_classes: list = []
    permission_classes = [PublicReadOnly]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "public_lookup"


def public_licences():
    """The public register (agencies that hold or held a licence; never mere applicants), public columns only."""
    return selectors.public_register(timezone.localdate()).prefetch_related(
        Prefetch("authorised_countries", queryset=Country.objects.order_by("name"))
    )


@extend_schema_view(list=extend_schema(summary=_("Check an agency's licence"), auth=[]))
class PublicLicenceViewSet(PublicViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Public licence check: is this agency licensed, and for which destinations? No login needed."""

    queryset = Agency.objects.none()  # for the schema; rows come from public_licences()
    serializer_class = s.PublicLicenceSerializer
    filterset_class = PublicLicenceFilterSet
    ordering_fields = ["name", "licence_expires"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return public_licences()


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("Verify an advertisement's approval code"),
        auth=[],
        parameters=[
            OpenApiParameter(
                "code", OpenApiTypes.STR, OpenApiParameter.PATH, description=_("e.g. AD-7KQ2M9XP (any case, prefix optional)")
            )
        ],
        responses={
            200: s.PublicAdvertisementSerializer,
            404: OpenApiResponse(description=_("No approved advertisement has this code.")),
        },
    )
)
class PublicAdvertisementViewSet(PublicViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Public verification of a recruitment advertisement's approval code. No login needed.

    Only advertisements the ministry approved have a code; one the agency withdrew
    is still found, and reported as not valid.
    """

    queryset = Advertisement.objects.none()  # for the schema; the row comes from selectors.advertisement_verify
    serializer_class = s.PublicAdvertisementSerializer
    lookup_field = "code"
    lookup_value_regex = r"[A-Za-z0-9-]{1,20}"
    filter_backends: list = []

    def get_object(self):
        check = selectors.advertisement_verify(code=self.kwargs["code"], today=timezone.localdate())
        if check is None:
            raise NotFound(
                _(
                    "No approved advertisement has the code %(code)s. Do not pay or hand over documents on the strength "
                    "of it; report it to the Ministry of Labour and Vocational Training."
                )
                % {"code": self.kwargs["code"].strip().upper()}
            )
        return check


@extend_schema_view(list=extend_schema(summary=_("Agencies ranked by their latest published inspection"), auth=[]))
class PublicRankingViewSet(PublicViewMixin, viewsets.GenericViewSet):
    """Agencies ranked by the score of their latest published inspection (policy 7.10). No login needed."""

    serializer_class = s.PublicRankingSerializer
    filter_backends: list = []

    def get_queryset(self):  # for the schema only: the ranking is a list of rows, not a queryset
        return Inspection.objects.none()

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(selectors.public_ranking())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
