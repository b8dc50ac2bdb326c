"""The complaints API's routes, under /api/ (migration_portal/urls.py includes this module
in ``api_patterns``)."""

from django.urls import path

from migration_portal.core.api.routers import PortalRouter

from . import views

app_name = "complaints_api"


router = PortalRouter()  # no index of its own: /api/ lists every app's routes
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = [
    path("public/complaint-status/", views.PublicComplaintStatusView.as_view(), name="public-complaint-status"),
    *router.urls,
]
