"""The ministry's screens for remittances: providers, corridors, reference rates and the
offers the Statisticians maintain (with the cost of sending USD 200 on each, and an
all-or-nothing import), the remittances agencies recorded (read-only), and the
financial-literacy sessions with their attendees.

Every admin derives from PortalModelAdmin (rows scoped by ``visible_to``, the audit
history link where the model is in the change log, no full-table count).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from migration_portal.core.admin_base import EstimatedCountPaginator, PortalModelAdmin, ReadOnlyAdminMixin
from migration_portal.core.scoping import ScopedQuerySet, visible
from migration_portal.reference.choices import Sex

from . import services
from .choices import ReceiveMethod
from .forms import OfferImportForm
from .models import Corridor, ExchangeRate, LiteracyAttendance, LiteracySession, Offer, Provider, Remittance


class ScopedFieldsMixin:
    """Choices of foreign keys (and what a posted id may be) come from ``visible_to`` too."""

    def get_field_queryset(self, db, db_field, request):
        qs = super().get_field_queryset(db, db_field, request)
        if qs is None:
            qs = db_field.remote_field.model._default_manager.using(db).all()
        if isinstance(qs, ScopedQuerySet):
            return visible(qs, request.user)
        return qs


class RemittancesAdmin(ScopedFieldsMixin, PortalModelAdmin):
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if isinstance(self.list_select_related, list | tuple) and self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        return qs


# --- Providers, corridors, rates ---------------------------------------------------------------


@admin.register(Provider)
class ProviderAdmin(RemittancesAdmin):
    list_display = ("name", "kind", "licensed_by", "active", "offer_count")
    list_filter = ("kind", "active")
    search_fields = ("name",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(offer_total=Count("offers"))

    @admin.display(description=_("offers observed"), ordering="offer_total")
    def offer_count(self, obj) -> int:
        return obj.offer_total


@admin.register(Corridor)
class CorridorAdmin(RemittancesAdmin):
    list_display = ("__str__", "country", "currency")
    list_select_related = ("country",)
    search_fields = ("country__name", "country__code", "currency")
    ordering = ("country__name",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(RemittancesAdmin):
    list_display = ("currency", "on", "per_usd")
    list_filter = ("currency",)
    date_hierarchy = "on"
    search_fields = ("currency",)
    ordering = ("currency", "-on")


# --- Offers ------------------------------------------------------------------------------------


class OfferAdminForm(forms.ModelForm):
    receive_methods = forms.MultipleChoiceField(label=_("how money is received"), choices=ReceiveMethod.choices,
                                                widget=forms.CheckboxSelectMultiple)
    receive_currency = forms.ChoiceField(label=_("received in"), choices=[("USD", "USD"), ("KHR", "KHR")])

    class Meta:
        model = Offer
        fields = ("provider", "corridor", "observed_on", "fee_fixed", "fee_percent", "fx_margin_percent", "receive_currency",
                  "speed", "receive_methods", "min_amount", "max_amount", "source")


class CorridorFilter(admin.SimpleListFilter):
    """The corridors by country name, read in one query (the default filter would read each
    corridor's country on its own to print it)."""

    title = _("corridor")
    parameter_name = "corridor"

    def lookups(self, request, model_admin):
        corridors = visible(Corridor.objects.select_related("country"), request.user).order_by("country__name")
        return [(str(c.pk), c.country.localized_name) for c in corridors]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(corridor_id=int(value)) if value and value.isdigit() else queryset


class OfferChangeList(ChangeList):
    """Reads the reference rates the page's rows need in one query after the page is read,
    so the cost column adds one query whether the page shows 3 offers or 50."""

    def get_results(self, request):
        super().get_results(request)
        rows = list(self.result_list)  # evaluates the page once; the template reuses these rows
        if rows:
            rates = services.RateBook.until(max(r.observed_on for r in rows), {r.corridor.currency for r in rows})
            for row in rows:
                row.cost_200 = services.cost_of_200_from(row, rates)


@admin.register(Offer)
class OfferAdmin(RemittancesAdmin):
    form = OfferAdminForm
    list_display = ("provider", "corridor", "observed_on", "fee_fixed", "fee_percent", "fx_margin_percent", "cost_of_200",
                    "speed", "receive_currency")
    list_select_related = ("provider", "corridor__country")
    list_filter = (CorridorFilter, "provider", ("observed_on", admin.DateFieldListFilter), "speed")
    date_hierarchy = "observed_on"
    search_fields = ("provider__name", "corridor__country__name")
    autocomplete_fields = ("provider",)
    paginator = EstimatedCountPaginator
    change_list_template = "remittances/admin/offer_change_list.html"

    def get_changelist(self, request, **kwargs):
        return OfferChangeList

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "corridor":
            # Each corridor is named after its country: read them together, not one query per option.
            kwargs["queryset"] = visible(Corridor.objects.select_related("country").order_by("country__name"), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("cost of sending USD 200"))
    def cost_of_200(self, obj) -> str:
        cost = getattr(obj, "cost_200", None)
        if cost is None:
            return "—"
        flag = "" if cost < services.SDG_TARGET_PERCENT else " ▲"
        return f"{cost}%{flag}"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="{}_{}_import".format(*info)),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"can_import": request.user.has_perm("remittances.add_offer"),
                 "import_url": reverse("admin:remittances_offer_import", current_app=self.admin_site.name)}
        return super().changelist_view(request, extra_context={**(extra_context or {}), **extra})

    def import_view(self, request):
        """Upload a CSV or XLSX of offers: every row is checked first; all are saved or none,
        and on failure every row's error is listed."""
        if not request.user.has_perm("remittances.add_offer"):
            raise PermissionDenied
        errors: list[str] = []
        if request.method == "POST":
            form = OfferImportForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    result = services.offers_import(upload=form.cleaned_data["file"], actor=request.user)
                except ValidationError as exc:
                    errors = exc.messages
                except PermissionDenied as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                    return HttpResponseRedirect(reverse("admin:remittances_offer_changelist"))
                else:
                    self.message_user(request, _("Offers imported: %(created)d new, %(updated)d updated.") % result,
                                      messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:remittances_offer_changelist"))
        else:
            form = OfferImportForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import offers (CSV/XLSX)"),
            "form": form,
            "import_errors": errors,
            "columns": services.OFFER_COLUMNS,
            "has_view_permission": self.has_view_permission(request),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "remittances/admin/offer_import.html", context, status=400 if errors else 200)


# --- Remittances (read-only) -------------------------------------------------------------------


@admin.register(Remittance)
class RemittanceAdmin(ReadOnlyAdminMixin, RemittancesAdmin):
    """What agencies and surveys recorded; changed only through remittance_record."""

    list_display = ("month_label", "worker", "destination", "agency", "amount", "currency", "amount_usd", "channel", "provider",
                    "source")
    list_select_related = ("deployment__worker", "deployment__country", "deployment__agency", "provider")
    list_filter = ("channel", "source", ("deployment__country", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "month"
    paginator = EstimatedCountPaginator
    fields = ("deployment", "month", "amount", "currency", "amount_usd", "channel", "provider", "source", "recorded_by",
              "created")
    readonly_fields = fields

    @admin.display(description=_("month"), ordering="month")
    def month_label(self, obj) -> str:
        return obj.month.strftime("%Y-%m")

    @admin.display(description=_("worker"), ordering="deployment__worker__name_latin")
    def worker(self, obj) -> str:
        return obj.deployment.worker.name_latin

    @admin.display(description=_("destination"))
    def destination(self, obj) -> str:
        return str(obj.deployment.country)

    @admin.display(description=_("agency"))
    def agency(self, obj) -> str:
        return obj.deployment.agency.name if obj.deployment.agency_id else "—"


# --- Financial literacy ------------------------------------------------------------------------


class AttendeeInline(ScopedFieldsMixin, admin.TabularInline):
    """Who attended, read-only (a wrong row is deleted and added again): the workers are read
    with the rows, so the list costs one query however many attended."""

    model = LiteracyAttendance
    extra = 0
    fields = ("worker", "name", "sex", "relation")
    readonly_fields = fields
    verbose_name_plural = _("attendees")

    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user).select_related("worker")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class AttendeeAddInline(ScopedFieldsMixin, admin.TabularInline):
    """Blank rows to add attendees: a registered worker by id, or a family member by name."""

    model = LiteracyAttendance
    extra = 2
    fields = ("worker", "name", "sex", "relation")
    raw_id_fields = ("worker",)
    verbose_name = _("new attendee")
    verbose_name_plural = _("add attendees")

    def get_queryset(self, request):
        return super().get_queryset(request).none()  # the rows already there are in AttendeeInline

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LiteracySession)
class LiteracySessionAdmin(RemittancesAdmin):
    list_display = ("held_on", "place", "province", "agency", "audience", "attendees_total", "women_total")
    list_select_related = ("province", "agency")
    list_filter = ("audience", ("province", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "held_on"
    search_fields = ("place", "partner", "agency__name")
    raw_id_fields = ("agency",)
    inlines = [AttendeeInline, AttendeeAddInline]
    show_auditlog_history_link = False  # not in the field change log; its steps are events

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            attendee_count=Count("attendees"), women=Count("attendees", filter=Q(attendees__sex=Sex.FEMALE))
        )

    @admin.display(description=_("attendees"), ordering="attendee_count")
    def attendees_total(self, obj) -> int:
        return obj.attendee_count

    @admin.display(description=_("women"), ordering="women")
    def women_total(self, obj) -> int:
        return obj.women
