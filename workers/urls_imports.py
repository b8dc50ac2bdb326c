"""Portal URLs: an agency's bulk import of its workers. The job's progress is at /jobs/<pk>/."""

from django.urls import path

from .views import imports as views

urlpatterns = [
    path("agency/workers/import/", views.WorkerImportView.as_view(), name="worker-import"),
    path("agency/workers/import/template.<str:fmt>", views.WorkerImportTemplateView.as_view(), name="worker-import-template"),
]
