"""Pages every role shares: the home page, notifications, background job progress."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.generic import DetailView, ListView

from .models import BackgroundJob, Notification
from .scoping import Role, scope_for, visible


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
