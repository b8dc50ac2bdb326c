from django.db import models
from django.utils.translation import gettext_lazy as _


class LicenceStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")
    TEMPORARILY_STOPPED = "stopped", _("Temporarily stopped")
    CLOSED = "closed", _("Closed")


# The licence state machine (Sub-decree 190; Prakas 047 and 251). Every change
# goes through agencies.services.agency_change_licence, which reads this table.
LICENCE_TRANSITIONS: dict[str, set[str]] = {
    LicenceStatus.APPLIED: {LicenceStatus.ACTIVE, LicenceStatus.CLOSED},
    LicenceStatus.ACTIVE: {
        LicenceStatus.SUSPENDED,
        LicenceStatus.CANCELLED,
        LicenceStatus.EXPIRED,
        LicenceStatus.TEMPORARILY_STOPPED,
        LicenceStatus.CLOSED,
    },
    LicenceStatus.SUSPENDED: {LicenceStatus.ACTIVE, LicenceStatus.CANCELLED, LicenceStatus.EXPIRED},
    LicenceStatus.TEMPORARILY_STOPPED: {LicenceStatus.ACTIVE, LicenceStatus.CLOSED, LicenceStatus.CANCELLED},
    LicenceStatus.EXPIRED: {LicenceStatus.ACTIVE, LicenceStatus.CLOSED, LicenceStatus.CANCELLED},
    LicenceStatus.CANCELLED: set(),
    LicenceStatus.CLOSED: set(),
}

# What the public licence check says, plainly.
PUBLIC_STATUS = {
    LicenceStatus.APPLIED: _("Not licensed (application pending)"),
    LicenceStatus.ACTIVE: _("Licensed"),
    LicenceStatus.SUSPENDED: _("Suspended: may not recruit"),
    LicenceStatus.CANCELLED: _("Cancelled: may not recruit"),
    LicenceStatus.EXPIRED: _("Licence expired: may not recruit"),
    LicenceStatus.TEMPORARILY_STOPPED: _("Temporarily stopped: not recruiting"),
    LicenceStatus.CLOSED: _("Closed"),
}


class DepositEntryKind(models.TextChoices):
    INITIAL = "initial", _("Initial deposit")
    TOP_UP = "top_up", _("Top-up")
    DRAWDOWN = "drawdown", _("Drawdown to compensate workers")
    REFUND = "refund", _("Refund to the agency")


DEPOSIT_CREDITS = (DepositEntryKind.INITIAL, DepositEntryKind.TOP_UP)
DEPOSIT_DEBITS = (DepositEntryKind.DRAWDOWN, DepositEntryKind.REFUND)


class SanctionKind(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    WARNING = "warning", _("Warning")
    SUSPENSION = "suspension", _("Suspension of licence")
    CANCELLATION = "cancellation", _("Cancellation of licence")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RECORDED = "recorded", _("Recorded, awaiting approval")
    APPROVED = "approved", _("Approved and published")
    CANCELLED = "cancelled", _("Cancelled")


INSPECTION_TRANSITIONS: dict[str, set[str]] = {
    InspectionStatus.PLANNED: {InspectionStatus.RECORDED, InspectionStatus.CANCELLED},
    InspectionStatus.RECORDED: {InspectionStatus.APPROVED, InspectionStatus.PLANNED},
    InspectionStatus.APPROVED: set(),
    InspectionStatus.CANCELLED: set(),
}


class InspectionReason(models.TextChoices):
    ROUTINE = "routine", _("Routine (two-yearly)")
    RISK = "risk", _("Risk signals")
    COMPLAINT = "complaint", _("Complaint")
    LICENCE = "licence", _("Licence application or renewal")


class ChecklistResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    PARTIAL = "partial", _("Partly compliant")
    NON_COMPLIANT = "non_compliant", _("Not compliant")
    NOT_APPLICABLE = "na", _("Not applicable")


# Share of an item's points each result earns.
RESULT_CREDIT = {
    ChecklistResult.COMPLIANT: 1.0,
    ChecklistResult.PARTIAL: 0.5,
    ChecklistResult.NON_COMPLIANT: 0.0,
}


class Grade(models.TextChoices):
    A = "A", _("A: exemplary")
    B = "B", _("B: good")
    C = "C", _("C: needs improvement")
    D = "D", _("D: serious failings")


def grade_for(score: float) -> str:
    if score >= 85:
        return Grade.A
    if score >= 70:
        return Grade.B
    if score >= 50:
        return Grade.C
    return Grade.D


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    OVERDUE = "overdue", _("Overdue")


class AdvertisementStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for correction")


REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.RETURNED: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.ACCEPTED, ReportStatus.RETURNED},
    ReportStatus.ACCEPTED: set(),
}
# States in which the agency may still edit its figures.
REPORT_EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)


class Association(models.TextChoices):
    ACRA = "ACRA", _("Association of Cambodian Recruitment Agencies (ACRA)")
    MAC = "MAC", _("Manpower Association of Cambodia (MAC)")
