"""Portal URLs: return and reintegration (provincial officers under /province/, agencies under /agency/)."""

from django.urls import path

from migration_portal.core.scoping import Role

from .views import returns as v

PROVINCE = {"allowed_roles": (Role.PROVINCE,)}
AGENCY = {"allowed_roles": (Role.AGENCY,)}

urlpatterns = [
    # Provincial officers (and border reception).
    path("province/returns/", v.ReturnListView.as_view(**PROVINCE), name="returns-list"),
    path("province/returns/new/", v.ReturnFindView.as_view(**PROVINCE), name="returns-find"),
    path("province/returns/new/person/", v.ReturnPersonCreateView.as_view(), name="returns-new-person"),
    path("province/returns/new/<uuid:worker_ref>/", v.ReturnCreateView.as_view(**PROVINCE), name="returns-new"),
    path("province/returns/import/", v.ReturnImportView.as_view(), name="returns-import"),
    path("province/returns/import/template.csv", v.ReturnImportTemplateView.as_view(), name="returns-import-template"),
    path("province/returns/expected/", v.ExpectedReturnsView.as_view(), name="returns-expected"),
    path("province/returns/<int:pk>/", v.ReturnDetailView.as_view(), name="returns-detail"),
    path("province/returns/<int:pk>/certificate/", v.WorkCertificateIssueView.as_view(), name="returns-certificate"),
    path("province/cases/", v.CaseListView.as_view(), name="cases-list"),
    path("province/cases/<uuid:ref>/", v.CaseDetailView.as_view(), name="case-detail"),
    path("province/cases/<uuid:ref>/assess/", v.CaseAssessView.as_view(), name="case-assess"),
    path("province/cases/<uuid:ref>/referrals/", v.ReferralAddView.as_view(), name="case-referral-add"),
    path(
        "province/cases/<uuid:ref>/referrals/<int:referral_pk>/outcome/",
        v.ReferralOutcomeView.as_view(),
        name="case-referral-outcome",
    ),
    path("province/cases/<uuid:ref>/close/", v.CaseCloseView.as_view(), name="case-close"),
    # Agencies: their own workers' returns.
    path("agency/returns/", v.ReturnListView.as_view(**AGENCY), name="agency-returns-list"),
    path("agency/returns/new/", v.ReturnFindView.as_view(**AGENCY), name="agency-returns-find"),
    path("agency/returns/new/<uuid:worker_ref>/", v.ReturnCreateView.as_view(**AGENCY), name="agency-returns-new"),
    # The certificate, for anyone who may see the worker (its number is random, not a counter).
    path("work-certificates/<str:number>.pdf", v.WorkCertificatePdfView.as_view(), name="work-certificate-pdf"),
]
