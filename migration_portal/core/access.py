"""The access log: the one function every read or export of personal data calls.

What is logged (docs/security.md, "Personal data at rest and the access log"):

* opening a restricted complaint (signs of trafficking, or restricted to its handlers):
  every response that shows its content (the case page, the admin change form, the API
  case body, a file of the case) writes one entry; an unrestricted case writes none;
* unmasking a worker's identity numbers;
* every download that carries personal data (certificates in PDF, and any export of
  workers, complaints or returns), with the filter it was made with and its row count.

Entries hold references and counts only: never an identity number, a name or a narrative.
Filters are kept with the values of identifier parameters blanked out.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.contenttypes.models import ContentType

from .models import AccessChannel, AccessKind, AccessLog

# Query parameters whose values are identity numbers (or could be): kept as a key, never a value.
_SECRET_PARAMETERS = ("national_id", "passport", "phone", "identifier", "id_number")
MASKED = "•••"


def clean_filters(filters: Mapping | None) -> dict:
    """The filter of an export as it is logged: one value or a list per key, identifiers blanked."""
    if not filters:
        return {}
    getlist = getattr(filters, "getlist", None)
    out: dict = {}
    for key in filters:
        if key in ("csrfmiddlewaretoken", "page"):
            continue
        values = getlist(key) if getlist else filters[key]
        if isinstance(values, list | tuple):
            values = [str(v)[:100] for v in values if v not in ("", None)]
            if not values:
                continue
            value = values[0] if len(values) == 1 else values
        elif values in ("", None):
            continue
        else:
            value = str(values)[:100]
        out[str(key)[:50]] = MASKED if any(s in str(key).lower() for s in _SECRET_PARAMETERS) else value
    return out


def access_record(*, actor, kind: AccessKind | str, channel: AccessChannel | str, what: str, subject=None, label: str = "",
                  filters: Mapping | None = None, rows: int | None = None) -> AccessLog | None:
    """Append one entry; nothing for an anonymous actor (who reaches no personal data)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    content_type, object_id = None, ""
    if subject is not None:
        content_type = ContentType.objects.get_for_model(type(subject))
        object_id = str(subject.pk)
    return AccessLog.objects.create(
        user=actor, kind=kind, channel=channel, what=what[:64], content_type=content_type, object_id=object_id,
        label=str(label)[:80], filters=clean_filters(filters), rows=rows,
    )

