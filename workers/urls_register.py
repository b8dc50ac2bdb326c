"""Portal URLs: the worker register (workers, deployments, job orders, sending suspensions).

Workers and deployments are addressed by their random reference, never by the
integer key, so a URL does not reveal how many records exist or invite guessing.
"""

from django.urls import path

from .views import register as views

urlpatterns = [
    path("workers/", views.WorkerListView.as_view(), name="worker-list"),
    path("workers/new/", views.WorkerRegisterView.as_view(), name="worker-new"),
    path("workers/<uuid:ref>/", views.WorkerDetailView.as_view(), name="worker-detail"),
    path("workers/<uuid:ref>/edit/", views.WorkerEditView.as_view(), name="worker-edit"),
    path("workers/<uuid:ref>/identifiers/", views.WorkerIdentifiersView.as_view(), name="worker-identifiers"),
    path("workers/<uuid:ref>/deployments/new/", views.DeploymentCreateView.as_view(), name="deployment-new"),
    path("deployments/", views.DeploymentListView.as_view(), name="deployment-list"),
    path("deployments/<uuid:ref>/", views.DeploymentDetailView.as_view(), name="deployment-detail"),
    path("deployments/<uuid:ref>/transition/", views.DeploymentTransitionView.as_view(), name="deployment-transition"),
    path("deployments/<uuid:ref>/legal-status/", views.LegalStatusCreateView.as_view(), name="deployment-legal-status"),
    path("deployments/<uuid:ref>/placement-contract/", views.PlacementContractView.as_view(),
         name="deployment-placement-contract"),
    path("deployments/<uuid:ref>/employment-contract/", views.EmploymentContractView.as_view(),
         name="deployment-employment-contract"),
    path("job-orders/", views.JobOrderListView.as_view(), name="joborder-list"),
    path("job-orders/new/", views.JobOrderCreateView.as_view(), name="joborder-new"),
    path("sending-suspensions/", views.SuspensionListView.as_view(), name="suspension-list"),
]
