from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_base import PortalModelAdmin, ReadOnlyAdminMixin
from .models import AccessLog, BackgroundJob, Event, Notification


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
