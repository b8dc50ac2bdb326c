"""Admin: return and reintegration, for ministry staff (read-only views of the registers).

Returns, cases and referrals are written through the portal pages and the API, which
call workers.services; the admin shows them with the filters the ministry needs and
never edits a status. Every changelist joins what its columns read (no query per
row) and does not count big unfiltered tables (EstimatedCountPaginator).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from migration_portal.core.admin_base import EstimatedCountPaginator, PortalModelAdmin, ReadOnlyAdminMixin

from ..jobs import assessment_overdue_q, referral_overdue_q
from ..models import Referral, ReintegrationCase, ReturnRecord, WorkCertificate


def _worker(obj) -> str:
    w = obj.worker
    return f"{w.name_km} / {w.name_latin}" if w.name_km else w.name_latin


class ReturnsAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    paginator = EstimatedCountPaginator

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if isinstance(self.list_select_related, list | tuple) and self.list_select_related:
            qs = qs.select_related(*self.list_select_related)  # the change page reads the same joins
        return qs

    @admin.display(description=_("worker"), ordering="worker__name_latin")
    def worker_name(self, obj) -> str:
        return _worker(obj)


@admin.register(ReturnRecord)
class ReturnRecordAdmin(ReturnsAdmin):
    list_display = (
        "returned_on",
        "worker_name",
        "reason",
        "country",
        "checkpoint",
        "province",
        "assisting_agency",
        "needs_assistance",
    )
    list_select_related = ("worker", "country", "checkpoint", "province", "assisting_agency")
    list_filter = ("reason", "country", "province", "checkpoint", "needs_assistance")
    date_hierarchy = "returned_on"
    search_fields = ("^worker__name_latin", "worker__name_km")
    fields = (
        "worker",
        "deployment",
        "returned_on",
        "reason",
        "country",
        "checkpoint",
        "province",
        "assisting_agency",
        "documents",
        "needs_assistance",
        "registered_by",
        "created",
    )
    readonly_fields = fields


class AssessmentOverdueFilter(admin.SimpleListFilter):
    title = _("assessment overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(assessment_overdue_q())
        if self.value() == "no":
            return queryset.exclude(assessment_overdue_q())
        return queryset


@admin.register(ReintegrationCase)
class ReintegrationCaseAdmin(ReturnsAdmin):
    list_display = (
        "worker_name",
        "province",
        "status",
        "returned_on",
        "overdue",
        "assessed_on",
        "referrals_pending",
        "officer",
        "closed_on",
    )
    list_select_related = ("worker", "province", "officer", "return_record")
    list_filter = ("status", AssessmentOverdueFilter, "province")
    date_hierarchy = "created"
    search_fields = ("^worker__name_latin", "worker__name_km")
    fields = (
        "ref",
        "worker",
        "return_record",
        "province",
        "officer",
        "status",
        "needs",
        "assessment_notes",
        "assessed_on",
        "closed_on",
        "reminded_at",
        "escalated_at",
        "created",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                is_overdue=ExpressionWrapper(assessment_overdue_q(), output_field=BooleanField()),
                pending=Count("referrals", filter=Q(referrals__outcome="")),
            )
        )

    @admin.display(description=_("returned on"), ordering="return_record__returned_on")
    def returned_on(self, obj):
        return obj.return_record.returned_on

    @admin.display(description=_("assessment overdue"), boolean=True, ordering="is_overdue")
    def overdue(self, obj) -> bool:
        return obj.is_overdue

    @admin.display(description=_("referrals without outcome"), ordering="pending")
    def referrals_pending(self, obj) -> int:
        return obj.pending


class ReferralOverdueFilter(admin.SimpleListFilter):
    title = _("outcome overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes"))]

    def queryset(self, request, queryset):
        return queryset.filter(referral_overdue_q()) if self.value() == "yes" else queryset


@admin.register(Referral)
class ReferralAdmin(ReturnsAdmin):
    list_display = ("referred_on", "worker_name", "province", "kind", "partner", "outcome", "outcome_on")
    list_select_related = ("case", "case__worker", "case__province")
    list_filter = ("kind", "outcome", ReferralOverdueFilter, "case__province")
    date_hierarchy = "referred_on"
    search_fields = ("partner", "^case__worker__name_latin")
    fields = ("case", "kind", "partner", "referred_on", "outcome", "outcome_on", "outcome_note", "reminded_at", "escalated_at")
    readonly_fields = fields

    @admin.display(description=_("worker"), ordering="case__worker__name_latin")
    def worker_name(self, obj) -> str:
        return _worker(obj.case)

    @admin.display(description=_("province"), ordering="case__province__name")
    def province(self, obj):
        return obj.case.province


@admin.register(WorkCertificate)
class WorkCertificateAdmin(ReturnsAdmin):
    list_display = ("number", "worker_name", "country", "months_worked", "occupation", "issued_on", "issued_by")
    list_select_related = ("worker", "deployment", "deployment__country", "issued_by")
    list_filter = ("deployment__country",)
    date_hierarchy = "issued_on"
    search_fields = ("=number", "^worker__name_latin")
    fields = ("number", "worker", "deployment", "issued_on", "months_worked", "occupation", "issued_by", "created")
    readonly_fields = fields

    @admin.display(description=_("country"), ordering="deployment__country__name")
    def country(self, obj):
        return obj.deployment.country
