"""Every write in the handling of a complaint, from intake to a paid settlement.

Conventions as in the other apps: keyword-only, explicit actor, one transaction,
an event per step, ValidationError naming the field, PermissionDenied for access.
Writes that depend on the case's current state lock the row and check ``version``
so two officers editing one case never silently overwrite each other.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import DepositEntryKind
from agencies.services import deposit_record
from migration_portal.core.access import access_record
from migration_portal.core.events import event_record
from migration_portal.core.models import AccessKind
from migration_portal.core.notify import group_members, notify
from migration_portal.core.scoping import COMPLAINTS, DIRECTORS, Role, scope_for

from .choices import (
    DEFAULT_STAGE_DAYS,
    OPEN_STAGES,
    STAGE_TRANSITIONS,
    DrawdownStatus,
    Ground,
    Payer,
    ReferredTo,
    RespondentKind,
    Stage,
    TraffickingIndicator,
)
from .models import (
    MAX_ATTACHMENT_BYTES,
    AgencyResponse,
    Attachment,
    Complaint,
    ComplaintGround,
    ConciliationMeeting,
    DrawdownProposal,
    Instalment,
    LegalAidReferral,
    Payment,
    Respondent,
    Settlement,
    StageTimeLimit,
    Transfer,
)


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_handler(actor, complaint: Complaint) -> None:
    """Only staff who may handle complaints act on a case, and only one they can see."""
    if actor is None:
        return
    if not actor.has_perm("complaints.handle_complaint"):
        raise PermissionDenied(_("You are not allowed to handle complaints."))
    if not Complaint.objects.visible_to(actor).filter(pk=complaint.pk).exists():
        raise PermissionDenied(_("This case is not yours to handle."))


def _lock(complaint: Complaint, version: int | None) -> Complaint:
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if version is not None and version != locked.version:
        raise ValidationError(
            _("Another officer changed this case while you were working on it (now version %(v)d). Reload the page: "
              "your changes were not saved.") % {"v": locked.version},
            code="stale",
        )
    return locked


def _bump(complaint: Complaint, *fields: str) -> None:
    complaint.version += 1
    complaint.save(update_fields=[*fields, "version", "updated"])


# --- Intake ---------------------------------------------------------------------------------


@transaction.atomic
def complaint_register(
    *, actor, worker, fields: dict, grounds: list[str], respondents: list[dict], trafficking_indicators: list[str] | None = None,
) -> Complaint:
    """Log a complaint. The registering officer is assigned and becomes a handler. Signs of
    trafficking restrict the case to its handlers and refer it to the counter-trafficking bodies."""
    scope = scope_for(actor)
    if actor is not None and not actor.has_perm("complaints.add_complaint"):
        raise PermissionDenied(_("You are not allowed to register complaints."))
    errors = {}
    if not grounds:
        errors["grounds"] = _("Choose at least one ground.")
    bad = [g for g in grounds if g not in Ground.values]
    if bad:
        errors["grounds"] = _("Unknown ground: %(g)s") % {"g": bad[0]}
    if not respondents:
        errors["respondents"] = _("Name at least one respondent: an agency, a broker or an employer.")
    for i, r in enumerate(respondents, start=1):
        kind = r.get("kind")
        if kind not in RespondentKind.values:
            errors[f"respondents[{i}]"] = _("Respondent %(n)d: choose agency, broker or employer.") % {"n": i}
        elif kind == RespondentKind.AGENCY and not r.get("agency"):
            errors[f"respondents[{i}]"] = _("Respondent %(n)d: choose the agency.") % {"n": i}
        elif kind != RespondentKind.AGENCY and not (r.get("name") or r.get("employer")):
            errors[f"respondents[{i}]"] = _("Respondent %(n)d: give the name.") % {"n": i}
    indicators = sorted(set(trafficking_indicators or []))
    if any(i not in TraffickingIndicator.values for i in indicators):
        errors["trafficking_indicators"] = _("Unknown indicator.")
    received_on = fields.get("received_on") or timezone.localdate()
    if received_on > timezone.localdate():
        errors["received_on"] = _("A complaint cannot be received in the future.")
    if errors:
        raise ValidationError(errors)
    flagged = bool(indicators) or fields.pop("trafficking_flag", False)
    complaint = Complaint(worker=worker, registered_by=_actor(actor), assigned_officer=_actor(actor), **fields)
    complaint.trafficking_flag = flagged
    complaint.trafficking_indicators = indicators
    complaint.restricted = flagged
    if scope.role is Role.PROVINCE:
        complaint.current_province_id = scope.province_id
        complaint.lodged_province_id = complaint.lodged_province_id or scope.province_id
    if flagged:
        complaint.referred_to_ncct_on = timezone.localdate()
    try:
        complaint.full_clean(exclude=["worker", "registered_by", "assigned_officer", "current_province"])
    except ValidationError as e:
        raise ValidationError(e.message_dict)
    complaint.save()
    if _actor(actor):
        complaint.handlers.add(actor)
    ComplaintGround.objects.bulk_create([ComplaintGround(complaint=complaint, ground=g) for g in sorted(set(grounds))])
    Respondent.objects.bulk_create([
        Respondent(complaint=complaint, kind=r["kind"], agency=r.get("agency"), employer=r.get("employer"),
                   name=r.get("name", ""), details=r.get("details", ""))
        for r in respondents
    ])
    event_record(subject=complaint, code="complaint.registered", actor=actor,
                 data={"grounds": sorted(set(grounds)), "restricted": flagged})
    if flagged:
        event_record(subject=complaint, code="complaint.ncct_referral", actor=actor, data={"indicators": indicators})
        notify(
            recipients=group_members(DIRECTORS),
            key=f"complaint-trafficking:{complaint.pk}",
            subject=_("Possible trafficking case %(ref)s referred to the counter-trafficking committee") % {"ref": complaint.ref},
            link=f"/complaints/{complaint.ref}/",
        )
    return complaint


def complaint_record_read(*, complaint: Complaint, actor, channel: str, what: str = "complaint"):
    """One response showed a complaint's content (its page, its admin form, its API body, one
    of its files): written to the access log when the case is restricted, and only then."""
    if not complaint.restricted:
        return None
    return access_record(actor=actor, kind=AccessKind.READ, channel=channel, what=what, subject=complaint,
                         label=complaint.ref)


def attachment_add(*, complaint: Complaint, actor, file, description: str, share_with_agency: bool = False) -> Attachment:
    """Attach a scan or photo, after checking its type (by content, not only its name) and size."""
    _require_handler(actor, complaint)
    name = (getattr(file, "name", "") or "").lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    if getattr(file, "size", 0) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    head = file.read(16)
    file.seek(0)
    signatures = {
        "pdf": [b"%PDF"], "jpg": [b"\xff\xd8\xff"], "jpeg": [b"\xff\xd8\xff"], "png": [b"\x89PNG"],
        "webp": [b"RIFF"], "heic": [b"\x00\x00\x00"], "docx": [b"PK\x03\x04"],
    }
    if ext not in signatures:
        raise ValidationError({"file": _("Upload a PDF, a photo (JPG, PNG, WEBP, HEIC) or a Word document.")})
    if not any(head.startswith(sig) for sig in signatures[ext]):
        raise ValidationError({"file": _("The file's content does not match its type (.%(ext)s).") % {"ext": ext}})
    if not description.strip():
        raise ValidationError({"description": _("Say what the file is (e.g. 'contract', 'receipt').")})
    attachment = Attachment.objects.create(complaint=complaint, file=file, description=description,
                                           share_with_agency=share_with_agency, uploaded_by=_actor(actor))
    event_record(subject=complaint, code="complaint.attachment", actor=actor, data={"attachment": attachment.pk})
    return attachment


# --- Assignment and transfer ----------------------------------------------------------------


@transaction.atomic
def complaint_assign(*, complaint: Complaint, officer, actor, version: int | None = None) -> Complaint:
    _require_handler(actor, complaint)
    complaint = _lock(complaint, version)
    if not officer.has_perm("complaints.handle_complaint"):
        raise ValidationError({"assigned_officer": _("This person cannot handle complaints.")})
    officer_scope = scope_for(officer)
    if officer_scope.role is Role.PROVINCE and officer_scope.province_id != complaint.current_province_id:
        raise ValidationError({"assigned_officer": _("This officer works in another province.")})
    complaint.assigned_officer = officer
    complaint.handlers.add(officer)
    _bump(complaint, "assigned_officer")
    event_record(subject=complaint, code="complaint.assigned", actor=actor, data={"officer": officer.pk})
    notify(recipients=[officer], key=f"complaint-assigned:{complaint.pk}:{officer.pk}:{complaint.version}",
           subject=_("Complaint %(ref)s is assigned to you") % {"ref": complaint.ref}, link=f"/complaints/{complaint.ref}/")
    return complaint


@transaction.atomic
def complaint_transfer(*, complaint: Complaint, to_province, actor, reason: str, version: int | None = None,
                       to_officer=None) -> Complaint:
    """Move a case to another province, or to the ministry (``to_province=None``).

    A restricted case is visible only to its handlers, so it must go to a named officer
    of the receiving side, who becomes a handler; otherwise nobody there could see it.
    """
    _require_handler(actor, complaint)
    if actor is not None and not actor.has_perm("complaints.transfer_complaint"):
        raise PermissionDenied(_("You are not allowed to transfer cases."))
    complaint = _lock(complaint, version)
    if complaint.stage not in OPEN_STAGES:
        raise ValidationError(_("Only an open case can be transferred."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the case is transferred.")})
    to_id = to_province.pk if to_province else None
    if to_id == complaint.current_province_id:
        raise ValidationError({"to_province": _("The case is already there.")})
    if to_officer is not None:
        officer_scope = scope_for(to_officer)
        wrong_side = (officer_scope.role is Role.PROVINCE and officer_scope.province_id != to_id) or (
            officer_scope.role is Role.MINISTRY and to_id is not None) or officer_scope.role not in (Role.PROVINCE, Role.MINISTRY)
        if wrong_side or not to_officer.has_perm("complaints.handle_complaint"):
            raise ValidationError({"to_officer": _("This officer does not handle complaints where the case is going.")})
    elif complaint.restricted:
        raise ValidationError({"to_officer": _("A restricted case must go to a named officer, who becomes its handler.")})
    Transfer.objects.create(complaint=complaint, from_province_id=complaint.current_province_id, to_province_id=to_id,
                            reason=reason, actor=_actor(actor))
    complaint.current_province_id = to_id
    complaint.assigned_officer = to_officer
    if to_officer is not None:
        complaint.handlers.add(to_officer)
    _bump(complaint, "current_province", "assigned_officer")
    event_record(subject=complaint, code="complaint.transferred", actor=actor, message=reason, data={"to": to_id})
    return complaint


# --- The stages ---------------------------------------------------------------------------------


def stage_days(stage: str) -> int | None:
    limit = StageTimeLimit.objects.filter(stage=stage).first()
    return limit.days if limit else DEFAULT_STAGE_DAYS.get(stage)


def stage_deadline(complaint: Complaint) -> datetime | None:
    days = stage_days(complaint.stage) if complaint.stage in OPEN_STAGES else None
    return complaint.stage_since + timedelta(days=days) if days is not None else None


def settlement_paid(settlement: Settlement) -> Decimal:
    return settlement.payments.aggregate(total=Sum("amount"))["total"] or Decimal("0")


@transaction.atomic
def complaint_transition(*, complaint: Complaint, to_stage: str, actor, reason: str = "", referred_to: str = "",
                         version: int | None = None) -> Complaint:
    """The one place a case changes stage. Refuses what makes no sense, saying why."""
    _require_handler(actor, complaint)
    complaint = _lock(complaint, version)
    if to_stage not in STAGE_TRANSITIONS[complaint.stage]:
        raise ValidationError({"stage": _("A case that is %(from)s cannot become %(to)s.") % {
            "from": complaint.get_stage_display(), "to": Stage(to_stage).label}})
    problems = []
    if to_stage == Stage.SCHEDULED and not complaint.meetings.filter(held=False).exists():
        problems.append(_("Schedule a conciliation meeting first."))
    if to_stage == Stage.HELD and not complaint.meetings.filter(held=True).exists():
        problems.append(_("Record the conciliation meeting (held, with minutes) first."))
    if to_stage == Stage.SETTLED:
        if not complaint.meetings.filter(held=True, agreement_reached=True).exists():
            problems.append(_("A case can be settled only after a meeting that reached an agreement."))
        if not Settlement.objects.filter(complaint=complaint).exists():
            problems.append(_("Record the settlement (amount, who pays) first."))
    if to_stage == Stage.REFERRED and referred_to not in ReferredTo.values:
        problems.append(_("Say where the case is referred: court, arbitration or police."))
    if to_stage == Stage.WITHDRAWN and not reason.strip():
        problems.append(_("Record why the complainant withdrew."))
    if to_stage == Stage.CLOSED and complaint.stage == Stage.SETTLED:
        settlement = complaint.settlement
        paid = settlement_paid(settlement)
        if paid < settlement.amount:
            problems.append(_("The settlement is not fully paid: %(paid)s of %(amount)s %(cur)s. Record the payments, "
                              "or propose a drawdown from the agency's deposit.") % {
                "paid": paid, "amount": settlement.amount, "cur": settlement.currency})
    if problems:
        raise ValidationError({"stage": problems})
    previous = complaint.stage
    complaint.stage = to_stage
    complaint.stage_since = timezone.now()
    if to_stage == Stage.REFERRED:
        complaint.referred_to = referred_to
    if to_stage in (Stage.SETTLED, Stage.REFERRED, Stage.WITHDRAWN) or (to_stage == Stage.CLOSED and not complaint.resolved_on):
        complaint.resolved_on = complaint.resolved_on or timezone.localdate()
    if to_stage == Stage.CLOSED:
        complaint.closed_on = timezone.localdate()
    _bump(complaint, "stage", "stage_since", "referred_to", "resolved_on", "closed_on")
    event_record(subject=complaint, code=f"complaint.{to_stage}", actor=actor, message=reason, data={"from": previous})
    return complaint


# --- Conciliation and settlement -------------------------------------------------------------


@transaction.atomic
def meeting_schedule(*, complaint: Complaint, actor, scheduled_for: datetime, place: str, participants: str = "") -> ConciliationMeeting:
    _require_handler(actor, complaint)
    if complaint.stage not in (Stage.ASSESSMENT, Stage.SCHEDULED, Stage.HELD):
        raise ValidationError(_("Assess the case before scheduling conciliation."))
    if not place.strip():
        raise ValidationError({"place": _("Say where the meeting takes place.")})
    meeting = ConciliationMeeting.objects.create(complaint=complaint, scheduled_for=scheduled_for, place=place, participants=participants)
    event_record(subject=complaint, code="complaint.meeting_scheduled", actor=actor, data={"meeting": meeting.pk})
    for r in complaint.respondents.filter(agency__isnull=False).select_related("agency"):
        notify(recipients=r.agency.users.filter(is_active=True), key=f"complaint-meeting:{meeting.pk}:{r.agency_id}",
               subject=_("Conciliation meeting on complaint %(ref)s: %(when)s, %(place)s") % {
                   "ref": complaint.ref, "when": timezone.localtime(scheduled_for).strftime("%Y-%m-%d %H:%M"), "place": place},
               link=f"/agency/complaints/{complaint.ref}/")
    return meeting


@transaction.atomic
def meeting_record(*, meeting: ConciliationMeeting, actor, minutes: str, agreement_reached: bool, agency_response: str = "",
                   participants: str = "") -> ConciliationMeeting:
    _require_handler(actor, meeting.complaint)
    meeting = ConciliationMeeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.scheduled_for > timezone.now():
        raise ValidationError({"scheduled_for": _("This meeting has not taken place yet.")})
    if not minutes.strip():
        raise ValidationError({"minutes": _("Write the minutes of the meeting.")})
    meeting.held, meeting.minutes, meeting.agreement_reached = True, minutes, agreement_reached
    meeting.agency_response = agency_response or meeting.agency_response
    meeting.participants = participants or meeting.participants
    meeting.save()
    event_record(subject=meeting.complaint, code="complaint.meeting_held", actor=actor,
                 data={"meeting": meeting.pk, "agreement": agreement_reached})
    return meeting


@transaction.atomic
def settlement_record(*, complaint: Complaint, actor, amount: Decimal, payer: str, agreed_on: date, currency: str = "USD",
                      payer_agency=None, instalments: list[tuple[date, Decimal]] | None = None, terms: str = "") -> Settlement:
    _require_handler(actor, complaint)
    errors = {}
    amount = Decimal(amount)
    if amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if payer not in Payer.values:
        errors["payer"] = _("Say who pays.")
    if payer == Payer.AGENCY:
        if payer_agency is None:
            errors["payer_agency"] = _("Choose the paying agency.")
        elif not complaint.respondents.filter(agency=payer_agency).exists():
            errors["payer_agency"] = _("The paying agency must be a respondent in this case.")
    if instalments and sum(Decimal(a) for _d, a in instalments) != amount:
        errors["instalments"] = _("The instalments must add up to the amount agreed.")
    if agreed_on > timezone.localdate():
        errors["agreed_on"] = _("This date is in the future.")
    if errors:
        raise ValidationError(errors)
    if Settlement.objects.filter(complaint=complaint).exists():
        raise ValidationError(_("A settlement is already recorded for this case."))
    settlement = Settlement.objects.create(complaint=complaint, amount=amount, currency=currency, payer=payer,
                                           payer_agency=payer_agency, agreed_on=agreed_on, terms=terms)
    Instalment.objects.bulk_create([Instalment(settlement=settlement, due_on=d, amount=Decimal(a))
                                    for d, a in (instalments or [(agreed_on, amount)]) if Decimal(a) > 0])
    event_record(subject=complaint, code="complaint.settlement", actor=actor, data={"amount": str(amount), "currency": currency})
    return settlement


@transaction.atomic
def payment_record(*, settlement: Settlement, actor, amount: Decimal, paid_on: date, method: str = "", reference: str = "",
                   from_deposit=None) -> Payment:
    _require_handler(actor, settlement.complaint)
    settlement = Settlement.objects.select_for_update().get(pk=settlement.pk)
    amount = Decimal(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be more than zero.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("A payment cannot be recorded before it is made.")})
    outstanding = settlement.amount - settlement_paid(settlement)
    if amount > outstanding:
        raise ValidationError({"amount": _("Only %(left)s %(cur)s remains to be paid.") % {"left": outstanding, "cur": settlement.currency}})
    payment = Payment.objects.create(settlement=settlement, amount=amount, paid_on=paid_on, method=method, reference=reference,
                                     from_deposit=from_deposit, recorded_by=_actor(actor))
    event_record(subject=settlement.complaint, code="complaint.payment", actor=actor, data={"amount": str(amount)})
    return payment


@transaction.atomic
def drawdown_propose(*, settlement: Settlement, actor, amount: Decimal, reason: str) -> DrawdownProposal:
    """The agency has not paid: propose paying the worker from its guarantee deposit (policy 10.4)."""
    _require_handler(actor, settlement.complaint)
    if settlement.payer != Payer.AGENCY or settlement.payer_agency_id is None:
        raise ValidationError(_("Only a settlement owed by an agency can be paid from its deposit."))
    if settlement.currency != "USD":
        raise ValidationError({"amount": _("The deposit is held in USD; convert the amount first.")})
    outstanding = settlement.amount - settlement_paid(settlement)
    amount = Decimal(amount)
    if amount <= 0 or amount > outstanding:
        raise ValidationError({"amount": _("Propose an amount between 0 and the %(left)s still owed.") % {"left": outstanding}})
    if not reason.strip():
        raise ValidationError({"reason": _("Say how the agency failed to pay.")})
    if settlement.drawdowns.filter(status=DrawdownStatus.PROPOSED).exists():
        raise ValidationError(_("A drawdown for this settlement is already awaiting decision."))
    proposal = DrawdownProposal.objects.create(settlement=settlement, agency_id=settlement.payer_agency_id, amount=amount,
                                               reason=reason, proposed_by=_actor(actor))
    event_record(subject=settlement.complaint, code="complaint.drawdown_proposed", actor=actor, data={"amount": str(amount)})
    notify(recipients=group_members(DIRECTORS), key=f"drawdown-proposed:{proposal.pk}",
           subject=_("Deposit drawdown proposed: USD %(amount)s from %(agency)s (case %(ref)s)") % {
               "amount": amount, "agency": proposal.agency, "ref": settlement.complaint.ref},
           link=f"/admin/complaints/drawdownproposal/{proposal.pk}/change/")
    return proposal


@transaction.atomic
def drawdown_decide(*, proposal: DrawdownProposal, actor, approve: bool, note: str = "") -> DrawdownProposal:
    """The ministry decides. Approval writes the drawdown in the agency's deposit ledger and
    the payment in the settlement, in one transaction: both sides or neither."""
    if actor is not None and not actor.has_perm("complaints.approve_drawdown"):
        raise PermissionDenied(_("You are not allowed to decide drawdowns."))
    proposal = DrawdownProposal.objects.select_for_update(of=("self",)).select_related("settlement__complaint", "agency").get(pk=proposal.pk)
    if proposal.status != DrawdownStatus.PROPOSED:
        raise ValidationError(_("This proposal was already decided."))
    if not approve and not note.strip():
        raise ValidationError({"decision_note": _("Give the reason for rejecting.")})
    complaint = proposal.settlement.complaint
    if approve:
        entry = deposit_record(
            agency=proposal.agency, kind=DepositEntryKind.DRAWDOWN, amount=proposal.amount, actor=actor,
            reference=complaint.ref, reason=_("Compensation to the worker, complaint %(ref)s: %(reason)s") % {
                "ref": complaint.ref, "reason": proposal.reason},
        )
        Payment.objects.create(settlement=proposal.settlement, amount=proposal.amount, paid_on=timezone.localdate(),
                               method=_("Guarantee deposit"), reference=complaint.ref, from_deposit=entry, recorded_by=_actor(actor))
        proposal.deposit_entry = entry
    proposal.status = DrawdownStatus.APPROVED if approve else DrawdownStatus.REJECTED
    proposal.decided_by, proposal.decided_at, proposal.decision_note = _actor(actor), timezone.now(), note
    proposal.save()
    event_record(subject=complaint, code=f"complaint.drawdown_{proposal.status}", actor=actor, message=note,
                 data={"amount": str(proposal.amount)})
    return proposal


# --- Legal aid, agency response -------------------------------------------------------------------


@transaction.atomic
def legal_aid_refer(*, complaint: Complaint, actor, partner: str, referred_on: date | None = None) -> LegalAidReferral:
    _require_handler(actor, complaint)
    if not partner.strip():
        raise ValidationError({"partner": _("Name the legal aid partner.")})
    referral = LegalAidReferral.objects.create(complaint=complaint, partner=partner, referred_on=referred_on or timezone.localdate())
    event_record(subject=complaint, code="complaint.legal_aid", actor=actor, data={"partner": partner})
    return referral


@transaction.atomic
def legal_aid_result(*, referral: LegalAidReferral, actor, result: str, result_on: date | None = None) -> LegalAidReferral:
    _require_handler(actor, referral.complaint)
    if not result.strip():
        raise ValidationError({"result": _("Describe the result.")})
    referral.result, referral.result_on = result, result_on or timezone.localdate()
    referral.save()
    event_record(subject=referral.complaint, code="complaint.legal_aid_result", actor=actor)
    return referral


@transaction.atomic
def agency_respond(*, complaint: Complaint, actor, text: str) -> AgencyResponse:
    """The respondent agency answers in its pages. It can answer only cases naming it."""
    scope = scope_for(actor)
    if scope.role is not Role.AGENCY:
        raise PermissionDenied(_("Only the respondent agency answers here."))
    if not Complaint.objects.visible_to(actor).filter(pk=complaint.pk).exists():
        raise PermissionDenied(_("This case does not concern your agency."))
    if complaint.stage not in OPEN_STAGES:
        raise ValidationError(_("This case is no longer open for responses."))
    if not text.strip():
        raise ValidationError({"text": _("Write your response.")})
    response = AgencyResponse.objects.create(complaint=complaint, agency_id=scope.agency_id, text=text, submitted_by=actor)
    event_record(subject=complaint, code="complaint.agency_response", actor=actor)
    recipients = [u for u in (complaint.assigned_officer,) if u] or list(group_members(COMPLAINTS))
    notify(recipients=recipients, key=f"complaint-response:{response.pk}",
           subject=_("The agency answered complaint %(ref)s") % {"ref": complaint.ref}, link=f"/complaints/{complaint.ref}/")
    return response


# --- The public status page --------------------------------------------------------------------------


def public_status(*, ref: str, date_of_birth: date) -> str | None:
    """The stage of a case, for its reference plus the worker's date of birth; nothing else.

    Returns None when either does not match (the same answer in both cases, so the
    page cannot be used to find out which references exist).
    """
    row = (
        Complaint.objects.filter(ref=(ref or "").strip().upper(), worker__date_of_birth=date_of_birth)
        .values_list("stage", flat=True)
        .first()
    )
    return row
