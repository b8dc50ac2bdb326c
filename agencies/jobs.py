"""The scheduled jobs' logic: inspection planning, reporting reminders, licence expiry.

Called by the thin Celery tasks in tasks.py; tested directly with a frozen clock.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.notify import group_members, notify
from migration_portal.core.scoping import DIRECTORS, INSPECTION, LICENSING

from .choices import InspectionReason, LicenceStatus, ReportStatus
from .models import Agency, Inspection, MonthlyReport
from .risk import months_back, overdue_periods, risk_profiles, supervised_agency_ids
from .services import agency_change_licence, inspection_schedule, report_due_date


def plan_inspections() -> dict:
    """Schedule an inspection for every agency that is due.

    Due: two years since the last approved inspection (Prakas 251), or never
    inspected, or a risk score at or above the threshold (late reports,
    sanctions, a short deposit, complaints...).
    """
    today = timezone.localdate()
    cfg = settings.PORTAL
    ids = supervised_agency_ids()
    planned = set(Inspection.objects.planned().filter(agency__in=ids).values_list("agency_id", flat=True))
    profiles = risk_profiles(ids, today)
    last = dict(Agency.objects.filter(pk__in=ids).with_last_inspection().values_list("pk", "last_inspection_on"))
    when = today + timedelta(days=cfg["INSPECTION_LEAD_DAYS"])
    scheduled, skipped = [], 0
    for agency in Agency.objects.filter(pk__in=ids).exclude(pk__in=planned).order_by("pk"):
        profile = profiles[agency.pk]
        last_on = last.get(agency.pk)
        routine_due = last_on is None or (last_on + timedelta(days=cfg["INSPECTION_INTERVAL_DAYS"])) <= when
        risky = profile.score >= cfg["INSPECTION_RISK_THRESHOLD"]
        if not (routine_due or risky):
            continue
        reason = InspectionReason.RISK if risky else InspectionReason.ROUTINE
        detail = "; ".join(text for _points, text in profile.reasons) if risky else _("Two-yearly inspection due (Prakas 251).")
        try:
            inspection_schedule(agency=agency, scheduled_for=when, actor=None, reason=reason, reason_detail=detail)
            scheduled.append(agency.pk)
        except ValidationError:
            skipped += 1  # planned meanwhile by a person or a parallel run
    return {"scheduled": len(scheduled), "skipped": skipped}


def flag_overdue_inspections() -> int:
    today = timezone.localdate()
    flagged = 0
    for inspection in Inspection.objects.overdue(today).filter(overdue_flagged_at__isnull=True).select_related("agency"):
        claimed = Inspection.objects.filter(pk=inspection.pk, overdue_flagged_at__isnull=True).update(
            overdue_flagged_at=timezone.now()
        )
        if not claimed:
            continue
        flagged += 1
        recipients = list(inspection.inspectors.all()) or list(group_members(INSPECTION))
        notify(
            recipients=recipients + list(group_members(DIRECTORS)),
            key=f"inspection-overdue:{inspection.pk}",
            subject=_("Inspection overdue: %(agency)s (planned %(date)s)") % {"agency": inspection.agency, "date": inspection.scheduled_for},
            link=f"/admin/agencies/inspection/{inspection.pk}/change/",
        )
    return flagged


REPORTING_STATES = (LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED, LicenceStatus.TEMPORARILY_STOPPED)


def send_reporting_reminders() -> dict:
    """Before the due day: a reminder. After it: an overdue notice. After repeated
    misses: the licensing officers are alerted. Keys carry the month, so a day's
    run repeated sends nothing new."""
    today = timezone.localdate()
    cfg = settings.PORTAL
    period = months_back(today, 1)[0]
    due = report_due_date(period)
    agencies = list(Agency.objects.filter(licence_status__in=REPORTING_STATES).prefetch_related("users"))
    filed = set(
        MonthlyReport.objects.filter(period=period, status__in=(ReportStatus.SUBMITTED, ReportStatus.ACCEPTED)).values_list(
            "agency_id", flat=True
        )
    )
    missing = [a for a in agencies if a.pk not in filed]
    counts = {"reminded": 0, "overdue": 0, "escalated": 0}
    month = period.strftime("%Y-%m")
    if due - timedelta(days=cfg["REPORT_REMINDER_DAYS_BEFORE"]) <= today <= due:
        for agency in missing:
            sent = notify(
                recipients=[u for u in agency.users.all() if u.is_active],
                key=f"report-due:{agency.pk}:{month}",
                subject=_("Your monthly report for %(month)s is due on %(due)s") % {"month": month, "due": due},
                link="/agency/reports/",
            )
            counts["reminded"] += bool(sent)
    elif today > due:
        overdue = overdue_periods([a.pk for a in missing], today)
        licensing = list(group_members(LICENSING))
        for agency in missing:
            sent = notify(
                recipients=[u for u in agency.users.all() if u.is_active],
                key=f"report-overdue:{agency.pk}:{month}",
                subject=_("Your monthly report for %(month)s is overdue") % {"month": month},
                body=_("It was due on %(due)s. Late reporting counts against your agency's risk profile.") % {"due": due},
                link="/agency/reports/",
            )
            counts["overdue"] += bool(sent)
            streak = _consecutive_misses(overdue.get(agency.pk, []), today)
            if streak >= cfg["REPORT_ESCALATE_AFTER_MISSES"]:
                sent = notify(
                    recipients=licensing,
                    key=f"report-escalate:{agency.pk}:{month}",
                    subject=_("%(agency)s has missed %(n)d monthly reports in a row") % {"agency": agency, "n": streak},
                    link=f"/admin/agencies/agency/{agency.pk}/change/",
                )
                counts["escalated"] += bool(sent)
    return counts


def _consecutive_misses(missing_periods, today) -> int:
    missing = set(missing_periods)
    streak = 0
    for p in months_back(today, 12):
        if report_due_date(p) >= today:
            continue
        if p in missing:
            streak += 1
        else:
            break
    return streak


def check_licence_expiry() -> dict:
    today = timezone.localdate()
    warn_until = today + timedelta(days=settings.PORTAL["LICENCE_EXPIRY_WARNING_DAYS"])
    expired = 0
    for agency in Agency.objects.filter(licence_status=LicenceStatus.ACTIVE, licence_expires__lt=today):
        with transaction.atomic():
            agency_change_licence(
                agency=agency, to_status=LicenceStatus.EXPIRED, actor=None,
                reason=_("The licence reached its end date (%(date)s).") % {"date": agency.licence_expires},
            )
        expired += 1
    warned = 0
    licensing = list(group_members(LICENSING))
    for agency in Agency.objects.filter(
        licence_status=LicenceStatus.ACTIVE, licence_expires__gte=today, licence_expires__lte=warn_until
    ).prefetch_related("users"):
        sent = notify(
            recipients=[u for u in agency.users.all() if u.is_active] + licensing,
            key=f"licence-expiring:{agency.pk}:{agency.licence_expires}",
            subject=_("Licence of %(agency)s ends on %(date)s") % {"agency": agency, "date": agency.licence_expires},
            link="/agency/",
        )
        warned += bool(sent)
    return {"expired": expired, "warned": warned}
