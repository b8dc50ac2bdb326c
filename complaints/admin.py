"""The ministry's screens for complaints: the case register, deposit drawdowns to decide,
the time limits per stage, and the agency responses and legal-aid referrals (read only).

Every admin derives from PortalModelAdmin (rows through ``visible_to``: a restricted
case appears only to its handlers; the audit history link; no full-table count). The
stage, money and decisions are never edited in a form: each step is an action or a
button leading to a small form that calls one function of ``complaints.services`` with
the officer as actor. A service's ValidationError is shown on that form (or as a
message for actions without a form), its PermissionDenied as a message; never a 500.
Cases are handled in the portal's case page; the admin links to it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Case, Exists, OuterRef, Value, When
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from migration_portal.core.admin_base import PortalModelAdmin, ReadOnlyAdminMixin
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import visible

from . import selectors, services
from .choices import DrawdownStatus, Ground, Stage
from .filters import overdue_q
from .forms import ConfirmForm, DecisionNoteForm, ReasonForm, RejectNoteForm, add_service_errors
from .models import (
    AgencyResponse,
    Complaint,
    ComplaintGround,
    ConciliationMeeting,
    DrawdownProposal,
    LegalAidReferral,
    Payment,
    Respondent,
    Settlement,
    StageTimeLimit,
)


def _limits(request) -> dict[str, int]:
    """The stage limits, read once per request (the changelist asks for its queryset several times)."""
    if not hasattr(request, "_complaint_stage_limits"):
        request._complaint_stage_limits = selectors.stage_limits()
    return request._complaint_stage_limits


# --- Bases ----------------------------------------------------------------------------------------


class ReadOnlyInline(admin.TabularInline):
    """A part of the case shown beside it, read through the user's scope; never edited here."""

    extra = 0
    can_delete = False
    select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        qs = visible(super().get_queryset(request), request.user)
        return qs.select_related(*self.select_related) if self.select_related else qs

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RestrictedReadLogMixin:
    """A change form that shows a restricted case's content writes one access-log entry."""

    def complaint_of(self, obj):
        return obj.complaint

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            services.complaint_record_read(complaint=self.complaint_of(obj), actor=request.user, channel=AccessChannel.ADMIN,
                                           what=f"admin {self.opts.model_name}")
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)


class ComplaintsAdmin(PortalModelAdmin):
    """Service forms for actions (an intermediate page) and buttons (a page per record)."""

    service_form_template = "complaints/admin/service_form.html"

    def object_urls(self) -> list[tuple[str, str, object]]:
        return []

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        extra = [
            path(f"<path:object_id>/{suffix}/", self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name))
            for suffix, name, view in self.object_urls()
        ]
        return extra + super().get_urls()

    def url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args, current_app=self.admin_site.name)

    def render_service_form(self, request, form, *, title, obj=None, objects=(), action=None, submit_label=None, intro=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "original": obj,
            "objects": objects,
            "action_name": action,
            "selected_pks": [o.pk for o in objects],
            "select_across": request.POST.get("select_across") == "1",
            "submit_label": submit_label or _("Save"),
            "intro": intro,
            "cancel_url": self.url("change", obj.pk) if obj is not None else request.get_full_path(),
            "has_view_permission": self.has_view_permission(request, obj),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.service_form_template, context)

    def denied(self, request, exc: PermissionDenied) -> None:
        self.message_user(request, str(exc) or _("You are not allowed to do this."), messages.ERROR)

    def form_action(self, request, queryset, *, form_class, title, call, success, submit_label=None, intro=None):
        """An action with an intermediate page; the submission runs ``call(obj, form)`` for every
        selected record in one transaction (all or none), the first refusal shown on the form."""
        objects = list(queryset)
        if "apply" in request.POST:
            form = form_class(request.POST)
            if form.is_valid():
                current = None
                try:
                    with transaction.atomic():
                        for obj in objects:
                            current = obj
                            call(obj, form)
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error(None, f"{current}: {message}" if len(objects) > 1 else message)
                except PermissionDenied as exc:
                    self.denied(request, exc)
                    return None
                else:
                    self.message_user(request, success % {"count": len(objects)}, messages.SUCCESS)
                    return None
        else:
            form = form_class()
        return self.render_service_form(request, form, title=title, objects=objects, action=request.POST.get("action"),
                                        submit_label=submit_label, intro=intro)

    def each_action(self, request, queryset, *, call, success) -> None:
        """An action without a form: each record on its own, a message for each refusal."""
        done = 0
        for obj in queryset:
            try:
                call(obj)
            except ValidationError as exc:
                self.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
            except PermissionDenied as exc:
                self.denied(request, exc)
                return
            else:
                done += 1
        if done:
            self.message_user(request, success % {"count": done}, messages.SUCCESS)

    def object_form_view(self, request, object_id, *, form_class, title, call, success, allowed, submit_label=None, intro=None):
        """A button's page for one record: the form, then ``call(obj, form)``, then back to the record."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such record, or not one you may see."))
        if not allowed(request, obj):
            raise PermissionDenied
        change_url = self.url("change", obj.pk)
        if request.method == "POST":
            form = form_class(request.POST)
            if form.is_valid():
                try:
                    call(obj, form)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                except PermissionDenied as exc:
                    self.denied(request, exc)
                    return HttpResponseRedirect(change_url)
                else:
                    self.message_user(request, success, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            form = form_class()
        return self.render_service_form(request, form, title=title, obj=obj, submit_label=submit_label, intro=intro)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


# --- Complaints ------------------------------------------------------------------------------------


class GroundFilter(admin.SimpleListFilter):
    title = _("ground")
    parameter_name = "ground"

    def lookups(self, request, model_admin):
        return Ground.choices

    def queryset(self, request, queryset):
        if self.value() in Ground.values:
            return queryset.filter(Exists(ComplaintGround.objects.filter(complaint=OuterRef("pk"), ground=self.value())))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    """The same predicate as the portal's and the API's ``overdue`` filter."""

    title = _("past the stage's deadline")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Within the time limit"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(overdue_q(_limits(request)))
        if self.value() == "no":
            return queryset.exclude(overdue_q(_limits(request)))
        return queryset


class GroundInline(ReadOnlyInline):
    model = ComplaintGround
    fields = ("ground",)


class RespondentInline(ReadOnlyInline):
    model = Respondent
    fields = ("kind", "agency", "name", "details")
    select_related = ("agency",)


class MeetingInline(ReadOnlyInline):
    model = ConciliationMeeting
    fields = ("scheduled_for", "place", "held", "agreement_reached", "agency_response", "minutes")
    select_related = ("complaint",)  # each row's label names its case


class SettlementInline(ReadOnlyInline):
    model = Settlement
    fields = ("amount", "currency", "payer", "payer_agency", "agreed_on", "terms")
    select_related = ("payer_agency",)


@admin.register(Complaint)
class ComplaintAdmin(RestrictedReadLogMixin, ComplaintsAdmin):
    """The case register. Cases are logged and handled in the portal's pages; here the
    ministry finds them, reads them, takes one on (assign to me) or pulls one to the
    ministry (transfer), with the same services."""

    list_display = ("ref", "received_on", "stage", "current_province", "assigned_officer", "overdue", "restricted")
    list_select_related = ("current_province", "assigned_officer")
    list_filter = ("stage", GroundFilter, "current_province", "trafficking_flag", "channel", OverdueFilter)
    date_hierarchy = "received_on"
    search_fields = ("=ref",)
    ordering = ("-received_on", "-id")
    actions = ("assign_to_me", "transfer_to_ministry")
    inlines = (GroundInline, RespondentInline, MeetingInline, SettlementInline)
    change_form_template = "complaints/admin/change_form.html"
    fieldsets = (
        (None, {"fields": ("ref", "portal_link", "received_on", "stage", "stage_since", "referred_to", "resolved_on", "closed_on",
                           "current_province", "assigned_officer", "restricted", "version")}),
        (_("Complainant and worker"), {"fields": ("complainant_type", "complainant_name", "complainant_relation", "worker",
                                                  "worker_was_irregular", "country")}),
        (_("Intake"), {"fields": ("lodged_at", "lodged_province", "lodged_checkpoint", "channel", "registered_by")}),
        (_("The complaint"), {"fields": ("narrative", "amount_claimed", "claim_currency", "trafficking_flag",
                                         "trafficking_indicators", "referred_to_ncct_on")}),
        (_("Payments"), {"fields": ("payments",)}),
    )
    readonly_fields = ("ref", "portal_link", "received_on", "stage", "stage_since", "referred_to", "resolved_on", "closed_on",
                       "current_province", "assigned_officer", "restricted", "version", "complainant_type", "complainant_name",
                       "complainant_relation", "worker", "worker_was_irregular", "country", "lodged_at", "lodged_province",
                       "lodged_checkpoint", "channel", "registered_by", "narrative", "amount_claimed", "claim_currency",
                       "trafficking_flag", "trafficking_indicators", "referred_to_ncct_on", "payments")

    def get_queryset(self, request):
        overdue = Case(When(overdue_q(_limits(request)), then=Value(True)), default=Value(False), output_field=BooleanField())
        return super().get_queryset(request).select_related(*self.list_select_related).annotate(is_overdue=overdue)

    def get_object(self, request, object_id, from_field=None):
        # As ModelAdmin.get_object, with the joins the change page reads.
        queryset = self.get_queryset(request).select_related("worker", "lodged_province", "lodged_checkpoint", "country",
                                                             "registered_by")
        field = self.opts.pk if from_field is None else self.opts.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Complaint.DoesNotExist, ValidationError, ValueError):
            return None

    @admin.display(description=_("overdue"), boolean=True, ordering="is_overdue")
    def overdue(self, obj):
        return obj.is_overdue

    @admin.display(description=_("case page"))
    def portal_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("complaint-detail", kwargs={"ref": obj.ref}),
                           _("Open the case in the portal"))

    @admin.display(description=_("payments"))
    def payments(self, obj):
        # The case was read through the user's scope; its payments share it (SettlementChildQuerySet).
        rows = list(Payment.objects.filter(settlement__complaint=obj).order_by("paid_on", "id"))
        if not rows:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join(
            "", "<li>{} · {} · {}{}</li>",
            ((p.paid_on, p.amount, p.method or "—", format_html(" ({})", _("from the deposit")) if p.from_deposit_id else "")
             for p in rows)))

    def has_handle_permission(self, request) -> bool:
        return request.user.has_perm("complaints.handle_complaint")

    def has_transfer_permission(self, request) -> bool:
        return self.has_handle_permission(request) and request.user.has_perm("complaints.transfer_complaint")

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            tools = []
            if obj.stage in (Stage.RECEIVED, Stage.ASSESSMENT, Stage.SCHEDULED, Stage.HELD):
                if self.has_handle_permission(request):
                    tools.append({"url": self.url("assign_me", obj.pk), "label": _("Assign to me")})
                if self.has_transfer_permission(request) and obj.current_province_id:
                    tools.append({"url": self.url("to_ministry", obj.pk), "label": _("Transfer to the ministry")})
            context.update(object_tools=tools, audit_url=self.url("auditlog", obj.pk))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def complaint_of(self, obj):
        return obj

    def object_urls(self):
        return [("assign-me", "assign_me", self.assign_me_view), ("to-ministry", "to_ministry", self.to_ministry_view)]

    def _assign_me(self, request, complaint):
        return services.complaint_assign(complaint=complaint, officer=request.user, actor=request.user)

    def _to_ministry(self, request, complaint, reason):
        return services.complaint_transfer(complaint=complaint, to_province=None, actor=request.user, reason=reason)

    def assign_me_view(self, request, object_id):
        return self.object_form_view(
            request, object_id, form_class=ConfirmForm, title=_("Assign this case to me"),
            call=lambda c, form: self._assign_me(request, c), success=_("The case is assigned to you."),
            allowed=lambda request, obj: self.has_handle_permission(request), submit_label=_("Assign to me"),
        )

    def to_ministry_view(self, request, object_id):
        return self.object_form_view(
            request, object_id, form_class=ReasonForm, title=_("Transfer this case to the ministry"),
            call=lambda c, form: self._to_ministry(request, c, form.cleaned_data["reason"]),
            success=_("The case is transferred to the ministry."),
            allowed=lambda request, obj: self.has_transfer_permission(request), submit_label=_("Transfer"),
        )

    @admin.action(description=_("Assign to me"), permissions=["handle"])
    def assign_to_me(self, request, queryset):
        self.each_action(request, queryset, call=lambda c: self._assign_me(request, c),
                         success=_("%(count)d cases assigned to you."))

    @admin.action(description=_("Transfer to the ministry"), permissions=["transfer"])
    def transfer_to_ministry(self, request, queryset):
        return self.form_action(
            request, queryset, form_class=ReasonForm, title=_("Transfer cases to the ministry"),
            call=lambda c, form: self._to_ministry(request, c, form.cleaned_data["reason"]),
            success=_("%(count)d cases transferred to the ministry."), submit_label=_("Transfer"),
        )


# --- Deposit drawdowns ------------------------------------------------------------------------------


@admin.register(DrawdownProposal)
class DrawdownProposalAdmin(ComplaintsAdmin):
    """Drawdowns of an agency's guarantee deposit proposed by case handlers when the agency
    did not pay (policy 10.4). A director approves (both ledgers written at once) or rejects."""

    list_display = ("case", "agency", "amount", "status", "proposed_by", "created", "decided_by", "decided_at")
    list_select_related = ("settlement__complaint", "agency", "proposed_by", "decided_by")
    list_filter = ("status",)
    date_hierarchy = "created"
    search_fields = ("=settlement__complaint__ref", "agency__name")
    actions = ("approve", "reject")
    change_form_template = "complaints/admin/change_form.html"
    fields = ("case", "agency", "amount", "reason", "status", "proposed_by", "created", "decided_by", "decided_at",
              "decision_note", "deposit_entry")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    @admin.display(description=_("case"), ordering="settlement__complaint__ref")
    def case(self, obj):
        return obj.settlement.complaint.ref

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("complaints.approve_drawdown")

    def _decide(self, request, proposal, approve: bool, note: str = ""):
        return services.drawdown_decide(proposal=proposal, actor=request.user, approve=approve, note=note)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            tools = []
            if obj.status == DrawdownStatus.PROPOSED and self.has_approve_permission(request):
                tools = [{"url": self.url("approve", obj.pk), "label": _("Approve")},
                         {"url": self.url("reject", obj.pk), "label": _("Reject")}]
            context.update(object_tools=tools, audit_url=self.url("auditlog", obj.pk))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def object_urls(self):
        return [("approve", "approve", self.approve_view), ("reject", "reject", self.reject_view)]

    def approve_view(self, request, object_id):
        return self.object_form_view(
            request, object_id, form_class=DecisionNoteForm, title=_("Approve the drawdown"),
            call=lambda p, form: self._decide(request, p, True, form.cleaned_data["note"]),
            success=_("Approved: the deposit is drawn and the payment recorded in the case."),
            allowed=lambda request, obj: self.has_approve_permission(request), submit_label=_("Approve"),
            intro=_("The amount is taken from the agency's guarantee deposit and recorded as paid to the worker."),
        )

    def reject_view(self, request, object_id):
        return self.object_form_view(
            request, object_id, form_class=RejectNoteForm, title=_("Reject the drawdown"),
            call=lambda p, form: self._decide(request, p, False, form.cleaned_data["note"]),
            success=_("Rejected; the case handler sees why."),
            allowed=lambda request, obj: self.has_approve_permission(request), submit_label=_("Reject"),
        )

    @admin.action(description=_("Approve (pay from the deposit)"), permissions=["approve"])
    def approve(self, request, queryset):
        return self.form_action(
            request, queryset, form_class=DecisionNoteForm, title=_("Approve drawdowns"),
            call=lambda p, form: self._decide(request, p, True, form.cleaned_data["note"]),
            success=_("%(count)d drawdowns approved and paid."), submit_label=_("Approve"),
            intro=_("Each amount is taken from the agency's guarantee deposit and recorded as paid to the worker."),
        )

    @admin.action(description=_("Reject"), permissions=["approve"])
    def reject(self, request, queryset):
        return self.form_action(
            request, queryset, form_class=RejectNoteForm, title=_("Reject drawdowns"),
            call=lambda p, form: self._decide(request, p, False, form.cleaned_data["note"]),
            success=_("%(count)d drawdowns rejected."), submit_label=_("Reject"),
        )


# --- Time limits, responses, legal aid -----------------------------------------------------------------


@admin.register(StageTimeLimit)
class StageTimeLimitAdmin(PortalModelAdmin):
    """How long a case may stay in each stage: these drive the deadlines, the overdue
    filters and the reminders. Ministry staff set them."""

    list_display = ("stage", "days", "remind_days_before")
    list_editable = ("days", "remind_days_before")
    ordering = ("stage",)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgencyResponse)
class AgencyResponseAdmin(RestrictedReadLogMixin, ReadOnlyAdminMixin, PortalModelAdmin):
    list_display = ("complaint", "agency", "created", "submitted_by")
    list_select_related = ("complaint", "agency", "submitted_by")
    date_hierarchy = "created"
    search_fields = ("=complaint__ref", "agency__name")
    fields = ("complaint", "agency", "text", "created", "submitted_by")
    readonly_fields = fields


@admin.register(LegalAidReferral)
class LegalAidReferralAdmin(RestrictedReadLogMixin, ReadOnlyAdminMixin, PortalModelAdmin):
    list_display = ("complaint", "partner", "referred_on", "result_on")
    list_select_related = ("complaint",)
    date_hierarchy = "referred_on"
    search_fields = ("=complaint__ref", "partner")
    fields = ("complaint", "partner", "referred_on", "result", "result_on")
    readonly_fields = fields
