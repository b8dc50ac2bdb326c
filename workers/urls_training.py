"""Portal URLs: pre-departure training (Prakas 046)."""

from django.urls import path

from .views import training as views

urlpatterns = [
    # Agencies (their own sessions) and provincial officers (sessions held in their province).
    path("training/sessions/", views.SessionListView.as_view(), name="training-sessions"),
    path("training/sessions/new/", views.SessionCreateView.as_view(), name="training-session-new"),
    path("training/sessions/<int:pk>/", views.SessionDetailView.as_view(), name="training-session"),
    path("training/sessions/<int:pk>/enrol/", views.SessionEnrolView.as_view(), name="training-session-enrol"),
    path("training/sessions/<int:pk>/complete/", views.SessionCompleteView.as_view(), name="training-session-complete"),
    # A certificate is addressed by its non-guessable number, never by its key.
    path("training/certificates/<str:number>.pdf", views.CertificatePdfView.as_view(), name="training-certificate-pdf"),
    # The public: no sign-in.
    path("certificates/verify/", views.CertificateVerifyView.as_view(), name="public-certificate-verify"),
]
