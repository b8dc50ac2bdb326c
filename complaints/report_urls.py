"""Complaint figures: dashboards, public statistics and the annual report (included at the
root of the i18n patterns, beside ``complaints.urls``)."""

from django.urls import path

from . import report_views as views

urlpatterns = [
    # Ministry staff and provincial officers, scoped to what each may see.
    path("complaints/dashboard/", views.ComplaintDashboardView.as_view(), name="complaint-dashboard"),
    # The public: no sign-in, aggregates only.
    path("complaints/statistics/", views.PublicStatisticsView.as_view(), name="complaint-statistics"),
    path("complaints/annual-report/", views.PublishedReportListView.as_view(), name="annual-reports"),
    path("complaints/annual-report/<int:year>/", views.PublishedReportView.as_view(), name="annual-report"),
    path("complaints/annual-report/<int:year>/pdf/", views.PublishedReportPdfView.as_view(), name="annual-report-pdf"),
    # The ministry prepares, reviews and approves the annual report.
    path("complaints/reports/", views.ReportListView.as_view(), name="complaint-reports"),
    path("complaints/reports/<int:year>/", views.ReportDetailView.as_view(), name="complaint-report"),
    path("complaints/reports/<int:year>/regenerate/", views.ReportRegenerateView.as_view(), name="complaint-report-regenerate"),
    path("complaints/reports/<int:year>/approve/", views.ReportApproveView.as_view(), name="complaint-report-approve"),
    path("complaints/reports/<int:year>/pdf/", views.ReportPdfView.as_view(), name="complaint-report-pdf"),
]
