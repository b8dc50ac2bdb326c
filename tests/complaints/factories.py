"""Helpers to build complaints in tests through the real intake service."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from complaints import services
from complaints.choices import Channel, ComplainantType, LodgedAt, Payer, RespondentKind, Stage

from ..workers.factories import WorkerFactory


def register(actor, agency, *, worker=None, grounds=("wages",), indicators=None, **fields):
    worker = worker or WorkerFactory(sex="F")
    base = {"complainant_type": ComplainantType.WORKER, "lodged_at": LodgedAt.PROVINCE, "channel": Channel.WALK_IN,
            "narrative": "Wages unpaid for three months.", "lodged_province": getattr(actor, "province", None) or worker.home_province,
            "amount_claimed": Decimal("900")}
    base.update(fields)
    return services.complaint_register(actor=actor, worker=worker, fields=base, grounds=list(grounds),
                                       respondents=[{"kind": RespondentKind.AGENCY, "agency": agency}],
                                       trafficking_indicators=indicators)


def to_settled(complaint, actor, agency, amount=Decimal("600")):
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=actor)
    meeting = services.meeting_schedule(complaint=complaint, actor=actor, scheduled_for=timezone.now() - timedelta(hours=2),
                                        place="PDOLVT Phnom Penh")
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.SCHEDULED, actor=actor)
    services.meeting_record(meeting=meeting, actor=actor, minutes="Agency agreed to pay.", agreement_reached=True)
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.HELD, actor=actor)
    settlement = services.settlement_record(complaint=complaint, actor=actor, amount=amount, payer=Payer.AGENCY, payer_agency=agency,
                                            agreed_on=timezone.localdate())
    complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.SETTLED, actor=actor)
    return complaint, settlement
