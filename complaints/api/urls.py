"""The complaints API's routes, under /api/ (migration_portal/urls.py includes this module
in ``api_patterns``)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "complaints_api"


class ComplaintsRouter(DefaultRouter):
    # The API's index is served by the agencies router at /api/; one index is enough.
    include_root_view = False


router = ComplaintsRouter()
router.register("complaints", views.ComplaintViewSet, basename="complaint")

urlpatterns = [
    path("public/complaint-status/", views.PublicComplaintStatusView.as_view(), name="public-complaint-status"),
    *router.urls,
]
