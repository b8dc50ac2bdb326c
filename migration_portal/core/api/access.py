"""The personal data access log over the API: read-only, directors (and superusers) only."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from ..access_filters import AccessLogFilterSet
from ..models import AccessChannel, AccessKind, AccessLog
from .fields import EnumField
from .routers import PortalRouter
from .viewsets import ScopedViewSetMixin


class AccessLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True)
    kind = EnumField(AccessKind, read_only=True)
    channel = EnumField(AccessChannel, read_only=True)
    record_type = serializers.CharField(source="content_type.model", read_only=True, default=None)

    class Meta:
        model = AccessLog
        fields = ["id", "created", "user", "kind", "channel", "what", "record_type", "label", "filters", "rows"]
        read_only_fields = fields


@extend_schema_view(list=extend_schema(summary=_("Who read or exported personal data (directors only)")))
class AccessLogViewSet(ScopedViewSetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The access log: restricted cases opened, identity numbers unmasked, personal data exported.

    Needs ``core.view_accesslog`` (the Directors group); rows pass ``AccessLogQuerySet``,
    which gives every other role nothing."""

    queryset = AccessLog.objects.all()
    serializer_class = AccessLogSerializer
    filterset_class = AccessLogFilterSet
    ordering_fields = ["created"]
    ordering = ["-created", "-id"]

    def base_queryset(self):
        return AccessLog.objects.select_related("user", "content_type")


router = PortalRouter()
router.register("access-log", AccessLogViewSet, basename="accesslog")
urlpatterns = router.urls
