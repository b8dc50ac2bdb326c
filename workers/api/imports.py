"""API: an agency's bulk import of its workers.

``POST /api/worker-imports/`` (multipart, ``file``) checks the file's shape, queues
the import and answers 202 with the job; ``GET /api/worker-imports/{id}/`` gives its
status, progress, errors by row and column, and the counts. Jobs are read through
``visible_to``: an agency sees its own agency's imports, the ministry all of them.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from migration_portal.core.api.viewsets import ScopedViewSetMixin
from migration_portal.core.models import BackgroundJob

from .. import imports


class WorkerImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_("CSV or XLSX with the template's columns."))


class WorkerImportSerializer(serializers.ModelSerializer):
    """A bulk import job. ``errors``: [{row, field, message}]; ``result``: the counts."""

    percent = serializers.IntegerField(read_only=True)
    filename = serializers.SerializerMethodField()
    page = serializers.SerializerMethodField()

    class Meta:
        model = BackgroundJob
        fields = ["id", "status", "progress", "total", "percent", "filename", "errors", "result", "agency", "created_by",
                  "created", "finished", "page"]
        read_only_fields = fields

    def get_filename(self, job) -> str:
        return (job.params or {}).get("filename", "")

    def get_page(self, job) -> str:
        return reverse("job-detail", kwargs={"pk": job.pk})


class WorkerImportBriefSerializer(WorkerImportSerializer):
    """For the list: without the errors, which can be long."""

    class Meta(WorkerImportSerializer.Meta):
        fields = [f for f in WorkerImportSerializer.Meta.fields if f != "errors"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Bulk imports of workers you may see")),
    retrieve=extend_schema(summary=_("One bulk import: status, progress, errors by row and column, counts")),
    create=extend_schema(
        summary=_("Upload a CSV or XLSX of workers (with optional deployments); "
                  "the rows are checked and saved in the background"),
        request={"multipart/form-data": WorkerImportInputSerializer},
        responses={
            202: WorkerImportSerializer,
            400: OpenApiResponse(description=_('The file cannot be read: {"errors": {"file": [messages]}}')),
            403: OpenApiResponse(description=_("Only an agency's users import workers.")),
        },
    ),
)
class WorkerImportViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = BackgroundJob.objects.filter(kind=imports.JOB_KIND).order_by("-created", "-id")
    serializer_class = WorkerImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    filterset_fields = ["status"]
    ordering_fields = ["created"]
    action_permissions = {
        "list": "core.view_backgroundjob",
        "retrieve": "core.view_backgroundjob",
        # The service also requires an agency user who may add workers and deployments.
        "create": "workers.add_worker",
    }

    def get_serializer_class(self):
        return WorkerImportBriefSerializer if self.action == "list" else WorkerImportSerializer

    def create(self, request, *args, **kwargs):
        data = WorkerImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = imports.worker_import_start(actor=request.user, upload=data.validated_data["file"])
        job = self.get_queryset().get(pk=job.pk)
        return Response(WorkerImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def register(router) -> None:
    router.register("worker-imports", WorkerImportViewSet, basename="worker-import")
