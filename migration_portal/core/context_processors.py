"""Template context every portal page needs: the user's role and unread notifications."""

from .models import Notification
from .scoping import Role, scope_for


def portal(request) -> dict:
    user = getattr(request, "user", None)
    scope = scope_for(user)
    context = {"portal_role": scope.role.value, "Role": {r.name: r.value for r in Role}}
    if scope.role is not Role.NONE:
        context["unread_notifications"] = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return context
