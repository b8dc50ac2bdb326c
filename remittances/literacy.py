"""Financial-literacy training (policy 15.6): the writes.

Agencies and provincial departments run sessions for workers before departure,
returnees and migrants' families, and record who came: a registered worker (found
in the register) or a family member recorded by name, sex and relation.

Each function checks the actor's permission and scope itself, so the portal pages,
the API and the admin share one set of rules: an agency records sessions as itself
and adds people only to its own sessions, a provincial officer only in their
province, and a registered worker only if the actor may see that worker.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.scoping import Role, scope_for, visible
from migration_portal.reference.choices import Sex

from .choices import Audience
from .models import LiteracyAttendance, LiteracySession


def _require(actor, perm: str) -> None:
    if actor is None or not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def _check_session_scope(session: LiteracySession, actor) -> None:
    """The session must be one the actor may see (and so change): its agency's, its province's."""
    if not visible(LiteracySession.objects.filter(pk=session.pk), actor).exists():
        raise PermissionDenied(_("This session is not one of yours."))


@transaction.atomic
def session_create(*, actor, province, held_on: date, place: str, partner: str, audience: str, topics: str = "",
                   agency=None) -> LiteracySession:
    """Record a session held. An agency user records it for their own agency (whatever
    ``agency`` says); a provincial officer only in their province; ministry staff anywhere."""
    _require(actor, "remittances.add_literacysession")
    scope = scope_for(actor)
    if scope.role is Role.AGENCY:
        from agencies.models import Agency

        agency = Agency.objects.get(pk=scope.agency_id)
    elif scope.role is Role.PROVINCE:
        if province is None or province.pk != scope.province_id:
            raise PermissionDenied(_("You may record sessions only in your own province."))
        agency = None
    elif scope.role is not Role.MINISTRY:
        raise PermissionDenied(_("You are not allowed to do this."))
    errors = {}
    if province is None:
        errors["province"] = _("Say in which province the session was held.")
    if held_on is None:
        errors["held_on"] = _("Give the date of the session.")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("Record a session once it has been held: this date is in the future.")
    if not (place or "").strip():
        errors["place"] = _("Say where the session was held.")
    if not (partner or "").strip():
        errors["partner"] = _("Name the trainer or partner organisation.")
    if audience not in Audience.values:
        errors["audience"] = _("Choose workers, returnees or families.")
    if errors:
        raise ValidationError(errors)
    session = LiteracySession.objects.create(
        province=province, agency=agency, held_on=held_on, place=place.strip(), partner=partner.strip(),
        audience=audience, topics=(topics or "").strip(),
    )
    event_record(subject=session, code="literacy.session_recorded", actor=actor,
                 data={"held_on": str(held_on), "audience": audience})
    return session


@transaction.atomic
def attendance_add(*, session: LiteracySession, actor, worker=None, name: str = "", sex: str = "",
                   relation: str = "") -> LiteracyAttendance:
    """Add someone who attended: a registered worker the actor may see, or a person named
    with their sex and relation to a migrant worker. A worker is added once per session."""
    _require(actor, "remittances.add_literacyattendance")
    _check_session_scope(session, actor)
    name, relation = (name or "").strip(), (relation or "").strip()
    if worker is not None:
        from workers.models import Worker

        if not visible(Worker.objects.filter(pk=worker.pk), actor).exists():
            raise PermissionDenied(_("This worker is not one you may record."))
        if LiteracyAttendance.objects.filter(session=session, worker=worker).exists():
            raise ValidationError({"worker": _("%(worker)s is already on this session's list.") % {"worker": worker.name_latin}})
        row = LiteracyAttendance(session=session, worker=worker, name="", sex=worker.sex, relation=relation)
    else:
        errors = {}
        if not name:
            errors["name"] = _("Give the name of the person who attended.")
        if sex not in Sex.values:
            errors["sex"] = _("Choose the sex of the person who attended.")
        if not relation:
            errors["relation"] = _("Say how they are related to a migrant worker (e.g. mother, spouse).")
        if errors:
            raise ValidationError(errors)
        row = LiteracyAttendance(session=session, worker=None, name=name, sex=sex, relation=relation)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # two clerks adding the same worker at the same moment
        raise ValidationError({"worker": _("This worker is already on this session's list.")})
    event_record(subject=session, code="literacy.attendee_added", actor=actor,
                 data={"worker": worker.pk if worker is not None else None, "sex": row.sex})
    return row


@transaction.atomic
def attendance_remove(*, attendance: LiteracyAttendance, actor) -> None:
    """Take someone off a session's list (recorded by mistake)."""
    _require(actor, "remittances.delete_literacyattendance")
    _check_session_scope(attendance.session, actor)
    session, worker_id = attendance.session, attendance.worker_id
    attendance.delete()
    event_record(subject=session, code="literacy.attendee_removed", actor=actor, data={"worker": worker_id})
