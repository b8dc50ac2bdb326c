"""Filters shared by the API's FilterSets, and the filter backend every API view uses.

The schema promises types for query parameters (an id is an integer, a flag is true or
false); the API keeps that promise by refusing anything else with a 400 naming the
parameter, instead of ignoring it (an unknown flag read as "no filter") or passing it to
the database (an id of 10^220 overflows the column).
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from ..filters import INTEGER_MAX, bound_numbers

# The range of the primary keys (64-bit on every database the portal runs on).
MAX_ID = INTEGER_MAX
BOOLEAN_VALUES = {"true", "false", "1", "0"}


class IntegerFilter(filters.NumberFilter):
    """A whole number (a year, a number of days), not any decimal."""

    field_class = forms.IntegerField


class IdFilter(IntegerFilter):
    """A row's id: a positive integer within the key's range."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PortalFilterBackend(filters.DjangoFilterBackend):
    """DjangoFilterBackend, strict about flags and numbers: ``?acra_member=maybe`` is a 400,
    not every row, and ``?agency=99999999999999999999`` a 400, not a database overflow.

    django-filter's boolean filters read any unknown value as "not given" (the pages' forms
    rely on that for their "any" choice); an API client that misspells a value would get
    every row back and not know it. An empty value still means "not given", as it does
    for every filter (the schema says so with ``allowEmptyValue``).
    """

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        bound_numbers(filterset)  # every number filter without a range of its own gets the column's
        errors = {}
        for name, spec in filterset.filters.items():
            if not isinstance(spec, filters.BooleanFilter):
                continue
            values = [v for v in request.query_params.getlist(name) if v != ""]
            if any(v.lower() not in BOOLEAN_VALUES for v in values):
                errors[name] = [_("Give true or false.")]
        if errors:
            raise ValidationError(errors)
        return filterset
