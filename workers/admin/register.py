"""Admin: the worker register, the ministry's main screen for workers and deployments.

Built on the agencies admin's base (``AgenciesAdmin``: rows and choices scoped by
``visible_to``, service forms, actions with an intermediate page, object buttons,
the event timeline). Nothing here writes a model directly: workers are registered
and edited through ``services.worker_register`` / ``worker_update``, deployments
move through ``services.deployment_transition``, contracts through
``contract_review`` / ``substitution_accept``, job orders through
``job_order_vet``, suspensions through ``suspension_create``. Status fields are
read-only everywhere.

Identifiers are never rendered by the admin: the worker pages show them masked,
and a "Show identifiers" button (for ``workers.view_worker_identifiers``) calls
``services.worker_identifiers``, which writes the access log.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from agencies.admin import AgenciesAdmin, ReadOnlyInline
from migration_portal.core.admin_base import EstimatedCountPaginator
from migration_portal.core.models import AccessChannel
from migration_portal.core.scoping import visible
from migration_portal.reference.models import Country, Province, Sector

from .. import services
from ..choices import DeploymentStatus, JobOrderStatus
from ..filters import looks_like_identifier, workers_by_any_identifier
from ..forms.register import DIFFERENCE_LABELS, WorkerForm
from ..models import (
    Deployment,
    Employer,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    ReportDifference,
    SendingSuspension,
    Worker,
)
from ..pii import mask

CHANGE_FORM = "admin/agencies/change_form.html"
TEXTAREA = forms.Textarea(attrs={"rows": 3, "cols": 60})


# --- Forms of the intermediate pages ------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, required=False)


class ConfirmForm(forms.Form):
    """A confirmation with nothing to type."""


class ContractRejectForm(forms.Form):
    contract = forms.ChoiceField(
        label=_("Contract"),
        choices=[("placement", _("Job-placement contract")), ("employment", _("Employment contract"))],
    )
    review_note = forms.CharField(label=_("Reason for rejecting"), widget=TEXTAREA, required=False)


class SubstitutionForm(forms.Form):
    substitution_reason = forms.CharField(
        label=_("Why the differences are acceptable"), widget=TEXTAREA, required=False,
        help_text=_("For example: the contract pays more than the job order promised."),
    )


class VettingForm(forms.Form):
    vetted_by = forms.CharField(label=_("Labour attaché"), max_length=120, required=False)
    vetted_on = forms.DateField(label=_("Vetted on"), widget=AdminDateWidget, required=False)
    vetting_note = forms.CharField(label=_("Note"), widget=TEXTAREA, required=False,
                                   help_text=_("Required when rejecting."))


class SuspensionForm(forms.Form):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none())
    sector = forms.ModelChoiceField(label=_("Sector"), queryset=Sector.objects.none(), required=False,
                                    help_text=_("Leave empty to suspend every sector."))
    starts_on = forms.DateField(label=_("From"), widget=AdminDateWidget)
    ends_on = forms.DateField(label=_("Until"), widget=AdminDateWidget, required=False,
                              help_text=_("Leave empty while in force."))
    reason = forms.CharField(label=_("Reason"), widget=TEXTAREA, required=False)
    reference = forms.CharField(label=_("Decision reference"), max_length=80, required=False)

    def __init__(self, *args, countries, sectors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].queryset = countries
        self.fields["sector"].queryset = sectors


class WorkerAdminForm(WorkerForm):
    """The portal's worker form with the admin's date widgets."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("date_of_birth", "passport_expiry"):
            self.fields[name].widget = AdminDateWidget()
        self.fields["sex"].widget = forms.Select(choices=self.fields["sex"].choices)


# --- Workers ------------------------------------------------------------------------------------


def _masked(name, label):
    @admin.display(description=label)
    def column(self, obj):
        return mask(getattr(obj, name)) or "—"

    return column


@admin.register(Worker)
class WorkerAdmin(AgenciesAdmin):
    """Read-only record pages; "Edit" and "Show identifiers" are buttons that call services."""

    list_display = (
        "name_latin", "name_km", "sex", "date_of_birth", "home_province", "registered_by_agency", "passport",
        "national_id_masked", "phone_masked", "created",
    )
    list_filter = ("sex", "home_province", "education")
    list_select_related = ("home_province", "registered_by_agency")
    # Names only: identifiers are encrypted; get_search_results finds them by their hash.
    # name_km has no case: "contains" keeps its trigram index usable (icontains would wrap it in UPPER()).
    search_fields = ("name_latin", "name_km__contains")
    search_help_text = _("A name (Latin or Khmer letters), or an exact national ID, passport or phone number.")
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    change_form_template = CHANGE_FORM
    fieldsets = (
        (None, {"fields": ("ref", "name_latin", "name_km", "sex", "date_of_birth")}),
        (_("Identifiers (masked)"), {"fields": ("national_id_masked", "passport", "passport_expiry", "phone_masked")}),
        (_("Address"), {"fields": ("home_province", "district", "commune", "village")}),
        (_("Next of kin"), {"fields": ("next_of_kin_name", "next_of_kin_relation", "next_of_kin_phone_masked")}),
        (_("Education and skills"), {"fields": ("education", "skills")}),
        (_("Registration"), {"fields": ("registered_by_agency", "registered_by", "duplicate_checked_by", "created", "updated")}),
    )
    readonly_fields = (
        "ref", "name_latin", "name_km", "sex", "date_of_birth", "national_id_masked", "passport", "passport_expiry",
        "phone_masked", "home_province", "district", "commune", "village", "next_of_kin_name", "next_of_kin_relation",
        "next_of_kin_phone_masked", "education", "skills", "registered_by_agency", "registered_by", "duplicate_checked_by",
        "created", "updated",
    )

    passport = _masked("passport_number", _("passport"))
    national_id_masked = _masked("national_id", _("national ID"))
    phone_masked = _masked("phone", _("phone"))
    next_of_kin_phone_masked = _masked("next_of_kin_phone", _("next of kin's phone"))

    def get_search_results(self, request, queryset, search_term):
        term = (search_term or "").strip()
        if term and looks_like_identifier(term):
            # An exact identifier, through the keyed hash (services.worker_lookup): never by decrypting.
            return workers_by_any_identifier(queryset, term), False
        return super().get_search_results(request, queryset, search_term)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # edits go through the "Edit" button (services.worker_update)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a person's record is history: never deleted here

    def has_edit_permission(self, request) -> bool:
        return request.user.has_perm("workers.change_worker")

    def has_identifiers_permission(self, request) -> bool:
        return request.user.has_perm("workers.view_worker_identifiers")

    def _provinces(self, request):
        return visible(Province.objects.order_by("name"), request.user)

    def add_view(self, request, form_url="", extra_context=None):
        def call(form):
            return services.worker_register(
                actor=request.user, fields=form.fields_for_service(),
                confirm_not_duplicate=form.cleaned_data.get("confirm_not_duplicate", False),
            )

        return self.service_add_view(
            request, form_class=WorkerAdminForm, title=_("Register a worker"), call=call,
            success=_("Registered: %(obj)s."), form_kwargs={"provinces": self._provinces(request)},
            intro=_("The same national ID or passport is refused. The same name and date of birth is refused unless you "
                    "tick the confirmation that it is a different person."),
        )

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if self.has_edit_permission(request):
            tools.append({"url": self.url("edit", obj.pk), "label": _("Edit")})
        if self.has_identifiers_permission(request):
            tools.append({"url": self.url("identifiers", obj.pk), "label": _("Show identifiers")})
        return {"object_tools": tools, "events": self.timeline(request, obj)}

    def object_urls(self):
        return [("edit", "edit", self.edit_view), ("identifiers", "identifiers", self.identifiers_view)]

    def edit_view(self, request, object_id):
        def initial(worker):
            plain = ("name_latin", "name_km", "sex", "date_of_birth", "passport_expiry", "district", "commune", "village",
                     "next_of_kin_name", "next_of_kin_relation", "education", "skills")
            return {"home_province": worker.home_province_id, **{f: getattr(worker, f) for f in plain}}

        return self.object_form_view(
            request, object_id, form_class=WorkerAdminForm, title=_("Edit worker"),
            call=lambda worker, form: services.worker_update(worker=worker, actor=request.user,
                                                             fields=form.fields_for_service()),
            allowed=lambda request, obj: self.has_edit_permission(request),
            form_kwargs=lambda worker: {"provinces": self._provinces(request), "worker": worker, "initial": initial(worker)},
            success=_("The record was saved."), submit_label=_("Save"),
        )

    def identifiers_view(self, request, object_id):
        """GET: a button; POST: the numbers, once, on that response (services.worker_identifiers logs the read)."""
        worker = self.get_object(request, unquote(object_id))
        if worker is None:
            raise Http404(_("No such record, or not one you may see."))
        if not self.has_identifiers_permission(request):
            raise PermissionDenied
        identifiers = None
        if request.method == "POST":
            identifiers = services.worker_identifiers(worker=worker, actor=request.user, channel=AccessChannel.ADMIN)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts, "original": worker, "title": _("Identifiers of %(name)s") % {"name": worker.display_name},
            "identifiers": identifiers, "change_url": self.url("change", worker.pk),
            "has_view_permission": True,
        }
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "workers/register/admin/identifiers.html", context)
        if identifiers is not None:
            add_never_cache_headers(response)
        return response


# --- Deployments ---------------------------------------------------------------------------------


class LegalStatusInline(ReadOnlyInline):
    model = LegalStatusRecord
    fields = ("since", "status", "note", "recorded_by", "created")
    select_related = ("recorded_by",)
    ordering = ("-since", "-id")

    def has_view_permission(self, request, obj=None) -> bool:
        return super().has_view_permission(request, obj) or request.user.has_perm("workers.view_deployment")


class PlacementContractInline(ReadOnlyInline, admin.StackedInline):
    model = PlacementContract
    fields = ("status", "signed_on", "articles_included", "articles_missing", "service_fee", "fee_currency", "reviewed_by",
              "reviewed_at", "review_note")
    # The stacked row is titled with the contract's name, which names the deployment.
    select_related = ("reviewed_by", "deployment__worker", "deployment__country")
    template = "admin/edit_inline/stacked.html"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("articles included"))
    def articles_included(self, obj):
        return ", ".join(obj.articles or []) or "—"

    @admin.display(description=_("mandatory articles missing"))
    def articles_missing(self, obj):
        return ", ".join(obj.missing_articles) or _("none")


class EmploymentContractInline(ReadOnlyInline, admin.StackedInline):
    model = EmploymentContract
    fields = ("status", "employer_name", "position", "monthly_wage", "wage_currency", "hours_per_week", "duration_months",
              "signed_on", "protections_included", "protections_missing", "differences_shown", "substitution_accepted_by",
              "substitution_reason", "reviewed_by", "reviewed_at", "review_note")
    select_related = ("reviewed_by", "substitution_accepted_by")
    template = "admin/edit_inline/stacked.html"

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    @admin.display(description=_("key protections included"))
    def protections_included(self, obj):
        return ", ".join(obj.protections or []) or "—"

    @admin.display(description=_("key protections missing"))
    def protections_missing(self, obj):
        return ", ".join(obj.missing_protections) or _("none")

    @admin.display(description=_("differences from the job order"))
    def differences_shown(self, obj):
        if not obj.differences:
            return _("none")
        return "; ".join(
            _("%(field)s: job order %(ordered)s, contract %(signed)s") % {
                "field": DIFFERENCE_LABELS.get(f, f), "ordered": pair[0], "signed": pair[1]}
            for f, pair in obj.differences.items()
        )


@admin.register(Deployment)
class DeploymentAdmin(AgenciesAdmin):
    list_display = ("worker_name", "worker_sex", "country", "sector", "agency", "channel", "status", "departed_on",
                    "contract_end", "created")
    list_select_related = ("worker", "agency", "country", "sector")
    list_filter = ("status", "channel", "country", "sector", "agency")
    search_fields = ("worker__name_latin", "worker__name_km")
    date_hierarchy = "departed_on"
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    change_form_template = CHANGE_FORM
    inlines = (PlacementContractInline, EmploymentContractInline, LegalStatusInline)
    actions = ("approve_placement_contract", "approve_employment_contract", "reject_contract", "accept_substitution",
               "cancel_deployment")
    fields = ("ref", "worker", "channel", "agency", "job_order", "employer", "country", "sector", "occupation",
              "contract_start", "contract_end", "monthly_wage", "wage_currency", "fees_paid", "fees_currency", "wages_to_bank",
              "status", "departed_on", "departure_checkpoint", "returned_on", "version", "created_by", "created")
    readonly_fields = fields

    def get_queryset(self, request):
        # The change page also names the job order (with its employer), the employer (with its
        # country) and the checkpoint: joined, not a query each.
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("_change"):
            qs = qs.select_related("job_order__employer", "employer__country", "departure_checkpoint", "created_by",
                                   "worker__home_province")
        return qs

    @admin.display(description=_("worker"), ordering="worker__name_latin")
    def worker_name(self, obj):
        w = obj.worker
        return f"{w.name_km} / {w.name_latin}" if w.name_km else w.name_latin

    @admin.display(description=_("sex"), ordering="worker__sex")
    def worker_sex(self, obj):
        return obj.worker.get_sex_display()

    def has_add_permission(self, request) -> bool:
        return False  # agencies and provinces open deployments (portal, API): services.deployment_create

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # status moves only through the actions and buttons below

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("workers.review_contract")

    def has_substitution_permission(self, request) -> bool:
        return request.user.has_perm("workers.accept_substitution")

    def has_transition_permission(self, request) -> bool:
        return request.user.has_perm("workers.transition_deployment")

    # --- What the services act on ---------------------------------------------------------------

    @staticmethod
    def _contract(deployment, kind: str):
        model = PlacementContract if kind == "placement" else EmploymentContract
        contract = model.objects.filter(deployment=deployment).first()
        if contract is None:
            label = _("job-placement contract") if kind == "placement" else _("employment contract")
            raise ValidationError(_("No %(contract)s has been submitted.") % {"contract": label})
        return contract

    def _approve(self, request, deployment, kind):
        services.contract_review(contract=self._contract(deployment, kind), approve=True, actor=request.user)

    def _reject(self, request, deployment, form):
        data = form.cleaned_data
        services.contract_review(contract=self._contract(deployment, data["contract"]), approve=False, actor=request.user,
                                 note=data["review_note"])

    def _substitute(self, request, deployment, form):
        services.substitution_accept(contract=self._contract(deployment, "employment"), actor=request.user,
                                     reason=form.cleaned_data["substitution_reason"])

    def _cancel(self, request, deployment, form):
        services.deployment_transition(deployment=deployment, to_status=DeploymentStatus.CANCELLED, actor=request.user,
                                       reason=form.cleaned_data["reason"])

    # --- Actions ------------------------------------------------------------------------------------

    @admin.action(description=_("Approve the job-placement contract"), permissions=["review"])
    def approve_placement_contract(self, request, queryset):
        self.each_action(request, queryset, call=lambda d: self._approve(request, d, "placement"),
                         success=_("%(count)d job-placement contracts approved."))

    @admin.action(description=_("Approve the employment contract"), permissions=["review"])
    def approve_employment_contract(self, request, queryset):
        self.each_action(request, queryset, call=lambda d: self._approve(request, d, "employment"),
                         success=_("%(count)d employment contracts approved."))

    @admin.action(description=_("Reject a contract (with the reason)"), permissions=["review"])
    def reject_contract(self, request, queryset):
        return self.form_action(request, queryset, form_class=ContractRejectForm, title=_("Reject a contract"),
                                call=lambda d, form: self._reject(request, d, form),
                                success=_("Contract rejected for %(count)d deployments."), submit_label=_("Reject"))

    @admin.action(description=_("Accept the employment contract's differences from the job order (with the reason)"),
                  permissions=["substitution"])
    def accept_substitution(self, request, queryset):
        return self.form_action(request, queryset, form_class=SubstitutionForm, title=_("Accept the differences"),
                                call=lambda d, form: self._substitute(request, d, form),
                                success=_("Differences accepted for %(count)d deployments."), submit_label=_("Accept"),
                                intro=_("Accepting does not approve the contract; approve it afterwards."))

    @admin.action(description=_("Cancel the deployment (with the reason)"), permissions=["transition"])
    def cancel_deployment(self, request, queryset):
        return self.form_action(request, queryset, form_class=ReasonForm, title=_("Cancel deployments"),
                                call=lambda d, form: self._cancel(request, d, form),
                                success=_("%(count)d deployments cancelled."), submit_label=_("Cancel deployments"))

    # --- The change page: the same steps as buttons -------------------------------------------------

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if self.has_review_permission(request):
            tools += [{"url": self.url("approve_placement", obj.pk), "label": _("Approve job-placement contract")},
                      {"url": self.url("approve_employment", obj.pk), "label": _("Approve employment contract")},
                      {"url": self.url("reject_contract", obj.pk), "label": _("Reject a contract")}]
        if self.has_substitution_permission(request):
            tools.append({"url": self.url("substitution", obj.pk), "label": _("Accept differences")})
        return {"object_tools": tools, "events": self.timeline(request, obj)}

    def object_urls(self):
        return [
            ("approve-placement", "approve_placement", self.approve_placement_view),
            ("approve-employment", "approve_employment", self.approve_employment_view),
            ("reject-contract", "reject_contract", self.reject_contract_view),
            ("substitution", "substitution", self.substitution_view),
        ]

    def _approve_view(self, request, object_id, kind, title):
        return self.object_form_view(
            request, object_id, form_class=ConfirmForm, title=title,
            call=lambda d, form: self._approve(request, d, kind),
            allowed=lambda request, obj: self.has_review_permission(request),
            success=_("The contract was approved."), submit_label=_("Approve"),
        )

    def approve_placement_view(self, request, object_id):
        return self._approve_view(request, object_id, "placement", _("Approve the job-placement contract"))

    def approve_employment_view(self, request, object_id):
        return self._approve_view(request, object_id, "employment", _("Approve the employment contract"))

    def reject_contract_view(self, request, object_id):
        return self.object_form_view(
            request, object_id, form_class=ContractRejectForm, title=_("Reject a contract"),
            call=lambda d, form: self._reject(request, d, form),
            allowed=lambda request, obj: self.has_review_permission(request),
            success=_("The contract was rejected."), submit_label=_("Reject"),
        )

    def substitution_view(self, request, object_id):
        return self.object_form_view(
            request, object_id, form_class=SubstitutionForm, title=_("Accept the differences from the job order"),
            call=lambda d, form: self._substitute(request, d, form),
            allowed=lambda request, obj: self.has_substitution_permission(request),
            success=_("The differences were accepted."), submit_label=_("Accept"),
        )


# --- Job orders and employers ------------------------------------------------------------------------


@admin.register(JobOrder)
class JobOrderAdmin(AgenciesAdmin):
    list_display = ("ref", "agency", "employer", "country", "sector", "occupation", "positions_male", "positions_female",
                    "valid_from", "valid_until", "status", "vetted_by")
    # The employer's name shows with its country ("Name (Thailand)"): joined too.
    list_select_related = ("agency", "employer__country", "country", "sector")
    list_filter = ("status", "country", "sector")
    search_fields = ("ref", "employer__name", "agency__name")
    date_hierarchy = "valid_from"
    change_form_template = CHANGE_FORM
    actions = ("approve_vetting", "reject_vetting")
    readonly_fields = ("ref", "agency", "employer", "country", "sector", "occupation", "positions_male", "positions_female",
                       "monthly_wage", "wage_currency", "hours_per_week", "contract_months", "valid_from", "valid_until",
                       "status", "vetted_by", "vetted_on", "vetting_note", "recorded_by", "created")
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return False  # agencies submit job orders (services.job_order_submit)

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_vet_permission(self, request) -> bool:
        return request.user.has_perm("workers.vet_joborder")

    def _vet(self, request, order, form, approve: bool):
        data = form.cleaned_data
        services.job_order_vet(job_order=order, approve=approve, vetted_by=data["vetted_by"], actor=request.user,
                               note=data["vetting_note"], vetted_on=data["vetted_on"])

    @admin.action(description=_("Approve: vetted by the labour attaché"), permissions=["vet"])
    def approve_vetting(self, request, queryset):
        return self.form_action(request, queryset, form_class=VettingForm, title=_("Approve job orders"),
                                call=lambda o, form: self._vet(request, o, form, True),
                                success=_("%(count)d job orders approved."), submit_label=_("Approve"))

    @admin.action(description=_("Reject (with the attaché's reason)"), permissions=["vet"])
    def reject_vetting(self, request, queryset):
        return self.form_action(request, queryset, form_class=VettingForm, title=_("Reject job orders"),
                                call=lambda o, form: self._vet(request, o, form, False),
                                success=_("%(count)d job orders rejected."), submit_label=_("Reject"))

    def change_form_extras(self, request, obj) -> dict:
        tools = []
        if self.has_vet_permission(request) and obj.status == JobOrderStatus.SUBMITTED:
            tools += [{"url": self.url("approve", obj.pk), "label": _("Approve")},
                      {"url": self.url("reject", obj.pk), "label": _("Reject")}]
        return {"object_tools": tools, "events": self.timeline(request, obj)}

    def object_urls(self):
        return [("approve", "approve", self.approve_view), ("reject", "reject", self.reject_view)]

    def _vet_view(self, request, object_id, approve: bool):
        return self.object_form_view(
            request, object_id, form_class=VettingForm, title=_("Approve job order") if approve else _("Reject job order"),
            call=lambda o, form: self._vet(request, o, form, approve),
            allowed=lambda request, obj: self.has_vet_permission(request),
            form_kwargs={"initial": {"vetted_on": timezone.localdate()}},
            success=_("The vetting was recorded."), submit_label=_("Approve") if approve else _("Reject"),
        )

    def approve_view(self, request, object_id):
        return self._vet_view(request, object_id, True)

    def reject_view(self, request, object_id):
        return self._vet_view(request, object_id, False)


@admin.register(Employer)
class EmployerAdmin(AgenciesAdmin):
    """Employers abroad: shared reference data, edited as plain data (change-logged)."""

    list_display = ("name", "country", "sector", "registration")
    list_select_related = ("country", "sector")
    list_filter = ("country", "sector")
    search_fields = ("name", "registration")


# --- Sending suspensions -----------------------------------------------------------------------------


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request, model_admin):
        return (("yes", _("In force today")), ("no", _("Ended or not yet started")))

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.in_force(today)
        if self.value() == "no":
            return queryset.exclude(pk__in=queryset.in_force(today).values("pk"))
        return queryset


@admin.register(SendingSuspension)
class SendingSuspensionAdmin(AgenciesAdmin):
    list_display = ("country", "sector", "starts_on", "ends_on", "in_force", "reference", "decided_by")
    list_select_related = ("country", "sector", "decided_by")
    list_filter = (InForceFilter, "country")
    date_hierarchy = "starts_on"
    change_form_template = CHANGE_FORM
    fields = ("country", "sector", "starts_on", "ends_on", "reason", "reference", "decided_by", "created")
    readonly_fields = fields

    @admin.display(description=_("in force today"), boolean=True)
    def in_force(self, obj):
        today = timezone.localdate()
        return obj.starts_on <= today and (obj.ends_on is None or obj.ends_on >= today)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a decision is recorded, not edited

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def add_view(self, request, form_url="", extra_context=None):
        return self.service_add_view(
            request, form_class=SuspensionForm, title=_("Suspend sending"),
            form_kwargs={"countries": visible(Country.objects.order_by("name"), request.user),
                         "sectors": visible(Sector.objects.order_by("name"), request.user),
                         "initial": {"starts_on": timezone.localdate()}},
            call=lambda form: services.suspension_create(actor=request.user, **form.cleaned_data),
            success=_("Suspension recorded: %(obj)s."),
            intro=_("From its first day, no worker may leave for this destination (and sector): departures are refused."),
        )

    def change_form_extras(self, request, obj) -> dict:
        return {"events": self.timeline(request, obj)}


# --- Read-only records ------------------------------------------------------------------------------


@admin.register(LegalStatusRecord)
class LegalStatusRecordAdmin(AgenciesAdmin):
    list_display = ("worker", "country", "status", "since", "recorded_by", "created")
    list_select_related = ("deployment__worker", "deployment__country", "recorded_by")
    list_filter = ("status",)
    search_fields = ("deployment__worker__name_latin", "deployment__worker__name_km")
    date_hierarchy = "since"
    show_auditlog_history_link = False

    @admin.display(description=_("worker"), ordering="deployment__worker__name_latin")
    def worker(self, obj):
        return obj.deployment.worker.name_latin

    @admin.display(description=_("country"))
    def country(self, obj):
        return obj.deployment.country

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class GapFilter(admin.SimpleListFilter):
    title = _("direction")
    parameter_name = "gap"

    def lookups(self, request, model_admin):
        return (("over", _("Reported more than the register")), ("under", _("Reported less than the register")))

    def queryset(self, request, queryset):
        if self.value() == "over":
            return queryset.filter(reported__gt=F("register"))
        if self.value() == "under":
            return queryset.filter(reported__lt=F("register"))
        return queryset


@admin.register(ReportDifference)
class ReportDifferenceAdmin(AgenciesAdmin):
    """Where an agency's monthly report and its own register records disagree: read-only."""

    list_display = ("agency", "period", "country", "sector", "sex", "figure", "reported", "register", "gap_shown",
                    "submission")
    list_select_related = ("report__agency", "country", "sector")
    list_filter = ("report__agency", "figure", GapFilter, "country")
    date_hierarchy = "report__period"
    search_fields = ("report__agency__name",)
    show_auditlog_history_link = False

    @admin.display(description=_("agency"), ordering="report__agency__name")
    def agency(self, obj):
        return obj.report.agency

    @admin.display(description=_("month"), ordering="report__period")
    def period(self, obj):
        return obj.report.period.strftime("%Y-%m")

    @admin.display(description=_("gap"))
    def gap_shown(self, obj):
        return f"{obj.gap:+d}"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

