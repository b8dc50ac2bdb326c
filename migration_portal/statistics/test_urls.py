"""The project's URLs plus the statistics area, for tests run before ``migration_portal/urls.py``
includes it (``@pytest.mark.urls("migration_portal.statistics.test_urls")``).

Once the project includes it, this module is the project's URLs unchanged.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import NoReverseMatch, include, path, reverse

from migration_portal import urls as project

try:
    reverse("statistics:index", urlconf=project)
except NoReverseMatch:
    urlpatterns = [
        *project.urlpatterns,
        *i18n_patterns(path("statistics/", include("migration_portal.statistics.urls")), prefix_default_language=False),
    ]
else:  # pragma: no cover - the project already includes it
    urlpatterns = project.urlpatterns
