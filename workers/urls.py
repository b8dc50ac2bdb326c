"""The worker register's portal pages, one URL module per area."""

from django.urls import include, path

urlpatterns = [
    path("", include("workers.urls_register")),
    path("", include("workers.urls_training")),
    path("", include("workers.urls_returns")),
    path("", include("workers.urls_imports")),
]
