"""Time limits on complaint stages: reminders, escalation, the daily digest.

Each job runs twice at a frozen time: the second run sends nothing, and each
notification is e-mailed once (through the on-commit queue).
Default limits: received 3 days, assessment 14, scheduled 21, held 14; reminders 2 days before.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from complaints import jobs, services, tasks
from complaints.choices import Stage
from complaints.models import StageTimeLimit
from migration_portal.core.models import Notification
from migration_portal.core.scoping import DIRECTORS, PROVINCIAL_OFFICERS

from ..factories import UserFactory, province
from ..workers.factories import WorkerFactory
from .factories import register

pytestmark = pytest.mark.django_db
PP = ZoneInfo("Asia/Phnom_Penh")


def at(y, m, d, hour=9):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=PP), tick=False)


def keys(prefix: str, user=None) -> list[str]:
    qs = Notification.objects.filter(dedupe_key__startswith=prefix)
    if user is not None:
        qs = qs.filter(recipient=user)
    return list(qs.values_list("dedupe_key", flat=True))


def mails_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


@pytest.fixture
def people(officer_a, officer_b, complaints_officer, director):
    """Phnom Penh has its own director (an officer in the Directors group); Battambang has none."""
    return {
        "pp_colleague": UserFactory(username="officer_pp2", province=province("12"), groups=[PROVINCIAL_OFFICERS]),
        "pp_director": UserFactory(username="director_pp", province=province("12"), groups=[DIRECTORS]),
    }


@pytest.fixture
def cases(people, officer_a, officer_b, complaints_officer, agency_a, agency_b):
    """Registered on Monday 2 March 2026 at 09:00: each is due out of "received" on Thursday 5 March 09:00."""
    with at(2026, 3, 2):
        return {
            "pp": register(officer_a, agency_a),
            "pp_restricted": register(officer_a, agency_a, grounds=["abuse"], indicators=["movement"]),
            "btb": register(officer_b, agency_b),
            "ministry": register(complaints_officer, agency_a, worker=WorkerFactory(sex="M")),
        }


class TestReminders:
    def test_the_officer_is_reminded_once_before_the_deadline(self, cases, officer_a, officer_b, complaints_officer, people,
                                                              django_capture_on_commit_callbacks):
        with at(2026, 3, 3, 8):  # 49 hours before the deadline: not yet
            assert jobs.send_stage_reminders() == {"due_soon": 0, "reminded": 0}
        with at(2026, 3, 4, 10), django_capture_on_commit_callbacks(execute=True):
            first = tasks.check_time_limits.delay().get()
            second = tasks.check_time_limits.delay().get()
        assert first == {"due_soon": 4, "reminded": 4, "late": 0, "escalated": 0}
        assert second == {"due_soon": 4, "reminded": 0, "late": 0, "escalated": 0}
        pp, restricted = cases["pp"], cases["pp_restricted"]
        assert sorted(keys("complaint-remind:", officer_a)) == sorted(
            f"complaint-remind:{c.pk}:received:{int(c.stage_since.timestamp())}" for c in (pp, restricted))
        assert len(keys("complaint-remind:", officer_b)) == 1 and len(keys("complaint-remind:", complaints_officer)) == 1
        # The restricted case's reminder went to its handler only.
        assert not keys("complaint-remind:", people["pp_colleague"])
        reminder = Notification.objects.get(dedupe_key__startswith=f"complaint-remind:{pp.pk}:")
        assert pp.ref in reminder.subject and "2026-03-05" in reminder.subject and reminder.link == f"/complaints/{pp.ref}/"
        assert len(mails_to(officer_a)) == 2 and len(mails_to(officer_b)) == 1
        # Every notification of the two runs exists once and was e-mailed once.
        assert len(mail.outbox) == len(keys("complaint-remind:")) == 4

    def test_a_new_stage_brings_a_new_reminder(self, cases, officer_a, django_capture_on_commit_callbacks):
        case = cases["pp"]
        with at(2026, 3, 4, 10):
            jobs.send_stage_reminders()
        with at(2026, 3, 4, 11):
            case = services.complaint_transition(complaint=case, to_stage=Stage.ASSESSMENT, actor=officer_a)
        with at(2026, 3, 17, 10):  # assessment: 14 days, ends 18 March 11:00
            jobs.send_stage_reminders()
            jobs.send_stage_reminders()
        assert len(keys(f"complaint-remind:{case.pk}:", officer_a)) == 2
        assert Notification.objects.filter(dedupe_key__startswith=f"complaint-remind:{case.pk}:assessment:").count() == 1

    def test_the_ministrys_time_limits_apply(self, cases, officer_a):
        StageTimeLimit.objects.update_or_create(stage=Stage.RECEIVED, defaults={"days": 10, "remind_days_before": 3})
        with at(2026, 3, 4, 10):
            assert jobs.send_stage_reminders()["due_soon"] == 0
            assert jobs.escalate_late_cases()["late"] == 0
        with at(2026, 3, 9, 10):  # ends 12 March 09:00; reminded from 9 March 09:00
            assert jobs.send_stage_reminders()["due_soon"] == 4

    def test_without_an_officer_the_handlers_or_the_units_officers(self, cases, officer_a, officer_b, people):
        case = cases["btb"]
        services.complaint_transfer(complaint=case, to_province=province("12"), actor=officer_b, reason="Worker moved")
        with at(2026, 3, 4, 10):
            jobs.send_stage_reminders()
        # Officer B is still a handler but no longer sees it: the Phnom Penh officers are told.
        assert not keys(f"complaint-remind:{case.pk}:", officer_b)
        told = set(Notification.objects.filter(dedupe_key__startswith=f"complaint-remind:{case.pk}:")
                   .values_list("recipient__username", flat=True))
        assert told == {"officer_pp", "officer_pp2"}


class TestEscalation:
    def test_late_cases_go_to_the_provinces_director_once(self, cases, people, director, officer_a,
                                                          django_capture_on_commit_callbacks):
        with at(2026, 3, 6, 10), django_capture_on_commit_callbacks(execute=True):
            first = jobs.check_time_limits()
            second = jobs.check_time_limits()
        assert (first["late"], first["escalated"], second["escalated"]) == (4, 4, 0)
        pp_director = people["pp_director"]
        pp = cases["pp"]
        # Phnom Penh's case to Phnom Penh's director; Battambang (no director) and the ministry's own to the ministry's.
        to_pp = {k.split(":")[1] for k in keys("complaint-overdue:", pp_director)}
        assert to_pp == {str(pp.pk), str(cases["pp_restricted"].pk)}  # the restricted one without its details (below)
        to_ministry = {k.split(":")[1] for k in keys("complaint-overdue:", director)}
        assert to_ministry == {str(cases["btb"].pk), str(cases["ministry"].pk)}
        notice = Notification.objects.get(recipient=pp_director, dedupe_key__startswith=f"complaint-overdue:{pp.pk}:")
        assert pp.ref in notice.subject and "1 day ago" in notice.subject and "Phnom Penh" in notice.subject
        assert len(mails_to(director)) == 2
        # Phnom Penh's director (2: one described, one not), the restricted case's handler, the ministry's director (2);
        # no reminder: past the deadline, it is too late for one. Each e-mailed once.
        assert not keys("complaint-remind:")
        assert len(mail.outbox) == len(keys("complaint-overdue:")) == 5

    def test_a_restricted_case_is_described_only_to_who_can_see_it(self, cases, people, officer_a):
        restricted = cases["pp_restricted"]
        with at(2026, 3, 6, 10):
            jobs.escalate_late_cases()
            jobs.escalate_late_cases()
        key = f"complaint-overdue:{restricted.pk}:"
        blind = Notification.objects.get(recipient=people["pp_director"], dedupe_key__startswith=key)
        assert restricted.ref not in blind.subject + blind.body + blind.link and "restricted case" in blind.subject
        handler = Notification.objects.get(recipient=officer_a, dedupe_key__startswith=key)
        assert restricted.ref in handler.subject
        assert not keys("complaint-overdue:", people["pp_colleague"])


class TestDigest:
    def test_one_digest_per_officer_per_unit_per_day(self, cases, people, officer_a, officer_b, complaints_officer,
                                                     django_capture_on_commit_callbacks):
        with at(2026, 3, 6, 7), django_capture_on_commit_callbacks(execute=True):
            first = tasks.send_late_digests.delay().get()
            second = tasks.send_late_digests.delay().get()
        assert first == {"late": 4, "units": 3, "digests": 4} and second["digests"] == 0
        today = "2026-03-06"
        assert keys("complaint-digest:", officer_a) == [f"complaint-digest:{province('12').pk}:{today}"]
        assert keys("complaint-digest:", officer_b) == [f"complaint-digest:{province('02').pk}:{today}"]
        assert keys("complaint-digest:", complaints_officer) == [f"complaint-digest:ministry:{today}"]
        mine = Notification.objects.get(recipient=officer_a, dedupe_key__startswith="complaint-digest:")
        theirs = Notification.objects.get(recipient=people["pp_colleague"], dedupe_key__startswith="complaint-digest:")
        assert "2 complaints past their time limit at Phnom Penh" == mine.subject == theirs.subject
        # The handler sees both cases listed; the colleague the ordinary one and a count.
        assert cases["pp"].ref in mine.body and cases["pp_restricted"].ref in mine.body
        assert cases["pp"].ref in theirs.body and cases["pp_restricted"].ref not in theirs.body
        assert "and 1 restricted case, also late" in theirs.body
        assert mine.link == "/complaints/?overdue=true"
        assert len(mails_to(officer_a)) == 1 and len(mails_to(people["pp_colleague"])) == 1
        assert len(mail.outbox) == len(keys("complaint-digest:")) == 4
        with at(2026, 3, 7, 7):
            assert jobs.send_late_digests()["digests"] == 4

    def test_nothing_late_nothing_sent(self, cases):
        with at(2026, 3, 4, 7):
            assert jobs.send_late_digests() == {"late": 0, "units": 0, "digests": 0}
        assert not keys("complaint-digest:")
