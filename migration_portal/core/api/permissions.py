"""The API's first access layer: each action maps to a permission; unmapped is refused."""

from rest_framework.permissions import BasePermission

DEFAULT_ACTIONS = {
    "list": "view",
    "retrieve": "view",
    "create": "add",
    "update": "change",
    "partial_update": "change",
    "destroy": "delete",
}


class RolePermission(BasePermission):
    """Requires the Django permission mapped to the view's action.

    Views set ``action_permissions = {"submit": "agencies.submit_monthlyreport"}``
    for their own actions; the CRUD actions map to the model's default
    permissions. An action with no mapping is refused, so a new endpoint is
    closed until someone decides who may use it.
    """

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        perm = required_permission(view)
        if perm is None:
            return False
        return user.has_perm(perm)


def required_permission(view) -> str | None:
    action = getattr(view, "action", None)
    if action is None:  # plain APIView: map the HTTP method
        action = {"GET": "list", "HEAD": "list", "OPTIONS": "list", "POST": "create"}.get(view.request.method)
    explicit = getattr(view, "action_permissions", {})
    if action in explicit:
        return explicit[action]
    if action in DEFAULT_ACTIONS and getattr(view, "queryset", None) is not None:
        opts = view.queryset.model._meta
        return f"{opts.app_label}.{DEFAULT_ACTIONS[action]}_{opts.model_name}"
    if action == "metadata":
        return None
    return None


class PublicReadOnly(BasePermission):
    """For the public endpoints (licence check, advertisement verification)."""

    def has_permission(self, request, view) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS")
