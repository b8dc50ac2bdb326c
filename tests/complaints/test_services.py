"""Complaint handling services: intake, stages, settlement, drawdown, scoping, concurrency."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from agencies.services import deposit_balance
from complaints import services
from complaints.choices import DrawdownStatus, Stage
from complaints.models import Complaint, Payment
from migration_portal.core.scoping import COMPLAINTS

from ..factories import UserFactory, province
from .factories import register, to_settled

pytestmark = pytest.mark.django_db


@pytest.fixture
def handler(db):
    return UserFactory(username="mrc_officer", is_staff=True, groups=[COMPLAINTS])


def test_intake_to_paid_settlement_with_deposit_drawdown(officer_a, agency_a, agency_user_a, director):
    complaint = register(officer_a, agency_a)
    assert complaint.current_province == officer_a.province and complaint.assigned_officer == officer_a
    assert len(complaint.ref) == 11 and complaint.ref.startswith("C")
    complaint, settlement = to_settled(complaint, officer_a, agency_a)
    with pytest.raises(ValidationError, match="not fully paid"):
        services.complaint_transition(complaint=complaint, to_stage=Stage.CLOSED, actor=officer_a)
    services.payment_record(settlement=settlement, actor=officer_a, amount=Decimal("200"), paid_on=timezone.localdate())
    proposal = services.drawdown_propose(settlement=settlement, actor=officer_a, amount=Decimal("400"), reason="Missed instalment")
    before = deposit_balance(agency_a)
    services.drawdown_decide(proposal=proposal, actor=director, approve=True)
    proposal.refresh_from_db()
    assert proposal.status == DrawdownStatus.APPROVED
    assert deposit_balance(agency_a) == before - Decimal("400")
    assert Payment.objects.get(from_deposit=proposal.deposit_entry).amount == Decimal("400")
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.CLOSED, actor=officer_a)
    assert complaint.stage == Stage.CLOSED and complaint.resolved_on and complaint.closed_on


def test_settling_without_a_meeting_is_refused(officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=officer_a)
    with pytest.raises(ValidationError) as err:
        services.complaint_transition(complaint=complaint, to_stage=Stage.SETTLED, actor=officer_a)
    assert "stage" in err.value.message_dict
    with pytest.raises(ValidationError, match="Schedule a conciliation"):
        services.complaint_transition(complaint=complaint, to_stage=Stage.SCHEDULED, actor=officer_a)


def test_concurrent_edit_is_detected(officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    stale = complaint.version
    services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=officer_a, version=stale)
    with pytest.raises(ValidationError, match="Another officer changed"):
        services.complaint_transition(complaint=complaint, to_stage=Stage.WITHDRAWN, actor=officer_a, reason="x", version=stale)
    assert Complaint.objects.get(pk=complaint.pk).stage == Stage.ASSESSMENT


def test_scopes(officer_a, officer_b, agency_a, agency_b, agency_user_a, agency_user_b, handler, licensing_officer):
    mine = register(officer_a, agency_a)
    assert list(Complaint.objects.visible_to(officer_a)) == [mine]
    assert not Complaint.objects.visible_to(officer_b).exists()
    assert list(Complaint.objects.visible_to(agency_user_a)) == [mine]
    assert not Complaint.objects.visible_to(agency_user_b).exists()
    assert list(Complaint.objects.visible_to(handler)) == [mine]
    with pytest.raises(PermissionDenied):
        services.complaint_transition(complaint=mine, to_stage=Stage.ASSESSMENT, actor=officer_b)


def test_trafficking_case_is_restricted_to_its_handlers(officer_a, agency_a, agency_user_a, handler, superuser):
    case = register(officer_a, agency_a, grounds=["abuse", "documents"], indicators=["documents", "movement"])
    assert case.restricted and case.trafficking_flag and case.referred_to_ncct_on == timezone.localdate()
    colleague = UserFactory(username="officer_pp2", province=province("12"), groups=["Provincial officers"])
    assert list(Complaint.objects.visible_to(officer_a)) == [case]
    assert not Complaint.objects.visible_to(colleague).exists()
    assert not Complaint.objects.visible_to(handler).exists()
    assert not Complaint.objects.visible_to(agency_user_a).exists()
    services.complaint_assign(complaint=case, officer=handler, actor=officer_a)
    assert list(Complaint.objects.visible_to(handler)) == [case]


def test_transfer_to_another_province_moves_the_scope(officer_a, officer_b, agency_a):
    complaint = register(officer_a, agency_a)
    services.complaint_transfer(complaint=complaint, to_province=officer_b.province, actor=officer_a, reason="Worker moved")
    assert not Complaint.objects.visible_to(officer_a).exists()
    assert list(Complaint.objects.visible_to(officer_b)) == [complaint]


def test_agency_responds_only_to_its_cases(officer_a, agency_a, agency_user_a, agency_user_b):
    complaint = register(officer_a, agency_a)
    services.agency_respond(complaint=complaint, actor=agency_user_a, text="We will pay the wages.")
    with pytest.raises(PermissionDenied):
        services.agency_respond(complaint=complaint, actor=agency_user_b, text="x")


def test_attachment_checked_by_type_and_content(officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    ok = services.attachment_add(complaint=complaint, actor=officer_a, file=SimpleUploadedFile("receipt.pdf", b"%PDF-1.4 ..."),
                                 description="Receipt")
    assert ok.pk
    with pytest.raises(ValidationError, match="does not match"):
        services.attachment_add(complaint=complaint, actor=officer_a, file=SimpleUploadedFile("x.pdf", b"MZ\x90\x00"), description="x")
    with pytest.raises(ValidationError, match="Upload a PDF"):
        services.attachment_add(complaint=complaint, actor=officer_a, file=SimpleUploadedFile("x.exe", b"MZ"), description="x")


def test_public_status_needs_the_second_factor(officer_a, agency_a):
    complaint = register(officer_a, agency_a)
    dob = complaint.worker.date_of_birth
    assert services.public_status(ref=complaint.ref.lower(), date_of_birth=dob) == Stage.RECEIVED
    assert services.public_status(ref=complaint.ref, date_of_birth=dob - timedelta(days=1)) is None
    assert services.public_status(ref="C26-XXXXXXX", date_of_birth=dob) is None


def test_intake_errors_name_the_field(officer_a, agency_a):
    with pytest.raises(ValidationError) as err:
        register(officer_a, agency_a, grounds=[])
    assert "grounds" in err.value.message_dict
    assert not Complaint.objects.exists()


def test_restricted_case_transfers_only_to_a_named_officer(officer_a, officer_b, agency_a):
    case = register(officer_a, agency_a, indicators=["violence"])
    with pytest.raises(ValidationError) as err:
        services.complaint_transfer(complaint=case, to_province=officer_b.province, actor=officer_a, reason="Family lives there")
    assert "to_officer" in err.value.message_dict
    services.complaint_transfer(complaint=case, to_province=officer_b.province, actor=officer_a, reason="Family lives there",
                                to_officer=officer_b)
    assert list(Complaint.objects.visible_to(officer_b)) == [case]
    assert not Complaint.objects.visible_to(officer_a).exists()
