"""The supervision services, tested directly."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from agencies import services
from agencies.choices import (
    AdvertisementStatus,
    ChecklistResult,
    DepositEntryKind,
    InspectionStatus,
    LicenceStatus,
    ReportStatus,
    SanctionKind,
)
from agencies.models import Agency, Inspection, LicenceChange, MonthlyReport
from agencies.services import LineInput
from migration_portal.core.models import Event, Notification

from ..factories import AgencyFactory, checklist, country, sector

pytestmark = pytest.mark.django_db


def last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


class TestLicence:
    def test_suspension_changes_licence_through_the_one_place(self, agency_a, agency_user_a, director):
        sanction = services.sanction_decide(
            agency=agency_a, kind=SanctionKind.SUSPENSION, reason="Fees above the cap", reference="No. 12/26",
            actor=director, effective_until=timezone.localdate() + timedelta(days=90),
        )
        agency_a.refresh_from_db()
        assert agency_a.licence_status == LicenceStatus.SUSPENDED
        change = LicenceChange.objects.get(agency=agency_a)
        assert (change.from_status, change.to_status, change.sanction, change.actor) == (
            LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED, sanction, director)
        # The agency is told.
        assert Notification.objects.filter(recipient=agency_user_a, dedupe_key=f"sanction:{sanction.pk}").exists()

    def test_lifting_restores_active_and_keeps_history(self, agency_a, director):
        s = services.sanction_decide(agency=agency_a, kind=SanctionKind.SUSPENSION, reason="r", reference="x", actor=director)
        services.suspension_lift(sanction=s, actor=director, reason="Fees refunded")
        agency_a.refresh_from_db()
        assert agency_a.licence_status == LicenceStatus.ACTIVE
        assert list(LicenceChange.objects.filter(agency=agency_a).order_by("id").values_list("to_status", flat=True)) == [
            LicenceStatus.SUSPENDED, LicenceStatus.ACTIVE]

    def test_cancelled_is_final(self, agency_a, director, licensing_officer):
        services.sanction_decide(agency=agency_a, kind=SanctionKind.CANCELLATION, reason="r", reference="x", actor=director)
        with pytest.raises(ValidationError) as err:
            services.agency_change_licence(agency=agency_a, to_status=LicenceStatus.ACTIVE, actor=licensing_officer, reason="again")
        assert "licence_status" in err.value.message_dict

    def test_warning_leaves_licence_active(self, agency_a, director):
        services.sanction_decide(agency=agency_a, kind=SanctionKind.WARNING, reason="Late reports", reference="W1", actor=director)
        agency_a.refresh_from_db()
        assert agency_a.licence_status == LicenceStatus.ACTIVE
        assert not LicenceChange.objects.filter(agency=agency_a).exists()

    def test_sanction_needs_reason_reference_and_permission(self, agency_a, director, agency_user_a):
        with pytest.raises(ValidationError) as err:
            services.sanction_decide(agency=agency_a, kind=SanctionKind.WARNING, reason=" ", reference="", actor=director)
        assert set(err.value.message_dict) == {"reason", "reference"}
        with pytest.raises(PermissionDenied):
            services.sanction_decide(agency=agency_a, kind=SanctionKind.WARNING, reason="r", reference="x", actor=agency_user_a)

    def test_failed_cancellation_leaves_no_half_written_sanction(self, director):
        closed = AgencyFactory(licence_status=LicenceStatus.CLOSED)
        with pytest.raises(ValidationError):
            services.sanction_decide(agency=closed, kind=SanctionKind.CANCELLATION, reason="r", reference="x", actor=director)
        assert not closed.sanctions.exists()

    def test_granting_an_application(self, licensing_officer):
        applicant = AgencyFactory(licence_status=LicenceStatus.APPLIED, licence_number=None, licence_issued=None, licence_expires=None)
        services.agency_change_licence(
            agency=applicant, to_status=LicenceStatus.ACTIVE, actor=licensing_officer, reason="All conditions met",
            licence_number="MOLVT-9999",
        )
        applicant.refresh_from_db()
        assert applicant.licence_status == LicenceStatus.ACTIVE
        assert applicant.licence_expires > applicant.licence_issued

    def test_licence_change_is_in_the_audit_log_with_actor(self, agency_a, director):
        from auditlog.context import set_actor

        with set_actor(director):
            services.sanction_decide(agency=agency_a, kind=SanctionKind.SUSPENSION, reason="r", reference="x", actor=director)
        entry = LogEntry.objects.get_for_object(agency_a).filter(action=LogEntry.Action.UPDATE).latest("timestamp")
        assert entry.actor == director
        assert entry.changes_dict["licence_status"] == [LicenceStatus.ACTIVE, LicenceStatus.SUSPENDED]


class TestDeposit:
    def test_balance_and_shortfall(self, agency_a, agency_user_a, licensing_officer):
        services.deposit_record(agency=agency_a, kind=DepositEntryKind.DRAWDOWN, amount=Decimal("2500"), actor=licensing_officer,
                                reason="Compensation for 5 workers, case C-1")
        assert services.deposit_balance(agency_a) == Decimal("97500.00")
        assert Notification.objects.filter(recipient=agency_user_a, dedupe_key__startswith="deposit-short:").exists()
        services.deposit_record(agency=agency_a, kind=DepositEntryKind.TOP_UP, amount=Decimal("2500"), actor=licensing_officer)
        assert services.deposit_balance(agency_a) == services.deposit_required()

    def test_drawdown_cannot_exceed_balance(self, agency_a, licensing_officer):
        with pytest.raises(ValidationError) as err:
            services.deposit_record(agency=agency_a, kind=DepositEntryKind.DRAWDOWN, amount=Decimal("100000.01"),
                                    actor=licensing_officer, reason="x")
        assert "amount" in err.value.message_dict
        assert agency_a.deposit_entries.count() == 1

    def test_bad_amounts_and_missing_reason(self, agency_a, licensing_officer):
        with pytest.raises(ValidationError) as err:
            services.deposit_record(agency=agency_a, kind=DepositEntryKind.DRAWDOWN, amount=Decimal("-5"), actor=licensing_officer)
        assert {"amount", "reason"} <= set(err.value.message_dict)

    def test_agency_user_cannot_write_the_ledger(self, agency_a, agency_user_a):
        with pytest.raises(PermissionDenied):
            services.deposit_record(agency=agency_a, kind=DepositEntryKind.TOP_UP, amount=Decimal("5"), actor=agency_user_a)


class TestMonthlyReport:
    def lines(self, **over):
        base = {"country_id": country("TH").pk, "sector_id": sector("CON").pk, "sex": "M", "recruited": 5, "trained": 5,
                "deployed": 4, "returned": 1, "abroad_end": 30}
        base.update(over)
        return [LineInput(**base)]

    def test_lifecycle(self, agency_a, agency_user_a, licensing_officer):
        report = services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)
        report = services.report_save(report=report, actor=agency_user_a, lines=self.lines(), complaints_received=1,
                                      fees_charged=Decimal("150"), version=report.version)
        report = services.report_submit(report=report, actor=agency_user_a, version=report.version)
        assert report.status == ReportStatus.SUBMITTED
        report = services.report_review(report=report, accept=False, actor=licensing_officer, note="Sector missing for women")
        assert report.status == ReportStatus.RETURNED
        report = services.report_submit(report=report, actor=agency_user_a)
        report = services.report_review(report=report, accept=True, actor=licensing_officer)
        assert report.status == ReportStatus.ACCEPTED
        codes = list(Event.objects.filter(object_id=str(report.pk)).order_by("id").values_list("code", flat=True))
        assert codes == ["report.created", "report.saved", "report.submitted", "report.returned", "report.submitted", "report.accepted"]
        with pytest.raises(ValidationError):
            services.report_save(report=report, actor=agency_user_a, lines=self.lines(), complaints_received=0, fees_charged=0)

    @pytest.mark.parametrize("period_offset_months", [0, 1])
    def test_current_or_future_month_is_refused(self, agency_a, agency_user_a, period_offset_months):
        today = timezone.localdate().replace(day=1)
        period = (today + timedelta(days=32 * period_offset_months)).replace(day=1)
        with pytest.raises(ValidationError) as err:
            services.report_create(agency=agency_a, period=period, actor=agency_user_a)
        assert "period" in err.value.message_dict

    def test_duplicate_month_refused(self, agency_a, agency_user_a):
        services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)
        with pytest.raises(ValidationError) as err:
            services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)
        assert "period" in err.value.message_dict
        assert MonthlyReport.objects.filter(agency=agency_a).count() == 1

    def test_cancelled_licence_cannot_report(self, agency_user_a, agency_a):
        Agency.objects.filter(pk=agency_a.pk).update(licence_status=LicenceStatus.CANCELLED)
        agency_a.refresh_from_db()
        with pytest.raises(ValidationError, match="cannot file reports"):
            services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)

    def test_negative_figure_and_duplicate_line_leave_saved_figures_intact(self, agency_a, agency_user_a):
        report = services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)
        report = services.report_save(report=report, actor=agency_user_a, lines=self.lines(), complaints_received=0, fees_charged=0)
        with pytest.raises(ValidationError) as err:
            services.report_save(report=report, actor=agency_user_a, lines=self.lines(deployed=-3) + self.lines(),
                                 complaints_received=0, fees_charged=0)
        assert any(k.startswith("line") for k in err.value.message_dict)
        assert list(report.lines.values_list("deployed", flat=True)) == [4]

    def test_stale_version_is_refused(self, agency_a, agency_user_a):
        report = services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)
        stale = report.version
        services.report_save(report=report, actor=agency_user_a, lines=self.lines(), complaints_received=0, fees_charged=0,
                             version=stale)
        with pytest.raises(ValidationError, match="Someone else changed"):
            services.report_save(report=report, actor=agency_user_a, lines=self.lines(deployed=9), complaints_received=0,
                                 fees_charged=0, version=stale)
        assert list(report.lines.values_list("deployed", flat=True)) == [4]

    def test_other_agency_cannot_act(self, agency_a, agency_user_b):
        with pytest.raises(PermissionDenied):
            services.report_create(agency=agency_a, period=last_month(), actor=agency_user_b)

    def test_return_needs_a_note(self, agency_a, agency_user_a, licensing_officer, inspector):
        report = services.report_create(agency=agency_a, period=last_month(), actor=agency_user_a)
        services.report_save(report=report, actor=agency_user_a, lines=self.lines(), complaints_received=0, fees_charged=0)
        report = services.report_submit(report=report, actor=agency_user_a)
        with pytest.raises(ValidationError):
            services.report_review(report=report, accept=False, actor=licensing_officer, note="")
        with pytest.raises(PermissionDenied):
            services.report_review(report=report, accept=True, actor=inspector)


class TestAdvertisement:
    def fields(self, **over):
        today = timezone.localdate()
        base = {"title": "Construction workers for Korea", "country": country("KR"), "sector": sector("CON"),
                "occupation": "Mason", "positions_male": 20, "positions_female": 0, "text": "...",
                "valid_from": today, "valid_until": today + timedelta(days=30)}
        base.update(over)
        return base

    def test_approve_gives_a_code(self, agency_a, agency_user_a, licensing_officer):
        ad = services.advertisement_submit(agency=agency_a, actor=agency_user_a, **self.fields())
        ad = services.advertisement_review(advertisement=ad, approve=True, actor=licensing_officer)
        assert ad.status == AdvertisementStatus.APPROVED and ad.code.startswith("AD-") and len(ad.code) == 11

    def test_suspended_agency_submits_nothing(self, agency_a, agency_user_a, director):
        services.sanction_decide(agency=agency_a, kind=SanctionKind.SUSPENSION, reason="r", reference="x", actor=director)
        agency_a.refresh_from_db()
        with pytest.raises(ValidationError, match="cannot submit"):
            services.advertisement_submit(agency=agency_a, actor=agency_user_a, **self.fields())
        assert not agency_a.advertisements.exists()

    def test_unauthorised_country_and_no_positions(self, agency_a, agency_user_a):
        with pytest.raises(ValidationError) as err:
            services.advertisement_submit(agency=agency_a, actor=agency_user_a,
                                          **self.fields(country=country("QA"), positions_male=0))
        assert {"country", "positions_male"} <= set(err.value.message_dict)

    def test_refusal_needs_reason(self, agency_a, agency_user_a, licensing_officer):
        ad = services.advertisement_submit(agency=agency_a, actor=agency_user_a, **self.fields())
        with pytest.raises(ValidationError):
            services.advertisement_review(advertisement=ad, approve=False, actor=licensing_officer)
        ad = services.advertisement_review(advertisement=ad, approve=False, actor=licensing_officer, reason="Wage not stated")
        assert ad.status == AdvertisementStatus.REFUSED and ad.code is None


class TestInspection:
    def test_schedule_record_approve(self, agency_a, agency_user_a, inspector, director):
        template = checklist()
        items = list(template.items.all())
        ins = services.inspection_schedule(agency=agency_a, scheduled_for=timezone.localdate() + timedelta(days=7), actor=inspector)
        with pytest.raises(ValidationError, match="already planned"):
            services.inspection_schedule(agency=agency_a, scheduled_for=timezone.localdate() + timedelta(days=8), actor=inspector)
        results = {items[0].pk: ChecklistResult.COMPLIANT, items[1].pk: ChecklistResult.PARTIAL,
                   items[2].pk: ChecklistResult.NON_COMPLIANT, items[3].pk: ChecklistResult.NOT_APPLICABLE}
        ins = services.inspection_record(inspection=ins, actor=inspector, conducted_on=timezone.localdate(), results=results,
                                         findings="Fees receipts missing", actions=[("Issue receipts", timezone.localdate() + timedelta(days=30))])
        # weights 1,2,3 (item 4 not applicable): (1*1 + 2*0.5 + 3*0) / 6 = 33.3%
        assert ins.score == Decimal("33.3") and ins.grade == "D"
        assert ins.actions.count() == 1
        assert not Inspection.objects.visible_to(agency_user_a).exists()  # not yet published
        services.inspection_approve(inspection=ins, actor=director)
        assert Inspection.objects.visible_to(agency_user_a).get().status == InspectionStatus.APPROVED

    def test_record_needs_every_item(self, agency_a, inspector):
        template = checklist()
        ins = services.inspection_schedule(agency=agency_a, scheduled_for=timezone.localdate(), actor=inspector)
        first = template.items.first()
        with pytest.raises(ValidationError) as err:
            services.inspection_record(inspection=ins, actor=inspector, conducted_on=timezone.localdate(),
                                       results={first.pk: ChecklistResult.COMPLIANT})
        assert "results" in err.value.message_dict
        ins.refresh_from_db()
        assert ins.status == InspectionStatus.PLANNED and not ins.results.exists()

    def test_new_checklist_version_keeps_the_old(self, inspector):
        v1 = checklist()
        v2 = services.checklist_new_version(template=v1, actor=inspector, notes="Adds code of conduct")
        assert v2.version == 2 and v2.items.count() == v1.items.count()
        services.checklist_make_current(template=v2, actor=inspector)
        v1.refresh_from_db()
        assert not v1.is_current and services.checklist_current() == v2
