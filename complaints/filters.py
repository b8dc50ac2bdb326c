"""The complaint FilterSet (django-filter), shared by the case list page and the API, and
the predicates the admin's list filters reuse.

Fields are explicit; an invalid value (an unknown stage, a malformed date) is a 400
naming the parameter in the API and an error beside the field on the page, never a
filter silently ignored.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from agencies.models import Agency
from migration_portal.core.scoping import visible
from migration_portal.reference.models import Province

from .choices import Ground, Stage
from .models import Complaint, ComplaintGround, Respondent
from .selectors import stage_limits

DATE = forms.DateInput(attrs={"type": "date"})

# --- Predicates --------------------------------------------------------------------------------


def overdue_q(limits: dict[str, int], now=None) -> Q:
    """Cases past their stage's deadline: in an open stage for longer than its days allowed.

    ``limits`` comes from ``selectors.stage_limits()`` (one query), so the predicate is a
    plain WHERE the (stage, stage_since) index serves."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for stage, days in limits.items():
        condition |= Q(stage=stage, stage_since__lt=now - timedelta(days=days))
    return condition


def with_ground(qs, ground: str):
    return qs.filter(Exists(ComplaintGround.objects.filter(complaint=OuterRef("pk"), ground=ground)))


def against_agency(qs, agency_id):
    return qs.filter(Exists(Respondent.objects.filter(complaint=OuterRef("pk"), agency=agency_id)))


def ref_search(qs, term: str):
    term = (term or "").strip().upper()
    return qs.filter(ref__startswith=term) if term else qs


class AnyYesNo(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "Any" (not "Unknown")."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def _agencies(request):
    if request is None:
        return Agency.objects.none()
    return visible(Agency.objects.all(), request.user).order_by("name")


def _provinces(request):
    if request is None:
        return Province.objects.none()
    return visible(Province.objects.all(), request.user).order_by("name")


@extend_schema_field(OpenApiTypes.INT)
class AgencyIdFilter(filters.ModelChoiceFilter):
    """An agency by its id (documented as an integer: the filter runs through a method)."""


class ComplaintFilterSet(filters.FilterSet):
    q = filters.CharFilter(label=_("Reference"), method="filter_q")
    stage = filters.MultipleChoiceFilter(label=_("Stage"), choices=Stage.choices, widget=forms.CheckboxSelectMultiple)
    ground = filters.ChoiceFilter(label=_("Ground"), choices=Ground.choices, method="filter_ground", empty_label=_("Any"))
    agency = AgencyIdFilter(label=_("Agency"), queryset=_agencies, method="filter_agency", empty_label=_("Any"))
    province = filters.ModelChoiceFilter(label=_("Handled by province"), field_name="current_province", queryset=_provinces,
                                         empty_label=_("Any"))
    received_after = filters.DateFilter(label=_("Received from"), field_name="received_on", lookup_expr="gte", widget=DATE)
    received_before = filters.DateFilter(label=_("Received until"), field_name="received_on", lookup_expr="lte", widget=DATE)
    overdue = filters.BooleanFilter(label=_("Past the stage's deadline"), method="filter_overdue", widget=AnyYesNo)
    assigned_to_me = filters.BooleanFilter(label=_("Assigned to me"), method="filter_assigned_to_me", widget=AnyYesNo)
    restricted = filters.BooleanFilter(label=_("Restricted (trafficking signs)"), field_name="restricted", widget=AnyYesNo)

    class Meta:
        model = Complaint
        fields = ["q", "stage", "ground", "agency", "province", "received_after", "received_before", "overdue",
                  "assigned_to_me", "restricted"]

    def filter_q(self, qs, name, value):
        return ref_search(qs, value)

    def filter_ground(self, qs, name, value):
        return with_ground(qs, value) if value else qs

    def filter_agency(self, qs, name, value):
        return against_agency(qs, value.pk) if value else qs

    def filter_overdue(self, qs, name, value):
        if value is None:
            return qs
        condition = overdue_q(stage_limits())
        return qs.filter(condition) if value else qs.exclude(condition)

    def filter_assigned_to_me(self, qs, name, value):
        if value is None:
            return qs
        user = getattr(self.request, "user", None)
        mine = Q(assigned_officer=user.pk) if user is not None and user.pk else Q(pk__in=[])
        return qs.filter(mine) if value else qs.exclude(mine)
