"""The statistics area, to be included in the project's i18n patterns:
``path("statistics/", include("migration_portal.statistics.urls"))``."""

from django.urls import path, re_path

from . import views

app_name = "statistics"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("ilo/workbook.xlsx", views.IloWorkbookView.as_view(), name="ilo-workbook"),
    re_path(r"^(?P<page>[-a-z0-9]+)/(?P<table>[-a-z0-9]+)\.(?P<fmt>csv|xlsx)$", views.DownloadView.as_view(), name="download"),
    path("<slug:page>/", views.PageView.as_view(), name="page"),
]
