"""The remittance pages (included at the root of the i18n patterns)."""

from django.urls import path

from . import views

urlpatterns = [
    # The public: no sign-in.
    path("remittances/compare/", views.PublicCompareView.as_view(), name="remittance-compare"),
    # Agencies, provincial officers and ministry staff. Deployments are addressed by their reference.
    path("remittances/", views.RemittanceListView.as_view(), name="remittance-list"),
    path("remittances/record/", views.RemittanceStartView.as_view(), name="remittance-start"),
    path("remittances/deployments/<uuid:ref>/", views.DeploymentRemittanceView.as_view(), name="remittance-deployment"),
    path("remittances/summary/", views.RemittanceSummaryView.as_view(), name="remittance-summary"),
    path("remittances/indicator/", views.IndicatorView.as_view(), name="remittance-indicator"),
    path("remittances/literacy/", views.LiteracySessionListView.as_view(), name="literacy-list"),
    path("remittances/literacy/new/", views.LiteracySessionCreateView.as_view(), name="literacy-new"),
    path("remittances/literacy/<int:pk>/", views.LiteracySessionDetailView.as_view(), name="literacy-detail"),
    path("remittances/literacy/<int:pk>/attendees/", views.AttendeeAddView.as_view(), name="literacy-attendee-add"),
    path("remittances/literacy/<int:pk>/attendees/<int:attendee>/remove/", views.AttendeeRemoveView.as_view(),
         name="literacy-attendee-remove"),
]
