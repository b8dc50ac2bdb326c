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
