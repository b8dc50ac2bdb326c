"""Bases for the portal pages: login required, role checked, rows scoped."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from .scoping import Role, scope_for, visible


class RoleRequiredMixin(LoginRequiredMixin):
    """Only the listed roles may open the page; others get 403."""

    allowed_roles: tuple[Role, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.scope = scope_for(request.user)
        if self.scope.role not in self.allowed_roles:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ScopedObjectMixin(RoleRequiredMixin):
    """List and detail pages read rows only through ``visible_to``.

    A row outside the user's scope is therefore a 404, not a 403: its existence
    is not revealed.
    """

    model = None

    def base_queryset(self):
        return self.model._default_manager.all()

    def get_queryset(self):
        return visible(self.base_queryset(), self.request.user)
