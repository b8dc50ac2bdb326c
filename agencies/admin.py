"""The ministry's main screen for agencies: licensing, the guarantee deposit, sanctions,
inspections, advertisements and monthly reports.

Every admin derives from PortalModelAdmin (rows scoped by ``visible_to``, the audit
history link, no full-table count). Status and money fields are read-only: each
transition is an action or a button leading to a small form that calls one function
of ``agencies.services`` with the officer as actor. A service's ValidationError is
shown on that form (or as a message for actions without a form), its
PermissionDenied as a message; neither is ever a 500.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from auditlog.registry import auditlog as auditlog_registry
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from migration_portal.core.admin_base import PortalModelAdmin, ReadOnlyAdminMixin
from migration_portal.core.events import events_for
from migration_portal.core.scoping import INSPECTION, Role, ScopedQuerySet, scope_for, visible

from . import services
from .admin_forms import (
    ChecklistVersionForm,
    ConfirmForm,
    DepositEntryForm,
    InspectionRecordForm,
    InspectionScheduleForm,
    LicenceChangeForm,
    NoteForm,
    ReasonForm,
    SanctionDecideForm,
    add_service_errors,
    licence_targets,
)
from .choices import AdvertisementStatus, InspectionStatus, LicenceStatus, ReportStatus, SanctionKind
from .models import (
    Advertisement,
    Agency,
    ChecklistItem,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionAction,
    InspectionResult,
    LicenceChange,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)
from .risk import risk_profile, risk_profiles

TIMELINE_LENGTH = 30


def _money(amount) -> str:
    return f"{Decimal(amount):,.2f}"


def _is_ministry(request) -> bool:
    return scope_for(request.user).role is Role.MINISTRY


# --- Shared bases ------------------------------------------------------------------------


class ScopedFieldsMixin:
    """Choices of foreign keys and many-to-many fields (and what a posted id may be)
    come from ``visible_to`` too, not from the unscoped default manager."""

    def get_field_queryset(self, db, db_field, request):
        qs = super().get_field_queryset(db, db_field, request)
        if qs is None:
            qs = db_field.remote_field.model._default_manager.using(db).all()
        if isinstance(qs, ScopedQuerySet):
            return visible(qs, request.user)
        return qs


class ScopedInlineMixin(ScopedFieldsMixin):
    """Inline rows are read through ``visible_to`` like every other admin queryset."""

    select_related: tuple[str, ...] = ()

    def get_queryset(self, request):
        qs = visible(super().get_queryset(request), request.user)
        return qs.select_related(*self.select_related) if self.select_related else qs


class ReadOnlyInline(ScopedInlineMixin, admin.TabularInline):
    """A history shown beside its record: never added to, edited or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AgenciesAdmin(ScopedFieldsMixin, PortalModelAdmin):
    """Base of this app's admins: scoped choices, service forms, actions and buttons."""

    service_form_template = "admin/agencies/service_form.html"

    def get_queryset(self, request):
        # The joins a row needs to show itself are the same on the list and on its page.
        qs = super().get_queryset(request)
        if isinstance(self.list_select_related, list | tuple) and self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        return qs

    # --- URLs of extra pages -------------------------------------------------------

    def object_urls(self) -> list[tuple[str, str, object]]:
        """(path suffix, url name suffix, view) for per-record pages of this admin."""
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

    # --- The change form's extras: buttons, a panel, the event timeline --------------

    def change_form_extras(self, request, obj) -> dict:
        return {}

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.setdefault("object_tools", [])
            if auditlog_registry.contains(self.model):
                context["audit_url"] = self.url("auditlog", obj.pk)
            context.update(self.change_form_extras(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def timeline(self, request, obj):
        return list(visible(events_for(obj), request.user)[:TIMELINE_LENGTH])

    # --- Forms that hand their data to a service ---------------------------------------

    def render_service_form(
        self,
        request,
        form,
        *,
        title,
        obj=None,
        objects=(),
        action=None,
        submit_label=None,
        intro=None,
        summary=(),
        template=None,
        cancel_url=None,
    ):
        opts = self.opts
        if cancel_url is None:
            cancel_url = self.url("change", obj.pk) if obj is not None else request.get_full_path()
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "title": title,
            "form": form,
            "original": obj,
            "objects": objects,
            "action_name": action,
            "selected_pks": [o.pk for o in objects],
            "select_across": request.POST.get("select_across") == "1",
            "submit_label": submit_label or _("Save"),
            "intro": intro,
            "summary": summary,
            "media": self.media + form.media,
            "cancel_url": cancel_url,
            "has_view_permission": self.has_view_permission(request, obj),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template or self.service_form_template, context)

    def denied(self, request, exc: PermissionDenied) -> None:
        self.message_user(request, str(exc) or _("You are not allowed to do this."), messages.ERROR)

    def form_action(
        self,
        request,
        queryset,
        *,
        form_class,
        title,
        call,
        success,
        form_kwargs=None,
        field_map=None,
        submit_label=None,
        intro=None,
    ):
        """An action with an intermediate page. The first POST (from the changelist) shows
        the form; its submission runs ``call(obj, form)`` for every selected record in
        one transaction, so a decision lands for all of them or for none, and the first
        failure is shown on the form, named by its record."""
        objects = list(queryset)
        form_kwargs = form_kwargs or {}
        action = request.POST.get("action")
        if "apply" in request.POST:
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                current = None
                try:
                    with transaction.atomic():
                        for obj in objects:
                            current = obj
                            call(obj, form)
                except ValidationError as exc:
                    add_service_errors(form, exc, field_map=field_map, prefix=str(current) if len(objects) > 1 else "")
                except PermissionDenied as exc:
                    self.denied(request, exc)
                    return None
                else:
                    self.message_user(request, success % {"count": len(objects)}, messages.SUCCESS)
                    return None
        else:
            form = form_class(**form_kwargs)
        return self.render_service_form(
            request, form, title=title, objects=objects, action=action, submit_label=submit_label, intro=intro
        )

    def each_action(self, request, queryset, *, call, success) -> None:
        """An action without a form: each record on its own, with a message for each failure."""
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

    def object_form_view(
        self,
        request,
        object_id,
        *,
        form_class,
        title,
        call,
        success,
        allowed=None,
        form_kwargs=None,
        field_map=None,
        submit_label=None,
        intro=None,
        summary=(),
        template=None,
    ):
        """A button's page for one record: the form, then ``call(obj, form)``, then back to the record."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("No such record, or not one you may see."))
        if allowed is not None and not allowed(request, obj):
            raise PermissionDenied
        kwargs = form_kwargs(obj) if callable(form_kwargs) else (form_kwargs or {})
        change_url = self.url("change", obj.pk)
        if request.method == "POST":
            form = form_class(request.POST, **kwargs)
            if form.is_valid():
                try:
                    call(obj, form)
                except ValidationError as exc:
                    add_service_errors(form, exc, field_map=field_map)
                except PermissionDenied as exc:
                    self.denied(request, exc)
                    return HttpResponseRedirect(change_url)
                else:
                    if success:
                        self.message_user(request, success, messages.SUCCESS)
                    return HttpResponseRedirect(change_url)
        else:
            form = form_class(**kwargs)
        return self.render_service_form(
            request,
            form,
            title=title,
            obj=obj,
            submit_label=submit_label,
            intro=intro,
            summary=summary(obj) if callable(summary) else summary,
            template=template,
        )

    def service_add_view(self, request, *, form_class, title, call, success, form_kwargs, field_map=None, intro=None):
        """The add page of a record only a service may create: the form, then the service,
        then the new record's page."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = form_class(request.POST, **form_kwargs)
            if form.is_valid():
                try:
                    created = call(form)
                except ValidationError as exc:
                    add_service_errors(form, exc, field_map=field_map)
                except PermissionDenied as exc:
                    self.denied(request, exc)
                    return HttpResponseRedirect(self.url("changelist"))
                else:
                    self.message_user(request, success % {"obj": created}, messages.SUCCESS)
                    return HttpResponseRedirect(self.url("change", created.pk))
        else:
            form = form_class(**form_kwargs)
        return self.render_service_form(
            request, form, title=title, intro=intro, cancel_url=self.url("changelist"), submit_label=_("Save")
        )

    def initial_agency(self, request):
        """The agency named in ``?agency=`` (from a button on the agency's page), if visible."""
        pk = request.GET.get("agency")
        if pk and pk.isdigit():
            return visible(Agency, request.user).filter(pk=pk).first()
        return None


# --- Agencies --------------------------------------------------------------------------


class DepositShortFilter(admin.SimpleListFilter):
    """Agencies whose guarantee deposit is below what Prakas 047 requires."""

    title = _("guarantee deposit")
    parameter_name = "deposit"

    def lookups(self, request, model_admin):
        return (("short", _("Short of the required amount")), ("full", _("Held in full")))

    def queryset(self, request, queryset):
        if self.value() not in ("short", "full"):
            return queryset
        if "deposit_balance" not in queryset.query.annotations:
            queryset = queryset.with_deposit_balance()
        required = services.deposit_required()
        if self.value() == "short":
            return queryset.filter(deposit_balance__lt=required)
        return queryset.filter(deposit_balance__gte=required)


class LicenceExpiringFilter(admin.SimpleListFilter):
    """Active licences ending within the warning period (the same 60 days the expiry job warns about)."""

    title = _("licence end")
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        days = settings.PORTAL["LICENCE_EXPIRY_WARNING_DAYS"]
        return (
            ("soon", _("Expiring within %(days)d days") % {"days": days}),
            ("passed", _("End date passed, still active")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        active = queryset.filter(licence_status=LicenceStatus.ACTIVE)
        if self.value() == "soon":
            until = today + timedelta(days=settings.PORTAL["LICENCE_EXPIRY_WARNING_DAYS"])
            return active.filter(licence_expires__gte=today, licence_expires__lte=until)
        if self.value() == "passed":
            return active.filter(licence_expires__lt=today)
        return queryset


class AgencyChangeList(ChangeList):
    """Computes the risk profiles of the page's rows in one go, after the page is read.

    ``risk_profiles`` costs one query per signal for any number of agencies, so the
    risk column adds the same few queries whether the page shows 3 rows or 50.
    """

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # evaluates the page once; the template reuses these rows
        profiles = risk_profiles([row.pk for row in rows], timezone.localdate())
        for row in rows:
            row.risk_profile = profiles.get(row.pk)


class RepresentativeInline(ScopedInlineMixin, admin.TabularInline):
    model = Representative
    extra = 0
    fields = ("country", "name", "phone", "email", "since", "until")
    select_related = ("country",)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "country":
            # Read the countries once for all rows, not once per row's select. (iter():
            # list() would ask the iterator's length first, a COUNT query.)
            field.choices = list(iter(field.choices))
        return field


class DepositEntryInline(ReadOnlyInline):
    model = DepositEntry
    fields = ("entry_date", "kind", "amount", "currency", "reference", "reason", "recorded_by")
    select_related = ("recorded_by",)


class LicenceChangeInline(ReadOnlyInline):
    model = LicenceChange
    fields = ("created", "from_status", "to_status", "effective_date", "reason", "reference", "actor")
    select_related = ("actor",)

    def has_view_permission(self, request, obj=None) -> bool:
        # The licence's history is part of the agency's record: whoever may see the
        # agency may see it (roles.py grants no separate view_licencechange yet).
        return super().has_view_permission(request, obj) or request.user.has_perm("agencies.view_agency")


class SanctionInline(ReadOnlyInline):
    model = Sanction
    fields = ("decided_on", "kind", "reference", "effective_until", "lifted_on", "reason")
    show_change_link = True


class InspectionInline(ReadOnlyInline):
    model = Inspection
    fields = ("scheduled_for", "status", "reason", "conducted_on", "score", "grade")
    select_related = ("agency",)  # each row's change link is labelled with str(inspection)
    show_change_link = True


@admin.register(Agency)
class AgencyAdmin(AgenciesAdmin):
    list_display = (
        "name",
        "licence_number",
        "licence_status",
        "province",
        "licence_expires",
        "deposit",
        "last_inspection",
        "risk",
        "acra_member",
        "mac_member",
    )
    list_filter = (
        "licence_status",
        DepositShortFilter,
        LicenceExpiringFilter,
        "province",
        "acra_member",
        "mac_member",
        "authorised_countries",
    )
    list_select_related = ("province",)
    search_fields = ("name", "name_km", "licence_number", "registration_number")
    autocomplete_fields = ("province",)
    filter_horizontal = ("authorised_countries",)
    readonly_fields = ("licence_status", "licence_number", "licence_issued", "licence_expires", "deposit_summary")
    fieldsets = (
        (None, {"fields": ("name", "name_km", "registration_number", "province", "director_name")}),
        (_("Contact"), {"fields": ("address", "phone", "email")}),
        (
            _("Licence"),
            {
                "fields": ("licence_status", "licence_number", "licence_issued", "licence_expires", "authorised_countries"),
                "description": _("The licence changes only through “Change licence” or a sanction, with a reason."),
            },
        ),
        (_("Associations"), {"fields": ("acra_member", "mac_member", "code_of_conduct_signed")}),
        (_("Guarantee deposit"), {"fields": ("deposit_summary",)}),
    )
    inlines = (RepresentativeInline, LicenceChangeInline, DepositEntryInline, SanctionInline, InspectionInline)
    actions = ("record_sanction", "schedule_inspection")

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    def get_changelist(self, request, **kwargs):
        return AgencyChangeList

    def has_delete_permission(self, request, obj=None) -> bool:
        # A licensed agency is closed or cancelled, never deleted: its history is evidence.
        return False

    # --- Columns (annotations from for_list and the page's risk profiles; no queries) ---

    @admin.display(description=_("deposit (USD)"), ordering="deposit_balance")
    def deposit(self, obj):
        balance = obj.deposit_balance
        if balance < services.deposit_required():
            return format_html('{} <strong class="deposit-short">{}</strong>', _money(balance), _("short"))
        return _money(balance)

    @admin.display(description=_("last inspection"), ordering="last_inspection_on")
    def last_inspection(self, obj):
        if obj.last_inspection_on is None:
            return "—"
        return f"{obj.last_inspection_grade} ({obj.last_inspection_on:%Y-%m-%d})"

    @admin.display(description=_("risk"))
    def risk(self, obj):
        profile = getattr(obj, "risk_profile", None)
        if profile is None:
            return "—"
        return format_html(
            '<span class="risk risk-{}" title="{}">{} ({})</span>',
            profile.level,
            "; ".join(reason for _points, reason in profile.reasons),
            _risk_label(profile.level),
            profile.score,
        )

    @admin.display(description=_("balance"))
    def deposit_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        balance = getattr(obj, "deposit_balance", None)
        if balance is None:
            balance = services.deposit_balance(obj)
        required = services.deposit_required()
        if balance < required:
            return format_html(
                '<strong class="deposit-short">{}</strong>',
                _("USD %(balance)s: short of the required %(required)s")
                % {"balance": _money(balance), "required": _money(required)},
            )
        return _("USD %(balance)s (required %(required)s)") % {"balance": _money(balance), "required": _money(required)}

    # --- The change page: buttons, risk and deposit panel, timeline --------------------

    def change_form_extras(self, request, obj) -> dict:
        user = request.user
        tools = []
        if user.has_perm("agencies.change_licence") and licence_targets(obj.licence_status):
            tools.append({"url": self.url("licence", obj.pk), "label": _("Change licence")})
        if user.has_perm("agencies.add_depositentry"):
            tools.append({"url": self.url("deposit", obj.pk), "label": _("Record deposit entry")})
        if user.has_perm("agencies.add_sanction") and user.has_perm("agencies.decide_sanction"):
            url = reverse("admin:agencies_sanction_add", current_app=self.admin_site.name)
            tools.append({"url": f"{url}?agency={obj.pk}", "label": _("Record a sanction or reward")})
        if user.has_perm("agencies.add_inspection"):
            url = reverse("admin:agencies_inspection_add", current_app=self.admin_site.name)
            tools.append({"url": f"{url}?agency={obj.pk}", "label": _("Schedule an inspection")})
        balance = getattr(obj, "deposit_balance", None)
        if balance is None:
            balance = services.deposit_balance(obj)
        required = services.deposit_required()
        return {
            "object_tools": tools,
            "panel_template": "admin/agencies/agency/panel.html",
            "risk": risk_profile(obj, timezone.localdate()) if _is_ministry(request) else None,
            "deposit_balance": balance,
            "deposit_required": required,
            "deposit_short": balance < required,
            "events": self.timeline(request, obj),
        }

    def object_urls(self):
        return [("licence", "licence", self.licence_view), ("deposit", "deposit", self.deposit_view)]

    def licence_view(self, request, object_id):
        def call(agency, form):
            data = form.cleaned_data
            try:
                services.agency_change_licence(
                    agency=agency,
                    to_status=data["to_status"],
                    actor=request.user,
                    reason=data["reason"],
                    reference=data["reference"],
                    effective_date=data["effective_date"],
                    licence_number=data["licence_number"],
                    expires=data["expires"],
                )
            except IntegrityError:  # another agency took the number a moment ago
                raise ValidationError({"licence_number": _("Another agency holds this licence number.")})

        return self.object_form_view(
            request,
            object_id,
            form_class=LicenceChangeForm,
            title=_("Change licence"),
            call=call,
            allowed=lambda request, obj: request.user.has_perm("agencies.change_licence"),
            form_kwargs=lambda obj: {"agency": obj},
            field_map={"licence_status": "to_status"},
            success=_("The licence was changed."),
            submit_label=_("Change licence"),
            intro=_("Suspension and cancellation are decisions recorded as sanctions; a suspension is lifted from the sanction."),
            summary=lambda obj: [
                (_("Current state"), obj.get_licence_status_display()),
                (_("Licence number"), obj.licence_number or "—"),
                (_("Expires"), obj.licence_expires or "—"),
            ],
        )

    def deposit_view(self, request, object_id):
        def call(agency, form):
            services.deposit_record(agency=agency, actor=request.user, **form.cleaned_data)

        def summary(obj):
            required = services.deposit_required()
            return [
                (_("Balance"), f"USD {_money(obj.deposit_balance)}"),
                (_("Required"), f"USD {_money(required)}"),
                (_("Short"), _("yes") if obj.deposit_balance < required else _("no")),
            ]

        return self.object_form_view(
            request,
            object_id,
            form_class=DepositEntryForm,
            title=_("Record deposit entry"),
            call=call,
            allowed=lambda request, obj: request.user.has_perm("agencies.add_depositentry"),
            success=_("The deposit entry was recorded."),
            submit_label=_("Record entry"),
            summary=summary,
        )

    # --- Actions ---------------------------------------------------------------------------

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("agencies.decide_sanction")

    def has_schedule_permission(self, request) -> bool:
        return request.user.has_perm("agencies.add_inspection")

    @admin.action(description=_("Record a sanction or reward"), permissions=["decide"])
    def record_sanction(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=SanctionDecideForm,
            title=_("Record a sanction or reward"),
            call=lambda agency, form: services.sanction_decide(agency=agency, actor=request.user, **form.cleaned_data),
            success=ngettext_lazy(
                "Decision recorded for %(count)d agency.", "Decision recorded for %(count)d agencies.", "count"
            ),
            submit_label=_("Record decision"),
            intro=_("The same decision is recorded for every agency below, all together or not at all."),
        )

    @admin.action(description=_("Schedule an inspection"), permissions=["schedule"])
    def schedule_inspection(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=InspectionScheduleForm,
            title=_("Schedule an inspection"),
            form_kwargs={"inspectors": _inspectors(request)},
            call=lambda agency, form: services.inspection_schedule(agency=agency, actor=request.user, **form.cleaned_data),
            success=ngettext_lazy(
                "Inspection planned for %(count)d agency.", "Inspection planned for %(count)d agencies.", "count"
            ),
            submit_label=_("Schedule"),
        )


def _risk_label(level: str) -> str:
    return {"high": _("high"), "medium": _("medium"), "low": _("low")}.get(level, level)


def _inspectors(request):
    """Who may be sent to inspect: active members of the inspectors' group."""
    return (
        visible(get_user_model(), request.user)
        .filter(is_active=True, groups__name=INSPECTION)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


@admin.register(Representative)
class RepresentativeAdmin(AgenciesAdmin):
    list_display = ("name", "agency", "country", "since", "until")
    list_filter = ("country",)
    list_select_related = ("agency", "country")
    search_fields = ("name", "agency__name", "email")
    autocomplete_fields = ("agency", "country")


@admin.register(LicenceChange)
class LicenceChangeAdmin(ReadOnlyAdminMixin, AgenciesAdmin):
    list_display = ("created", "agency", "from_status", "to_status", "effective_date", "reference", "actor")
    list_filter = ("to_status", "from_status")
    list_select_related = ("agency", "actor")
    search_fields = ("agency__name", "reference")
    date_hierarchy = "created"
    show_auditlog_history_link = False  # the rows are the history; they are never changed

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm("agencies.view_agency")


# --- Guarantee deposit ------------------------------------------------------------------


@admin.register(DepositEntry)
class DepositEntryAdmin(AgenciesAdmin):
    """The ledger, read-only: an entry is never edited; a mistake is corrected by another entry."""

    list_display = ("entry_date", "agency", "kind", "amount_usd", "reference", "recorded_by")
    list_filter = ("kind",)
    list_select_related = ("agency", "recorded_by")
    search_fields = ("agency__name", "reference")
    date_hierarchy = "entry_date"

    @admin.display(description=_("amount (USD)"), ordering="amount")
    def amount_usd(self, obj):
        return f"{'-' if obj.signed_amount < 0 else ''}{_money(obj.amount)}"

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return self.service_add_view(
            request,
            form_class=DepositEntryForm,
            title=_("Record deposit entry"),
            form_kwargs={
                "agencies": visible(Agency, request.user),
                "admin_site": self.admin_site,
                "initial_agency": self.initial_agency(request),
            },
            call=lambda form: services.deposit_record(actor=request.user, **form.cleaned_data),
            success=_("Recorded: %(obj)s."),
        )


# --- Sanctions and rewards -------------------------------------------------------------


@admin.register(Sanction)
class SanctionAdmin(AgenciesAdmin):
    """Decisions are recorded through sanction_decide and never edited; a suspension is lifted."""

    list_display = ("agency", "kind", "decided_on", "reference", "effective_until", "lifted_on", "decided_by")
    list_filter = ("kind", ("lifted_on", admin.EmptyFieldListFilter))
    list_select_related = ("agency", "decided_by")
    search_fields = ("agency__name", "reference")
    date_hierarchy = "decided_on"
    actions = ("lift_suspension",)

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and request.user.has_perm("agencies.decide_sanction")

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_decide_permission(self, request) -> bool:
        return request.user.has_perm("agencies.decide_sanction")

    def add_view(self, request, form_url="", extra_context=None):
        return self.service_add_view(
            request,
            form_class=SanctionDecideForm,
            title=_("Record a sanction or reward"),
            form_kwargs={
                "agencies": visible(Agency, request.user),
                "admin_site": self.admin_site,
                "initial_agency": self.initial_agency(request),
            },
            call=lambda form: services.sanction_decide(actor=request.user, **form.cleaned_data),
            success=_("Decision recorded: %(obj)s."),
            intro=_("A suspension or cancellation changes the agency's licence in the same step."),
        )

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if _lift_allowed(request, obj):
            tools.append({"url": self.url("lift", obj.pk), "label": _("Lift suspension")})
        return {"object_tools": tools}

    def object_urls(self):
        return [("lift", "lift", self.lift_view)]

    def lift_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ReasonForm,
            title=_("Lift suspension"),
            call=lambda sanction, form: services.suspension_lift(
                sanction=sanction, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            allowed=lambda request, obj: request.user.has_perm("agencies.decide_sanction"),
            success=_("The suspension was lifted; the licence is active again."),
            submit_label=_("Lift suspension"),
        )

    @admin.action(description=_("Lift suspension"), permissions=["decide"])
    def lift_suspension(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=ReasonForm,
            title=_("Lift suspension"),
            call=lambda sanction, form: services.suspension_lift(
                sanction=sanction, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            success=ngettext_lazy("%(count)d suspension lifted.", "%(count)d suspensions lifted.", "count"),
            submit_label=_("Lift suspension"),
        )


def _lift_allowed(request, sanction) -> bool:
    return (
        sanction.kind == SanctionKind.SUSPENSION
        and sanction.lifted_on is None
        and request.user.has_perm("agencies.decide_sanction")
    )


# --- Inspection checklists ----------------------------------------------------------------


def _frozen(template) -> bool:
    """Cached on the row: the permission checks ask several times per request."""
    if not hasattr(template, "_admin_frozen"):
        template._admin_frozen = services.checklist_is_frozen(template)
    return template._admin_frozen


class ChecklistItemInline(ScopedInlineMixin, admin.TabularInline):
    model = ChecklistItem
    extra = 0
    fields = ("order", "code", "section", "text", "text_km", "weight")

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and not (obj and _frozen(obj))

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj and _frozen(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj and _frozen(obj))


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(AgenciesAdmin):
    """Editable until an inspection uses the version; then it is frozen and a new version is made."""

    list_display = ("title", "version", "is_current", "item_count", "frozen")
    list_filter = ("is_current",)
    search_fields = ("title", "notes")
    inlines = (ChecklistItemInline,)
    actions = ("new_version", "make_current")

    def get_queryset(self, request):
        # The same rule as services.checklist_is_frozen, for the whole page in one query.
        used = Inspection.objects.filter(template=OuterRef("pk")).exclude(status=InspectionStatus.PLANNED)
        return super().get_queryset(request).annotate(item_count=Count("items"), is_frozen=Exists(used))

    @admin.display(description=_("items"), ordering="item_count")
    def item_count(self, obj):
        return obj.item_count

    @admin.display(description=_("frozen (used by inspections)"), boolean=True, ordering="is_frozen")
    def frozen(self, obj):
        return obj.is_frozen

    def get_changeform_initial_data(self, request):
        last = ChecklistTemplate.objects.order_by("-version").values_list("version", flat=True).first()
        return {"version": (last or 0) + 1, **super().get_changeform_initial_data(request)}

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("is_current",)
        if _frozen(obj):
            return ("version", "title", "notes", "is_current")
        return ("version", "is_current")

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and _frozen(obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_version_permission(self, request) -> bool:
        return request.user.has_perm("agencies.add_checklisttemplate")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("agencies.change_checklisttemplate")

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if self.has_version_permission(request):
            tools.append({"url": self.url("new_version", obj.pk), "label": _("Create a new version")})
        if self.has_publish_permission(request) and not obj.is_current:
            tools.append({"url": self.url("make_current", obj.pk), "label": _("Make current")})
        notice = (
            _("Inspections have used this version, so it is frozen. Create a new version to change the standards.")
            if _frozen(obj)
            else None
        )
        return {"object_tools": tools, "notice": notice}

    def object_urls(self):
        return [("new-version", "new_version", self.new_version_view), ("make-current", "make_current", self.make_current_view)]

    def _new_version(self, request, template, form):
        new = services.checklist_new_version(template=template, actor=request.user, notes=form.cleaned_data["notes"])
        self.message_user(
            request,
            format_html(_('Version {} created: <a href="{}">edit it</a>.'), new.version, self.url("change", new.pk)),
            messages.SUCCESS,
        )
        return new

    def new_version_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ChecklistVersionForm,
            title=_("Create a new version"),
            call=lambda template, form: self._new_version(request, template, form),
            allowed=lambda request, obj: self.has_version_permission(request),
            success=None,
            submit_label=_("Create version"),
            intro=_("The new version is a draft copy of this one until it is made current."),
        )

    def make_current_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title=_("Make current"),
            call=lambda template, form: services.checklist_make_current(template=template, actor=request.user),
            allowed=lambda request, obj: self.has_publish_permission(request),
            success=_("This version is now the one new inspections use."),
            submit_label=_("Make current"),
            intro=_("New inspections will be planned with this version of the checklist."),
        )

    @admin.action(description=_("Create a new version"), permissions=["version"])
    def new_version(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=ChecklistVersionForm,
            title=_("Create a new version"),
            call=lambda template, form: self._new_version(request, template, form),
            success=ngettext_lazy("%(count)d new version created.", "%(count)d new versions created.", "count"),
            submit_label=_("Create version"),
        )

    @admin.action(description=_("Make current"), permissions=["publish"])
    def make_current(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one checklist to make current."), messages.WARNING)
            return
        self.each_action(
            request,
            queryset,
            call=lambda template: services.checklist_make_current(template=template, actor=request.user),
            success=_("The checklist is now current."),
        )


@admin.register(ChecklistItem)
class ChecklistItemAdmin(AgenciesAdmin):
    list_display = ("code", "template", "section", "weight", "order")
    list_filter = ("template",)
    list_select_related = ("template",)
    search_fields = ("code", "section", "text")
    show_auditlog_history_link = False

    def has_add_permission(self, request) -> bool:
        # Items are added on their checklist's page, where a frozen version refuses them.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and not (obj is not None and _frozen(obj.template))

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and _frozen(obj.template))


# --- Inspections ---------------------------------------------------------------------------


class OverdueInspectionFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return (("yes", _("Planned date passed")),)

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue(timezone.localdate())
        return queryset


class InspectionResultInline(ReadOnlyInline):
    model = InspectionResult
    fields = ("item", "result", "note")
    select_related = ("item",)
    verbose_name_plural = _("results (recorded through “Record results”)")


class InspectionActionInline(ScopedInlineMixin, admin.TabularInline):
    model = InspectionAction
    extra = 0
    fields = ("description", "due_date", "status", "done_on")
    readonly_fields = ("status", "done_on")

    def _open(self, obj) -> bool:
        return obj is None or obj.status in (InspectionStatus.PLANNED, InspectionStatus.RECORDED)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._open(obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._open(obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._open(obj)


@admin.register(Inspection)
class InspectionAdmin(AgenciesAdmin):
    list_display = ("agency", "status", "reason", "scheduled_for", "conducted_on", "score", "grade", "overdue")
    list_filter = ("status", OverdueInspectionFilter, "reason", "grade")
    list_select_related = ("agency", "template")
    search_fields = ("agency__name", "agency__licence_number")
    date_hierarchy = "scheduled_for"
    filter_horizontal = ("inspectors",)
    fields = (
        "agency",
        "template",
        "status",
        "reason",
        "reason_detail",
        "scheduled_for",
        "inspectors",
        "conducted_on",
        "score",
        "grade",
        "findings",
        "approved_by",
        "approved_at",
        "overdue_flagged_at",
    )
    inlines = (InspectionResultInline, InspectionActionInline)
    actions = ("approve", "cancel")

    ALWAYS_READONLY = (
        "agency",
        "template",
        "status",
        "conducted_on",
        "score",
        "grade",
        "findings",
        "approved_by",
        "approved_at",
        "overdue_flagged_at",
    )

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.status == InspectionStatus.PLANNED and obj.scheduled_for < timezone.localdate()

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.status != InspectionStatus.PLANNED:
            return (*self.ALWAYS_READONLY, "reason", "reason_detail", "scheduled_for")
        return self.ALWAYS_READONLY

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "inspectors":
            kwargs["queryset"] = _inspectors(request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None) -> bool:
        closed = obj is not None and obj.status in (InspectionStatus.APPROVED, InspectionStatus.CANCELLED)
        return super().has_change_permission(request, obj) and not closed

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_approve_permission(self, request) -> bool:
        return request.user.has_perm("agencies.approve_inspection")

    def get_form(self, request, obj=None, change=False, **kwargs):
        # Only the planning fields and the inspectors are editable here (a rescheduling);
        # results, score and status change only through the services.
        form = super().get_form(request, obj, change=change, **kwargs)

        class RescheduleForm(form):
            def clean_scheduled_for(self):
                value = self.cleaned_data["scheduled_for"]
                if "scheduled_for" in self.changed_data and value < timezone.localdate():
                    raise ValidationError(_("An inspection cannot be planned in the past."))
                return value

        return RescheduleForm if "scheduled_for" in form.base_fields else form

    def add_view(self, request, form_url="", extra_context=None):
        return self.service_add_view(
            request,
            form_class=InspectionScheduleForm,
            title=_("Schedule an inspection"),
            form_kwargs={
                "agencies": visible(Agency, request.user),
                "admin_site": self.admin_site,
                "initial_agency": self.initial_agency(request),
                "inspectors": _inspectors(request),
            },
            call=lambda form: services.inspection_schedule(actor=request.user, **form.cleaned_data),
            success=_("Inspection planned: %(obj)s."),
            intro=_("The inspection uses the current checklist. An agency has at most one planned inspection."),
        )

    def change_form_extras(self, request, obj) -> dict:
        user, tools = request.user, []
        if obj.status == InspectionStatus.PLANNED and user.has_perm("agencies.change_inspection"):
            tools.append({"url": self.url("record", obj.pk), "label": _("Record results")})
        if obj.status == InspectionStatus.RECORDED and user.has_perm("agencies.approve_inspection"):
            tools.append({"url": self.url("approve", obj.pk), "label": _("Approve and publish")})
        if obj.status == InspectionStatus.PLANNED and user.has_perm("agencies.change_inspection"):
            tools.append({"url": self.url("cancel", obj.pk), "label": _("Cancel inspection")})
        return {"object_tools": tools, "events": self.timeline(request, obj)}

    def object_urls(self):
        return [
            ("record", "record", self.record_view),
            ("approve", "approve", self.approve_view),
            ("cancel", "cancel", self.cancel_view),
        ]

    def record_view(self, request, object_id):
        def allowed(request, obj):
            if not request.user.has_perm("agencies.change_inspection"):
                return False
            if obj.status != InspectionStatus.PLANNED:
                raise Http404(_("Only a planned inspection has results to record."))
            return True

        return self.object_form_view(
            request,
            object_id,
            form_class=InspectionRecordForm,
            title=_("Record results"),
            form_kwargs=lambda obj: {"inspection": obj, "items": obj.template.items.all()},
            call=lambda inspection, form: services.inspection_record(
                inspection=inspection, actor=request.user, **form.service_kwargs()
            ),
            allowed=allowed,
            success=_("Results recorded; they await approval."),
            submit_label=_("Record results"),
            template="admin/agencies/inspection/record.html",
        )

    def approve_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title=_("Approve and publish"),
            call=lambda inspection, form: services.inspection_approve(inspection=inspection, actor=request.user),
            allowed=lambda request, obj: self.has_approve_permission(request),
            success=_("The results are approved and published."),
            submit_label=_("Approve and publish"),
            intro=_("The score and grade become public in the agency ranking, and the agency is told."),
            summary=lambda obj: [(_("Score"), obj.score), (_("Grade"), obj.get_grade_display())],
        )

    def cancel_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ReasonForm,
            title=_("Cancel inspection"),
            call=lambda inspection, form: services.inspection_cancel(
                inspection=inspection, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            allowed=lambda request, obj: request.user.has_perm("agencies.change_inspection"),
            success=_("The inspection was cancelled."),
            submit_label=_("Cancel inspection"),
        )

    @admin.action(description=_("Approve and publish"), permissions=["approve"])
    def approve(self, request, queryset):
        self.each_action(
            request,
            queryset,
            call=lambda inspection: services.inspection_approve(inspection=inspection, actor=request.user),
            success=ngettext_lazy(
                "%(count)d inspection approved and published.", "%(count)d inspections approved and published.", "count"
            ),
        )

    @admin.action(description=_("Cancel"), permissions=["change"])
    def cancel(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=ReasonForm,
            title=_("Cancel inspections"),
            call=lambda inspection, form: services.inspection_cancel(
                inspection=inspection, actor=request.user, reason=form.cleaned_data["reason"]
            ),
            success=ngettext_lazy("%(count)d inspection cancelled.", "%(count)d inspections cancelled.", "count"),
            submit_label=_("Cancel inspections"),
        )


@admin.register(InspectionResult)
class InspectionResultAdmin(ReadOnlyAdminMixin, AgenciesAdmin):
    list_display = ("inspection", "item", "result")
    list_filter = ("result",)
    list_select_related = ("inspection__agency", "item")
    search_fields = ("inspection__agency__name", "item__code")


@admin.register(InspectionAction)
class InspectionActionAdmin(AgenciesAdmin):
    list_display = ("description", "agency", "due_date", "status", "done_on")
    list_filter = ("status",)
    list_select_related = ("inspection__agency",)
    search_fields = ("description", "inspection__agency__name")
    date_hierarchy = "due_date"
    raw_id_fields = ("inspection",)

    def get_readonly_fields(self, request, obj=None):
        # An action stays with the inspection that found it; its status moves with the work done.
        return ("inspection", "status", "done_on") if obj is not None else ("status", "done_on")

    @admin.display(description=_("agency"), ordering="inspection__agency__name")
    def agency(self, obj):
        return obj.inspection.agency

    def has_add_permission(self, request) -> bool:
        # Follow-up actions are written with the inspection's results.
        return False


# --- Advertisements ------------------------------------------------------------------------


@admin.register(Advertisement)
class AdvertisementAdmin(AgenciesAdmin):
    """Agencies submit in the portal; the ministry approves or refuses here (Prakas 046)."""

    list_display = ("title", "agency", "country", "positions", "status", "code", "validity")
    list_filter = ("status", "country", "sector")
    list_select_related = ("agency", "country", "sector")
    search_fields = ("title", "code", "occupation", "agency__name")
    date_hierarchy = "created"
    actions = ("approve", "refuse")

    @admin.display(description=_("positions"))
    def positions(self, obj):
        return obj.positions

    @admin.display(description=_("runs"), ordering="valid_from")
    def validity(self, obj):
        return f"{obj.valid_from:%Y-%m-%d} – {obj.valid_until:%Y-%m-%d}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("agencies.review_advertisement")

    def _review(self, request, ad, approve: bool, reason: str = ""):
        return services.advertisement_review(advertisement=ad, approve=approve, actor=request.user, reason=reason)

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if obj.status == AdvertisementStatus.SUBMITTED and self.has_review_permission(request):
            tools += [
                {"url": self.url("approve", obj.pk), "label": _("Approve")},
                {"url": self.url("refuse", obj.pk), "label": _("Refuse")},
            ]
        return {"object_tools": tools, "events": self.timeline(request, obj)}

    def object_urls(self):
        return [("approve", "approve", self.approve_view), ("refuse", "refuse", self.refuse_view)]

    def approve_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title=_("Approve advertisement"),
            call=lambda ad, form: self._review(request, ad, True),
            allowed=lambda request, obj: self.has_review_permission(request),
            success=_("Approved; the agency may run it with its approval code."),
            submit_label=_("Approve"),
        )

    def refuse_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ReasonForm,
            title=_("Refuse advertisement"),
            call=lambda ad, form: self._review(request, ad, False, form.cleaned_data["reason"]),
            allowed=lambda request, obj: self.has_review_permission(request),
            field_map={"review_reason": "reason"},
            success=_("Refused; the agency is told why."),
            submit_label=_("Refuse"),
        )

    @admin.action(description=_("Approve"), permissions=["review"])
    def approve(self, request, queryset):
        self.each_action(
            request,
            queryset,
            call=lambda ad: self._review(request, ad, True),
            success=ngettext_lazy("%(count)d advertisement approved.", "%(count)d advertisements approved.", "count"),
        )

    @admin.action(description=_("Refuse"), permissions=["review"])
    def refuse(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=ReasonForm,
            title=_("Refuse advertisements"),
            call=lambda ad, form: self._review(request, ad, False, form.cleaned_data["reason"]),
            field_map={"review_reason": "reason"},
            success=ngettext_lazy("%(count)d advertisement refused.", "%(count)d advertisements refused.", "count"),
            submit_label=_("Refuse"),
        )


# --- Monthly reports ---------------------------------------------------------------------------


class PeriodYearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("period", "year", order="DESC")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(period__year=int(self.value()))
        return queryset


class MonthlyReportLineInline(ReadOnlyInline):
    model = MonthlyReportLine
    fields = ("country", "sector", "sex", "recruited", "trained", "deployed", "returned", "abroad_end")
    select_related = ("country", "sector")


@admin.register(MonthlyReport)
class MonthlyReportAdmin(AgenciesAdmin):
    """Agencies write their reports in the portal; the ministry accepts or returns them here."""

    list_display = (
        "agency",
        "month",
        "status",
        "submitted_at",
        "complaints_received",
        "fees",
        "reviewed_by",
    )
    list_filter = ("status", PeriodYearFilter)
    search_fields = ("agency__name",)
    date_hierarchy = "period"
    inlines = (MonthlyReportLineInline,)
    actions = ("accept", "return_for_correction")
    readonly_fields = (
        "agency",
        "period",
        "status",
        "complaints_received",
        "fees_charged",
        "fees_currency",
        "notes",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
        "review_note",
        "version",
    )
    fields = readonly_fields

    def get_queryset(self, request):
        return super().get_queryset(request).for_list()

    @admin.display(description=_("month"), ordering="period")
    def month(self, obj):
        return f"{obj.period:%Y-%m}"

    @admin.display(description=_("fees charged (USD)"), ordering="fees_charged")
    def fees(self, obj):
        return _money(obj.fees_charged)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("agencies.review_monthlyreport")

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if obj.status == ReportStatus.SUBMITTED and self.has_review_permission(request):
            tools += [
                {"url": self.url("accept", obj.pk), "label": _("Accept")},
                {"url": self.url("return", obj.pk), "label": _("Return for correction")},
            ]
        return {"object_tools": tools, "events": self.timeline(request, obj)}

    def object_urls(self):
        return [("accept", "accept", self.accept_view), ("return", "return", self.return_view)]

    def accept_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=ConfirmForm,
            title=_("Accept report"),
            call=lambda report, form: services.report_review(report=report, accept=True, actor=request.user),
            allowed=lambda request, obj: self.has_review_permission(request),
            success=_("The report was accepted."),
            submit_label=_("Accept"),
        )

    def return_view(self, request, object_id):
        return self.object_form_view(
            request,
            object_id,
            form_class=NoteForm,
            title=_("Return for correction"),
            call=lambda report, form: services.report_review(
                report=report, accept=False, actor=request.user, note=form.cleaned_data["note"]
            ),
            allowed=lambda request, obj: self.has_review_permission(request),
            field_map={"review_note": "note"},
            success=_("The report was returned; the agency is told what to correct."),
            submit_label=_("Return for correction"),
        )

    @admin.action(description=_("Accept"), permissions=["review"])
    def accept(self, request, queryset):
        self.each_action(
            request,
            queryset,
            call=lambda report: services.report_review(report=report, accept=True, actor=request.user),
            success=ngettext_lazy("%(count)d report accepted.", "%(count)d reports accepted.", "count"),
        )

    @admin.action(description=_("Return for correction"), permissions=["review"])
    def return_for_correction(self, request, queryset):
        return self.form_action(
            request,
            queryset,
            form_class=NoteForm,
            title=_("Return for correction"),
            call=lambda report, form: services.report_review(
                report=report, accept=False, actor=request.user, note=form.cleaned_data["note"]
            ),
            field_map={"review_note": "note"},
            success=ngettext_lazy(
                "%(count)d report returned for correction.", "%(count)d reports returned for correction.", "count"
            ),
            submit_label=_("Return for correction"),
        )


@admin.register(MonthlyReportLine)
class MonthlyReportLineAdmin(ReadOnlyAdminMixin, AgenciesAdmin):
    list_display = ("report", "country", "sector", "sex", "recruited", "deployed", "returned", "abroad_end")
    list_filter = ("sex", "country", "sector")
    list_select_related = ("report__agency", "country", "sector")
    search_fields = ("report__agency__name",)
