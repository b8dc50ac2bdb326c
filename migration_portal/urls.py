"""The portal's URLs: public pages, the portal pages per app, the admin and the API."""

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from migration_portal.accounts import views as account_views
from migration_portal.core import views as core_views

admin.site.site_header = _("Labour Migration Portal: Ministry of Labour and Vocational Training")
admin.site.site_title = _("Labour Migration Portal")
admin.site.index_title = _("Ministry administration")

api_patterns = [
    path("", include("agencies.api.urls")),
    path("", include("workers.api.urls")),
    path("", include("complaints.api.urls")),
    path("", include("remittances.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # ReDoc's bundle adds <style> elements as it loads, before any nonce can reach it, so this
    # page alone allows inline styles; its scripts stay as strict as everywhere else.
    path("redoc/", csp_update({"style-src": [UNSAFE_INLINE]})(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
]

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include(api_patterns)),
    path("healthz", core_views.healthz, name="healthz"),
]

urlpatterns += i18n_patterns(
    path("", core_views.home, name="home"),
    path("accounts/", include("migration_portal.accounts.urls")),
    # The admin's sign-in page shows "Forgot your password?" when this name exists.
    path("admin/password_reset/", account_views.PasswordResetView.as_view(), name="admin_password_reset"),
    path("notifications/", core_views.NotificationListView.as_view(), name="notifications"),
    path("jobs/<int:pk>/", core_views.JobDetailView.as_view(), name="job-detail"),
    path("", include("agencies.urls")),
    path("", include("workers.urls")),
    path("", include("complaints.urls")),
    path("", include("complaints.report_urls")),
    path("", include("remittances.urls")),
    path("statistics/", include("migration_portal.statistics.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
