"""Issuing MOLVT's certificate recognising work done abroad (policy 16.1).

Same conventions as workers.services: keyword-only arguments, an explicit actor,
one transaction, an event; rule violations raise ValidationError naming the field,
access violations PermissionDenied.
"""

from __future__ import annotations

import secrets
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.access import access_record
from migration_portal.core.events import event_record
from migration_portal.core.models import AccessKind
from migration_portal.core.scoping import visible

from .choices import DeploymentStatus
from .models import Deployment, WorkCertificate

# No 0/O or 1/I: the number is read aloud and typed from paper.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
NUMBER_ATTEMPTS = 5


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (a month is counted once its day of month is reached)."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


def _new_number(on: date) -> str:
    # Random, not sequential: the number is printed and may be checked by an employer
    # or a training centre, and must not reveal how many were issued or to whom.
    return f"WC-{on:%Y}-" + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


@transaction.atomic
def work_certificate_issue(
    *, deployment: Deployment, actor, occupation: str = "", issued_on: date | None = None, worked_from: date | None = None
) -> WorkCertificate:
    """Issue the work certificate of one returned deployment.

    The months worked run from the departure (``departed_on``) to the return
    (``returned_on``). A worker who left irregularly has no recorded departure: the
    officer then gives ``worked_from`` from the worker's documents. One certificate per
    deployment (the one-to-one key); the deployment row is locked so two officers
    issuing at once get one certificate and one clear refusal.
    """
    if actor is not None and not actor.has_perm("workers.add_workcertificate"):
        raise PermissionDenied(_("You are not allowed to do this."))
    if actor is not None and not visible(Deployment, actor).filter(pk=deployment.pk).exists():
        raise PermissionDenied(_("This worker's record is outside your province or agency."))
    dep = Deployment.objects.select_for_update().select_related("worker").get(pk=deployment.pk)
    if WorkCertificate.objects.filter(deployment=dep).exists():
        raise ValidationError({"deployment": _("A work certificate was already issued for this stay abroad.")})
    if dep.status != DeploymentStatus.RETURNED or dep.returned_on is None:
        raise ValidationError({"deployment": _("The certificate is issued once the worker's return is registered.")})
    start = dep.departed_on or worked_from
    if start is None:
        raise ValidationError({"worked_from": _("The departure date is not recorded: give the date work abroad began.")})
    if start > dep.returned_on:
        raise ValidationError({"worked_from": _("Work cannot begin after the return (%(date)s).") % {"date": dep.returned_on}})
    months = months_between(start, dep.returned_on)
    if months < 1:
        raise ValidationError({"deployment": _("Less than one month of work abroad is recorded; no certificate can be issued.")})
    occupation = " ".join((occupation or dep.occupation or "").split())
    if not occupation:
        raise ValidationError({"occupation": _("Give the work the worker did abroad.")})
    issued_on = issued_on or timezone.localdate()
    if issued_on < dep.returned_on:
        raise ValidationError({"issued_on": _("The certificate cannot be dated before the return.")})
    cert = None
    for _attempt in range(NUMBER_ATTEMPTS):
        cert = WorkCertificate(
            number=_new_number(issued_on),
            worker=dep.worker,
            deployment=dep,
            issued_on=issued_on,
            months_worked=months,
            occupation=occupation[:120],
            issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        try:
            with transaction.atomic():
                cert.save()
            break
        except IntegrityError:  # the random number was taken: draw again
            cert = None
    if cert is None:
        raise ValidationError(_("No certificate number could be drawn; try again."))
    event_record(
        subject=cert,
        code="workcertificate.issued",
        actor=actor,
        data={"deployment": str(dep.ref), "months_worked": months, "from": str(start), "to": str(dep.returned_on)},
    )
    return cert


def work_certificate_export_log(*, cert: WorkCertificate, actor, channel: str) -> None:
    """A download of a worker's certificate is an export of personal data: one access-log entry."""
    access_record(actor=actor, kind=AccessKind.EXPORT, channel=channel, what="work certificate PDF", subject=cert,
                  label=cert.number, rows=1)
