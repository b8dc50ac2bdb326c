"""Scheduled jobs: inspection planning, reporting reminders, licence expiry.

Each runs twice in its test: the second run must send and schedule nothing.
Dates are frozen with time-machine.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from agencies import jobs, services, tasks
from agencies.choices import (
    ChecklistResult,
    DepositEntryKind,
    InspectionReason,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
)
from agencies.models import Agency, Inspection, LicenceChange, MonthlyReport
from migration_portal.core.models import Notification
from migration_portal.core.scoping import AGENCY_USERS

from ..factories import AgencyFactory, UserFactory, checklist

pytestmark = pytest.mark.django_db
PP = ZoneInfo("Asia/Phnom_Penh")


def at(y, m, d, hour=9):
    return time_machine.travel(datetime(y, m, d, hour, tzinfo=PP), tick=False)


def inspected(agency, on: date, actor, results=ChecklistResult.COMPLIANT):
    ins = Inspection.objects.create(agency=agency, template=services.checklist_current(), scheduled_for=on)
    services.inspection_record(inspection=ins, actor=actor, conducted_on=on,
                               results={i.pk: results for i in ins.template.items.all()})
    services.inspection_approve(inspection=ins, actor=actor)
    return ins


def file_reports(agency, periods):
    for p in periods:
        MonthlyReport.objects.create(agency=agency, period=p, status=ReportStatus.ACCEPTED)


def twelve_months_before(d: date):
    out, cur = [], d.replace(day=1)
    for _ in range(12):
        cur = (cur - timedelta(days=1)).replace(day=1)
        out.append(cur)
    return out


class TestInspectionPlanning:
    def test_due_and_risky_agencies_get_one_inspection_each(self, inspector, superuser):
        with at(2026, 3, 2):
            checklist()
            recent = AgencyFactory(name="Recently inspected")
            due = AgencyFactory(name="Inspected long ago")
            never = AgencyFactory(name="Never inspected", licence_issued=date(2024, 1, 1))
            risky = AgencyFactory(name="Risky", deposit=50_000)
            for a in (recent, due, never, risky):
                file_reports(a, twelve_months_before(date(2026, 3, 2)))
        with at(2024, 1, 10):
            inspected(due, date(2024, 1, 10), superuser)
        with at(2025, 11, 1):
            inspected(recent, date(2025, 11, 1), superuser)
            inspected(risky, date(2025, 11, 1), superuser, results=ChecklistResult.NON_COMPLIANT)
        with at(2026, 3, 2):
            first = tasks.plan_inspections.delay().get()
            second = tasks.plan_inspections.delay().get()
        planned = {i.agency.name: i for i in Inspection.objects.filter(status=InspectionStatus.PLANNED).select_related("agency")}
        assert set(planned) == {"Inspected long ago", "Never inspected", "Risky"}
        assert planned["Risky"].reason == InspectionReason.RISK
        assert "deposit short" in planned["Risky"].reason_detail and "graded D" in planned["Risky"].reason_detail
        assert planned["Inspected long ago"].reason == InspectionReason.ROUTINE
        assert first == {"scheduled": 3, "skipped": 0} and second == {"scheduled": 0, "skipped": 0}
        # The inspection team is told once per inspection.
        assert Notification.objects.filter(recipient=inspector, dedupe_key__startswith="inspection-scheduled:").count() == 3

    def test_overdue_inspections_are_flagged_once(self, inspector):
        with at(2026, 3, 2):
            checklist()
            agency = AgencyFactory()
            ins = services.inspection_schedule(agency=agency, scheduled_for=date(2026, 3, 10), actor=None)
        with at(2026, 3, 20):
            assert jobs.flag_overdue_inspections() == 1
            assert jobs.flag_overdue_inspections() == 0
        ins.refresh_from_db()
        assert ins.overdue_flagged_at is not None
        assert Notification.objects.filter(recipient=inspector, dedupe_key=f"inspection-overdue:{ins.pk}").count() == 1


class TestReportingReminders:
    @pytest.fixture
    def setup(self, licensing_officer):
        with at(2025, 1, 1):
            good = AgencyFactory(name="Good reporter", licence_issued=date(2024, 1, 1))
            late = AgencyFactory(name="Late reporter", licence_issued=date(2024, 1, 1))
        good_user = UserFactory(username="good", agency=good, groups=[AGENCY_USERS])
        late_user = UserFactory(username="late", agency=late, groups=[AGENCY_USERS])
        file_reports(good, twelve_months_before(date(2026, 3, 1)))  # up to February 2026
        # The late agency filed up to December 2025 only: January and February 2026 missing.
        file_reports(late, [p for p in twelve_months_before(date(2026, 4, 1)) if p < date(2026, 1, 1)])
        return good_user, late_user

    def test_before_due_day_reminds_once(self, setup):
        good_user, late_user = setup
        with at(2026, 4, 12):  # March's report is due on 15 April
            assert jobs.send_reporting_reminders()["reminded"] == 2
            assert jobs.send_reporting_reminders()["reminded"] == 0
        keys = set(Notification.objects.values_list("recipient__username", "dedupe_key"))
        assert ("late", f"report-due:{late_user.agency_id}:2026-03") in keys
        assert ("good", f"report-due:{good_user.agency_id}:2026-03") in keys

    def test_filed_report_stops_the_reminder(self, setup):
        good_user, _late = setup
        MonthlyReport.objects.create(agency=good_user.agency, period=date(2026, 3, 1), status=ReportStatus.SUBMITTED)
        with at(2026, 4, 12):
            jobs.send_reporting_reminders()
        assert not Notification.objects.filter(recipient=good_user).exists()

    def test_overdue_then_escalation_to_licensing_once(self, setup, licensing_officer, django_capture_on_commit_callbacks):
        _good, late_user = setup
        with at(2026, 4, 20), django_capture_on_commit_callbacks(execute=True):
            counts = jobs.send_reporting_reminders()
            again = tasks.send_reporting_reminders.delay().get()
        # The late agency has now missed January, February and March in a row.
        assert counts == {"reminded": 0, "overdue": 2, "escalated": 1}
        assert again == {"reminded": 0, "overdue": 0, "escalated": 0}
        escalation = Notification.objects.get(recipient=licensing_officer)
        assert escalation.dedupe_key == f"report-escalate:{late_user.agency_id}:2026-03"
        assert "3 monthly reports in a row" in escalation.subject
        # E-mail went out once per notification, through the on-commit queue.
        assert len([m for m in mail.outbox if m.to == [licensing_officer.email]]) == 1


class TestLicenceExpiry:
    def test_expired_licences_change_state_and_expiring_ones_warned_once(self, licensing_officer):
        with at(2026, 5, 1):
            gone = AgencyFactory(licence_issued=date(2023, 1, 1), licence_expires=date(2026, 4, 30))
            soon = AgencyFactory(licence_issued=date(2023, 6, 1), licence_expires=date(2026, 6, 1))
            assert jobs.check_licence_expiry() == {"expired": 1, "warned": 1}
            assert jobs.check_licence_expiry() == {"expired": 0, "warned": 0}
        gone.refresh_from_db()
        assert gone.licence_status == LicenceStatus.EXPIRED
        change = LicenceChange.objects.get(agency=gone)
        assert change.actor is None and "end date" in change.reason
        assert Notification.objects.filter(recipient=licensing_officer, dedupe_key__startswith=f"licence-expiring:{soon.pk}:").count() == 1


def test_risk_profile_reasons(superuser):
    with at(2026, 3, 2):
        checklist()
        agency = AgencyFactory(licence_issued=date(2024, 1, 1))
        services.deposit_record(agency=agency, kind=DepositEntryKind.DRAWDOWN, amount=Decimal("30000"), actor=superuser,
                                reason="case")
        from agencies.risk import risk_profile

        profile = risk_profile(agency, date(2026, 3, 2))
    texts = " | ".join(t for _p, t in profile.reasons)
    assert "monthly reports overdue" in texts and "deposit short" in texts and "never inspected" in texts
    assert profile.score == min(100, sum(p for p, _t in profile.reasons)) and profile.level == "high"
    assert Agency.objects.filter(pk=agency.pk).exists()
