"""The project's URLs plus the complaint pages and the complaint figures' pages, for tests
run before ``migration_portal/urls.py`` includes ``complaints.report_urls``
(``@pytest.mark.urls("complaints.report_test_urls")``).

Built on ``complaints.test_urls`` (the case pages, which the dashboard links to). Once the
project includes both, this module is the project's URLs unchanged.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import NoReverseMatch, include, path, reverse

from complaints import test_urls as base

try:
    reverse("complaint-dashboard", urlconf=base)
except NoReverseMatch:
    urlpatterns = [
        *base.urlpatterns,
        *i18n_patterns(path("", include("complaints.report_urls")), prefix_default_language=False),
    ]
else:  # pragma: no cover - the project already includes them
    urlpatterns = base.urlpatterns
