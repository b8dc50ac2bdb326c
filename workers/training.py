"""Services for pre-departure training: sessions, attendance, completion and certificates."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.scoping import Role, scope_for

from .models import Attendance, Certificate, Curriculum, Trainer, TrainingSession, Worker


def _agency_guard(actor, agency_id) -> None:
    scope = scope_for(actor)
    if scope.role is Role.AGENCY and scope.agency_id != agency_id:
        raise PermissionDenied(_("You may act only for your own agency."))


@transaction.atomic
def session_create(*, actor, agency, curriculum: Curriculum, trainer: Trainer, province, place: str, starts_on: date,
                   ends_on: date) -> TrainingSession:
    _agency_guard(actor, agency.pk if agency else None)
    errors = {}
    if ends_on < starts_on:
        errors["ends_on"] = _("A session must end on or after the day it starts.")
    if not curriculum.is_current:
        errors["curriculum"] = _("This curriculum version is no longer in use.")
    if not place.strip():
        errors["place"] = _("Say where the session is held.")
    if errors:
        raise ValidationError(errors)
    session = TrainingSession.objects.create(agency=agency, curriculum=curriculum, trainer=trainer, province=province, place=place,
                                             starts_on=starts_on, ends_on=ends_on)
    event_record(subject=session, code="training.session_created", actor=actor)
    return session


@transaction.atomic
def session_enrol(*, session: TrainingSession, workers: list[Worker], actor) -> int:
    _agency_guard(actor, session.agency_id)
    session = TrainingSession.objects.select_for_update().get(pk=session.pk)
    if session.completed:
        raise ValidationError(_("This session is finished; enrol the workers in another one."))
    if session.agency_id is not None:
        own = set(Worker.objects.for_agency(session.agency_id).filter(pk__in=[w.pk for w in workers]).values_list("pk", flat=True))
        strangers = [w for w in workers if w.pk not in own]
        if strangers:
            raise ValidationError({"workers": _("%(name)s is not one of this agency's workers.") % {"name": strangers[0].name_latin}})
    existing = set(session.attendances.values_list("worker_id", flat=True))
    new = [Attendance(session=session, worker=w) for w in workers if w.pk not in existing]
    Attendance.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def session_complete(*, session: TrainingSession, actor, completed_worker_ids: set[int], hours: dict[int, int] | None = None,
                     issued_on: date | None = None) -> list[Certificate]:
    """Record who completed the session and issue their certificates.

    A session given by a trainer not certified on the session's dates issues
    certificates marked not valid, with the reason: they do not count for departure.
    """
    _agency_guard(actor, session.agency_id)
    session = TrainingSession.objects.select_for_update().select_related("trainer", "curriculum").get(pk=session.pk)
    if session.completed:
        raise ValidationError(_("Completion of this session was already recorded."))
    issued_on = issued_on or timezone.localdate()
    if session.ends_on > timezone.localdate():
        raise ValidationError({"ends_on": _("The session has not ended yet.")})
    if issued_on < session.ends_on:
        raise ValidationError({"issued_on": _("Certificates are issued after the session ends.")})
    enrolled = {a.worker_id: a for a in session.attendances.all()}
    stray = completed_worker_ids - set(enrolled)
    if stray:
        raise ValidationError({"completed": _("Some workers marked as completed were not enrolled in this session.")})
    trainer = session.trainer
    valid = trainer.certified_on_date(session.starts_on) and trainer.certified_on_date(session.ends_on)
    reason = "" if valid else _("Trainer %(name)s was not certified on the session's dates (certified %(start)s to %(end)s).") % {
        "name": trainer.name, "start": trainer.certified_on, "end": trainer.certified_until}
    hours = hours or {}
    for worker_id, attendance in enrolled.items():
        attendance.completed = worker_id in completed_worker_ids
        attendance.hours_attended = hours.get(worker_id, session.curriculum.hours if attendance.completed else 0)
    Attendance.objects.bulk_update(enrolled.values(), ["completed", "hours_attended"])
    certificates = [
        Certificate.objects.create(worker_id=worker_id, session=session, issued_on=issued_on, is_valid=valid, invalid_reason=reason)
        for worker_id in sorted(completed_worker_ids)
    ]
    session.completed = True
    session.save(update_fields=["completed", "updated"])
    event_record(subject=session, code="training.completed", actor=actor,
                 data={"completed": len(certificates), "valid": valid})
    return certificates


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """Withdraw a certificate found to be wrong (fraud, a trainer struck off): it stops
    counting for departure and the public check says so, with the reason."""
    if actor is not None and not actor.has_perm("workers.change_certificate"):
        raise PermissionDenied(_("You are not allowed to revoke certificates."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for revoking.")})
    if not certificate.is_valid and certificate.revoked_by_id:
        raise ValidationError(_("This certificate is already revoked."))
    certificate.is_valid = False
    certificate.invalid_reason = (_("Revoked: %(reason)s") % {"reason": reason})[:200]
    certificate.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    certificate.save(update_fields=["is_valid", "invalid_reason", "revoked_by", "updated"])
    event_record(subject=certificate, code="training.certificate_revoked", actor=actor, message=reason)
    return certificate


def certificate_verify(number: str) -> Certificate | None:
    """Public verification by number: the certificate with its worker and session, or None."""
    number = (number or "").strip().upper()
    if not number:
        return None
    return (
        Certificate.objects.select_related("worker", "session__curriculum__country", "session__agency", "session__trainer")
        .filter(number=number)
        .first()
    )
