"""Scheduled jobs of return and reintegration, with a frozen clock (time-machine).

Each job runs twice in its test: the second run must notify nobody.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from migration_portal.core.models import Notification
from migration_portal.core.scoping import PROVINCIAL_OFFICERS
from workers import jobs, services, tasks
from workers.models import Referral, ReintegrationCase

from ..factories import UserFactory, province
from .factories import WorkerFactory
from .test_returns import abroad, register_return

pytestmark = pytest.mark.django_db
PP = ZoneInfo("Asia/Phnom_Penh")
DAY0 = date(2026, 3, 2)  # a Monday


def at(d: date, hour=9):
    return time_machine.travel(datetime(d.year, d.month, d.day, hour, tzinfo=PP), tick=False)


def inbox(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user).order_by("pk"))


def keys(user) -> list[str]:
    return [n.dedupe_key for n in inbox(user)]


def run_twice(task) -> tuple[dict, dict]:
    return task.delay().get(), task.delay().get()


class TestUnassessedCases:
    def test_reminded_once_then_escalated_once(self, officer_a, officer_b, complaints_officer):
        with at(DAY0):
            case = register_return(WorkerFactory(name_latin="Pich Sopheak"), officer_a).case
        with at(DAY0 + timedelta(days=13)):
            assert run_twice(tasks.remind_unassessed_cases) == ({"reminded": 0, "escalated": 0},) * 2
        with at(DAY0 + timedelta(days=15)):
            first, second = run_twice(tasks.remind_unassessed_cases)
        assert first == {"reminded": 1, "escalated": 0} and second == {"reminded": 0, "escalated": 0}
        # No officer on the case yet: the province's officers are reminded; not Battambang's, not the ministry.
        assert (
            keys(officer_a) == [f"case-assessment-reminder:{case.pk}"]
            and inbox(officer_b) == []
            and inbox(complaints_officer) == []
        )
        reminder = inbox(officer_a)[0]
        assert "Pich Sopheak" in reminder.subject and reminder.link == reverse("case-detail", args=[case.ref])
        case.refresh_from_db()
        assert case.reminded_at is not None and case.escalated_at is None

        with at(DAY0 + timedelta(days=31)):
            first, second = run_twice(tasks.remind_unassessed_cases)
        assert first == {"reminded": 0, "escalated": 1} and second == {"reminded": 0, "escalated": 0}
        assert keys(officer_a) == [f"case-assessment-reminder:{case.pk}", f"case-assessment-escalation:{case.pk}"]
        assert keys(complaints_officer) == [f"case-assessment-escalation:{case.pk}"]
        assert inbox(complaints_officer)[0].link == f"/admin/workers/reintegrationcase/{case.pk}/change/"
        with at(DAY0 + timedelta(days=60)):
            assert tasks.remind_unassessed_cases.delay().get() == {"reminded": 0, "escalated": 0}
        assert Notification.objects.count() == 3

    def test_assessed_cases_and_the_case_officer(self, officer_a, complaints_officer):
        colleague = UserFactory(username="officer_pp_2", province=province("12"), groups=[PROVINCIAL_OFFICERS])
        with at(DAY0):
            assessed = register_return(WorkerFactory(), officer_a).case
            services.case_assess(case=assessed, actor=officer_a, needs=["job_placement"])
            mine = register_return(WorkerFactory(), officer_a, code="MY").case
            ReintegrationCase.objects.filter(pk=mine.pk).update(officer=officer_a)  # taken by officer_a
        with at(DAY0 + timedelta(days=20)):
            run_twice(tasks.remind_unassessed_cases)
        # Only the unassessed case, and only to its officer.
        assert keys(officer_a) == [f"case-assessment-reminder:{mine.pk}"] and inbox(colleague) == []

    def test_a_late_first_run_escalates_without_a_separate_reminder(self, officer_a, complaints_officer):
        with at(DAY0):
            case = register_return(WorkerFactory(), officer_a).case
        with at(DAY0 + timedelta(days=45)):
            first, second = run_twice(tasks.remind_unassessed_cases)
        assert first == {"reminded": 0, "escalated": 1} and second == {"reminded": 0, "escalated": 0}
        assert keys(officer_a) == [f"case-assessment-escalation:{case.pk}"]
        case.refresh_from_db()
        assert case.reminded_at is not None and case.escalated_at is not None


class TestReferralsWithoutOutcome:
    def test_reminded_once_then_escalated_once(self, officer_a, officer_b, complaints_officer):
        with at(DAY0):
            case = services.case_assess(
                case=register_return(WorkerFactory(), officer_a).case, actor=officer_a, needs=["legal", "health"]
            )
            pending = services.referral_add(case=case, actor=officer_a, kind="legal", partner="Legal Aid of Cambodia")
            answered = services.referral_add(case=case, actor=officer_a, kind="health", partner="Provincial hospital")
            services.referral_outcome(referral=answered, actor=officer_a, outcome="achieved")
        with at(DAY0 + timedelta(days=29)):
            assert run_twice(tasks.remind_pending_referrals)[0] == {"reminded": 0, "escalated": 0}
        with at(DAY0 + timedelta(days=31)):
            first, second = run_twice(tasks.remind_pending_referrals)
        assert first == {"reminded": 1, "escalated": 0} and second == {"reminded": 0, "escalated": 0}
        # The case officer (set by the assessment) is reminded.
        assert keys(officer_a) == [f"referral-outcome-reminder:{pending.pk}"] and inbox(officer_b) == []
        assert "Legal Aid of Cambodia" in inbox(officer_a)[0].subject
        with at(DAY0 + timedelta(days=61)):
            first, second = run_twice(tasks.remind_pending_referrals)
        assert first == {"reminded": 0, "escalated": 1} and second == {"reminded": 0, "escalated": 0}
        assert keys(complaints_officer) == [f"referral-outcome-escalation:{pending.pk}"]
        assert keys(officer_a)[-1] == f"referral-outcome-escalation:{pending.pk}"
        pending.refresh_from_db()
        assert pending.reminded_at and pending.escalated_at
        assert Referral.objects.get(pk=answered.pk).reminded_at is None


class TestExpectedReturns:
    def test_weekly_count_per_province_once_a_week(self, officer_a, officer_b):
        with at(DAY0):
            for days in (10, 45):
                abroad(contract_end=DAY0 + timedelta(days=days), home_province=province("12"))
            abroad(contract_end=DAY0 + timedelta(days=90), home_province=province("12"))  # beyond 60 days
            abroad(contract_end=DAY0 + timedelta(days=20), home_province=province("02"))
            abroad(contract_end=DAY0 + timedelta(days=5), home_province=province("17"))  # Siem Reap: no officer
            first, second = run_twice(tasks.send_expected_returns)
        assert first == {"provinces": 3, "notified": 2} and second == {"provinces": 3, "notified": 0}
        [pp] = inbox(officer_a)
        [btb] = inbox(officer_b)
        assert pp.dedupe_key == f"expected-returns:{province('12').pk}:2026-W10" and pp.subject.startswith("2 workers")
        assert btb.subject.startswith("1 workers") and pp.link == reverse("returns-expected") + "?days=60"
        with at(DAY0 + timedelta(days=4)):  # later the same ISO week: nothing new
            assert tasks.send_expected_returns.delay().get()["notified"] == 0
        with at(DAY0 + timedelta(days=7)):  # next week: a new list
            assert tasks.send_expected_returns.delay().get()["notified"] == 2
        assert len(inbox(officer_a)) == 2

    def test_threshold_from_settings(self, settings, officer_a):
        settings.PORTAL = {**settings.PORTAL, "EXPECTED_RETURN_DAYS": 120}
        with at(DAY0):
            abroad(contract_end=DAY0 + timedelta(days=90), home_province=province("12"))
            assert jobs.send_expected_returns() == {"provinces": 1, "notified": 1}
        assert "120 days" in inbox(officer_a)[0].subject
