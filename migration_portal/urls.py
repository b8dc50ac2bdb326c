"""The portal's URLs: public pages, the portal pages per app, the admin and the API."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from agencies.api.urls import router as agencies_router
from complaints.api.urls import router as complaints_router
from migration_portal.accounts import views as account_views
from migration_portal.core import health
from migration_portal.core import views as core_views
from migration_portal.core.api.access import router as access_router
from migration_portal.core.api.routers import api_root_view
from remittances.api.urls import router as remittances_router
from workers.api.urls import router as workers_router

admin.site.site_header = _("Labour Migration Portal: Ministry of Labour and Vocational Training")
admin.site.site_title = _("Labour Migration Portal")
admin.site.index_title = _("Ministry administration")

# The one index of the API: every app's list routes, each under its app's URL namespace.
api_root = api_root_view(
    [
        ("agencies_api", agencies_router),
        (None, workers_router),
        ("complaints_api", complaints_router),
        ("remittances_api", remittances_router),
        (None, access_router),
    ]
)

api_patterns = [
    path("", api_root, name="api-root"),
    path("", include("agencies.api.urls")),
    path("", include("workers.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("remittances.api.urls")),
    path("", include("migration_portal.core.api.access")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # ReDoc's bundle adds <style> elements as it loads, before any nonce can reach it, so this
    # page alone allows inline styles; its scripts stay as strict as everywhere else.
    path("redoc/", csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/jobs", health.healthz_jobs, name="healthz-jobs"),
]

urlpatterns += i18n_patterns(
    path("", core_views.home, name="home"),
    path("accounts/", include("migration_portal.accounts.urls")),
    # The admin's sign-in page shows "Forgot your password?" when this name exists.
    path("admin/password_reset/", account_views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("notifications/", core_views.NotificationListView.as_view(), name="notifications"),
    path("jobs/<int:pk>/", core_views.JobDetailView.as_view(), name="job-detail"),
    path("access-log/", core_views.AccessLogView.as_view(), name="access-log"),
    path("", include("agencies.urls")),
    path("", include("workers.urls")),
    path("", include("complaints.urls")),
    path("", include("complaints.report_urls")),
    path("", include("remittances.urls")),
    path("statistics/", include("migration_portal.statistics.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

handler404 = core_views.page_not_found

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
