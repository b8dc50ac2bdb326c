"""Every write that matters in the supervision of agencies.

Each service takes keyword arguments and an explicit ``actor``, validates, owns
its transaction, records an event (the field-level change log is written by
django-auditlog), and queues side effects after commit. Rule violations raise
django.core.exceptions.ValidationError with the field named where there is one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.notify import group_members, notify
from migration_portal.core.scoping import INSPECTION, LICENSING, Role, scope_for

from .choices import (
    INSPECTION_TRANSITIONS,
    LICENCE_TRANSITIONS,
    REPORT_EDITABLE,
    REPORT_TRANSITIONS,
    RESULT_CREDIT,
    AdvertisementStatus,
    ChecklistResult,
    DepositEntryKind,
    InspectionReason,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
    grade_for,
)
from .models import (
    Advertisement,
    Agency,
    ChecklistItem,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionResult,
    LicenceChange,
    MonthlyReport,
    MonthlyReportLine,
    Sanction,
)
from .signals import report_submitted


def _require_perm(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def _require_own_agency(actor, agency_id: int) -> None:
    """An agency user acts only for their own agency (ministry staff for any)."""
    scope = scope_for(actor)
    if scope.role is Role.AGENCY and scope.agency_id == agency_id:
        return
    if scope.role is Role.MINISTRY:
        return
    raise PermissionDenied(_("You may act only for your own agency."))


# --- Licence ----------------------------------------------------------------


@transaction.atomic
def agency_change_licence(
    *,
    agency: Agency,
    to_status: str,
    actor,
    reason: str,
    reference: str = "",
    effective_date: date | None = None,
    sanction: Sanction | None = None,
    licence_number: str | None = None,
    expires: date | None = None,
) -> Agency:
    """The one place a licence changes state. Reads the row with a lock, checks the
    transition table, writes the history row and the event."""
    # Sanctions carry their own permission (decide_sanction); every other change needs change_licence.
    if sanction is None:
        _require_perm(actor, "agencies.change_licence")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    current = agency.licence_status
    if to_status not in LICENCE_TRANSITIONS[current]:
        raise ValidationError(
            {
                "licence_status": _("A licence cannot go from %(from)s to %(to)s.")
                % {"from": LicenceStatus(current).label, "to": LicenceStatus(to_status).label}
            }
        )
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for this change.")})
    today = timezone.localdate()
    if to_status == LicenceStatus.ACTIVE:
        if licence_number:
            if Agency.objects.filter(licence_number=licence_number).exclude(pk=agency.pk).exists():
                raise ValidationError({"licence_number": _("Another agency already holds licence number %(n)s.") % {"n": licence_number}})
            agency.licence_number = licence_number
        if not agency.licence_number:
            raise ValidationError({"licence_number": _("A licence number is needed to activate a licence.")})
        if current in (LicenceStatus.APPLIED, LicenceStatus.EXPIRED):
            agency.licence_issued = effective_date or today
            agency.licence_expires = expires or (agency.licence_issued + timedelta(days=3 * 365))
        if agency.licence_expires and agency.licence_expires <= today:
            raise ValidationError({"expires": _("The licence's end date has passed; give a new one.")})
    agency.licence_status = to_status
    agency.save(update_fields=["licence_status", "licence_number", "licence_issued", "licence_expires", "updated"])
    LicenceChange.objects.create(
        agency=agency,
        from_status=current,
        to_status=to_status,
        reason=reason,
        reference=reference,
        effective_date=effective_date or today,
        sanction=sanction,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(
        subject=agency, code="licence.changed", actor=actor, message=reason,
        data={"from": current, "to": to_status, "reference": reference},
    )
    return agency


# --- Sanctions and rewards ---------------------------------------------------

SANCTION_TO_STATUS = {SanctionKind.SUSPENSION: LicenceStatus.SUSPENDED, SanctionKind.CANCELLATION: LicenceStatus.CANCELLED}


@transaction.atomic
def sanction_decide(
    *,
    agency: Agency,
    kind: str,
    reason: str,
    reference: str,
    actor,
    decided_on: date | None = None,
    effective_until: date | None = None,
) -> Sanction:
    """Record a decision (Prakas 251). A suspension or cancellation changes the licence
    through agency_change_licence, in the same transaction: both land or neither."""
    _require_perm(actor, "agencies.decide_sanction")
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Give the reason for the decision.")
    if not reference.strip():
        errors["reference"] = _("Give the reference of the decision.")
    decided_on = decided_on or timezone.localdate()
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("A decision cannot be dated in the future.")
    if kind == SanctionKind.SUSPENSION and effective_until and effective_until <= decided_on:
        errors["effective_until"] = _("A suspension must end after it is decided.")
    if kind != SanctionKind.SUSPENSION and effective_until:
        errors["effective_until"] = _("Only a suspension has an end date.")
    if errors:
        raise ValidationError(errors)
    sanction = Sanction.objects.create(
        agency=agency, kind=kind, reason=reason, reference=reference, decided_on=decided_on,
        effective_until=effective_until, decided_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if kind in SANCTION_TO_STATUS:
        agency_change_licence(
            agency=agency, to_status=SANCTION_TO_STATUS[kind], actor=actor, reason=reason,
            reference=reference, effective_date=decided_on, sanction=sanction,
        )
    event_record(subject=agency, code=f"sanction.{kind}", actor=actor, message=reason, data={"sanction": sanction.pk})
    notify(
        recipients=agency.users.filter(is_active=True),
        key=f"sanction:{sanction.pk}",
        subject=_("Decision on your agency: %(kind)s") % {"kind": sanction.get_kind_display()},
        body=reason,
        link="/agency/",
    )
    return sanction


@transaction.atomic
def suspension_lift(*, sanction: Sanction, actor, reason: str) -> Sanction:
    """End a suspension: the licence returns to active."""
    _require_perm(actor, "agencies.decide_sanction")
    sanction = Sanction.objects.select_for_update().get(pk=sanction.pk)
    if sanction.kind != SanctionKind.SUSPENSION or sanction.lifted_on:
        raise ValidationError(_("Only a suspension in force can be lifted."))
    agency_change_licence(
        agency=sanction.agency, to_status=LicenceStatus.ACTIVE, actor=actor, reason=reason,
        reference=sanction.reference, sanction=sanction,
    )
    sanction.lifted_on = timezone.localdate()
    sanction.save(update_fields=["lifted_on", "updated"])
    return sanction


# --- Guarantee deposit -------------------------------------------------------


def deposit_balance(agency: Agency) -> Decimal:
    return Agency.objects.filter(pk=agency.pk).with_deposit_balance().values_list("deposit_balance", flat=True).get()


def deposit_required() -> Decimal:
    return Decimal(settings.PORTAL["REQUIRED_DEPOSIT_USD"])


@transaction.atomic
def deposit_record(
    *, agency: Agency, kind: str, amount: Decimal, actor, reference: str = "", reason: str = "",
    entry_date: date | None = None,
) -> DepositEntry:
    """Add a movement to the ledger. A drawdown cannot take the balance below zero.

    The agency row is locked first so two drawdowns at once cannot both pass the check.
    """
    _require_perm(actor, "agencies.add_depositentry")
    Agency.objects.select_for_update().filter(pk=agency.pk).first()
    amount = Decimal(amount)
    errors = {}
    if amount <= 0:
        errors["amount"] = _("The amount must be more than zero.")
    if kind not in DepositEntryKind.values:
        errors["kind"] = _("Unknown kind of entry.")
    if kind == DepositEntryKind.DRAWDOWN and not reason.strip():
        errors["reason"] = _("Say which workers the drawdown compensates, and why.")
    entry_date = entry_date or timezone.localdate()
    if entry_date > timezone.localdate():
        errors["entry_date"] = _("An entry cannot be dated in the future.")
    if errors:
        raise ValidationError(errors)
    balance = deposit_balance(agency)
    if kind in (DepositEntryKind.DRAWDOWN, DepositEntryKind.REFUND) and amount > balance:
        raise ValidationError(
            {"amount": _("The deposit holds only USD %(balance)s; it cannot pay USD %(amount)s.") % {"balance": balance, "amount": amount}}
        )
    entry = DepositEntry.objects.create(
        agency=agency, kind=kind, amount=amount, reference=reference, reason=reason, entry_date=entry_date,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    event_record(subject=agency, code=f"deposit.{kind}", actor=actor, message=reason, data={"amount": str(amount)})
    new_balance = balance + entry.signed_amount
    if new_balance < deposit_required():
        notify(
            recipients=agency.users.filter(is_active=True),
            key=f"deposit-short:{entry.pk}",
            subject=_("Your guarantee deposit is below the required USD %(required)s") % {"required": deposit_required()},
            body=_("Balance: USD %(balance)s. Please top it up.") % {"balance": new_balance},
            link="/agency/",
        )
    return entry


# --- Advertisements ----------------------------------------------------------


def _new_ad_code() -> str:
    # Non-guessable: 8 characters from an alphabet without look-alikes.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "AD-" + "".join(secrets.choice(alphabet) for _ in range(8))


@transaction.atomic
def advertisement_submit(*, agency: Agency, actor, **fields) -> Advertisement:
    """An agency asks to run an advertisement. Only an active licence may ask."""
    _require_own_agency(actor, agency.pk)
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    if not agency.may_recruit:
        raise ValidationError(
            _("Your licence is %(status)s: you cannot submit advertisements.") % {"status": agency.get_licence_status_display()}
        )
    ad = Advertisement(agency=agency, submitted_by=actor, **fields)
    errors = {}
    if ad.valid_until and ad.valid_from and ad.valid_until < ad.valid_from:
        errors["valid_until"] = _("An advertisement must end on or after the day it starts.")
    if ad.valid_until and ad.valid_until < timezone.localdate():
        errors["valid_until"] = _("This date has passed.")
    if ad.positions_male + ad.positions_female <= 0:
        errors["positions_male"] = _("An advertisement must offer at least one position.")
    if ad.country_id and not agency.authorised_countries.filter(pk=ad.country_id).exists():
        errors["country"] = _("Your agency is not authorised to recruit for this country.")
    if errors:
        raise ValidationError(errors)
    ad.full_clean()
    ad.save()
    event_record(subject=ad, code="advertisement.submitted", actor=actor)
    notify(
        recipients=group_members(LICENSING),
        key=f"ad-submitted:{ad.pk}",
        subject=_("Advertisement to review: %(title)s") % {"title": ad.title},
        body=str(agency),
        link=f"/admin/agencies/advertisement/{ad.pk}/change/",
    )
    return ad


@transaction.atomic
def advertisement_review(*, advertisement: Advertisement, approve: bool, actor, reason: str = "") -> Advertisement:
    _require_perm(actor, "agencies.review_advertisement")
    ad = Advertisement.objects.select_for_update(of=("self",)).select_related("agency").get(pk=advertisement.pk)
    if ad.status != AdvertisementStatus.SUBMITTED:
        raise ValidationError(_("This advertisement was already reviewed."))
    if not approve and not reason.strip():
        raise ValidationError({"review_reason": _("Give the reason for refusing.")})
    if approve and not ad.agency.may_recruit:
        raise ValidationError(_("The agency's licence is not active; the advertisement cannot be approved."))
    ad.status = AdvertisementStatus.APPROVED if approve else AdvertisementStatus.REFUSED
    ad.review_reason = reason
    ad.reviewed_by = actor
    ad.reviewed_at = timezone.now()
    if approve:
        for _attempt in range(5):
            ad.code = _new_ad_code()
            if not Advertisement.objects.filter(code=ad.code).exists():
                break
    ad.save()
    event_record(subject=ad, code="advertisement.approved" if approve else "advertisement.refused", actor=actor, message=reason)
    notify(
        recipients=ad.agency.users.filter(is_active=True),
        key=f"ad-reviewed:{ad.pk}",
        subject=(_("Advertisement approved: %(code)s") % {"code": ad.code}) if approve else _("Advertisement refused"),
        body=reason or ad.title,
        link="/agency/advertisements/",
    )
    return ad


# --- Monthly reports -----------------------------------------------------------


def month_start(d: date) -> date:
    return d.replace(day=1)


def report_due_date(period: date) -> date:
    """Prakas 047: the report for a month is due on the set day of the next month."""
    nxt = (period.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt.replace(day=settings.PORTAL["REPORT_DUE_DAY"])


def _check_can_report(agency: Agency) -> None:
    if agency.licence_status in (LicenceStatus.CANCELLED, LicenceStatus.CLOSED, LicenceStatus.APPLIED):
        raise ValidationError(
            _("The licence is %(status)s: this agency cannot file reports.") % {"status": agency.get_licence_status_display()}
        )


@transaction.atomic
def report_create(*, agency: Agency, period: date, actor) -> MonthlyReport:
    """Open a draft for a month. One report per agency per month; not for a month still running."""
    _require_own_agency(actor, agency.pk)
    _check_can_report(agency)
    period = month_start(period)
    if period >= month_start(timezone.localdate()):
        raise ValidationError({"period": _("You can report only on a month that has ended.")})
    if MonthlyReport.objects.filter(agency=agency, period=period).exists():
        raise ValidationError({"period": _("There is already a report for %(month)s.") % {"month": period.strftime("%Y-%m")}})
    try:
        with transaction.atomic():
            report = MonthlyReport.objects.create(agency=agency, period=period)
    except IntegrityError:  # a colleague created it a moment ago
        raise ValidationError({"period": _("There is already a report for %(month)s.") % {"month": period.strftime("%Y-%m")}})
    event_record(subject=report, code="report.created", actor=actor)
    return report


@dataclass
class LineInput:
    """One validated line of figures (from the form or an uploaded file)."""

    country_id: int
    sector_id: int
    sex: str
    recruited: int = 0
    trained: int = 0
    deployed: int = 0
    returned: int = 0
    abroad_end: int = 0


def _lock_editable(report: MonthlyReport, version: int | None) -> MonthlyReport:
    locked = MonthlyReport.objects.select_for_update(of=("self",)).select_related("agency").get(pk=report.pk)
    if locked.status not in REPORT_EDITABLE:
        raise ValidationError(_("This report is %(status)s and can no longer be changed.") % {"status": locked.get_status_display()})
    if version is not None and version != locked.version:
        raise ValidationError(
            _("Someone else changed this report while you were editing it. Reload the page to see their figures.")
        )
    return locked


@transaction.atomic
def report_save(
    *, report: MonthlyReport, actor, lines: list[LineInput], complaints_received: int, fees_charged: Decimal,
    notes: str = "", version: int | None = None,
) -> MonthlyReport:
    """Replace the report's figures in one transaction: every line is saved, or none is."""
    _require_own_agency(actor, report.agency_id)
    report = _lock_editable(report, version)
    _check_can_report(report.agency)
    errors = {}
    if complaints_received is None or complaints_received < 0:
        errors["complaints_received"] = _("The number of complaints cannot be negative.")
    if fees_charged is None or Decimal(fees_charged) < 0:
        errors["fees_charged"] = _("Fees cannot be negative.")
    seen = set()
    for i, line in enumerate(lines, start=1):
        key = (line.country_id, line.sector_id, line.sex)
        if key in seen:
            errors[f"line {i}"] = _("Line %(n)s repeats a destination, sector and sex already given.") % {"n": i}
        seen.add(key)
        for f in MonthlyReportLine.FIGURES:
            if getattr(line, f) < 0:
                errors[f"line {i}"] = _("Line %(n)s: %(field)s cannot be negative.") % {"n": i, "field": f}
    if errors:
        raise ValidationError(errors)
    report.lines.all().delete()
    MonthlyReportLine.objects.bulk_create(
        [MonthlyReportLine(report=report, **line.__dict__) for line in lines]
    )
    report.complaints_received = complaints_received
    report.fees_charged = Decimal(fees_charged)
    report.notes = notes
    report.version += 1
    report.save(update_fields=["complaints_received", "fees_charged", "notes", "version", "updated"])
    event_record(subject=report, code="report.saved", actor=actor, data={"lines": len(lines)})
    return report


@transaction.atomic
def report_submit(*, report: MonthlyReport, actor, version: int | None = None) -> MonthlyReport:
    _require_own_agency(actor, report.agency_id)
    report = _lock_editable(report, version)
    _check_can_report(report.agency)
    if not report.lines.exists():
        raise ValidationError(_("Add at least one line of figures before submitting (use zeros if nothing happened)."))
    _transition_report(report, ReportStatus.SUBMITTED)
    report.submitted_at = timezone.now()
    report.submitted_by = actor
    report.version += 1
    report.save(update_fields=["status", "submitted_at", "submitted_by", "version", "updated"])
    event_record(subject=report, code="report.submitted", actor=actor)
    report_submitted.send(sender=MonthlyReport, report=report, actor=actor)
    return report


def _transition_report(report: MonthlyReport, to_status: str) -> None:
    if to_status not in REPORT_TRANSITIONS[report.status]:
        raise ValidationError(
            _("A report that is %(from)s cannot become %(to)s.")
            % {"from": report.get_status_display(), "to": ReportStatus(to_status).label}
        )
    report.status = to_status


@transaction.atomic
def report_review(*, report: MonthlyReport, accept: bool, actor, note: str = "") -> MonthlyReport:
    """Ministry staff accept a report, or return it for correction with a note."""
    _require_perm(actor, "agencies.review_monthlyreport")
    report = MonthlyReport.objects.select_for_update(of=("self",)).select_related("agency").get(pk=report.pk)
    if not accept and not note.strip():
        raise ValidationError({"review_note": _("Say what must be corrected.")})
    _transition_report(report, ReportStatus.ACCEPTED if accept else ReportStatus.RETURNED)
    report.reviewed_at = timezone.now()
    report.reviewed_by = actor
    report.review_note = note
    report.version += 1
    report.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_note", "version", "updated"])
    event_record(subject=report, code="report.accepted" if accept else "report.returned", actor=actor, message=note)
    if not accept:
        notify(
            recipients=report.agency.users.filter(is_active=True),
            key=f"report-returned:{report.pk}:{report.version}",
            subject=_("Your report for %(month)s was returned for correction") % {"month": report.period.strftime("%Y-%m")},
            body=note,
            link=f"/agency/reports/{report.pk}/",
        )
    return report


# --- Inspections ------------------------------------------------------------------


def checklist_current() -> ChecklistTemplate:
    template = ChecklistTemplate.objects.filter(is_current=True).first()
    if template is None:
        raise ValidationError(_("No current inspection checklist is set. Ministry staff must publish one first."))
    return template


@transaction.atomic
def checklist_new_version(*, template: ChecklistTemplate, actor, notes: str = "") -> ChecklistTemplate:
    """Copy a checklist into a new draft version; the old one stays as inspections used it."""
    _require_perm(actor, "agencies.add_checklisttemplate")
    last = ChecklistTemplate.objects.select_for_update().order_by("-version").first()
    new = ChecklistTemplate.objects.create(version=last.version + 1, title=template.title, notes=notes)
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(template=new, code=i.code, section=i.section, text=i.text, text_km=i.text_km, weight=i.weight, order=i.order)
            for i in template.items.all()
        ]
    )
    event_record(subject=new, code="checklist.versioned", actor=actor, data={"from": template.version})
    return new


@transaction.atomic
def checklist_make_current(*, template: ChecklistTemplate, actor) -> ChecklistTemplate:
    _require_perm(actor, "agencies.change_checklisttemplate")
    if not template.items.exists():
        raise ValidationError(_("A checklist without items cannot be made current."))
    ChecklistTemplate.objects.filter(is_current=True).update(is_current=False)
    template.is_current = True
    template.save(update_fields=["is_current", "updated"])
    event_record(subject=template, code="checklist.current", actor=actor)
    return template


def checklist_is_frozen(template: ChecklistTemplate) -> bool:
    """A version some inspection used is frozen: edit a new version instead."""
    return template.inspections.exclude(status=InspectionStatus.PLANNED).exists()


@transaction.atomic
def inspection_schedule(
    *, agency: Agency, scheduled_for: date, actor, reason: str = InspectionReason.ROUTINE, reason_detail: str = "",
    inspectors=(),
) -> Inspection:
    """Plan an inspection. The partial unique constraint allows one planned inspection
    per agency, so scheduling twice (a person, or the planner run twice) gives one."""
    _require_perm(actor, "agencies.add_inspection")
    existing = Inspection.objects.planned().filter(agency=agency).first()
    if existing:
        raise ValidationError(
            _("An inspection of %(agency)s is already planned for %(date)s.") % {"agency": agency, "date": existing.scheduled_for}
        )
    if scheduled_for < timezone.localdate():
        raise ValidationError({"scheduled_for": _("An inspection cannot be planned in the past.")})
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                agency=agency, template=checklist_current(), scheduled_for=scheduled_for, reason=reason,
                reason_detail=reason_detail,
            )
    except IntegrityError:
        raise ValidationError(_("An inspection of %(agency)s is already planned.") % {"agency": agency})
    if inspectors:
        inspection.inspectors.set(inspectors)
    event_record(subject=inspection, code="inspection.scheduled", actor=actor, message=reason_detail)
    notify(
        recipients=list(inspectors) or group_members(INSPECTION),
        key=f"inspection-scheduled:{inspection.pk}",
        subject=_("Inspection planned: %(agency)s on %(date)s") % {"agency": agency, "date": scheduled_for},
        body=reason_detail,
        link=f"/admin/agencies/inspection/{inspection.pk}/change/",
    )
    return inspection


def _transition_inspection(inspection: Inspection, to_status: str) -> None:
    if to_status not in INSPECTION_TRANSITIONS[inspection.status]:
        raise ValidationError(
            _("An inspection that is %(from)s cannot become %(to)s.")
            % {"from": inspection.get_status_display(), "to": InspectionStatus(to_status).label}
        )
    inspection.status = to_status


def inspection_score(results: dict[int, str], items: list[ChecklistItem]) -> float:
    """Weighted share of points earned; items marked not applicable are left out."""
    earned = possible = 0.0
    for item in items:
        result = results.get(item.pk)
        if result is None or result == ChecklistResult.NOT_APPLICABLE:
            continue
        possible += item.weight
        earned += item.weight * RESULT_CREDIT[result]
    return round(100 * earned / possible, 1) if possible else 0.0


@transaction.atomic
def inspection_record(
    *, inspection: Inspection, actor, conducted_on: date, results: dict[int, str], notes: dict[int, str] | None = None,
    findings: str = "", actions: list[tuple[str, date]] = (),
) -> Inspection:
    """Record what the inspectors found: a result for every checklist item, then score and grade."""
    _require_perm(actor, "agencies.change_inspection")
    inspection = Inspection.objects.select_for_update(of=("self",)).select_related("template").get(pk=inspection.pk)
    items = list(inspection.template.items.all())
    missing = [i.code for i in items if i.pk not in results]
    errors = {}
    if missing:
        errors["results"] = _("Give a result for every item; missing: %(codes)s.") % {"codes": ", ".join(missing)}
    unknown = set(results) - {i.pk for i in items}
    if unknown:
        errors["results"] = _("Some results are for items not on this checklist.")
    bad = [v for v in results.values() if v not in ChecklistResult.values]
    if bad:
        errors["results"] = _("Unknown result: %(value)s.") % {"value": bad[0]}
    if conducted_on > timezone.localdate():
        errors["conducted_on"] = _("An inspection cannot be recorded before it happens.")
    if errors:
        raise ValidationError(errors)
    _transition_inspection(inspection, InspectionStatus.RECORDED)
    notes = notes or {}
    inspection.results.all().delete()
    InspectionResult.objects.bulk_create(
        [InspectionResult(inspection=inspection, item_id=pk, result=r, note=notes.get(pk, "")) for pk, r in results.items()]
    )
    score = inspection_score(results, items)
    inspection.score = Decimal(str(score))
    inspection.grade = grade_for(score)
    inspection.conducted_on = conducted_on
    inspection.findings = findings
    inspection.save()
    for description, due in actions:
        inspection.actions.create(description=description, due_date=due)
    event_record(subject=inspection, code="inspection.recorded", actor=actor, data={"score": score})
    return inspection


@transaction.atomic
def inspection_approve(*, inspection: Inspection, actor) -> Inspection:
    """Approve the results, which publishes them (policy 7.10) and tells the agency."""
    _require_perm(actor, "agencies.approve_inspection")
    inspection = Inspection.objects.select_for_update(of=("self",)).select_related("agency").get(pk=inspection.pk)
    _transition_inspection(inspection, InspectionStatus.APPROVED)
    inspection.approved_by = actor
    inspection.approved_at = timezone.now()
    inspection.save(update_fields=["status", "approved_by", "approved_at", "updated"])
    event_record(subject=inspection, code="inspection.approved", actor=actor)
    notify(
        recipients=inspection.agency.users.filter(is_active=True),
        key=f"inspection-approved:{inspection.pk}",
        subject=_("Inspection results published: grade %(grade)s") % {"grade": inspection.grade},
        body=inspection.findings,
        link="/agency/",
    )
    return inspection


@transaction.atomic
def inspection_cancel(*, inspection: Inspection, actor, reason: str) -> Inspection:
    _require_perm(actor, "agencies.change_inspection")
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for cancelling.")})
    _transition_inspection(inspection, InspectionStatus.CANCELLED)
    inspection.save(update_fields=["status", "updated"])
    event_record(subject=inspection, code="inspection.cancelled", actor=actor, message=reason)
    return inspection
