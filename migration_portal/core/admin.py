from auditlog.mixins import LogEntryAdminMixin
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .admin_base import PortalModelAdmin, ReadOnlyAdminMixin, ScopedAdminMixin
from .models import AccessLog, BackgroundJob, Event, Notification
from .scoping import about_visible_subjects


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    list_display = ("created", "code", "content_type", "object_id", "actor", "message")
    list_filter = ("code", "content_type")
    list_select_related = ("actor", "content_type")
    search_fields = ("object_id", "code", "message")
    date_hierarchy = "created"
    show_auditlog_history_link = False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    list_display = ("created", "recipient", "subject", "read_at", "emailed_at", "email_attempts")
    list_select_related = ("recipient",)
    date_hierarchy = "created"
    show_auditlog_history_link = False


@admin.register(BackgroundJob)
class BackgroundJobAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    list_display = ("created", "kind", "status", "progress", "total", "attempts", "created_by", "agency", "finished")
    list_filter = ("kind", "status")
    list_select_related = ("created_by", "agency")
    date_hierarchy = "created"
    show_auditlog_history_link = False
    readonly_fields = ("errors",)

    @admin.display(description=_("progress"))
    def percent(self, obj):
        return f"{obj.percent}%"


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnlyAdminMixin, PortalModelAdmin):
    """Who read or exported personal data. Read-only; directors and superusers only
    (``core.view_accesslog`` and ``AccessLogQuerySet``). Kept apart from the change log."""

    list_display = ("created", "user", "kind", "channel", "what", "content_type", "label", "rows")
    list_filter = ("kind", "channel", "content_type")
    list_select_related = ("user", "content_type")
    search_fields = ("=user__username", "=label")
    date_hierarchy = "created"
    show_auditlog_history_link = False
    fields = ("created", "user", "kind", "channel", "what", "content_type", "object_id", "label", "filters", "rows")
    readonly_fields = fields


# --- The change log (django-auditlog) -------------------------------------------------------------------

if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)  # auditlog's own admin lists every entry to anyone with the view permission


class RecordTypeFilter(admin.SimpleListFilter):
    """The kinds of record in the log that the user may view, named in their language.

    Read from the registry, not by a DISTINCT over the whole log table."""

    title = _("record type")
    parameter_name = "record_type"

    def lookups(self, request, model_admin):
        models = [m for m in auditlog.get_models() if request.user.has_perm(f"{m._meta.app_label}.view_{m._meta.model_name}")
                  or request.user.has_perm(f"{m._meta.app_label}.change_{m._meta.model_name}")]
        types = ContentType.objects.get_for_models(*models, for_concrete_models=False)
        return sorted(((types[m].pk, capfirst(m._meta.verbose_name_plural)) for m in models), key=lambda c: str(c[1]))

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(content_type_id=int(value))


@admin.register(LogEntry)
class ScopedLogEntryAdmin(ReadOnlyAdminMixin, ScopedAdminMixin, LogEntryAdminMixin, admin.ModelAdmin):
    """The field-level change log, read-only and scoped like everything else.

    An entry is listed, found and opened only by a user who may see the record it
    describes (``about_visible_subjects``): a restricted complaint's entries by its
    handlers alone, entries of models a role may not view by nobody of that role,
    entries of a deleted record by superusers only. Search looks at the record's name
    and the author, never inside the recorded values.
    """

    date_hierarchy = "timestamp"
    list_select_related = ["content_type", "actor"]
    list_display = ["created", "resource_url", "action", "msg_short", "user_url"]
    list_filter = ["action", RecordTypeFilter]
    search_fields = ["object_repr", "actor__first_name", "actor__last_name", f"actor__{get_user_model().USERNAME_FIELD}"]
    readonly_fields = ["created", "resource_url", "action", "user_url", "msg"]
    fieldsets = [
        (None, {"fields": ["created", "user_url", "resource_url"]}),
        (_("Changes"), {"fields": ["action", "msg"]}),
    ]
    show_full_result_count = False
    list_per_page = 50

    # auditlog's columns, under labels the portal's catalogue translates
    @admin.display(description=_("when"), ordering="timestamp")
    def created(self, obj):
        return super().created(obj)

    @admin.display(description=_("record"))
    def resource_url(self, obj):
        return super().resource_url(obj)

    @admin.display(description=_("by"))
    def user_url(self, obj):
        return super().user_url(obj)

    @admin.display(description=_("Changes"))
    def msg_short(self, obj):
        return super().msg_short(obj)

    @admin.display(description=_("Changes"))
    def msg(self, obj):
        return super().msg(obj)

    def get_queryset(self, request):
        self.request = request  # LogEntryAdminMixin builds filter links from it
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs.filter(about_visible_subjects(request.user, among=auditlog.get_models(), object_id_field="object_id"))
