"""Pages every role shares (the home page, notifications, background job progress) and the directors' access log."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.generic import DetailView, ListView

from .access_filters import AccessLogFilterSet
from .models import AccessLog, BackgroundJob, Notification
from .scoping import Role, scope_for, visible
from .views_base import RoleRequiredMixin


def home(request):
    """Send each role to its own start page; the public sees the public services."""
    scope = scope_for(request.user)
    if scope.role is Role.AGENCY:
        return redirect("agency-dashboard")
    if scope.role is Role.PROVINCE:
        return redirect("province-dashboard")
    if scope.role is Role.MINISTRY:
        return redirect("admin:index")
    return render(request, "home.html")


def page_not_found(request, exception):
    """The 404 of a URL that matches no route. Under /api/ it is JSON in the API's shape
    (``{"detail": ...}``), as the schema promises: a client that asks for
    ``/api/workers/not-a-ref/`` gets the same kind of answer as for a row it may not see.
    Everywhere else it is the portal's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "core/notifications.html"
    paginate_by = 30

    def get_queryset(self):
        return visible(Notification, self.request.user)

    def post(self, request, *args, **kwargs):
        visible(Notification, request.user).unread().update(read_at=timezone.now())
        return redirect("notifications")


class JobDetailView(LoginRequiredMixin, DetailView):
    """Progress of an import or export the user (or their agency) started."""

    template_name = "core/job_detail.html"
    context_object_name = "job"

    def get_queryset(self):
        qs = visible(BackgroundJob, self.request.user)
        if scope_for(self.request.user).role is Role.NONE:
            return qs.none()
        return qs

    def render_to_response(self, context, **kwargs):
        if self.request.headers.get("Accept") == "application/json" or self.request.GET.get("format") == "json":
            job = context["job"]
            return JsonResponse(
                {"status": job.status, "progress": job.progress, "total": job.total, "percent": job.percent,
                 "errors": job.errors[:200], "result": job.result}
            )
        return super().render_to_response(context, **kwargs)


class AccessLogView(RoleRequiredMixin, ListView):
    """The personal data access log, for directors: who read a restricted case, unmasked
    identity numbers or exported personal data, filtered by user, period, kind and channel.
    Anyone else gets 403 (and ``AccessLogQuerySet`` would give them no rows anyway)."""

    allowed_roles = (Role.MINISTRY,)
    template_name = "core/access_log.html"
    paginate_by = 50

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.has_perm("core.view_accesslog"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        self.filterset = AccessLogFilterSet(self.request.GET or None, queryset=visible(AccessLog, self.request.user))
        qs = self.filterset.queryset
        if self.filterset.is_bound:
            # A filter that is not valid (an impossible date) shows nothing until corrected, never "everything".
            qs = self.filterset.qs if self.filterset.is_valid() else qs.none()
        return qs.select_related("user", "content_type").order_by("-created", "-id")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(filter=self.filterset, query_string=query.urlencode())
        return context
