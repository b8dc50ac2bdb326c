"""Scheduled work for return and reintegration (policy goal 16): reminders and escalation.

Called by the thin Celery tasks in workers/tasks.py; tested directly with a frozen clock.

* Returnees whose needs were not assessed: the case officer (or, with none yet, the
  province's officers) is reminded once after ``CASE_ASSESSMENT_REMIND_DAYS``; after
  ``CASE_ASSESSMENT_ESCALATE_DAYS`` the province's officers and the ministry's
  complaints officers are alerted, once.
* Referrals without an outcome: the same, after ``REFERRAL_OUTCOME_REMIND_DAYS`` and
  ``REFERRAL_OUTCOME_ESCALATE_DAYS``.
* Each week, each province's officers get the number of their workers whose
  contract ends within ``EXPECTED_RETURN_DAYS``, with a link to the list.

The thresholds are read from ``settings.PORTAL`` under the same names when set
there, with the defaults below.

This module also holds the predicates the portal pages, the API and the admin
share with the jobs (what "overdue" means), so a threshold changes in one place.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from migration_portal.core.notify import group_members, notify
from migration_portal.core.scoping import COMPLAINTS, PROVINCIAL_OFFICERS

from .choices import OUT_OF_COUNTRY, CaseStatus
from .models import Deployment, Referral, ReintegrationCase

# Days after a return (the case's opening) before an unassessed returnee is reminded, then escalated.
CASE_ASSESSMENT_REMIND_DAYS = 14
CASE_ASSESSMENT_ESCALATE_DAYS = 30
# Days after a referral before a missing outcome is reminded, then escalated.
REFERRAL_OUTCOME_REMIND_DAYS = 30
REFERRAL_OUTCOME_ESCALATE_DAYS = 60
# Contracts ending within this many days count as expected returns (page default and weekly list).
EXPECTED_RETURN_DAYS = 60

DEFAULTS = {
    "CASE_ASSESSMENT_REMIND_DAYS": CASE_ASSESSMENT_REMIND_DAYS,
    "CASE_ASSESSMENT_ESCALATE_DAYS": CASE_ASSESSMENT_ESCALATE_DAYS,
    "REFERRAL_OUTCOME_REMIND_DAYS": REFERRAL_OUTCOME_REMIND_DAYS,
    "REFERRAL_OUTCOME_ESCALATE_DAYS": REFERRAL_OUTCOME_ESCALATE_DAYS,
    "EXPECTED_RETURN_DAYS": EXPECTED_RETURN_DAYS,
}


def threshold(name: str) -> int:
    return int(getattr(settings, "PORTAL", {}).get(name, DEFAULTS[name]))


# --- Predicates shared with the pages, the API and the admin -----------------------------


def assessment_overdue_q(now: datetime | None = None) -> Q:
    """Open cases (not yet assessed) opened more than the reminder threshold ago."""
    now = now or timezone.now()
    return Q(status=CaseStatus.OPEN, created__lte=now - timedelta(days=threshold("CASE_ASSESSMENT_REMIND_DAYS")))


def assessment_is_overdue(case: ReintegrationCase, now: datetime | None = None) -> bool:
    """The same rule as :func:`assessment_overdue_q`, for one case already loaded."""
    now = now or timezone.now()
    return case.status == CaseStatus.OPEN and case.created <= now - timedelta(days=threshold("CASE_ASSESSMENT_REMIND_DAYS"))


def assessment_due_by(created: datetime) -> date:
    """The day by which a case opened at ``created`` should be assessed."""
    return timezone.localdate(created + timedelta(days=threshold("CASE_ASSESSMENT_REMIND_DAYS")))


def referral_overdue_q(today: date | None = None) -> Q:
    today = today or timezone.localdate()
    return Q(outcome="", referred_on__lte=today - timedelta(days=threshold("REFERRAL_OUTCOME_REMIND_DAYS")))


def expected_returns(qs: QuerySet, *, today: date, days: int) -> QuerySet:
    """Deployments still abroad whose contract ends within ``days`` from ``today``."""
    return qs.filter(status__in=OUT_OF_COUNTRY, contract_end__gte=today, contract_end__lte=today + timedelta(days=days))


# --- Recipients ---------------------------------------------------------------------------


def province_officers(province_ids) -> dict[int, list]:
    """Active provincial officers of each province: one query."""
    out: dict[int, list] = defaultdict(list)
    ids = {p for p in province_ids if p}
    if not ids:
        return out
    users = (
        get_user_model()
        .objects.filter(is_active=True, province__in=ids, groups__name=PROVINCIAL_OFFICERS)
        .distinct()
        .order_by("pk")
    )
    for user in users:
        out[user.province_id].append(user)
    return out


def _case_link(case: ReintegrationCase) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("case-detail", kwargs={"ref": case.ref})


def _admin_case_link(case: ReintegrationCase) -> str:
    return reverse("admin:workers_reintegrationcase_change", args=[case.pk])


# --- Cases not assessed -------------------------------------------------------------------------


def remind_unassessed_cases() -> dict:
    """Remind, then escalate, returnees' cases still awaiting their needs assessment.

    Guards (a second run sends nothing): the conditional UPDATE on ``reminded_at IS
    NULL`` / ``escalated_at IS NULL`` claims each case once, and the notification's
    unique (recipient, key) catches anything that slips past it.
    """
    now = timezone.now()
    remind_before = now - timedelta(days=threshold("CASE_ASSESSMENT_REMIND_DAYS"))
    escalate_before = now - timedelta(days=threshold("CASE_ASSESSMENT_ESCALATE_DAYS"))
    due = list(
        ReintegrationCase.objects.filter(status=CaseStatus.OPEN, created__lte=remind_before)
        .filter(Q(reminded_at__isnull=True) | Q(escalated_at__isnull=True, created__lte=escalate_before))
        .select_related("worker", "officer", "province", "return_record")
        .order_by("pk")
    )
    counts = {"reminded": 0, "escalated": 0}
    if not due:
        return counts
    officers = province_officers({c.province_id for c in due})
    complaints = list(group_members(COMPLAINTS))
    for case in due:
        province_team = officers.get(case.province_id, [])
        subject_args = {"worker": case.worker.name_latin, "date": case.return_record.returned_on, "province": case.province}
        if case.reminded_at is None and case.created > escalate_before:
            with transaction.atomic():
                if ReintegrationCase.objects.filter(pk=case.pk, reminded_at__isnull=True, status=CaseStatus.OPEN).update(
                    reminded_at=now
                ):
                    recipients = [case.officer] if case.officer and case.officer.is_active else province_team
                    notify(
                        recipients=recipients,
                        key=f"case-assessment-reminder:{case.pk}",
                        subject=_("Returnee not yet assessed: %(worker)s (returned %(date)s)") % subject_args,
                        body=_(
                            "Assess the returnee's needs and refer them to services. The assessment is due within %(days)d days "
                            "of the return."
                        )
                        % {"days": threshold("CASE_ASSESSMENT_REMIND_DAYS")},
                        link=_case_link(case),
                    )
                    counts["reminded"] += 1
        if case.escalated_at is None and case.created <= escalate_before:
            with transaction.atomic():
                if ReintegrationCase.objects.filter(pk=case.pk, escalated_at__isnull=True, status=CaseStatus.OPEN).update(
                    escalated_at=now, reminded_at=case.reminded_at or now
                ):
                    subject = _("Returnee still not assessed after %(days)d days: %(worker)s (%(province)s)") % {
                        **subject_args,
                        "days": threshold("CASE_ASSESSMENT_ESCALATE_DAYS"),
                    }
                    key = f"case-assessment-escalation:{case.pk}"
                    notify(recipients=province_team, key=key, subject=subject, link=_case_link(case))
                    notify(recipients=complaints, key=key, subject=subject, link=_admin_case_link(case))
                    counts["escalated"] += 1
    return counts


# --- Referrals without outcome ---------------------------------------------------------------------


def remind_pending_referrals() -> dict:
    """Remind, then escalate, referrals whose outcome is still not recorded.

    Guards: the conditional UPDATE on ``reminded_at IS NULL`` / ``escalated_at IS
    NULL`` (and ``outcome = ''``) claims each referral once; notification keys are
    unique per recipient.
    """
    today = timezone.localdate()
    now = timezone.now()
    remind_on = today - timedelta(days=threshold("REFERRAL_OUTCOME_REMIND_DAYS"))
    escalate_on = today - timedelta(days=threshold("REFERRAL_OUTCOME_ESCALATE_DAYS"))
    due = list(
        Referral.objects.filter(outcome="", referred_on__lte=remind_on)
        .exclude(case__status=CaseStatus.CLOSED)
        .filter(Q(reminded_at__isnull=True) | Q(escalated_at__isnull=True, referred_on__lte=escalate_on))
        .select_related("case", "case__worker", "case__officer", "case__province")
        .order_by("pk")
    )
    counts = {"reminded": 0, "escalated": 0}
    if not due:
        return counts
    officers = province_officers({r.case.province_id for r in due})
    complaints = list(group_members(COMPLAINTS))
    for referral in due:
        case = referral.case
        province_team = officers.get(case.province_id, [])
        args = {
            "worker": case.worker.name_latin,
            "kind": referral.get_kind_display(),
            "partner": referral.partner,
            "date": referral.referred_on,
            "province": case.province,
        }
        if referral.reminded_at is None and referral.referred_on > escalate_on:
            with transaction.atomic():
                if Referral.objects.filter(pk=referral.pk, reminded_at__isnull=True, outcome="").update(reminded_at=now):
                    recipients = [case.officer] if case.officer and case.officer.is_active else province_team
                    notify(
                        recipients=recipients,
                        key=f"referral-outcome-reminder:{referral.pk}",
                        subject=_("No outcome yet: %(kind)s referral of %(worker)s to %(partner)s (%(date)s)") % args,
                        body=_("Ask the partner what became of the referral and record the outcome on the case."),
                        link=_case_link(case),
                    )
                    counts["reminded"] += 1
        if referral.escalated_at is None and referral.referred_on <= escalate_on:
            with transaction.atomic():
                if Referral.objects.filter(pk=referral.pk, escalated_at__isnull=True, outcome="").update(
                    escalated_at=now, reminded_at=referral.reminded_at or now
                ):
                    subject = _("Referral without outcome for %(days)d days: %(worker)s to %(partner)s (%(province)s)") % {
                        **args,
                        "days": threshold("REFERRAL_OUTCOME_ESCALATE_DAYS"),
                    }
                    key = f"referral-outcome-escalation:{referral.pk}"
                    notify(recipients=province_team, key=key, subject=subject, link=_case_link(case))
                    notify(recipients=complaints, key=key, subject=subject, link=_admin_case_link(case))
                    counts["escalated"] += 1
    return counts


# --- Expected returns -------------------------------------------------------------------------------


def send_expected_returns() -> dict:
    """Tell each province's officers, once a week, how many of their workers are expected back.

    Guard: the notification key names the province and the ISO week, so a second run
    in the same week finds every notification already there.
    """
    today = timezone.localdate()
    days = threshold("EXPECTED_RETURN_DAYS")
    iso = today.isocalendar()
    week = f"{iso.year}-W{iso.week:02d}"
    counts = dict(
        expected_returns(Deployment.objects.all(), today=today, days=days)
        .order_by()
        .values("worker__home_province")
        .annotate(n=Count("pk"))
        .values_list("worker__home_province", "n")
    )
    officers = province_officers(counts)
    with translation.override(settings.LANGUAGE_CODE):
        link = reverse("returns-expected")
    sent = 0
    for province_id, n in sorted(counts.items()):
        created = notify(
            recipients=officers.get(province_id, []),
            key=f"expected-returns:{province_id}:{week}",
            subject=_("%(n)d workers from your province are expected back within %(days)d days") % {"n": n, "days": days},
            body=_("Their contracts end between %(start)s and %(end)s. Prepare their reception and reintegration.")
            % {"start": today, "end": today + timedelta(days=days)},
            link=f"{link}?days={days}",
        )
        sent += len(created)
    return {"provinces": len(counts), "notified": sent}
