"""The API's routers and its one index at /api/.

Each app registers its viewsets on its own ``PortalRouter`` (its routes keep the app's
URL namespace); none serves an index of its own. ``api_root_view`` builds the single
browsable index from all of them, so /api/ lists every app's list routes, not only the
first app's. The project's URLs pass the apps' routers in; this module imports no app.
"""

from __future__ import annotations

from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import APIRootView, DefaultRouter, SimpleRouter


class PortalAPIRootView(APIRootView):
    """The browsable index of the API's endpoints. It lists routes, not rows, so any
    signed-in user may read it (RolePermission would refuse it: it has no model)."""

    permission_classes = [IsAuthenticated]


class PortalRouter(DefaultRouter):
    """An app's router: its routes (with the ``.json`` format suffixes), no index of its own."""

    include_root_view = False


def api_root_view(routers: list[tuple[str | None, SimpleRouter]]):
    """The index of every list route of the given (URL namespace, router) pairs."""
    api_root_dict = {}
    for namespace, router in routers:
        list_name = router.routes[0].name  # "{basename}-list"
        for prefix, _viewset, basename in router.registry:
            name = list_name.format(basename=basename)
            api_root_dict[prefix] = f"{namespace}:{name}" if namespace else name
    # Routes without a list (a lookup by number only) fail to reverse and are left out by the view.
    return PortalAPIRootView.as_view(api_root_dict=api_root_dict)
