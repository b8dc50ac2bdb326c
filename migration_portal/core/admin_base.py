"""The base of every admin in the portal: scoped, audited, and cheap on big tables."""

from auditlog.mixins import AuditlogHistoryAdminMixin
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from .scoping import visible


class EstimatedCountPaginator(Paginator):
    """A paginator that never runs a full-table COUNT on an unfiltered PostgreSQL list.

    With no WHERE clause it reads the planner's estimate (pg_class.reltuples);
    a filtered list counts for real, which the filter's index keeps cheap.
    """

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        query = getattr(qs, "query", None)
        if query is not None and not query.where and connections[qs.db].vendor == "postgresql":
            with connections[qs.db].cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [qs.model._meta.db_table])
                row = cursor.fetchone()
            if row and row[0] and row[0] > 10_000:
                return int(row[0])
        return super().count


class ScopedAdminMixin:
    """Every changelist, change form and lookup starts from ``visible_to(request.user)``.

    A record outside the scope is a 404 on every per-record page (change, delete,
    history, change log): Django's admin would redirect to the index saying it "doesn't
    exist", and auditlog's history page would fail on it.
    """

    def get_queryset(self, request):
        return visible(super().get_queryset(request), request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("No such record, or not one you may see."))

    def auditlog_history_view(self, request, object_id, extra_context=None):
        from django.contrib.admin.utils import unquote

        if self.get_object(request, unquote(object_id)) is None:
            raise Http404(_("No such record, or not one you may see."))
        return super().auditlog_history_view(request, object_id, extra_context)


class PortalModelAdmin(ScopedAdminMixin, AuditlogHistoryAdminMixin, admin.ModelAdmin):
    """Defaults for the ministry's screens: no full-result count, the audit history link."""

    show_full_result_count = False
    show_auditlog_history_link = True
    list_per_page = 50


class ReadOnlyAdminMixin:
    """For append-only records (events, logs): viewable, never edited or deleted."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
