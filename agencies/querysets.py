"""Row scope and query shapes for the agencies app."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, DecimalField, F, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from migration_portal.core.scoping import ReferenceQuerySet, ScopedQuerySet

from .choices import (
    DEPOSIT_DEBITS,
    AdvertisementStatus,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
)


class AgencyQuerySet(ScopedQuerySet):
    """An agency user sees their own agency; provincial officers and ministry staff see all."""

    agency_field = "pk"

    def public(self):
        """The public register: every agency that holds or held a licence (applicants are not listed)."""
        return self.exclude(licence_status=LicenceStatus.APPLIED)

    def for_province(self, province_id):
        # The register of agencies is public information (who is licensed).
        return self.all()

    def active(self):
        return self.filter(licence_status=LicenceStatus.ACTIVE)

    def with_deposit_balance(self):
        from .models import DepositEntry

        signed = Case(
            When(kind__in=DEPOSIT_DEBITS, then=-F("amount")),
            default=F("amount"),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )
        balance = (
            DepositEntry.objects.filter(agency=OuterRef("pk"))
            .order_by()
            .values("agency")
            .annotate(total=Sum(signed))
            .values("total")
        )
        return self.annotate(
            deposit_balance=Coalesce(
                Subquery(balance, output_field=DecimalField(max_digits=14, decimal_places=2)),
                Value(Decimal("0.00")),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )

    def with_last_inspection(self):
        from .models import Inspection

        last = Inspection.objects.filter(agency=OuterRef("pk"), status=InspectionStatus.APPROVED).order_by(
            "-conducted_on", "-id"
        )
        return self.annotate(
            last_inspection_on=Subquery(last.values("conducted_on")[:1]),
            last_inspection_score=Subquery(last.values("score")[:1]),
            last_inspection_grade=Subquery(last.values("grade")[:1]),
        )

    def for_list(self):
        """The shape every agency list reads: province joined, balance and last inspection annotated."""
        return self.select_related("province").with_deposit_balance().with_last_inspection()


class AgencyChildQuerySet(ScopedQuerySet):
    """Rows that belong to one agency (deposit entries, sanctions, representatives...)."""

    agency_field = "agency"


class InspectionResultQuerySet(ScopedQuerySet):
    agency_field = "inspection__agency"

    def for_agency(self, agency_id):
        return self.filter(inspection__agency=agency_id, inspection__status=InspectionStatus.APPROVED)


class InspectionActionQuerySet(ScopedQuerySet):
    """Follow-up actions: an agency sees those of its approved inspections."""

    agency_field = "inspection__agency"

    def for_agency(self, agency_id):
        return self.filter(inspection__agency=agency_id, inspection__status=InspectionStatus.APPROVED)


class ChecklistQuerySet(ReferenceQuerySet):
    """The inspection standards are no secret: every signed-in user may read them."""


class InspectionQuerySet(ScopedQuerySet):
    """An agency sees its own inspections once their results are approved and published."""

    agency_field = "agency"

    def for_agency(self, agency_id):
        return self.filter(agency=agency_id, status=InspectionStatus.APPROVED)

    def published(self):
        return self.filter(status=InspectionStatus.APPROVED)

    def planned(self):
        return self.filter(status=InspectionStatus.PLANNED)

    def overdue(self, today: date):
        return self.planned().filter(scheduled_for__lt=today)


class AdvertisementQuerySet(ScopedQuerySet):
    agency_field = "agency"

    def approved(self):
        return self.filter(status=AdvertisementStatus.APPROVED)

    def pending(self):
        return self.filter(status=AdvertisementStatus.SUBMITTED)


class MonthlyReportQuerySet(ScopedQuerySet):
    agency_field = "agency"

    def submitted_or_later(self):
        return self.filter(status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED))

    def awaiting_review(self):
        return self.filter(status=ReportStatus.SUBMITTED)

    def for_list(self):
        return self.select_related("agency", "submitted_by", "reviewed_by")


class ReportLineQuerySet(ScopedQuerySet):
    agency_field = "report__agency"

    def totals(self):
        """Sum every figure over the lines in the queryset."""
        from .models import MonthlyReportLine

        return self.aggregate(**{f: Coalesce(Sum(f), 0) for f in MonthlyReportLine.FIGURES})


def last_day_reported(qs) -> date | None:
    return qs.aggregate(last=Max("period"))["last"]


__all__ = [
    "AdvertisementQuerySet",
    "AgencyChildQuerySet",
    "AgencyQuerySet",
    "ChecklistQuerySet",
    "InspectionActionQuerySet",
    "InspectionQuerySet",
    "InspectionResultQuerySet",
    "MonthlyReportQuerySet",
    "Q",
    "ReportLineQuerySet",
]
