"""``manage.py seed_demo``: every role can sign in, the data covers what the demo shows,
and a second run changes nothing.

The seed runs with a small size (12 agencies) to stay quick; each test seeds afresh
in its own transaction.
"""

from datetime import datetime
from io import StringIO
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from agencies.choices import DepositEntryKind, InspectionStatus, LicenceStatus, ReportStatus
from agencies.models import (
    Advertisement,
    Agency,
    ChecklistTemplate,
    DepositEntry,
    Inspection,
    InspectionResult,
    LicenceChange,
    MonthlyReport,
    MonthlyReportLine,
    Representative,
    Sanction,
)
from agencies.risk import months_back
from agencies.services import deposit_balance, month_start, report_due_date
from migration_portal.accounts.models import User
from migration_portal.core.demo import DEMO_PASSWORD, FEATURED, MINISTRY_USERS, PROVINCIAL_USERS
from migration_portal.core.models import Event, Notification
from migration_portal.core.scoping import AGENCY_USERS, PROVINCIAL_OFFICERS

pytestmark = pytest.mark.django_db
PP = ZoneInfo("Asia/Phnom_Penh")
SIZE = 12


def seed(*extra: str) -> str:
    out = StringIO()
    call_command("seed_demo", "--agencies", str(SIZE), "--seed", "7", *extra, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = (
        User, Agency, LicenceChange, Representative, DepositEntry, Sanction, ChecklistTemplate, Inspection,
        InspectionResult, MonthlyReport, MonthlyReportLine, Advertisement, Event, Notification,
    )  # fmt: skip
    return {m.__name__: m.objects.count() for m in models}


def test_role_users_are_in_their_groups_and_their_password_works():
    seed()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff and admin.check_password(DEMO_PASSWORD)
    for username, group, *_rest in MINISTRY_USERS:
        user = User.objects.get(username=username)
        assert user.is_staff and not user.is_superuser
        assert list(user.groups.values_list("name", flat=True)) == [group]
        assert user.agency_id is None and user.province_id is None
        assert user.check_password(DEMO_PASSWORD)
    for username, code, *_rest in PROVINCIAL_USERS:
        user = User.objects.select_related("province").get(username=username)
        assert not user.is_staff and user.province.code == code
        assert list(user.groups.values_list("name", flat=True)) == [PROVINCIAL_OFFICERS]
        assert user.check_password(DEMO_PASSWORD)
    for _i, username, _fate, _role, _note in FEATURED:
        user = User.objects.get(username=username)
        assert user.agency_id and user.is_active and user.check_password(DEMO_PASSWORD)
        assert list(user.groups.values_list("name", flat=True)) == [AGENCY_USERS]
    assert User.objects.get(username="agency.angkor").agency.licence_status == LicenceStatus.ACTIVE
    assert User.objects.get(username="agency.bayon").agency.licence_status == LicenceStatus.SUSPENDED
    # Staff of cancelled or closed agencies can no longer sign in.
    gone = User.objects.filter(agency__licence_status__in=(LicenceStatus.CANCELLED, LicenceStatus.CLOSED))
    assert gone.exists() and not gone.filter(is_active=True).exists()


def test_agencies_in_every_licence_state_with_history_and_deposit():
    seed()
    assert Agency.objects.count() == SIZE
    assert set(Agency.objects.values_list("licence_status", flat=True)) == set(LicenceStatus.values)
    for agency in Agency.objects.all():
        history = list(agency.licence_changes.order_by("effective_date", "id").values_list("from_status", "to_status"))
        # The history starts with the application and chains to the licence's state today.
        assert history[0] == ("", LicenceStatus.APPLIED)
        assert all(prev[1] == nxt[0] for prev, nxt in pairwise(history))
        assert history[-1][1] == agency.licence_status
        assert agency.name_km.startswith("ក្រុមហ៊ុន")
        if agency.licence_status == LicenceStatus.APPLIED:
            assert agency.licence_number is None and not agency.deposit_entries.exists()
            continue
        assert agency.licence_number and agency.licence_issued < agency.licence_expires
        assert agency.deposit_entries.filter(kind=DepositEntryKind.INITIAL, amount=100_000).count() == 1
        assert deposit_balance(agency) >= 0
    # Drawdowns left some deposits short; suspensions and cancellations have their decision.
    assert deposit_balance(Agency.objects.get(users__username="agency.mekong")) < 100_000
    for agency in Agency.objects.filter(licence_status__in=(LicenceStatus.SUSPENDED, LicenceStatus.CANCELLED)):
        last = agency.licence_changes.order_by("-effective_date", "-id").first()
        assert last.sanction is not None and last.sanction.reference.startswith("Decision No.")


def test_one_current_checklist_and_approved_inspections_with_scores():
    seed()
    template = ChecklistTemplate.objects.get(is_current=True)
    items = template.items.count()
    assert 15 <= items <= 20
    assert template.items.exclude(text_km="").count() == items
    approved = Inspection.objects.filter(status=InspectionStatus.APPROVED)
    assert approved.count() >= SIZE // 2
    for inspection in approved:
        assert inspection.score is not None and inspection.grade and inspection.conducted_on
        assert inspection.approved_by.username == "director" and inspection.results.count() == items
    assert len(set(approved.values_list("grade", flat=True))) >= 3  # a ranking worth publishing
    # The featured agencies' stories hold whatever the seed: graded A, C and D last.
    for username, grade in (("agency.angkor", "A"), ("agency.mekong", "C"), ("agency.bayon", "D")):
        last = approved.filter(agency__users__username=username).order_by("-conducted_on").first()
        assert last.grade == grade, username
    # The planner ran: inspections are planned, one of them for a date already past.
    planned = Inspection.objects.filter(status=InspectionStatus.PLANNED)
    assert planned.exists()
    assert planned.filter(scheduled_for__lt=datetime.now(PP).date(), overdue_flagged_at__isnull=False).count() == 1


# One day before the reports' due day, one after it: last month's reports are not
# yet due in the first case, overdue for some in the second.
@pytest.mark.parametrize("day", [10, 20])
def test_reports_only_for_months_that_ended(day):
    with time_machine.travel(datetime(2026, 3, day, 10, tzinfo=PP), tick=False):
        seed()
        today = datetime.now(PP).date()
    months = months_back(today, 12)
    assert not MonthlyReport.objects.filter(period__gte=month_start(today)).exists()
    assert set(MonthlyReport.objects.values_list("period", flat=True)) <= set(months)
    assert not MonthlyReport.objects.filter(lines__isnull=True).exists()
    assert MonthlyReportLine.objects.filter(deployed__gt=0).exists()
    statuses = set(MonthlyReport.objects.values_list("status", flat=True))
    assert {ReportStatus.ACCEPTED, ReportStatus.SUBMITTED, ReportStatus.RETURNED} <= statuses
    # Submitted and reviewed no later than today, in that order.
    for report in MonthlyReport.objects.exclude(status=ReportStatus.DRAFT):
        assert report.submitted_at.date() <= today
        if report.reviewed_at:
            assert report.submitted_at <= report.reviewed_at
    # Late reporters: the warned agency has missed its last due months.
    mekong = Agency.objects.get(users__username="agency.mekong")
    due = [p for p in months if report_due_date(p) < today]
    assert not MonthlyReport.objects.filter(agency=mekong, period__in=due[:3]).exists()
    if report_due_date(months[0]) >= today:
        assert not MonthlyReport.objects.filter(period=months[0], status=ReportStatus.ACCEPTED).exists()


def test_the_seed_emails_nobody_but_leaves_notifications(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    assert mail.outbox == []
    assert Notification.objects.filter(recipient__username="agency.bayon").exists()  # the suspension
    assert Notification.objects.filter(recipient__username="inspector").exists()  # the planner
    # From now on the users are e-mailed like anyone.
    assert not User.objects.filter(email="").exists()


def test_a_second_run_creates_nothing_and_prints_the_logins_again():
    seed()
    before = counts()
    output = seed()
    assert counts() == before
    assert "already loaded" in output
    assert "agency.angkor" in output


def test_the_output_lists_every_login_and_the_main_pages():
    output = seed()
    usernames = ["admin"] + [u[0] for u in MINISTRY_USERS] + [u[0] for u in PROVINCIAL_USERS] + [f[1] for f in FEATURED]
    for username in usernames:
        assert username in output
    assert DEMO_PASSWORD in output
    # Staff must use a second factor: each has an authenticator device whose secret is printed.
    from migration_portal.accounts.two_factor.services import app_device, secret_base32

    for username in ["admin"] + [u[0] for u in MINISTRY_USERS]:
        device = app_device(User.objects.get(username=username))
        assert device is not None and secret_base32(device) in output
    for username in [u[0] for u in PROVINCIAL_USERS]:
        assert app_device(User.objects.get(username=username)) is None
    assert "totp_code" in output
    for path in ("/admin/", "/agency/", "/province/", "/api/docs/"):
        assert path in output
    assert "monthly reports" in output  # the timings of the steps


def test_the_same_seed_gives_the_same_data():
    def run() -> list[tuple]:
        with transaction.atomic():
            seed()
            snapshot = list(
                Agency.objects.order_by("registration_number").values_list(
                    "registration_number", "name", "licence_status", "licence_number", "licence_issued", "province__code"
                )
            )
            transaction.set_rollback(True)
        return snapshot

    assert run() == run()


def test_refuses_too_few_agencies():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--agencies", "3", stdout=StringIO())
    assert not User.objects.filter(username="licensing").exists()
