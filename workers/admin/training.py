"""Admin: pre-departure training (Prakas 046): curricula and their versions, certified
trainers, sessions with their attendance, and certificates.

Every admin derives from PortalModelAdmin (rows through ``visible_to``, the audit
history link, no full-table count) and joins what its list shows. Sessions and
certificates are written only by ``workers.training`` (agencies run sessions in the
portal): here they are read-only, and a certificate's revocation is an action that
calls the service with the officer's reason.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from migration_portal.core.admin_base import PortalModelAdmin, ReadOnlyAdminMixin
from migration_portal.core.scoping import ScopedQuerySet, visible

from .. import training
from ..models import Attendance, Certificate, Curriculum, CurriculumModule, Trainer, TrainingSession

#: A trainer whose certification ends within this many days is "expiring" (time to renew).
EXPIRING_DAYS = 90


class ScopedChoicesMixin:
    """Foreign-key choices (and what a posted id may be) come through ``visible_to`` too."""

    def get_field_queryset(self, db, db_field, request):
        qs = super().get_field_queryset(db, db_field, request)
        if qs is None:
            qs = db_field.remote_field.model._default_manager.using(db).all()
        return visible(qs, request.user) if isinstance(qs, ScopedQuerySet) else qs


class TrainingAdmin(ScopedChoicesMixin, PortalModelAdmin):
    def get_queryset(self, request):
        # The joins a row needs to show itself are the same on the list and on its page.
        qs = super().get_queryset(request)
        if isinstance(self.list_select_related, list | tuple) and self.list_select_related:
            qs = qs.select_related(*self.list_select_related)
        return qs


# --- Curricula --------------------------------------------------------------------------------


def _curriculum_used(request, curriculum_id) -> bool:
    """Whether sessions used this version (then it is frozen); asked once per request."""
    memo = request.__dict__.setdefault("_curricula_used", {})
    if curriculum_id not in memo:
        memo[curriculum_id] = TrainingSession.objects.filter(curriculum=curriculum_id).exists()
    return memo[curriculum_id]


class CurriculumModuleInline(ScopedChoicesMixin, admin.TabularInline):
    model = CurriculumModule
    extra = 0
    fields = ("order", "title", "title_km", "hours")

    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user)

    def _editable(self, request, obj) -> bool:
        return obj is None or not _curriculum_used(request, obj.pk)

    def has_add_permission(self, request, obj=None) -> bool:
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


@admin.register(Curriculum)
class CurriculumAdmin(TrainingAdmin):
    """Versions of the national orientation. A version that sessions used is frozen (the
    certificates issued from it describe it); a change is made in a new version, which
    becomes the one agencies use when it is made current."""

    list_display = ("title", "destination", "version", "hours", "is_current", "module_count", "frozen")
    list_filter = ("is_current", ("country", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("country",)
    search_fields = ("title",)
    inlines = (CurriculumModuleInline,)
    actions = ("new_version", "make_current")

    def get_queryset(self, request):
        used = TrainingSession.objects.filter(curriculum=OuterRef("pk"))
        return super().get_queryset(request).annotate(module_count=Count("modules"), is_frozen=Exists(used))

    @admin.display(description=_("destination"), ordering="country__name")
    def destination(self, obj):
        return obj.country.localized_name if obj.country_id else _("general")

    @admin.display(description=_("modules"), ordering="module_count")
    def module_count(self, obj):
        return obj.module_count

    @admin.display(description=_("frozen (used by sessions)"), boolean=True, ordering="is_frozen")
    def frozen(self, obj):
        return obj.is_frozen

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ("is_current",)
        if _curriculum_used(request, obj.pk):
            return ("title", "country", "version", "hours", "is_current")
        return ("country", "version", "is_current")

    def get_changeform_initial_data(self, request):
        country = request.GET.get("country") or None
        last = Curriculum.objects.filter(country=country).aggregate(v=Max("version"))["v"]
        return {"version": (last or 0) + 1, "is_current": False, **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request, obj=None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and _curriculum_used(request, obj.pk))

    def has_version_permission(self, request) -> bool:
        return request.user.has_perm("workers.add_curriculum")

    def has_publish_permission(self, request) -> bool:
        return request.user.has_perm("workers.change_curriculum")

    # Versioning writes reference data only (no status, no person); it is kept here, in one
    # transaction each, until workers.training has curriculum_new_version/make_current.

    @admin.action(description=_("Create a new version (copying the modules)"), permissions=["version"])
    def new_version(self, request, queryset):
        created = []
        with transaction.atomic():
            for curriculum in queryset.order_by("pk"):
                # Lock every version of this destination before reading the highest: two officers
                # versioning at once queue here instead of colliding on (destination, version).
                versions = list(
                    Curriculum.objects.select_for_update()
                    .filter(country=curriculum.country_id)
                    .order_by("pk")
                    .values_list("version", flat=True)
                )
                last = max(versions)
                new = Curriculum.objects.create(
                    title=curriculum.title,
                    country_id=curriculum.country_id,
                    version=last + 1,
                    hours=curriculum.hours,
                    is_current=False,
                )
                CurriculumModule.objects.bulk_create(
                    CurriculumModule(curriculum=new, order=m.order, title=m.title, title_km=m.title_km, hours=m.hours)
                    for m in curriculum.modules.order_by("order", "id")
                )
                created.append(new)
        for new in created:
            url = reverse("admin:workers_curriculum_change", args=[new.pk])
            self.message_user(
                request,
                format_html(
                    _('Version {} of “{}” created as a draft: <a href="{}">edit it</a>, then make it current.'),
                    new.version,
                    new.title,
                    url,
                ),
                messages.SUCCESS,
            )

    @admin.action(description=_("Make current (the version agencies use)"), permissions=["publish"])
    def make_current(self, request, queryset):
        chosen = list(queryset)
        destinations = [c.country_id for c in chosen]
        if len(set(destinations)) != len(destinations):
            self.message_user(request, _("Choose one version per destination."), messages.ERROR)
            return
        with transaction.atomic():
            for curriculum in chosen:
                # One current version per destination (or for the general curriculum).
                Curriculum.objects.filter(country=curriculum.country_id).exclude(pk=curriculum.pk).update(is_current=False)
                Curriculum.objects.filter(pk=curriculum.pk).update(is_current=True)
        self.message_user(
            request,
            ngettext("%(n)d version is now current.", "%(n)d versions are now current.", len(chosen)) % {"n": len(chosen)},
            messages.SUCCESS,
        )


# --- Trainers ---------------------------------------------------------------------------------------


class TrainerValidityFilter(admin.SimpleListFilter):
    title = _("certification")
    parameter_name = "validity"

    def lookups(self, request, model_admin):
        return [
            ("valid", _("in force today")),
            ("expiring", _("expiring within %(days)d days") % {"days": EXPIRING_DAYS}),
            ("expired", _("expired")),
            ("future", _("not yet in force")),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        return {
            "valid": queryset.filter(certified_on__lte=today, certified_until__gte=today),
            "expiring": queryset.filter(
                certified_on__lte=today, certified_until__gte=today, certified_until__lte=today + timedelta(days=EXPIRING_DAYS)
            ),
            "expired": queryset.filter(certified_until__lt=today),
            "future": queryset.filter(certified_on__gt=today),
        }.get(self.value(), queryset)


@admin.register(Trainer)
class TrainerAdmin(TrainingAdmin):
    list_display = ("name", "name_km", "certificate_number", "agency", "certified_on", "certified_until", "validity")
    list_filter = (TrainerValidityFilter, ("agency", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("agency",)
    search_fields = ("name", "name_km", "=certificate_number")
    raw_id_fields = ("agency",)
    date_hierarchy = "certified_until"

    @admin.display(description=_("validity"), ordering="certified_until")
    def validity(self, obj):
        today = timezone.localdate()
        if obj.certified_until < today:
            return format_html('<span style="color:#b00020">{}</span>', _("expired"))
        if obj.certified_on > today:
            return _("not yet in force")
        days = (obj.certified_until - today).days
        if days <= EXPIRING_DAYS:
            return format_html(
                '<span style="color:#a15c00">{}</span>',
                ngettext("expires in %(n)d day", "expires in %(n)d days", days) % {"n": days},
            )
        return _("in force")


# --- Sessions -------------------------------------------------------------------------------------------


class AttendanceInline(admin.TabularInline):
    """Who attended: recorded by the agency through the portal, read-only here."""

    model = Attendance
    extra = 0
    can_delete = False
    fields = ("worker", "completed", "hours_attended")
    readonly_fields = fields

    def get_queryset(self, request):
        # The row's title (Attendance.__str__) names the worker and the session with its curriculum.
        return visible(super().get_queryset(request), request.user).select_related("worker", "session__curriculum")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


#: The rule session_complete applies: the trainer certified on the first and the last day.
TRAINER_COVERS = Q(trainer__certified_on__lte=F("starts_on"), trainer__certified_until__gte=F("ends_on"))


class TrainerCoversFilter(admin.SimpleListFilter):
    title = _("trainer certified on the dates")
    parameter_name = "trainer_covers"

    def lookups(self, request, model_admin):
        return [("yes", _("yes")), ("no", _("no: certificates not valid"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(TRAINER_COVERS)
        if self.value() == "no":
            return queryset.exclude(TRAINER_COVERS)
        return queryset


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdminMixin, TrainingAdmin):
    """Sessions are opened and completed by agencies through workers.training; the
    Ministry monitors them here (policy 7.1: delivery and quality)."""

    list_display = (
        "starts_on",
        "ends_on",
        "curriculum",
        "agency",
        "trainer",
        "trainer_certified",
        "province",
        "place",
        "completed",
        "enrolled",
        "certificates_issued",
    )
    list_filter = (
        "completed",
        TrainerCoversFilter,
        ("province", admin.RelatedOnlyFieldListFilter),
        ("curriculum", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("curriculum", "curriculum__country", "agency", "trainer", "province")
    search_fields = ("place", "agency__name", "trainer__name", "=trainer__certificate_number")
    date_hierarchy = "starts_on"
    inlines = (AttendanceInline,)
    fields = ("agency", "curriculum", "trainer", "trainer_certified", "province", "place", "starts_on", "ends_on", "completed")
    readonly_fields = fields

    def get_queryset(self, request):
        # A subquery per count keeps the two from multiplying each other through joins.
        attendances = (
            Attendance.objects.filter(session=OuterRef("pk")).order_by().values("session").annotate(n=Count("pk")).values("n")
        )
        certificates = (
            Certificate.objects.filter(session=OuterRef("pk")).order_by().values("session").annotate(n=Count("pk")).values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                enrolled_count=Coalesce(Subquery(attendances[:1], output_field=IntegerField()), Value(0)),
                certificate_count=Coalesce(Subquery(certificates[:1], output_field=IntegerField()), Value(0)),
                trainer_covers=ExpressionWrapper(TRAINER_COVERS, output_field=BooleanField()),
            )
        )

    @admin.display(description=_("trainer certified on the dates"), boolean=True, ordering="trainer_covers")
    def trainer_certified(self, obj):
        return obj.trainer_covers

    @admin.display(description=_("enrolled"), ordering="enrolled_count")
    def enrolled(self, obj):
        return obj.enrolled_count

    @admin.display(description=_("certificates"), ordering="certificate_count")
    def certificates_issued(self, obj):
        return obj.certificate_count


# --- Certificates ------------------------------------------------------------------------------------------


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown to the agency and on the public verification page."),
        error_messages={"required": _("Give the reason for revoking.")},
    )


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdminMixin, TrainingAdmin):
    """Certificates are issued by session_complete and never edited. Revoking one is an
    action with a reason, carried out by the service (``workers.training.certificate_revoke``)."""

    list_display = ("number", "holder", "curriculum", "agency", "issued_on", "is_valid", "invalid_reason", "revoked_by", "pdf")
    list_filter = ("is_valid", ("session__curriculum", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("worker", "session__curriculum__country", "session__agency", "revoked_by")
    search_fields = ("=number",)
    date_hierarchy = "issued_on"
    fields = ("number", "worker", "session", "issued_on", "is_valid", "invalid_reason", "revoked_by", "pdf")
    readonly_fields = fields
    actions = ("revoke",)

    @admin.display(description=_("worker"), ordering="worker__name_latin")
    def holder(self, obj):
        return obj.worker.display_name

    @admin.display(description=_("curriculum"))
    def curriculum(self, obj):
        return str(obj.session.curriculum)

    @admin.display(description=_("agency"))
    def agency(self, obj):
        return obj.session.agency.name if obj.session.agency_id else _("Ministry")

    @admin.display(description=_("PDF"))
    def pdf(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("training-certificate-pdf", args=[obj.number]), _("print"))

    def has_revoke_permission(self, request) -> bool:
        return request.user.has_perm("workers.change_certificate")

    @admin.action(description=_("Revoke (with a reason)"), permissions=["revoke"])
    def revoke(self, request, queryset):
        certificates = list(queryset)
        service = getattr(training, "certificate_revoke", None)
        if service is None:
            # No service yet: a certificate's validity is never written from here.
            self.message_user(
                request,
                _(
                    "Revoking needs the service workers.training.certificate_revoke, which does not exist yet. "
                    "Nothing was changed."
                ),
                messages.ERROR,
            )
            return None
        if "apply" in request.POST:
            form = RevokeForm(request.POST)
            if form.is_valid():
                try:
                    with transaction.atomic():
                        for certificate in certificates:
                            service(certificate=certificate, actor=request.user, reason=form.cleaned_data["reason"])
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error("reason", message)
                except PermissionDenied as exc:
                    self.message_user(request, str(exc) or _("You are not allowed to do this."), messages.ERROR)
                    return None
                else:
                    self.message_user(
                        request,
                        ngettext("%(n)d certificate revoked.", "%(n)d certificates revoked.", len(certificates))
                        % {"n": len(certificates)},
                        messages.SUCCESS,
                    )
                    return None
        else:
            form = RevokeForm()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Revoke certificates"),
            "form": form,
            "objects": certificates,
            "action_name": request.POST.get("action"),
        }
        return TemplateResponse(request, "workers/training/admin_revoke.html", context)
