"""Time limits on the stages of a complaint: reminders, escalation and the daily digest of late cases.

Called by the thin Celery tasks in ``complaints.tasks``; tested directly and through the
tasks with a frozen clock.

A case's deadline is the moment it entered its stage plus the days the ministry allows
for that stage (``StageTimeLimit``, else ``DEFAULT_STAGE_DAYS``): the rule of
``services.stage_deadline``, read here once per run for every case.

Every job may run twice (a retry, a redelivery, an operator's manual run). The guard is
the unique (recipient, key) of ``Notification``: each key names what makes the message
new, so a second run finds the rows and sends nothing.

- reminder: ``complaint-remind:<case>:<stage>:<stage_since>`` (once per stage entered);
- escalation: ``complaint-overdue:<case>:<stage>:<stage_since>`` (once per stage entered);
- digest: ``complaint-digest:<province or "ministry">:<date>`` (once a day per person).

Restricted (trafficking) cases are described only to people who can see them, which is
decided by ``Complaint.objects.visible_to`` (the one scoping mechanism), never by a rule
repeated here: others learn at most that a restricted case is late, without its reference.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from migration_portal.core.notify import group_members, notify
from migration_portal.core.scoping import DIRECTORS

from .choices import DEFAULT_STAGE_DAYS, OPEN_STAGES
from .filters import overdue_q
from .models import Complaint, StageTimeLimit
from .selectors import assignable_officers

DEFAULT_REMIND_DAYS_BEFORE = StageTimeLimit._meta.get_field("remind_days_before").default
LATE_CASES_LINK = "/complaints/?overdue=true"


@dataclass(frozen=True)
class Limit:
    days: int
    remind_days_before: int


def time_limits() -> dict[str, Limit]:
    """Days allowed and reminder lead per open stage: the ministry's table over the defaults (one query)."""
    limits = {str(stage): Limit(days, DEFAULT_REMIND_DAYS_BEFORE) for stage, days in DEFAULT_STAGE_DAYS.items()}
    for stage, days, remind in StageTimeLimit.objects.values_list("stage", "days", "remind_days_before"):
        limits[stage] = Limit(days, remind)
    return {stage: limit for stage, limit in limits.items() if stage in OPEN_STAGES}


def deadline(complaint: Complaint, limits: dict[str, Limit]) -> datetime | None:
    limit = limits.get(complaint.stage)
    return complaint.stage_since + timedelta(days=limit.days) if limit else None


def late_q(limits: dict[str, Limit], now: datetime) -> Q:
    """Past the deadline: the list page's own ``overdue`` predicate, so both count the same cases."""
    return overdue_q({stage: limit.days for stage, limit in limits.items()}, now)


def due_soon_q(limits: dict[str, Limit], now: datetime) -> Q:
    """Within ``remind_days_before`` of the deadline, and not past it yet."""
    condition = Q(pk__in=[])
    for stage, limit in limits.items():
        lead = min(limit.remind_days_before, limit.days)
        condition |= Q(stage=stage, stage_since__gte=now - timedelta(days=limit.days),
                       stage_since__lte=now - timedelta(days=limit.days - lead))
    return condition


def _stamp(complaint: Complaint) -> str:
    """The stage entry in a notification key: a new stage (or re-entering one) is a new deadline."""
    return f"{complaint.stage}:{int(complaint.stage_since.timestamp())}"


class _Visibility:
    """Which of a run's cases each person may see, through ``visible_to``: one query per person per run."""

    def __init__(self, case_ids: list[int]):
        self.case_ids = case_ids
        self._seen: dict[int, set[int]] = {}

    def of(self, user) -> set[int]:
        if user.pk not in self._seen:
            self._seen[user.pk] = set(
                Complaint.objects.visible_to(user).filter(pk__in=self.case_ids).values_list("pk", flat=True)
            )
        return self._seen[user.pk]

    def sees(self, user, complaint: Complaint) -> bool:
        return complaint.pk in self.of(user)


def _unit_officers(province_id: int | None) -> list:
    """Who handles the cases of a province (its provincial officers) or of the ministry (its complaints officers)."""
    return list(assignable_officers(complaint=Complaint(current_province_id=province_id)))


def _directors(province_id: int | None) -> list:
    """Whom a late case is escalated to.

    There is no "provincial director" role yet: a province's officers who are also in the
    Directors group stand for it; a province without one, and the ministry's own cases,
    go to the ministry's directors.
    """
    users = get_user_model().objects.filter(is_active=True)
    if province_id is not None:
        local = list(users.filter(province_id=province_id, groups__name=DIRECTORS).distinct())
        if local:
            return local
    return list(group_members(DIRECTORS).filter(province__isnull=True, agency__isnull=True))


def _unit_name(complaint: Complaint) -> str:
    return str(complaint.current_province) if complaint.current_province_id else _("the ministry")


def _case_officers(complaint: Complaint, visibility: _Visibility) -> list:
    """The assigned officer; without one, its handlers; without any (a case just
    transferred), the officers of the unit now holding it. Only people who can see the
    case, so a restricted case's officers are always among its handlers."""
    def seeing(users) -> list:
        return [u for u in users if u.is_active and visibility.sees(u, complaint)]

    if complaint.assigned_officer is not None and seeing([complaint.assigned_officer]):
        return [complaint.assigned_officer]
    return seeing(complaint.handlers.all()) or seeing(_unit_officers(complaint.current_province_id))


def send_stage_reminders(now: datetime | None = None) -> dict:
    """Remind the officer of each case whose stage runs out within the days set for it."""
    now = now or timezone.now()
    limits = time_limits()
    cases = list(
        Complaint.objects.open().filter(due_soon_q(limits, now))
        .select_related("assigned_officer", "current_province").prefetch_related("handlers").order_by("stage_since")
    )
    visibility = _Visibility([c.pk for c in cases])
    reminded = 0
    for case in cases:
        due = deadline(case, limits)
        sent = notify(
            recipients=_case_officers(case, visibility),
            key=f"complaint-remind:{case.pk}:{_stamp(case)}",
            subject=_("Complaint %(ref)s: the stage '%(stage)s' ends on %(date)s") % {
                "ref": case.ref, "stage": case.get_stage_display(), "date": timezone.localtime(due).strftime("%Y-%m-%d")},
            body=_("Move the case on, or record why it needs longer, before its time limit runs out."),
            link=f"/complaints/{case.ref}/",
        )
        reminded += bool(sent)
    return {"due_soon": len(cases), "reminded": reminded}


def escalate_late_cases(now: datetime | None = None) -> dict:
    """Tell the director about each case past its stage's time limit, once per stage entered.

    An ordinary case goes to the province's director (see ``_directors``). A restricted
    case is described only to the directors and handlers who can see it; a director who
    cannot learns that a restricted case of the unit is late, and nothing else.
    """
    now = now or timezone.now()
    limits = time_limits()
    cases = list(
        Complaint.objects.open().filter(late_q(limits, now))
        .select_related("assigned_officer", "current_province").prefetch_related("handlers").order_by("stage_since")
    )
    visibility = _Visibility([c.pk for c in cases])
    directors_of: dict[int | None, list] = {}
    escalated = 0
    for case in cases:
        if case.current_province_id not in directors_of:
            directors_of[case.current_province_id] = _directors(case.current_province_id)
        directors = directors_of[case.current_province_id]
        due = deadline(case, limits)
        late_days = (now - due).days
        key = f"complaint-overdue:{case.pk}:{_stamp(case)}"
        described = {
            "ref": case.ref, "stage": case.get_stage_display(), "unit": _unit_name(case),
            "date": timezone.localtime(due).strftime("%Y-%m-%d"), "days": late_days,
        }
        subject = ngettext(
            "Complaint %(ref)s (%(unit)s) is past its time limit: '%(stage)s' ended on %(date)s, %(days)d day ago",
            "Complaint %(ref)s (%(unit)s) is past its time limit: '%(stage)s' ended on %(date)s, %(days)d days ago",
            late_days) % described
        seeing = [d for d in directors if visibility.sees(d, case)]
        blind = [d for d in directors if d not in seeing]
        if case.restricted:
            seeing += [u for u in _case_officers(case, visibility) if u not in seeing]
        sent = notify(recipients=seeing, key=key, subject=subject, link=f"/complaints/{case.ref}/")
        if blind:
            sent += notify(
                recipients=blind, key=key,
                subject=_("A restricted case handled by %(unit)s is past its time limit") % described,
                body=_("Only the officers handling it may see the case; they have been told."),
            )
        escalated += bool(sent)
    return {"late": len(cases), "escalated": escalated}


def check_time_limits(now: datetime | None = None) -> dict:
    """The daily pass over open cases: reminders before the deadline, escalation after it."""
    now = now or timezone.now()
    return {**send_stage_reminders(now), **escalate_late_cases(now)}


def send_late_digests(now: datetime | None = None) -> dict:
    """One message a day to each officer of each unit (a province, or the ministry for the
    cases it handles itself) listing its late cases. A restricted case is listed only to
    those who can see it; the others get its count, without details."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    limits = time_limits()
    cases = list(
        Complaint.objects.open().filter(late_q(limits, now))
        .select_related("assigned_officer", "current_province").order_by("stage_since", "pk")
    )
    by_unit: dict[int | None, list[Complaint]] = defaultdict(list)
    for case in cases:
        by_unit[case.current_province_id].append(case)
    visibility = _Visibility([c.pk for c in cases])
    sent_count = 0
    for unit, unit_cases in by_unit.items():
        unit_name = _unit_name(unit_cases[0])
        for officer in _unit_officers(unit):
            listed = [c for c in unit_cases if visibility.sees(officer, c)]
            hidden = len(unit_cases) - len(listed)
            lines = []
            for case in listed:
                late_days = (now - deadline(case, limits)).days
                lines.append(ngettext("%(ref)s · %(stage)s · %(days)d day late · %(officer)s",
                                      "%(ref)s · %(stage)s · %(days)d days late · %(officer)s", late_days) % {
                    "ref": case.ref, "stage": case.get_stage_display(), "days": late_days,
                    "officer": case.assigned_officer.get_full_name() or case.assigned_officer.username
                    if case.assigned_officer else _("no officer assigned")})
            if hidden:
                lines.append(ngettext(
                    "and %(n)d restricted case, also late: only the officers handling it see it.",
                    "and %(n)d restricted cases, also late: only the officers handling them see them.", hidden) % {"n": hidden})
            sent = notify(
                recipients=[officer],
                key=f"complaint-digest:{unit if unit is not None else 'ministry'}:{today.isoformat()}",
                subject=ngettext("%(n)d complaint past its time limit at %(unit)s",
                                 "%(n)d complaints past their time limit at %(unit)s", len(unit_cases)) % {
                    "n": len(unit_cases), "unit": unit_name},
                body="\n".join(lines),
                link=LATE_CASES_LINK,
            )
            sent_count += len(sent)
    return {"late": len(cases), "units": len(by_unit), "digests": sent_count}


__all__ = [
    "Limit", "check_time_limits", "deadline", "due_soon_q", "escalate_late_cases", "late_q", "send_late_digests",
    "send_stage_reminders", "time_limits",
]
