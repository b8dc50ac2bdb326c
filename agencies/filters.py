"""FilterSets of the agencies app (django-filter), and the predicates they are built from.

The predicates are plain functions over a queryset so that the admin's list
filters and the portal pages can apply exactly the same rule as the API.
Every FilterSet names its fields explicitly; an invalid value is a 400 that
names the parameter, never a silently ignored filter.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from migration_portal.core.api.filters import IdFilter, IntegerFilter
from migration_portal.core.filters import YEAR_MAX, YEAR_MIN

from .choices import (
    AdvertisementStatus,
    DepositEntryKind,
    Grade,
    InspectionReason,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
)
from .models import Advertisement, Agency, DepositEntry, Inspection, MonthlyReport, Sanction

# --- Predicates -------------------------------------------------------------------


def agency_search(qs, value: str):
    """Agencies whose name, Khmer name or licence number contains ``value`` (case-insensitive)."""
    value = (value or "").strip()
    if not value:
        return qs
    return qs.filter(Q(name__icontains=value) | Q(name_km__icontains=value) | Q(licence_number__icontains=value))


def agencies_authorised_for(qs, country_code: str):
    """Agencies authorised to recruit for the country with this ISO code.

    An EXISTS rather than a join, so an agency never appears twice in a list.
    """
    if not country_code:
        return qs
    through = Agency.authorised_countries.through
    return qs.filter(Exists(through.objects.filter(agency_id=OuterRef("pk"), country__code__iexact=country_code.strip())))


# --- FilterSets -------------------------------------------------------------------


class AgencyFilterSet(filters.FilterSet):
    licence_status = filters.MultipleChoiceFilter(choices=LicenceStatus.choices, label=_("Licence status (repeat for several)"))
    province = filters.CharFilter(field_name="province__code", lookup_expr="iexact", label=_("Head office province code"))
    country = filters.CharFilter(method="filter_country", label=_("Authorised destination (ISO country code)"))
    acra_member = filters.BooleanFilter(label=_("Member of ACRA"))
    mac_member = filters.BooleanFilter(label=_("Member of MAC"))
    q = filters.CharFilter(method="filter_q", label=_("Name, Khmer name or licence number contains"))
    licence_expires_before = filters.DateFilter(
        field_name="licence_expires", lookup_expr="lte", label=_("Licence expires on or before")
    )
    licence_expires_after = filters.DateFilter(
        field_name="licence_expires", lookup_expr="gte", label=_("Licence expires on or after")
    )

    class Meta:
        model = Agency
        fields = [
            "licence_status",
            "province",
            "country",
            "acra_member",
            "mac_member",
            "q",
            "licence_expires_before",
            "licence_expires_after",
        ]

    def filter_country(self, qs, name, value):
        return agencies_authorised_for(qs, value)

    def filter_q(self, qs, name, value):
        return agency_search(qs, value)


class PublicLicenceFilterSet(filters.FilterSet):
    """The public licence check: search only."""

    q = filters.CharFilter(method="filter_q", label=_("Name, Khmer name or licence number contains"))

    class Meta:
        model = Agency
        fields = ["q"]

    def filter_q(self, qs, name, value):
        return agency_search(qs, value)


class DepositEntryFilterSet(filters.FilterSet):
    agency = IdFilter(field_name="agency_id", label=_("Agency id"))
    kind = filters.MultipleChoiceFilter(choices=DepositEntryKind.choices, label=_("Kind (repeat for several)"))
    date_after = filters.DateFilter(field_name="entry_date", lookup_expr="gte", label=_("Dated on or after"))
    date_before = filters.DateFilter(field_name="entry_date", lookup_expr="lte", label=_("Dated on or before"))

    class Meta:
        model = DepositEntry
        fields = ["agency", "kind", "date_after", "date_before"]


class SanctionFilterSet(filters.FilterSet):
    agency = IdFilter(field_name="agency_id", label=_("Agency id"))
    kind = filters.MultipleChoiceFilter(choices=SanctionKind.choices, label=_("Decision (repeat for several)"))
    decided_after = filters.DateFilter(field_name="decided_on", lookup_expr="gte", label=_("Decided on or after"))
    decided_before = filters.DateFilter(field_name="decided_on", lookup_expr="lte", label=_("Decided on or before"))

    class Meta:
        model = Sanction
        fields = ["agency", "kind", "decided_after", "decided_before"]


class InspectionFilterSet(filters.FilterSet):
    agency = IdFilter(field_name="agency_id", label=_("Agency id"))
    status = filters.MultipleChoiceFilter(choices=InspectionStatus.choices, label=_("Status (repeat for several)"))
    reason = filters.ChoiceFilter(choices=InspectionReason.choices, label=_("Reason"))
    grade = filters.MultipleChoiceFilter(choices=Grade.choices, label=_("Grade (repeat for several)"))
    scheduled_after = filters.DateFilter(field_name="scheduled_for", lookup_expr="gte", label=_("Planned on or after"))
    scheduled_before = filters.DateFilter(field_name="scheduled_for", lookup_expr="lte", label=_("Planned on or before"))
    conducted_after = filters.DateFilter(field_name="conducted_on", lookup_expr="gte", label=_("Inspected on or after"))
    conducted_before = filters.DateFilter(field_name="conducted_on", lookup_expr="lte", label=_("Inspected on or before"))

    class Meta:
        model = Inspection
        fields = [
            "agency",
            "status",
            "reason",
            "grade",
            "scheduled_after",
            "scheduled_before",
            "conducted_after",
            "conducted_before",
        ]


class MonthlyReportFilterSet(filters.FilterSet):
    agency = IdFilter(field_name="agency_id", label=_("Agency id"))
    status = filters.MultipleChoiceFilter(choices=ReportStatus.choices, label=_("Status (repeat for several)"))
    period_after = filters.DateFilter(field_name="period", lookup_expr="gte", label=_("Month on or after (a date)"))
    period_before = filters.DateFilter(field_name="period", lookup_expr="lte", label=_("Month on or before (a date)"))
    # A year outside what a date can hold (0, 10000) used to reach the database's date arithmetic (a 500).
    year = IntegerFilter(field_name="period__year", label=_("Year"), min_value=YEAR_MIN, max_value=YEAR_MAX)

    class Meta:
        model = MonthlyReport
        fields = ["agency", "status", "period_after", "period_before", "year"]


class AdvertisementFilterSet(filters.FilterSet):
    agency = IdFilter(field_name="agency_id", label=_("Agency id"))
    status = filters.MultipleChoiceFilter(choices=AdvertisementStatus.choices, label=_("Status (repeat for several)"))
    country = filters.CharFilter(field_name="country__code", lookup_expr="iexact", label=_("Destination (ISO country code)"))
    q = filters.CharFilter(field_name="title", lookup_expr="icontains", label=_("Title contains"))

    class Meta:
        model = Advertisement
        fields = ["agency", "status", "country", "q"]
