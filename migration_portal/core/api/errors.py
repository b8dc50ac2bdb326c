"""One error shape for the API: ``{"errors": {field: [messages]}}``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    # A number beyond what the database column holds (an id of twenty digits, a count of
    # billions) that no serializer bounded: the input was wrong, so a 400, not a 500. Inputs
    # are bounded where they are declared; this is the net under them.
    if isinstance(exc, OverflowError | DataError):
        message = _("A number in the request is out of range.")
        return Response({"errors": {"non_field_errors": [message]}}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in ValidationErrorMessages(errs)] for field, errs in exc.error_dict.items()}
        else:
            errors = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == 400 and isinstance(response.data, dict | list):
        response.data = {"errors": response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}}
    return response


def ValidationErrorMessages(errs):  # noqa: N802 - reads like a type
    for e in errs:
        yield from e.messages


class ValidationErrorSerializer(serializers.Serializer):
    """The body of a 400: what was wrong, under the name of the field (or ``non_field_errors``)."""

    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text=_("For each field (or non_field_errors): its messages; for a nested input, its items' errors by field."),
    )

    class Meta:
        ref_name = "ValidationError"


class DetailErrorSerializer(serializers.Serializer):
    """The body of a 403, 404, 405 or 429: one sentence saying why."""

    detail = serializers.CharField()

    class Meta:
        ref_name = "DetailError"
