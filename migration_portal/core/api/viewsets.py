"""The base of every API view: its queryset always goes through ``visible_to``."""

from rest_framework import viewsets

from ..audit import AuditedAPIViewMixin
from ..scoping import visible


class ScopedViewSetMixin(AuditedAPIViewMixin):
    """Subclasses set ``queryset`` (for the schema and permissions) and may
    override ``base_queryset()`` to add the joins their serializer reads.
    ``get_queryset`` applies the user's scope; it cannot be skipped by forgetting."""

    def base_queryset(self):
        return self.queryset.all()

    def get_queryset(self):
        return visible(self.base_queryset(), self.request.user)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ScopedModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass
