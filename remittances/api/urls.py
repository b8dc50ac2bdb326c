"""The remittances API's routes, under /api/ (migration_portal/urls.py includes this module
in ``api_patterns``)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

app_name = "remittances_api"


class RemittancesRouter(DefaultRouter):
    # The API's index is served by the agencies router at /api/; one index is enough.
    include_root_view = False


router = RemittancesRouter()
router.register("remittance-providers", views.ProviderViewSet, basename="provider")
router.register("corridors", views.CorridorViewSet, basename="corridor")
router.register("exchange-rates", views.ExchangeRateViewSet, basename="exchangerate")
router.register("offers", views.OfferViewSet, basename="offer")
router.register("remittance-indicator", views.IndicatorViewSet, basename="indicator")
router.register("remittances", views.RemittanceViewSet, basename="remittance")
router.register("literacy-sessions", views.LiteracySessionViewSet, basename="literacysession")
router.register("literacy-attendance", views.LiteracyAttendanceViewSet, basename="literacyattendance")

urlpatterns = [
    path("public/remittance-compare/", views.PublicCompareView.as_view(), name="public-remittance-compare"),
    *router.urls,
]
