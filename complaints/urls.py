"""The complaint pages (included at the root of the i18n patterns).

A case is addressed by its reference (C26-XXXXXXX), never by its integer key. The
paths match the links the services put in notifications (``/complaints/<ref>/``,
``/agency/complaints/<ref>/``).
"""

from django.urls import path, register_converter

from . import views


class ComplaintRefConverter:
    """C, two digits of the year, a dash, seven characters of the reference alphabet (any case)."""

    regex = r"[Cc]\d{2}-[A-Za-z0-9]{7}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return str(value)


register_converter(ComplaintRefConverter, "complaintref")

urlpatterns = [
    # The public: no sign-in.
    path("complaints/status/", views.PublicStatusView.as_view(), name="complaint-status"),
    # Provincial officers and the ministry's complaints officers.
    path("complaints/", views.ComplaintListView.as_view(), name="complaint-list"),
    path("complaints/new/", views.ComplaintIntakeView.as_view(), name="complaint-new"),
    path("complaints/<complaintref:ref>/", views.ComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<complaintref:ref>/registered/", views.ComplaintRegisteredView.as_view(), name="complaint-registered"),
    path("complaints/<complaintref:ref>/files/<int:pk>/", views.AttachmentDownloadView.as_view(), name="complaint-attachment"),
    path("complaints/<complaintref:ref>/<slug:action>/", views.ComplaintActionView.as_view(), name="complaint-action"),
    path("complaints/<complaintref:ref>/<slug:action>/<int:pk>/", views.ComplaintActionView.as_view(),
         name="complaint-action-on"),
    # The respondent agency.
    path("agency/complaints/", views.AgencyComplaintListView.as_view(), name="agency-complaint-list"),
    path("agency/complaints/<complaintref:ref>/", views.AgencyComplaintDetailView.as_view(), name="agency-complaint-detail"),
]
