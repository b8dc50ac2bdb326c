"""The agencies API's routes, under /api/."""

from migration_portal.core.api.routers import PortalRouter

from . import views

app_name = "agencies_api"

# The API's index at /api/ lists every app's routes (migration_portal/urls.py builds it).
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
