"""The project's URLs plus the remittance pages and API, for tests run before
``migration_portal/urls.py`` includes them (``@pytest.mark.urls("remittances.test_urls")``).

Once the project includes them, this module is the project's URLs unchanged.
"""

from django.conf.urls.i18n import i18n_patterns
from django.urls import NoReverseMatch, include, path, reverse

from migration_portal import urls as project

try:
    reverse("remittance-compare", urlconf=project)
    reverse("remittances_api:offer-list", urlconf=project)
except NoReverseMatch:
    urlpatterns = [
        path("api/", include("remittances.api.urls")),
        *project.urlpatterns,
        *i18n_patterns(path("", include("remittances.urls")), prefix_default_language=False),
    ]
else:  # pragma: no cover - the project already includes them
    urlpatterns = project.urlpatterns
