"""The domain event timeline: the one function services call to record a step."""

from django.contrib.contenttypes.models import ContentType

from .models import Event


def event_record(*, subject, code: str, actor=None, message: str = "", data: dict | None = None) -> Event:
    """Append an event to ``subject``'s timeline. Events are never edited."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return Event.objects.create(
        content_type=ContentType.objects.get_for_model(type(subject)),
        object_id=str(subject.pk),
        code=code,
        actor=actor,
        message=str(message),
        data=data or {},
    )


def events_for(subject):
    """The timeline of one record, newest first, with the actor joined."""
    return Event.objects.filter(
        content_type=ContentType.objects.get_for_model(type(subject)), object_id=str(subject.pk)
    ).select_related("actor")
