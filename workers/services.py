"""Every write that matters in the worker register.

Same conventions as agencies.services: keyword-only arguments, an explicit actor,
one transaction, an event, side effects after commit; rule violations raise
ValidationError naming the field, and access violations PermissionDenied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.choices import LicenceStatus
from migration_portal.core.access import access_record
from migration_portal.core.events import event_record
from migration_portal.core.models import AccessKind
from migration_portal.core.scoping import Role, scope_for

from .choices import (
    DEPLOYMENT_TRANSITIONS,
    OUT_OF_COUNTRY,
    PRE_DEPARTURE,
    CaseStatus,
    Channel,
    ContractStatus,
    DeploymentStatus,
    JobOrderStatus,
    KeyProtection,
    LegalStatus,
    PlacementArticle,
)
from .models import (
    Certificate,
    Deployment,
    EmploymentContract,
    JobOrder,
    LegalStatusRecord,
    PlacementContract,
    ReintegrationCase,
    ReturnRecord,
    SendingSuspension,
    Worker,
)
from .pii import normalise_identifier, pii_hash

MIN_AGE = 18  # no recruitment of minors for work abroad


def _actor(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_perm(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(_("You are not allowed to do this."))


def _acting_agency_id(actor) -> int | None:
    scope = scope_for(actor)
    return scope.agency_id if scope.role is Role.AGENCY else None


def _require_agency_access(actor, agency_id: int | None) -> None:
    """An agency user acts only on its own agency's records."""
    own = _acting_agency_id(actor)
    if own is not None and own != agency_id:
        raise PermissionDenied(_("You may act only for your own agency."))


def age_on(dob: date, day: date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


# --- Workers ------------------------------------------------------------------------


@dataclass
class DuplicateMatch:
    worker: Worker
    reason: str
    exact: bool


def worker_find_duplicates(
    *, name_latin: str = "", date_of_birth: date | None = None, national_id: str = "", passport_number: str = "",
    exclude_pk: int | None = None,
) -> list[DuplicateMatch]:
    """Records that may be the same person: the same ID or passport (exact), or the
    same name and date of birth (likely). One indexed query."""
    conditions = Q()
    id_hash = pii_hash(national_id, kind="national_id")
    passport_hash = pii_hash(passport_number, kind="passport")
    if id_hash:
        conditions |= Q(national_id_hash=id_hash)
    if passport_hash:
        conditions |= Q(passport_hash=passport_hash)
    if name_latin and date_of_birth:
        conditions |= Q(date_of_birth=date_of_birth, name_latin__iexact=" ".join(name_latin.split()))
    if not conditions:
        return []
    qs = Worker.objects.filter(conditions)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    matches = []
    for w in qs[:20]:
        if id_hash and w.national_id_hash == id_hash:
            matches.append(DuplicateMatch(w, _("same national ID"), True))
        elif passport_hash and w.passport_hash == passport_hash:
            matches.append(DuplicateMatch(w, _("same passport number"), True))
        else:
            matches.append(DuplicateMatch(w, _("same name and date of birth"), False))
    return matches


def _apply_identifiers(worker: Worker) -> None:
    worker.name_latin = " ".join((worker.name_latin or "").split())
    worker.name_km = " ".join((worker.name_km or "").split())
    worker.national_id = normalise_identifier(worker.national_id) or None
    worker.passport_number = normalise_identifier(worker.passport_number) or None
    worker.national_id_hash = pii_hash(worker.national_id, kind="national_id")
    worker.passport_hash = pii_hash(worker.passport_number, kind="passport")
    worker.phone_hash = pii_hash(worker.phone, kind="phone")


def _validate_worker(worker: Worker) -> None:
    errors = {}
    today = timezone.localdate()
    if not worker.name_latin:
        errors["name_latin"] = _("Give the worker's name in Latin letters.")
    if worker.date_of_birth and worker.date_of_birth > today:
        errors["date_of_birth"] = _("The date of birth is in the future.")
    elif worker.date_of_birth and age_on(worker.date_of_birth, today) > 100:
        errors["date_of_birth"] = _("Check the date of birth: the worker would be over 100.")
    if errors:
        raise ValidationError(errors)
    try:
        worker.full_clean(exclude=["national_id_hash", "passport_hash", "phone_hash", "registered_by_agency", "registered_by"])
    except ValidationError as e:
        raise ValidationError(e.message_dict)


@transaction.atomic
def worker_register(*, actor, fields: dict, agency=None, confirm_not_duplicate: bool = False) -> Worker:
    """Create a worker record after the duplicate check.

    The same ID or passport is always refused. The same name and date of birth is
    refused unless the person registering confirms it is someone else; that
    confirmation is recorded.
    """
    agency_id = agency.pk if agency is not None else _acting_agency_id(actor)
    _require_agency_access(actor, agency_id)
    worker = Worker(**fields)
    _apply_identifiers(worker)
    _validate_worker(worker)
    matches = worker_find_duplicates(
        name_latin=worker.name_latin, date_of_birth=worker.date_of_birth,
        national_id=worker.national_id or "", passport_number=worker.passport_number or "",
    )
    exact = [m for m in matches if m.exact]
    if exact:
        field = "national_id" if exact[0].reason == _("same national ID") else "passport_number"
        message = _("A worker with this number is already registered. Open that record instead.")
        raise ValidationError({field: ValidationError(message, code="duplicate")})
    if matches and not confirm_not_duplicate:
        message = _("A worker with the same name and date of birth is already registered. "
                    "If this is a different person, confirm it and register again.")
        raise ValidationError({"name_latin": ValidationError(message, code="possible_duplicate")})
    worker.registered_by_agency_id = agency_id
    worker.registered_by = _actor(actor)
    if matches:
        worker.duplicate_checked_by = _actor(actor)
    try:
        with transaction.atomic():
            worker.save()
    except IntegrityError:  # registered a moment ago by someone else
        raise ValidationError({"national_id": ValidationError(_("A worker with this number is already registered."), code="duplicate")})
    event_record(subject=worker, code="worker.registered", actor=actor, data={"possible_duplicate_overridden": bool(matches)})
    return worker


@transaction.atomic
def worker_update(*, worker: Worker, actor, fields: dict) -> Worker:
    worker = Worker.objects.select_for_update().get(pk=worker.pk)
    for name, value in fields.items():
        setattr(worker, name, value)
    _apply_identifiers(worker)
    _validate_worker(worker)
    exact = [m for m in worker_find_duplicates(national_id=worker.national_id or "", passport_number=worker.passport_number or "",
                                               exclude_pk=worker.pk) if m.exact]
    if exact:
        raise ValidationError({"passport_number": _("Another worker already has this number (%(ref)s).") % {"ref": exact[0].worker.ref}})
    worker.save()
    event_record(subject=worker, code="worker.updated", actor=actor, data={"fields": sorted(fields)})
    return worker


def worker_identifiers(*, worker: Worker, actor, channel: str) -> dict:
    """The unmasked identifiers, for roles that need them; every view is written to the access log."""
    _require_perm(actor, "workers.view_worker_identifiers")
    if actor is None:
        raise PermissionDenied(_("You are not allowed to do this."))
    access_record(actor=actor, kind=AccessKind.IDENTIFIERS, channel=channel, what="worker identifiers", subject=worker,
                  label=str(worker.ref))
    return {
        "national_id": worker.national_id or "",
        "passport_number": worker.passport_number or "",
        "phone": worker.phone or "",
        "next_of_kin_phone": worker.next_of_kin_phone or "",
    }


def worker_lookup(*, national_id: str = "", passport_number: str = "", phone: str = ""):
    """Exact lookup by an identifier, through its keyed hash (never by the plaintext).

    A value that normalises to nothing (letters typed as a phone number) finds nobody,
    rather than everyone without that identifier."""
    for value, kind, field in ((national_id, "national_id", "national_id_hash"), (passport_number, "passport", "passport_hash"),
                               (phone, "phone", "phone_hash")):
        if value:
            digest = pii_hash(value, kind=kind)
            return Worker.objects.filter(**{field: digest}) if digest else Worker.objects.none()
    return Worker.objects.none()


# --- Job orders ---------------------------------------------------------------------------


@transaction.atomic
def job_order_submit(*, agency, actor, fields: dict) -> JobOrder:
    _require_agency_access(actor, agency.pk)
    if not agency.may_recruit:
        raise ValidationError(_("Your licence is %(status)s: you cannot take new job orders.") % {"status": agency.get_licence_status_display()})
    order = JobOrder(agency=agency, recorded_by=_actor(actor), **fields)
    errors = {}
    if order.country_id and not agency.authorised_countries.filter(pk=order.country_id).exists():
        errors["country"] = _("Your agency is not authorised to recruit for this country.")
    if order.positions_male + order.positions_female <= 0:
        errors["positions_male"] = _("A job order must have at least one position.")
    if order.employer_id and order.country_id and order.employer.country_id != order.country_id:
        errors["employer"] = _("The employer is in another country.")
    if errors:
        raise ValidationError(errors)
    try:
        order.full_clean(exclude=["recorded_by"])
    except ValidationError as e:
        raise ValidationError(e.message_dict)
    order.save()
    event_record(subject=order, code="joborder.submitted", actor=actor)
    return order


@transaction.atomic
def job_order_vet(*, job_order: JobOrder, approve: bool, vetted_by: str, actor, note: str = "", vetted_on: date | None = None) -> JobOrder:
    """Record the labour attaché's vetting (policy 9.1)."""
    _require_perm(actor, "workers.vet_joborder")
    order = JobOrder.objects.select_for_update().get(pk=job_order.pk)
    if order.status != JobOrderStatus.SUBMITTED:
        raise ValidationError(_("This job order was already vetted."))
    if not vetted_by.strip():
        raise ValidationError({"vetted_by": _("Name the labour attaché who vetted it.")})
    if not approve and not note.strip():
        raise ValidationError({"vetting_note": _("Give the reason for rejecting.")})
    order.status = JobOrderStatus.APPROVED if approve else JobOrderStatus.REJECTED
    order.vetted_by, order.vetting_note, order.vetted_on = vetted_by, note, vetted_on or timezone.localdate()
    order.save()
    event_record(subject=order, code="joborder.approved" if approve else "joborder.rejected", actor=actor, message=note)
    return order


def job_order_remaining(order: JobOrder) -> dict[str, int]:
    """Positions still open per sex: positions minus deployments drawn (not cancelled)."""
    used = dict(
        Deployment.objects.filter(job_order=order).counted().values("worker__sex").annotate(n=Count("pk")).values_list("worker__sex", "n")
    )
    return {"M": order.positions_male - used.get("M", 0), "F": order.positions_female - used.get("F", 0)}


# --- Deployments ----------------------------------------------------------------------------


@transaction.atomic
def deployment_create(*, worker: Worker, actor, channel: str, country, sector, agency=None, job_order: JobOrder | None = None,
                      **fields) -> Deployment:
    """Open a migration episode. Through an agency it draws on an approved job order with a free position."""
    if channel == Channel.AGENCY:
        if agency is None:
            raise ValidationError({"agency": _("Name the agency.")})
        _require_agency_access(actor, agency.pk)
    elif _acting_agency_id(actor) is not None:
        raise ValidationError({"channel": _("An agency records only deployments through itself.")})
    if Deployment.objects.filter(worker=worker, status__in=(*PRE_DEPARTURE, *OUT_OF_COUNTRY)).exists():
        raise ValidationError({"worker": _("This worker already has a deployment under way; finish or cancel it first.")})
    today = timezone.localdate()
    errors = {}
    if job_order is not None:
        if job_order.agency_id != (agency.pk if agency else None):
            errors["job_order"] = _("This job order belongs to another agency.")
        elif job_order.status != JobOrderStatus.APPROVED:
            errors["job_order"] = _("This job order has not been vetted and approved.")
        elif job_order.valid_until < today:
            errors["job_order"] = _("This job order expired on %(date)s.") % {"date": job_order.valid_until}
        elif job_order_remaining(job_order).get(worker.sex, 0) <= 0:
            errors["job_order"] = _("This job order has no position left for a %(sex)s worker.") % {"sex": worker.get_sex_display().lower()}
        else:
            country, sector = job_order.country, job_order.sector
            fields.setdefault("employer", job_order.employer)
            fields.setdefault("occupation", job_order.occupation)
            fields.setdefault("monthly_wage", job_order.monthly_wage)
            fields.setdefault("wage_currency", job_order.wage_currency)
    elif channel == Channel.AGENCY:
        errors["job_order"] = _("A deployment through an agency must draw on an approved job order.")
    if errors:
        raise ValidationError(errors)
    deployment = Deployment(worker=worker, channel=channel, agency=agency, job_order=job_order, country=country, sector=sector,
                            created_by=_actor(actor), **fields)
    try:
        deployment.full_clean(exclude=["created_by", "worker", "job_order", "agency"])
    except ValidationError as e:
        raise ValidationError(e.message_dict)
    deployment.save()
    event_record(subject=deployment, code="deployment.registered", actor=actor)
    return deployment


@dataclass
class RuleFailure:
    code: str
    message: str


def departure_check(deployment: Deployment, on_date: date) -> list[RuleFailure]:
    """Every rule that must hold before a worker leaves; returns the ones that fail.

    Sources: Sub-decree 205 (passport), Prakas 046 (orientation certificate), Prakas 253
    and policy 7.5 (job-placement contract reviewed), policy 3.2 (key protections),
    Sub-decree 190 / Prakas 047 (an active licence, authorised for the country),
    policy 7.6 (sending suspensions), and no minors.
    """
    w = deployment.worker
    out: list[RuleFailure] = []
    if not w.passport_number:
        out.append(RuleFailure("passport", _("The worker has no passport recorded.")))
    elif not w.passport_expiry or w.passport_expiry <= on_date:
        out.append(RuleFailure("passport", _("The passport is expired or its expiry date is missing.")))
    if age_on(w.date_of_birth, on_date) < MIN_AGE:
        out.append(RuleFailure("age", _("The worker is under %(age)d.") % {"age": MIN_AGE}))
    if not valid_certificate(w, deployment.country_id, on_date):
        out.append(RuleFailure("training", _("There is no valid pre-departure training certificate.")))
    if deployment.channel == Channel.AGENCY:
        agency = deployment.agency
        if agency.licence_status != LicenceStatus.ACTIVE:
            out.append(RuleFailure("licence", _("The agency's licence is %(status)s.") % {"status": agency.get_licence_status_display()}))
        elif agency.licence_expires and agency.licence_expires < on_date:
            out.append(RuleFailure("licence", _("The agency's licence has expired.")))
        if not agency.authorised_countries.filter(pk=deployment.country_id).exists():
            out.append(RuleFailure("licence", _("The agency is not authorised to send workers to %(country)s.") % {"country": deployment.country}))
        placement = PlacementContract.objects.filter(deployment=deployment).first()
        if placement is None or placement.status != ContractStatus.APPROVED:
            out.append(RuleFailure("placement_contract", _("The job-placement contract has not been approved.")))
        elif placement.missing_articles:
            out.append(RuleFailure("placement_contract", _("The job-placement contract lacks mandatory articles.")))
        order = deployment.job_order
        if order is None or order.status != JobOrderStatus.APPROVED or order.valid_until < on_date:
            out.append(RuleFailure("job_order", _("The job order is not approved or has expired.")))
    if deployment.channel != Channel.IRREGULAR:
        contract = EmploymentContract.objects.filter(deployment=deployment).first()
        if contract is None or contract.status != ContractStatus.APPROVED:
            out.append(RuleFailure("employment_contract", _("The employment contract has not been approved.")))
        else:
            if contract.missing_protections:
                out.append(RuleFailure("employment_contract", _("The employment contract lacks key protections.")))
            if contract.substitution_blocks:
                out.append(RuleFailure("substitution", _("The employment contract differs from the job order and no reviewer accepted it.")))
    suspension = (
        SendingSuspension.objects.in_force(on_date).filter(country=deployment.country_id)
        .filter(Q(sector__isnull=True) | Q(sector=deployment.sector_id)).first()
    )
    if suspension:
        out.append(RuleFailure("suspension", _("Sending to %(what)s is suspended since %(date)s: %(reason)s") % {
            "what": suspension.country if suspension.sector_id is None else f"{suspension.country} / {suspension.sector}",
            "date": suspension.starts_on, "reason": suspension.reason}))
    return out


def valid_certificate(worker: Worker, country_id: int, on_date: date) -> Certificate | None:
    """A valid orientation certificate for this destination (or the general curriculum)."""
    return (
        Certificate.objects.filter(worker=worker, is_valid=True, issued_on__lte=on_date)
        .filter(Q(session__curriculum__country__isnull=True) | Q(session__curriculum__country=country_id))
        .order_by("-issued_on")
        .first()
    )


def _contracts_approved(deployment: Deployment) -> list[RuleFailure]:
    out = []
    if deployment.channel == Channel.AGENCY:
        placement = PlacementContract.objects.filter(deployment=deployment, status=ContractStatus.APPROVED).first()
        if placement is None:
            out.append(RuleFailure("placement_contract", _("The job-placement contract has not been approved.")))
    if deployment.channel != Channel.IRREGULAR:
        contract = EmploymentContract.objects.filter(deployment=deployment, status=ContractStatus.APPROVED).first()
        if contract is None:
            out.append(RuleFailure("employment_contract", _("The employment contract has not been approved.")))
    return out


@transaction.atomic
def deployment_transition(
    *, deployment: Deployment, to_status: str, actor, on_date: date | None = None, checkpoint=None, reason: str = "",
    version: int | None = None,
) -> Deployment:
    """The one place a deployment changes state: the transition table, then the rules,
    then the change, an event and the audit entry. A refusal names every rule that failed."""
    _require_perm(actor, "workers.transition_deployment")
    dep = Deployment.objects.select_for_update(of=("self",)).select_related("worker", "agency", "job_order", "country", "sector").get(pk=deployment.pk)
    if _acting_agency_id(actor) is not None:
        _require_agency_access(actor, dep.agency_id)
    if scope_for(actor).role is Role.PROVINCE and dep.channel != Channel.IRREGULAR:
        raise PermissionDenied(_("A province records only irregular migrations; this deployment is handled by its agency."))
    if version is not None and version != dep.version:
        raise ValidationError(_("Someone else changed this deployment meanwhile. Reload the page."))
    if to_status not in DEPLOYMENT_TRANSITIONS[dep.status]:
        raise ValidationError({"status": _("A deployment that is %(from)s cannot become %(to)s.") % {
            "from": dep.get_status_display(), "to": DeploymentStatus(to_status).label}})
    on_date = on_date or timezone.localdate()
    failures: list[RuleFailure] = []
    if to_status == DeploymentStatus.TRAINED and not valid_certificate(dep.worker, dep.country_id, on_date):
        failures.append(RuleFailure("training", _("There is no valid pre-departure training certificate.")))
    elif to_status == DeploymentStatus.CONTRACT_APPROVED:
        failures = _contracts_approved(dep)
    elif to_status == DeploymentStatus.DEPARTED:
        if on_date > timezone.localdate():
            failures.append(RuleFailure("date", _("A departure cannot be recorded before it happens.")))
        failures += departure_check(dep, on_date)
    elif to_status == DeploymentStatus.ABROAD and dep.status == DeploymentStatus.REGISTERED and dep.channel != Channel.IRREGULAR:
        failures.append(RuleFailure("channel", _("Only an irregular migration is recorded as abroad without a departure.")))
    elif to_status == DeploymentStatus.CANCELLED and not reason.strip():
        failures.append(RuleFailure("reason", _("Give the reason for cancelling.")))
    if failures:
        by_code: dict[str, list[str]] = {}
        for f in failures:
            by_code.setdefault(f.code, []).append(f.message)
        raise ValidationError(by_code, code="rules")
    previous = dep.status
    dep.status = to_status
    if to_status == DeploymentStatus.DEPARTED:
        dep.departed_on = on_date
        dep.departure_checkpoint = checkpoint
        LegalStatusRecord.objects.get_or_create(deployment=dep, since=on_date, status=LegalStatus.REGULAR,
                                                defaults={"recorded_by": _actor(actor), "note": _("Left with a regular status.")})
    if to_status == DeploymentStatus.RETURNED:
        dep.returned_on = on_date
    dep.version += 1
    dep.save()
    event_record(subject=dep, code=f"deployment.{to_status}", actor=actor, message=reason, data={"from": previous})
    return dep


@transaction.atomic
def legal_status_record(*, deployment: Deployment, status: str, since: date, actor, note: str = "") -> LegalStatusRecord:
    """Add a dated entry to the legal-status history; earlier entries stay."""
    if _acting_agency_id(actor) is not None:
        _require_agency_access(actor, deployment.agency_id)
    if status not in LegalStatus.values:
        raise ValidationError({"status": _("Unknown legal status.")})
    if since > timezone.localdate():
        raise ValidationError({"since": _("This date is in the future.")})
    if deployment.departed_on and since < deployment.departed_on:
        raise ValidationError({"since": _("This date is before the worker left.")})
    record, created = LegalStatusRecord.objects.get_or_create(
        deployment=deployment, since=since, status=status, defaults={"note": note, "recorded_by": _actor(actor)}
    )
    if created:
        event_record(subject=deployment, code="deployment.legal_status", actor=actor, data={"status": status, "since": str(since)})
    return record


def current_legal_status(deployment: Deployment) -> LegalStatusRecord | None:
    return deployment.legal_statuses.order_by("-since", "-id").first()


# --- Contracts ---------------------------------------------------------------------------------


@transaction.atomic
def placement_contract_submit(*, deployment: Deployment, actor, signed_on: date, articles: list[str], service_fee: Decimal,
                              fee_currency: str = "USD") -> PlacementContract:
    _require_agency_access(actor, deployment.agency_id)
    if deployment.channel != Channel.AGENCY:
        raise ValidationError(_("Only a deployment through an agency has a job-placement contract."))
    if deployment.status not in PRE_DEPARTURE:
        raise ValidationError(_("The worker has already left; the contract can no longer change."))
    unknown = [a for a in articles if a not in PlacementArticle.values]
    if unknown:
        raise ValidationError({"articles": _("Unknown article: %(a)s") % {"a": unknown[0]}})
    if Decimal(service_fee) < 0:
        raise ValidationError({"service_fee": _("The fee cannot be negative.")})
    contract, _created = PlacementContract.objects.update_or_create(
        deployment=deployment,
        defaults={"signed_on": signed_on, "articles": sorted(set(articles)), "service_fee": service_fee, "fee_currency": fee_currency,
                  "status": ContractStatus.SUBMITTED, "reviewed_by": None, "reviewed_at": None},
    )
    event_record(subject=deployment, code="contract.placement_submitted", actor=actor)
    return contract


def contract_differences(contract: EmploymentContract, order: JobOrder | None) -> dict:
    """What the employment contract changes from the approved job order (contract substitution)."""
    if order is None:
        return {}
    pairs = {
        "employer": (order.employer.name, contract.employer_name),
        "position": (order.occupation, contract.position),
        "monthly_wage": (str(order.monthly_wage), str(contract.monthly_wage)),
        "wage_currency": (order.wage_currency, contract.wage_currency),
        "hours_per_week": (order.hours_per_week, contract.hours_per_week),
        "duration_months": (order.contract_months, contract.duration_months),
    }
    diffs = {}
    for field, (ordered, signed) in pairs.items():
        a, b = (" ".join(str(ordered).split()).casefold(), " ".join(str(signed).split()).casefold())
        if field == "monthly_wage":
            if Decimal(str(ordered)) != Decimal(str(signed)):
                diffs[field] = [str(ordered), str(signed)]
        elif a != b:
            diffs[field] = [ordered, signed]
    return diffs


@transaction.atomic
def employment_contract_submit(*, deployment: Deployment, actor, fields: dict) -> EmploymentContract:
    """Record the contract and compare it with the job order; differences block approval
    until a reviewer accepts them with a reason."""
    if _acting_agency_id(actor) is not None:
        _require_agency_access(actor, deployment.agency_id)
    if deployment.status not in PRE_DEPARTURE:
        raise ValidationError(_("The worker has already left; the contract can no longer change."))
    unknown = [p for p in fields.get("protections", []) if p not in KeyProtection.values]
    if unknown:
        raise ValidationError({"protections": _("Unknown protection: %(p)s") % {"p": unknown[0]}})
    contract = EmploymentContract.objects.filter(deployment=deployment).first() or EmploymentContract(deployment=deployment)
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.status = ContractStatus.SUBMITTED
    contract.substitution_accepted_by = None
    contract.substitution_reason = ""
    contract.reviewed_by, contract.reviewed_at = None, None
    try:
        contract.full_clean(exclude=["deployment", "substitution_accepted_by", "reviewed_by"])
    except ValidationError as e:
        raise ValidationError(e.message_dict)
    contract.differences = contract_differences(contract, deployment.job_order)
    contract.save()
    event_record(subject=deployment, code="contract.employment_submitted", actor=actor, data={"differences": contract.differences})
    return contract


@transaction.atomic
def substitution_accept(*, contract: EmploymentContract, actor, reason: str) -> EmploymentContract:
    _require_perm(actor, "workers.accept_substitution")
    contract = EmploymentContract.objects.select_for_update().get(pk=contract.pk)
    if not contract.differences:
        raise ValidationError(_("This contract matches the job order; there is nothing to accept."))
    if not reason.strip():
        raise ValidationError({"substitution_reason": _("Say why the differences are acceptable (e.g. a higher wage).")})
    contract.substitution_accepted_by = _actor(actor)
    contract.substitution_reason = reason
    contract.save()
    event_record(subject=contract.deployment, code="contract.substitution_accepted", actor=actor, message=reason)
    return contract


@transaction.atomic
def contract_review(*, contract: PlacementContract | EmploymentContract, approve: bool, actor, note: str = ""):
    """Approve or reject a contract. Approval needs every mandatory article / key protection,
    and for an employment contract no unaccepted difference from the job order."""
    _require_perm(actor, "workers.review_contract")
    model = type(contract)
    contract = model.objects.select_for_update().get(pk=contract.pk)
    if contract.status != ContractStatus.SUBMITTED:
        raise ValidationError(_("This contract is not awaiting review."))
    if approve:
        problems = []
        if isinstance(contract, PlacementContract) and contract.missing_articles:
            problems.append(_("Missing mandatory articles: %(list)s.") % {"list": ", ".join(str(PlacementArticle(a).label) for a in contract.missing_articles)})
        if isinstance(contract, EmploymentContract):
            if contract.missing_protections:
                problems.append(_("Missing key protections: %(list)s.") % {"list": ", ".join(str(KeyProtection(p).label) for p in contract.missing_protections)})
            if contract.substitution_blocks:
                problems.append(_("The contract differs from the job order (%(fields)s); a reviewer must accept the differences first.") % {
                    "fields": ", ".join(contract.differences)})
        if problems:
            raise ValidationError({"status": problems})
    elif not note.strip():
        raise ValidationError({"review_note": _("Give the reason for rejecting.")})
    contract.status = ContractStatus.APPROVED if approve else ContractStatus.REJECTED
    contract.reviewed_by, contract.reviewed_at, contract.review_note = _actor(actor), timezone.now(), note
    contract.save()
    event_record(subject=contract.deployment, code=f"contract.{'approved' if approve else 'rejected'}", actor=actor, message=note,
                 data={"contract": model._meta.model_name})
    return contract


# --- Sending suspensions ----------------------------------------------------------------------


@transaction.atomic
def suspension_create(*, actor, country, starts_on: date, reason: str, sector=None, ends_on: date | None = None,
                      reference: str = "") -> SendingSuspension:
    _require_perm(actor, "workers.add_sendingsuspension")
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the suspension.")})
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("A suspension must end on or after the day it starts.")})
    s = SendingSuspension.objects.create(country=country, sector=sector, starts_on=starts_on, ends_on=ends_on, reason=reason,
                                         reference=reference, decided_by=_actor(actor))
    event_record(subject=s, code="suspension.created", actor=actor, message=reason)
    return s


# --- Return and reintegration -----------------------------------------------------------------


@transaction.atomic
def return_register(*, worker: Worker, actor, returned_on: date, reason: str, country, province, deployment: Deployment | None = None,
                    checkpoint=None, assisting_agency=None, documents: str = "", needs_assistance: bool = True) -> ReturnRecord:
    """Register a return. An open deployment to that country is closed as returned; a
    reintegration case is opened for the province when the returnee needs assistance."""
    _require_perm(actor, "workers.add_returnrecord")
    if returned_on > timezone.localdate():
        raise ValidationError({"returned_on": _("A return cannot be registered before it happens.")})
    if deployment is None:
        deployment = (
            Deployment.objects.select_for_update().filter(worker=worker, country=country, status__in=OUT_OF_COUNTRY)
            .order_by("-created").first()
        )
    elif deployment.worker_id != worker.pk:
        raise ValidationError({"deployment": _("This deployment is another worker's.")})
    if _acting_agency_id(actor) is not None:
        own = _acting_agency_id(actor)
        if not ((deployment and deployment.agency_id == own) or (assisting_agency and assisting_agency.pk == own)):
            raise PermissionDenied(_("An agency registers only the returns of its own workers."))
    if deployment and deployment.departed_on and returned_on < deployment.departed_on:
        raise ValidationError({"returned_on": _("The return is dated before the departure (%(date)s).") % {"date": deployment.departed_on}})
    if ReturnRecord.objects.filter(worker=worker, returned_on=returned_on).exists():
        raise ValidationError({"returned_on": _("This worker's return on this date is already registered.")})
    record = ReturnRecord.objects.create(
        worker=worker, deployment=deployment, returned_on=returned_on, reason=reason, country=country, checkpoint=checkpoint,
        province=province, assisting_agency=assisting_agency, documents=documents, needs_assistance=needs_assistance,
        registered_by=_actor(actor),
    )
    if deployment and deployment.status in OUT_OF_COUNTRY:
        deployment.status = DeploymentStatus.RETURNED
        deployment.returned_on = returned_on
        deployment.version += 1
        deployment.save(update_fields=["status", "returned_on", "version", "updated"])
        event_record(subject=deployment, code="deployment.returned", actor=actor, data={"return": record.pk})
    if needs_assistance:
        ReintegrationCase.objects.create(return_record=record, worker=worker, province=province)
    event_record(subject=record, code="return.registered", actor=actor)
    return record


def _require_case_access(actor, case: ReintegrationCase) -> None:
    """Reintegration is the province's work: the permission, and a case the actor can see."""
    if actor is None:
        return
    _require_perm(actor, "workers.change_reintegrationcase")
    if not ReintegrationCase.objects.visible_to(actor).filter(pk=case.pk).exists():
        raise PermissionDenied(_("This case is handled by another province."))


@transaction.atomic
def case_assess(*, case: ReintegrationCase, actor, needs: list[str], notes: str = "", assessed_on: date | None = None) -> ReintegrationCase:
    _require_case_access(actor, case)
    case = ReintegrationCase.objects.select_for_update().get(pk=case.pk)
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(_("This case is closed."))
    if assessed_on and assessed_on > timezone.localdate():
        raise ValidationError({"assessed_on": _("This date is in the future.")})
    from .choices import ReferralKind

    unknown = [n for n in needs if n not in ReferralKind.values]
    if unknown:
        raise ValidationError({"needs": _("Unknown need: %(n)s") % {"n": unknown[0]}})
    case.needs, case.assessment_notes = sorted(set(needs)), notes
    case.assessed_on = assessed_on or timezone.localdate()
    case.status = CaseStatus.ASSESSED
    case.officer = case.officer or _actor(actor)
    case.save()
    event_record(subject=case, code="case.assessed", actor=actor, data={"needs": case.needs})
    return case


@transaction.atomic
def referral_add(*, case: ReintegrationCase, actor, kind: str, partner: str, referred_on: date | None = None):
    _require_case_access(actor, case)
    from .choices import ReferralKind

    if case.status != CaseStatus.ASSESSED:
        raise ValidationError(_("Assess the returnee's needs before referring them."))
    if kind not in ReferralKind.values:
        raise ValidationError({"kind": _("Choose the service the returnee is referred to.")})
    if not partner.strip():
        raise ValidationError({"partner": _("Name the partner the returnee is referred to.")})
    referral = case.referrals.create(kind=kind, partner=partner, referred_on=referred_on or timezone.localdate())
    event_record(subject=case, code="case.referred", actor=actor, data={"kind": kind, "partner": partner})
    return referral


@transaction.atomic
def referral_outcome(*, referral, actor, outcome: str, outcome_on: date | None = None, note: str = ""):
    _require_case_access(actor, referral.case)
    from .choices import ReferralOutcome

    if outcome not in ReferralOutcome.values or not outcome:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    referral = type(referral).objects.select_for_update().get(pk=referral.pk)
    if referral.outcome:
        raise ValidationError({"outcome": _("The outcome of this referral is already recorded.")})
    referral.outcome, referral.outcome_on, referral.outcome_note = outcome, outcome_on or timezone.localdate(), note
    if referral.outcome_on < referral.referred_on:
        raise ValidationError({"outcome_on": _("The outcome is dated before the referral.")})
    referral.save()
    event_record(subject=referral.case, code="case.referral_outcome", actor=actor, data={"referral": referral.pk, "outcome": outcome})
    return referral


@transaction.atomic
def case_close(*, case: ReintegrationCase, actor, note: str = "") -> ReintegrationCase:
    _require_case_access(actor, case)
    case = ReintegrationCase.objects.select_for_update().get(pk=case.pk)
    if case.status != CaseStatus.ASSESSED:
        raise ValidationError(_("Only an assessed case can be closed."))
    if case.referrals.filter(outcome="").exists():
        raise ValidationError(_("Record the outcome of every referral before closing the case."))
    case.status, case.closed_on = CaseStatus.CLOSED, timezone.localdate()
    case.save()
    event_record(subject=case, code="case.closed", actor=actor, message=note)
    return case
