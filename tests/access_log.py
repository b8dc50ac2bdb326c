"""Reading the personal data access log in tests."""

from django.contrib.contenttypes.models import ContentType

from migration_portal.core.models import AccessLog


def entries_for(subject, **filters):
    """The access-log entries about one record, oldest first."""
    return AccessLog.objects.filter(
        content_type=ContentType.objects.get_for_model(type(subject)), object_id=str(subject.pk), **filters
    ).order_by("created", "id")
