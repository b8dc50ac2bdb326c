"""Attribution of the field-level change log (django-auditlog) outside the request middleware.

The middleware knows the session user, but an API call authenticated by token is
only authenticated inside the view, and tasks have no request at all. Services that
log reads, and the API base view, enter ``as_actor`` so every entry names a person.
"""

import contextlib

from auditlog.context import set_actor


def as_actor(actor):
    if actor is not None and getattr(actor, "is_authenticated", False):
        return set_actor(actor)
    return contextlib.nullcontext()


class AuditedAPIViewMixin:
    """Attributes every write made while handling an API request to the authenticated user."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self._audit_context = as_actor(request.user)
        self._audit_context.__enter__()

    def finalize_response(self, request, response, *args, **kwargs):
        context = getattr(self, "_audit_context", None)
        if context is not None:
            self._audit_context = None
            context.__exit__(None, None, None)
        return super().finalize_response(request, response, *args, **kwargs)


# --- Free text that never enters the change log in clear ---------------------------------------------

MASKED = "[masked]"
MASK_CALLABLE = "migration_portal.core.audit.mask_free_text"


def mask_free_text(value: str) -> str:
    """The change log's mask for narratives and notes: whether the text changed, never what it says.

    auditlog's default mask keeps the second half of a value, fit for a phone number but
    not for a victim's account; this one keeps only "empty" or "masked".
    """
    return "" if value in ("", "None", "[]", "{}") else MASKED


_REDACTED_REPR: set[type] = set()


def redact_repr(*models) -> None:
    """Log these models' rows under their type and number, not their ``__str__``
    (an attachment's name is its description)."""
    _REDACTED_REPR.update(models)


def redact_entry_repr(sender, instance, **kwargs) -> None:
    """``pre_save`` of auditlog's LogEntry: the record's name is written without its free text."""
    model = instance.content_type.model_class() if instance.content_type_id else None
    if model in _REDACTED_REPR:
        instance.object_repr = f"{model._meta.model_name} {instance.object_pk}"


def redaction_of_past_entries(app_label: str, masked: dict[str, list[str]], redacted_repr: tuple[str, ...] = ()):
    """A migration step that masks, in entries written before a field was masked, what
    ``mask_free_text`` masks now (and renames the records listed in ``redacted_repr``).

    Streams the app's entries in batches; only the listed fields of the listed models change.
    """

    def forwards(apps, schema_editor):
        LogEntry = apps.get_model("auditlog", "LogEntry")
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model_name in sorted(set(masked) | set(redacted_repr)):
            content_type = ContentType.objects.filter(app_label=app_label, model=model_name).first()
            if content_type is None:
                continue
            fields = masked.get(model_name, [])
            batch = []
            entries = LogEntry.objects.filter(content_type=content_type).only("pk", "changes", "object_repr", "object_pk")
            for entry in entries.iterator(2000):
                changed = False
                changes = entry.changes if isinstance(entry.changes, dict) else None
                for field in fields:
                    if changes and field in changes and isinstance(changes[field], list):
                        masked_values = [mask_free_text("" if v is None else str(v)) for v in changes[field]]
                        if masked_values != changes[field]:
                            changes[field] = masked_values
                            changed = True
                if model_name in redacted_repr:
                    entry.object_repr = f"{model_name} {entry.object_pk}"
                    changed = True
                if changed:
                    batch.append(entry)
                if len(batch) >= 500:
                    LogEntry.objects.bulk_update(batch, ["changes", "object_repr"])
                    batch = []
            if batch:
                LogEntry.objects.bulk_update(batch, ["changes", "object_repr"])

    return forwards
