"""The OpenAPI schema class: every operation documents the error answers it can give.

drf-spectacular documents the success answer of each operation from its serializer;
the errors come from the framework around it (validation, permissions, lookups,
throttles) and would otherwise be missing, so a client (and the schema-based fuzz
test in CI) would meet answers the contract never mentioned. ``PortalAutoSchema``
adds them from what the view really does:

- 400 ``{"errors": {...}}`` when the operation takes a body or query parameters;
- 415 ``{"detail": ...}`` when it takes a body (one it cannot read);
- 403 ``{"detail": ...}`` when a permission is required (a visitor who is not signed
  in gets 403 as well: session authentication comes first, and it sends no
  ``WWW-Authenticate`` challenge, so DRF never answers 401);
- 404 ``{"detail": ...}`` when the path names a row (outside the caller's scope is 404 too)
  or the list is paginated (a page past the last one);
- 429 ``{"detail": ...}`` when the view is throttled.

An optional query parameter sent empty (``?province=``) counts as not given: the schema
says so with ``allowEmptyValue``.

An error answer an operation already declares (with ``extend_schema(responses=...)``)
is kept; one declared with a description only gets the error body's schema.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework.permissions import AllowAny

from .errors import DetailErrorSerializer, ValidationErrorSerializer
from .permissions import PublicReadOnly

BODY_METHODS = {"POST", "PUT", "PATCH"}
OPEN_PERMISSIONS = (AllowAny, PublicReadOnly)


class PortalAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        for parameter in operation.get("parameters", []):
            if parameter.get("in") == "query" and not parameter.get("required"):
                # An empty value means "not given", as in an HTML form: every filter ignores it.
                parameter["allowEmptyValue"] = True
        responses = operation.setdefault("responses", {})
        for code, serializer in self._error_responses(operation).items():
            documented = self._get_response_for_code(serializer, code)
            if code not in responses:
                responses[code] = documented
            elif "content" not in responses[code]:
                # Declared by the view with a description only: keep its words, add the body.
                responses[code]["content"] = documented["content"]
        return operation

    def _error_responses(self, operation: dict) -> dict:
        errors = {}
        if self.method in BODY_METHODS or any(p.get("in") == "query" for p in operation.get("parameters", [])):
            errors["400"] = ValidationErrorSerializer
        if self.method in BODY_METHODS:
            errors["415"] = DetailErrorSerializer
        if not all(issubclass(p, OPEN_PERMISSIONS) for p in self.view.permission_classes):
            errors["403"] = DetailErrorSerializer
        query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
        if "{" in self.path or "page" in query:
            # A row outside the caller's scope, or a page past the last one.
            errors["404"] = DetailErrorSerializer
        if self.view.throttle_classes:
            errors["429"] = DetailErrorSerializer
        return errors


def close_role_variants(result, generator, request, public):
    """Postprocessing hook: make the answers chosen by role tell themselves apart.

    An endpoint whose serializer depends on the caller's role (an agency's user sees less
    of a complaint than its handler) is documented as ``oneOf`` the variants. A variant
    with fewer fields is a subset of a richer one, so an agency's answer would also match
    the richer variant, and a ``oneOf`` must match exactly one. Every variant lists all its
    fields as required; closing each (``additionalProperties: false``) makes a body match
    its own variant only: fewer fields than the richer one, none beyond its own.
    """
    schemas = result.get("components", {}).get("schemas", {})

    def walk(node):
        if isinstance(node, dict):
            for branch in node.get("oneOf", []):
                name = branch.get("$ref", "").rpartition("/")[2]
                if name in schemas:
                    schemas[name]["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result)
    return result
