"""Demo complaints, written through the real services: cases at every stage, one settled
and paid, one awaiting a deposit drawdown, one referred to court, one withdrawn, and a
restricted case with signs of trafficking. A step of ``manage.py seed_demo``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from agencies.models import Agency
from workers.models import Deployment

from . import services
from .choices import Channel, ComplainantType, LodgedAt, Payer, RespondentKind, Stage

STORIES = [
    # (grounds, narrative, claim, how far it goes)
    (["wages"], "Wages for three months were not paid by the employer; the agency does not answer calls.", 900, "paid"),
    (["fees"], "The agency charged USD 700 in fees, above what the contract states.", 400, "drawdown"),
    (["deception", "substitution"], "The job was in a factory, not on a farm as promised; the wage is lower.", 1200, "referred"),
    (["delay"], "Paid the agency eight months ago and still has not left.", 500, "withdrawn"),
    (["conditions"], "Works 12 hours a day without a day off.", 0, "scheduled"),
    (["documents"], "The employer keeps the worker's passport.", 0, "assessment"),
    (["repatriation"], "The family had to pay for the return ticket after the worker fell ill.", 350, "received"),
]


def seed_complaints(demo) -> None:
    officer_pp = demo.users.get("officer.phnompenh")
    officer_btb = demo.users.get("officer.battambang")
    director = demo.users.get("director")
    if not (officer_pp and officer_btb and director):
        return
    deployments = list(Deployment.objects.filter(agency__isnull=False).select_related("worker", "agency").order_by("pk")[:10])
    if not deployments:
        return
    now = timezone.now()
    officers = [o for o in (officer_pp, officer_btb, demo.users.get("officer.banteaymeanchey")) if o]
    # Four rounds of the stories, received over the past year, so the dashboards and the
    # annual report have a year of cases by province, ground, sex and outcome.
    for i in range(len(STORIES) * 4):
        grounds, narrative, claim, fate = STORIES[i % len(STORIES)]
        dep = deployments[i % len(deployments)]
        officer = officers[i % len(officers)]
        complaint = services.complaint_register(
            actor=officer, worker=dep.worker, grounds=grounds,
            respondents=[{"kind": RespondentKind.AGENCY, "agency": dep.agency}],
            fields={"complainant_type": ComplainantType.FAMILY if i % 2 else ComplainantType.WORKER,
                    "complainant_name": "Family member" if i % 2 else "", "complainant_relation": "mother" if i % 2 else "",
                    "lodged_at": LodgedAt.PROVINCE, "lodged_province": officer.province, "channel": Channel.WALK_IN,
                    "narrative": narrative, "amount_claimed": Decimal(claim), "deployment": dep, "country": dep.country,
                    "received_on": timezone.localdate() - timedelta(days=12 + i * 12)},
        )
        if fate == "received":
            continue
        complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.ASSESSMENT, actor=officer)
        if fate == "assessment":
            continue
        if fate == "withdrawn":
            services.complaint_transition(complaint=complaint, to_stage=Stage.WITHDRAWN, actor=officer,
                                          reason="The agency deployed the worker after the complaint.")
            continue
        held = fate != "scheduled"
        meeting = services.meeting_schedule(complaint=complaint, actor=officer, place=f"PDOLVT {officer.province.name}",
                                            scheduled_for=now - timedelta(days=10) if held else now + timedelta(days=5),
                                            participants="Worker, family, agency representative, officer")
        complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.SCHEDULED, actor=officer)
        if not held:
            continue
        agreed = fate in ("paid", "drawdown")
        services.meeting_record(meeting=meeting, actor=officer, agreement_reached=agreed,
                                minutes="The agency accepted to compensate the worker." if agreed else "No agreement: the agency denies the facts.",
                                agency_response="We will pay." if agreed else "The worker accepted the new job.")
        complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.HELD, actor=officer)
        if fate == "referred":
            services.complaint_transition(complaint=complaint, to_stage=Stage.REFERRED, actor=officer, referred_to="court")
            services.legal_aid_refer(complaint=complaint, actor=officer, partner="Legal Aid of Cambodia")
            continue
        settlement = services.settlement_record(complaint=complaint, actor=officer, amount=Decimal(claim), payer=Payer.AGENCY,
                                                payer_agency=dep.agency, agreed_on=timezone.localdate() - timedelta(days=9))
        complaint = services.complaint_transition(complaint=complaint, to_stage=Stage.SETTLED, actor=officer)
        if fate == "paid":
            services.payment_record(settlement=settlement, actor=officer, amount=Decimal(claim), paid_on=timezone.localdate() - timedelta(days=5),
                                    method="Cash at the department", reference="Receipt 0042")
            services.complaint_transition(complaint=complaint, to_stage=Stage.CLOSED, actor=officer)
        else:
            services.payment_record(settlement=settlement, actor=officer, amount=Decimal(claim) / 4, paid_on=timezone.localdate() - timedelta(days=6))
            services.drawdown_propose(settlement=settlement, actor=officer, amount=Decimal(claim) * 3 / 4,
                                      reason="The agency missed the second instalment and does not answer.")
    # A restricted case: signs of trafficking, seen only by its handler.
    worker = deployments[-1].worker
    agency = Agency.objects.filter(pk=deployments[-1].agency_id).first()
    services.complaint_register(
        actor=officer_pp, worker=worker, grounds=["abuse", "documents"], trafficking_indicators=["documents", "movement", "wages"],
        respondents=[{"kind": RespondentKind.AGENCY, "agency": agency}, {"kind": RespondentKind.BROKER, "name": "A broker in the village"}],
        fields={"complainant_type": ComplainantType.FAMILY, "complainant_name": "Sister", "complainant_relation": "sister",
                "lodged_at": LodgedAt.PROVINCE, "lodged_province": officer_pp.province, "channel": Channel.PHONE,
                "narrative": "The worker is locked in the dormitory and cannot leave; passport taken.", "amount_claimed": Decimal(0)},
    )
