"""The agencies API's routes, under /api/."""

from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import APIRootView, DefaultRouter

from . import views

app_name = "agencies_api"


class PortalAPIRootView(APIRootView):
    """The browsable index of the API's endpoints. It lists routes, not rows, so any
    signed-in user may read it (RolePermission would refuse it: it has no model)."""

    permission_classes = [IsAuthenticated]


class PortalRouter(DefaultRouter):
    APIRootView = PortalAPIRootView


router = PortalRouter()
router.register("agencies", views.AgencyViewSet, basename="agency")
router.register("deposit-entries", views.DepositEntryViewSet, basename="depositentry")
router.register("sanctions", views.SanctionViewSet, basename="sanction")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("reports", views.MonthlyReportViewSet, basename="report")
router.register("advertisements", views.AdvertisementViewSet, basename="advertisement")
router.register("public/licences", views.PublicLicenceViewSet, basename="public-licence")
router.register("public/advertisements", views.PublicAdvertisementViewSet, basename="public-advertisement")
router.register("public/rankings", views.PublicRankingViewSet, basename="public-ranking")

urlpatterns = router.urls
