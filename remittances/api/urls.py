"""The remittances API's routes, under /api/ (migration_portal/urls.py includes this module
in ``api_patterns``)."""

from django.urls import path

from migration_portal.core.api.routers import PortalRouter

from . import views

app_name = "remittances_api"


router = PortalRouter()  # no index of its own: /api/ lists every app's routes
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
