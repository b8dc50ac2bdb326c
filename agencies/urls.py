"""The agencies portal pages (included at the root of the i18n patterns)."""

from django.urls import path

from . import views

urlpatterns = [
    # The agency's own pages.
    path("agency/", views.AgencyDashboardView.as_view(), name="agency-dashboard"),
    path("agency/reports/", views.ReportListView.as_view(), name="agency-reports"),
    path("agency/reports/new/", views.ReportCreateView.as_view(), name="agency-report-new"),
    path("agency/reports/template.csv", views.ReportTemplateCsvView.as_view(), name="agency-report-template"),
    path("agency/reports/summary/", views.ReportSummaryView.as_view(), name="agency-report-summary"),
    path("agency/reports/<int:pk>/", views.ReportDetailView.as_view(), name="agency-report"),
    path("agency/reports/<int:pk>/submit/", views.ReportSubmitView.as_view(), name="agency-report-submit"),
    path("agency/reports/<int:pk>/upload/", views.ReportUploadView.as_view(), name="agency-report-upload"),
    path("agency/advertisements/", views.AdvertisementListView.as_view(), name="agency-advertisements"),
    path("agency/advertisements/new/", views.AdvertisementCreateView.as_view(), name="agency-advertisement-new"),
    # Provincial officers.
    path("province/", views.ProvinceDashboardView.as_view(), name="province-dashboard"),
    # The public: no sign-in. An agency is addressed by its public licence number, not its key.
    path("licences/", views.PublicLicenceListView.as_view(), name="public-licences"),
    path("licences/<path:number>/", views.PublicLicenceDetailView.as_view(), name="public-licence"),
    path("advertisements/verify/", views.AdvertisementVerifyView.as_view(), name="public-advertisement"),
    path("rankings/", views.PublicRankingView.as_view(), name="public-rankings"),
]
