"""An agency's bulk import of its workers, each with an optional deployment, from CSV or XLSX.

``worker_import_start`` checks the file's shape and queues a background job;
``worker_import_run`` (called by the Celery task) checks every row, then writes
all of them or none.

The same rules as one-by-one registration (``workers.services``): identifiers are
normalised, encrypted and hashed the same way (``_apply_identifiers``); the same
ID or passport is never registered twice; the same name and date of birth is a
possible duplicate (refused here: a bulk file cannot confirm it is someone else);
a deployment draws on the agency's own approved, unexpired job order with a
position left for the worker's sex, and a worker has one deployment under way at
most. Rows whose worker this agency already registered (same ID or passport) are
matched and reported as "already registered", so importing a file twice creates
nothing the second time.

At scale the work is done in bulk: lookups per batch of rows (hashes, name and date
of birth, deployments under way), one quota query per file, ``bulk_create`` in
batches, one event for the job (not one per row). Progress is committed while the
rows are checked; the writes are one transaction.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.jobs import job_claim
from migration_portal.core.models import BackgroundJob, JobStatus
from migration_portal.core.scoping import Role, scope_for
from migration_portal.core.spreadsheets import (
    Table,
    UploadLimits,
    csv_content,
    file_error,
    inspect_upload,
    read_table,
    xlsx_content,
)
from migration_portal.core.tasks_util import enqueue
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Country, Province, Sector

from .choices import OUT_OF_COUNTRY, PRE_DEPARTURE, Channel, Education, JobOrderStatus
from .models import Deployment, JobOrder, Worker
from .pii import normalise_phone
from .services import _apply_identifiers, age_on

logger = logging.getLogger(__name__)

JOB_KIND = "worker_import"
COLUMNS = [
    "name_latin", "name_km", "sex", "date_of_birth", "national_id", "passport_number", "passport_expiry", "phone",
    "home_province", "district", "commune", "village", "education",
    "job_order_ref", "country", "sector", "occupation", "contract_start", "contract_end",
]
REQUIRED_COLUMNS = ["name_latin", "sex", "date_of_birth", "home_province"]
DEPLOYMENT_COLUMNS = ["job_order_ref", "country", "sector", "occupation", "contract_start", "contract_end"]
UPLOAD_KIND = "worker_import"  # its limits: settings.PORTAL["UPLOADS"]["worker_import"]
PROGRESS_EVERY = 500  # rows checked between two progress updates (and the size of a lookup batch)
WRITE_BATCH = 1000  # rows per INSERT
MAX_ERRORS = 1000  # errors kept on the job; the rest are counted
MAX_LISTED_MATCHES = 500
UNDER_WAY = (*PRE_DEPARTURE, *OUT_OF_COUNTRY)
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
SEXES = {"M": Sex.MALE, "MALE": Sex.MALE, "ប្រុស": Sex.MALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE, "ស្រី": Sex.FEMALE}
EXAMPLE_ROWS = [
    ["Sok Dara", "សុខ ដារ៉ា", "M", "1998-04-12", "100234567", "N1234567", "2033-01-31", "012 345 678", "Prey Veng",
     "Peam Ro", "Prek Khsay", "Phum Thmei", "primary", "JO-2026-001", "TH", "CON", "Construction worker", "2026-03-01",
     "2028-02-28"],
    ["Chan Sreypov", "ចាន់ ស្រីពៅ", "F", "2000-11-02", "100765432", "", "", "", "01", "", "", "", "lower_secondary",
     "", "", "", "", "", ""],
]


# --- Reading the file -------------------------------------------------------------------------


def limits() -> UploadLimits:
    return UploadLimits.named(UPLOAD_KIND)


def template_csv() -> str:
    """The header and two example rows, with a BOM so that spreadsheet programs read Khmer as UTF-8."""
    return csv_content([COLUMNS, *EXAMPLE_ROWS], bom=True)


def template_xlsx() -> bytes:
    return xlsx_content([COLUMNS, *EXAMPLE_ROWS], title="workers")


_file_error = file_error


def check_headers(raw_headers: list[str]) -> list[str]:
    """The header row as column names, or the file refused: required columns missing, unknown ones."""
    headers = [_header(h) for h in raw_headers]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    if missing:
        raise _file_error(_("Missing column(s): %(cols)s. The first row must name the columns, as in the template.") % {
            "cols": ", ".join(missing)})
    unknown = [h for h in headers if h and h not in COLUMNS]
    if unknown:
        raise _file_error(_("Unknown column(s): %(cols)s. The columns are: %(all)s.") % {
            "cols": ", ".join(unknown), "all": ", ".join(COLUMNS)})
    return headers


def load_dataset(raw: bytes, name: str) -> Table:
    """Open CSV or XLSX bytes for streaming, with the headers normalised to the column names, or
    refuse the file. Only the header row is read here; ``check_rows`` streams the rest, the row
    cap and the formula check applying as it goes."""
    table = read_table(raw, name, limits())
    try:
        table.headers = check_headers(table.headers)
    except ValidationError:
        table.close()
        raise
    return table


def _header(value) -> str:
    return "_".join(str(value or "").strip().lower().split())


# --- Checking one value -------------------------------------------------------------------------


class _BadValueError(Exception):
    def __init__(self, message: str):
        self.message = message


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # a number typed into a spreadsheet cell
        value = int(value)
    return " ".join(str(value).split())


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _BadValueError(_("'%(value)s' is not a date: write it as YYYY-MM-DD (for example 1998-04-12).") % {"value": text})


def _lookup(table: dict, value, what: str) -> int:
    key = _text(value).casefold()
    found = table.get(key)
    if found is None and key.isdigit():
        found = table.get(key.zfill(2))
    if found is None:
        raise _BadValueError(_("Unknown %(what)s '%(value)s': use its code or its English name.") % {
            "what": what, "value": _text(value)})
    return found


def _names_table(model) -> dict[str, int]:
    table: dict[str, int] = {}
    for pk, code, name, name_km in model.objects.values_list("pk", "code", "name", "name_km"):
        for key in (code, name, name_km):
            if key:
                table[" ".join(key.split()).casefold()] = pk
    return table


# --- Checking the rows --------------------------------------------------------------------------


@dataclass
class RowPlan:
    """What one row will do: register ``worker`` or match ``existing_pk``; maybe open a deployment."""

    row: int
    worker: Worker | None = None
    existing_pk: int | None = None
    deployment: dict | None = None
    deployment_under_way: bool = False


@dataclass
class ImportCheck:
    rows: list[RowPlan] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    orders: dict[int, JobOrder] = field(default_factory=dict)
    read: int = 0  # data rows read from the file

    def add(self, row, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "field": column, "message": str(message)})


class _Checker:
    """Checks every row of a file for one agency. Lookups are per batch of rows, never per row."""

    WORKER_FIELDS = ("name_latin", "name_km", "sex", "date_of_birth", "national_id", "passport_number", "passport_expiry",
                     "phone", "district", "commune", "village", "education")

    def __init__(self, *, agency, actor, today: date):
        self.agency = agency
        self.actor = actor
        self.today = today
        self.provinces = _names_table(Province)
        self.countries = _names_table(Country)
        self.sectors = _names_table(Sector)
        self.educations = {v.casefold(): v for v in Education.values}
        self.educations |= {str(label).casefold(): v for v, label in Education.choices}
        self.seen_id: dict[str, int] = {}
        self.seen_passport: dict[str, int] = {}
        self.seen_person: dict[tuple[str, date], int] = {}
        self.result = ImportCheck()
        self.worker_fk_exclude = [f.name for f in Worker._meta.concrete_fields if f.is_relation] + [
            "national_id_hash", "passport_hash", "phone_hash"]

    # One row's own values, before anything is looked up.
    def parse(self, n: int, values: dict) -> RowPlan | None:
        errors: list[tuple[str, str]] = []
        fields: dict = {}

        def get(column, convert=None):
            raw = values.get(column)
            if convert is None:
                return _text(raw)
            try:
                return convert(raw)
            except _BadValueError as bad:
                errors.append((column, bad.message))
                return None

        fields["name_latin"] = get("name_latin")
        if not fields["name_latin"]:
            errors.append(("name_latin", _("Give the worker's name in Latin letters.")))
        fields["name_km"] = get("name_km")
        sex_text = get("sex")
        fields["sex"] = SEXES.get(sex_text.upper())
        if fields["sex"] is None:
            errors.append(("sex", _("Write M or F, not '%(value)s'.") % {"value": sex_text}))
        dob = get("date_of_birth", _date)
        if dob is None and not any(c == "date_of_birth" for c, _m in errors):
            errors.append(("date_of_birth", _("Give the date of birth.")))
        elif dob is not None and dob > self.today:
            errors.append(("date_of_birth", _("The date of birth is in the future.")))
        elif dob is not None and age_on(dob, self.today) > 100:
            errors.append(("date_of_birth", _("Check the date of birth: the worker would be over 100.")))
        fields["date_of_birth"] = dob
        fields["national_id"] = get("national_id")
        fields["passport_number"] = get("passport_number")
        if not fields["national_id"] and not fields["passport_number"]:
            errors.append(("national_id", _("Give a national ID or passport number: a bulk import recognises workers by them.")))
        fields["passport_expiry"] = get("passport_expiry", _date)
        if fields["passport_expiry"] and not fields["passport_number"]:
            errors.append(("passport_number", _("A passport expiry date is given without the passport number.")))
        fields["phone"] = get("phone") or None
        if fields["phone"] and not 8 <= len(normalise_phone(fields["phone"])) <= 13:
            # The value is not repeated: the error list is stored with the job and shown again later,
            # and a wrong phone number is still someone's phone number.
            errors.append(("phone", _("This is not a phone number: write 8 to 13 digits.")))
        province = None
        if not _text(values.get("home_province")):
            errors.append(("home_province", _("Give the home province.")))
        else:
            province = get("home_province", lambda v: _lookup(self.provinces, v, _("province")))
        for column in ("district", "commune", "village"):
            fields[column] = get(column)
        education = get("education")
        fields["education"] = self.educations.get(education.casefold(), None) if education else ""
        if fields["education"] is None:
            errors.append(("education", _("Unknown education level '%(value)s': use one of %(values)s.") % {
                "value": education, "values": ", ".join(Education.values)}))
            fields["education"] = ""

        worker = Worker(home_province_id=province, **fields)
        _apply_identifiers(worker)
        if not errors:
            try:
                worker.clean_fields(exclude=self.worker_fk_exclude)
            except ValidationError as exc:
                for column, messages in exc.message_dict.items():
                    errors.extend((column, m) for m in messages)

        deployment = self._parse_deployment(values, get, errors)
        if errors:
            for column, message in errors:
                self.result.add(n, column, message)
            return None
        return RowPlan(row=n, worker=worker, deployment=deployment)

    def _parse_deployment(self, values: dict, get, errors: list) -> dict | None:
        if not any(_text(values.get(c)) for c in DEPLOYMENT_COLUMNS):
            return None
        dep = {
            "job_order_ref": get("job_order_ref"),
            "country_id": get("country", lambda v: _lookup(self.countries, v, _("country")) if _text(v) else None),
            "sector_id": get("sector", lambda v: _lookup(self.sectors, v, _("sector")) if _text(v) else None),
            "occupation": get("occupation"),
            "contract_start": get("contract_start", _date),
            "contract_end": get("contract_end", _date),
        }
        if not dep["job_order_ref"]:
            errors.append(("job_order_ref", _("A deployment through an agency must draw on an approved job order: "
                                              "give its reference, or leave the deployment columns empty.")))
        if len(dep["occupation"]) > 120:
            errors.append(("occupation", _("At most 120 characters.")))
        if dep["contract_start"] and dep["contract_end"] and dep["contract_end"] <= dep["contract_start"]:
            errors.append(("contract_end", _("The contract must end after it starts.")))
        return dep

    def duplicates_in_file(self, plan: RowPlan) -> bool:
        w = plan.worker
        problems = []
        if w.national_id_hash and w.national_id_hash in self.seen_id:
            problems.append(("national_id", self.seen_id[w.national_id_hash]))
        if w.passport_hash and w.passport_hash in self.seen_passport:
            problems.append(("passport_number", self.seen_passport[w.passport_hash]))
        person = (w.name_latin.upper(), w.date_of_birth)
        if not problems and person in self.seen_person:
            problems.append(("name_latin", self.seen_person[person]))
        for column, first in problems:
            self.result.add(plan.row, column, _("The same worker as row %(row)d of this file.") % {"row": first})
        if problems:
            return True
        if w.national_id_hash:
            self.seen_id[w.national_id_hash] = plan.row
        if w.passport_hash:
            self.seen_passport[w.passport_hash] = plan.row
        self.seen_person.setdefault(person, plan.row)
        return False

    def against_register(self, batch: list[RowPlan]) -> list[RowPlan]:
        """Match or refuse each row against the register: a few queries for the whole batch (identifiers;
        names and birth dates of the rows no identifier matched; deployments of the matched workers)."""
        id_hashes = {p.worker.national_id_hash for p in batch if p.worker.national_id_hash}
        passport_hashes = {p.worker.passport_hash for p in batch if p.worker.passport_hash}
        # One query per kind of identifier, each repeating the condition of its partial unique index
        # (hash <> ''): with an OR of the two, or without the condition, PostgreSQL cannot use the
        # index and reads all 1.3 million rows (0.9 s a batch instead of 20 ms; docs/benchmarks.md).
        found: dict[int, dict] = {}
        for column, hashes in (("national_id_hash", id_hashes), ("passport_hash", passport_hashes)):
            if hashes:
                for w in (Worker.objects.filter(**{f"{column}__in": hashes}).exclude(**{column: ""}).order_by()
                          .values("pk", "ref", "national_id_hash", "passport_hash", "registered_by_agency_id")):
                    found[w["pk"]] = w
        existing = list(found.values())
        by_id = {w["national_id_hash"]: w for w in existing if w["national_id_hash"]}
        by_passport = {w["passport_hash"]: w for w in existing if w["passport_hash"]}
        # The same name and date of birth, for the rows no identifier matched.
        unmatched = [p for p in batch if not (by_id.get(p.worker.national_id_hash) or by_passport.get(p.worker.passport_hash))]
        same_person = self._same_person({(p.worker.name_latin.upper(), p.worker.date_of_birth) for p in unmatched})
        matched_ids = {w["pk"] for w in existing}
        ours: set[int] = set()
        under_way: dict[int, int | None] = {}
        if matched_ids:
            deployments = Deployment.objects.filter(worker__in=matched_ids).order_by().values_list(
                "worker_id", "agency_id", "status", "job_order_id")
            for worker_id, agency_id, status, order_id in deployments:
                if agency_id == self.agency.pk:
                    ours.add(worker_id)
                if status in UNDER_WAY:
                    under_way[worker_id] = order_id
        kept = []
        for plan in batch:
            w = plan.worker
            by_nid = by_id.get(w.national_id_hash) if w.national_id_hash else None
            by_pp = by_passport.get(w.passport_hash) if w.passport_hash else None
            if by_nid and by_pp and by_nid["pk"] != by_pp["pk"]:
                self.result.add(plan.row, "passport_number",
                                _("This national ID and this passport number belong to two different registered workers."))
                continue
            match = by_nid or by_pp
            column = "national_id" if by_nid else "passport_number"
            if match is not None:
                if match["registered_by_agency_id"] != self.agency.pk and match["pk"] not in ours:
                    self.result.add(plan.row, column, _(
                        "A worker with this number is already registered, but not by your agency: contact the "
                        "Department of Employment and Manpower to have their record linked."))
                    continue
                plan.existing_pk, plan.worker = match["pk"], None
                if plan.deployment is not None and match["pk"] in under_way:
                    plan.deployment_under_way = True
                    plan.deployment["under_way_order"] = under_way[match["pk"]]
                kept.append(plan)
                continue
            twin = same_person.get((w.name_latin.upper(), w.date_of_birth))
            if twin is not None:
                mine = twin["registered_by_agency_id"] == self.agency.pk
                message = (_("A worker with the same name and date of birth is already registered (%(ref)s). If this is a "
                             "different person, register them one by one and confirm it.") % {"ref": twin["ref"]} if mine else
                           _("A worker with the same name and date of birth is already registered. If this is a different "
                             "person, register them one by one and confirm it."))
                self.result.add(plan.row, "name_latin", message)
                continue
            kept.append(plan)
        return kept

    @staticmethod
    def _same_person(people: set[tuple[str, date]]) -> dict[tuple[str, date], dict]:
        """Registered workers with one of these (upper-case name, date of birth): at most two queries.

        The names on the (date_of_birth, name_latin) index are read for the batch's birth dates
        (an index-only scan: hence no ORDER BY) and compared here; only the few that match are fetched. Asking the
        database for UPPER(name_latin) IN (...) let the planner pick the trigram index instead,
        which took seconds a batch on 1.3 million workers (docs/benchmarks.md)."""
        if not people:
            return {}
        pairs = {
            (name, born) for born, name in
            Worker.objects.filter(date_of_birth__in={d for _n, d in people}).order_by().values_list("date_of_birth", "name_latin")
            if (name.upper(), born) in people
        }
        if not pairs:
            return {}
        found: dict[tuple[str, date], dict] = {}
        exact = Q()
        for name, born in pairs:
            exact |= Q(date_of_birth=born, name_latin=name)
        twins = Worker.objects.filter(exact).order_by()
        for w in twins.values("pk", "ref", "name_latin", "date_of_birth", "registered_by_agency_id"):
            found.setdefault((w["name_latin"].upper(), w["date_of_birth"]), w)
        return found

    def job_orders(self, plans: list[RowPlan]) -> None:
        """Each deployment's job order: this agency's, approved, unexpired, matching, with positions left."""
        wanted = [p for p in plans if p.deployment is not None]
        refs = {p.deployment["job_order_ref"] for p in wanted}
        orders = {o.ref: o for o in JobOrder.objects.filter(agency=self.agency, ref__in=refs)} if refs else {}
        self.result.orders = {o.pk: o for o in orders.values()}
        sexes = {}
        if any(p.existing_pk for p in wanted):
            sexes = dict(Worker.objects.filter(pk__in=[p.existing_pk for p in wanted if p.existing_pk]).values_list("pk", "sex"))
        asked: Counter = Counter()
        for plan in wanted:
            dep = plan.deployment
            order = orders.get(dep["job_order_ref"])
            problem = None
            if order is None:
                problem = ("job_order_ref", _("Your agency has no job order with the reference '%(ref)s'.") % {
                    "ref": dep["job_order_ref"]})
            elif plan.deployment_under_way:
                if dep.get("under_way_order") != order.pk:
                    problem = ("job_order_ref", _("This worker already has a deployment under way; finish or cancel it first."))
            elif order.status != JobOrderStatus.APPROVED:
                problem = ("job_order_ref", _("Job order %(ref)s has not been vetted and approved.") % {"ref": order.ref})
            elif order.valid_until < self.today:
                problem = ("job_order_ref", _("Job order %(ref)s expired on %(date)s.") % {
                    "ref": order.ref, "date": order.valid_until})
            elif dep["country_id"] and dep["country_id"] != order.country_id:
                problem = ("country", _("Job order %(ref)s is for another country.") % {"ref": order.ref})
            elif dep["sector_id"] and dep["sector_id"] != order.sector_id:
                problem = ("sector", _("Job order %(ref)s is for another sector.") % {"ref": order.ref})
            if problem:
                self.result.add(plan.row, *problem)
                plan.deployment = None
                continue
            dep["order"] = order
            if not plan.deployment_under_way:
                sex = plan.worker.sex if plan.worker is not None else sexes.get(plan.existing_pk)
                dep["sex"] = sex
                asked[(order.pk, sex)] += 1
        self.quota(wanted, asked)

    def quota(self, wanted: list[RowPlan], asked: Counter) -> None:
        if not asked:
            return
        left = positions_left({pk for pk, _s in asked})
        over = {key for key, n in asked.items() if n > left.get(key, 0)}
        for plan in wanted:
            dep = plan.deployment
            if dep is None or plan.deployment_under_way:
                continue
            key = (dep["order"].pk, dep["sex"])
            if key in over:
                order = dep["order"]
                self.result.add(plan.row, "job_order_ref", _(
                    "Job order %(ref)s has %(left)d position(s) left for %(sex)s workers; this file asks for %(asked)d.") % {
                    "ref": order.ref, "left": max(left.get(key, 0), 0), "sex": Sex(dep["sex"]).label.lower(),
                    "asked": asked[key]})


def positions_left(order_ids) -> dict[tuple[int, str], int]:
    """Open positions per (job order, sex): the positions minus deployments drawn (not cancelled). One query."""
    used = Counter()
    for order_id, sex, n in (
        Deployment.objects.filter(job_order__in=order_ids).counted().values("job_order_id", "worker__sex")
        .annotate(n=Count("pk")).values_list("job_order_id", "worker__sex", "n")
    ):
        used[(order_id, sex)] = n
    left = {}
    for pk, male, female in JobOrder.objects.filter(pk__in=order_ids).values_list("pk", "positions_male", "positions_female"):
        left[(pk, Sex.MALE)] = male - used[(pk, Sex.MALE)]
        left[(pk, Sex.FEMALE)] = female - used[(pk, Sex.FEMALE)]
    return left


def check_rows(data: Table, *, agency, actor, today: date | None = None, progress=None) -> ImportCheck:
    """Check every row as it is read; ``progress(n)`` is called after each batch. Nothing is written."""
    checker = _Checker(agency=agency, actor=actor, today=today or timezone.localdate())
    headers = data.headers
    batch: list[RowPlan] = []
    kept: list[RowPlan] = []
    done = 0
    for n, raw in data.rows():  # blank rows skipped; the row cap and the formula check apply here
        values = {h: v for h, v in zip(headers, raw, strict=False) if h}
        done += 1
        plan = checker.parse(n, values)
        if plan is not None and not checker.duplicates_in_file(plan):
            batch.append(plan)
        if len(batch) >= PROGRESS_EVERY:
            kept.extend(checker.against_register(batch))
            batch = []
            if progress:
                progress(done)
    if batch:
        kept.extend(checker.against_register(batch))
    if progress:
        progress(done)
    checker.job_orders(kept)
    result = checker.result
    result.read = done
    result.rows = kept
    result.errors.sort(key=lambda e: (e["row"] if isinstance(e["row"], int) else 0))
    if not result.rows and not result.error_count:
        result.add("", "file", _("The file has no rows."))
    return result


# --- The job -----------------------------------------------------------------------------------


def _import_actor_agency(actor):
    """The agency an import is for: the actor's own. Only agency users with the right to register import."""
    scope = scope_for(actor)
    if scope.role is not Role.AGENCY:
        raise PermissionDenied(_("Only a recruitment agency imports its workers."))
    if not (actor.has_perm("workers.add_worker") and actor.has_perm("workers.add_deployment")):
        raise PermissionDenied(_("You are not allowed to do this."))
    return actor.agency


@transaction.atomic
def worker_import_start(*, actor, upload) -> BackgroundJob:
    """Check the file's shape, keep it on a job and queue the job after commit.

    In the request only what is cheap is done: the type, the zip directory, the header row and
    a count of the rows that builds no cell (over the cap, the file is refused here). The job
    reads and checks the rows."""
    agency = _import_actor_agency(actor)
    name = os.path.basename(getattr(upload, "name", "") or "workers.csv")
    raw = upload.read()
    inspection = inspect_upload(raw, name, limits())
    check_headers(inspection.headers)
    job = BackgroundJob(kind=JOB_KIND, created_by=actor, agency=agency, total=inspection.rows, params={"filename": name})
    job.file.save(f"worker-import-{agency.pk}-{name}", ContentFile(raw), save=False)
    job.save()
    from .import_tasks import run_worker_import  # the task module imports this one

    enqueue(run_worker_import, job.pk)
    return job


def worker_import_run(*, job_id: int) -> BackgroundJob | None:
    """Run a queued import once. Guard: the conditional UPDATE from queued to running claims the
    job, so a second delivery of the same message finds nothing to do."""
    if not job_claim(job_id=job_id, kind=JOB_KIND):
        return None
    job = BackgroundJob.objects.select_related("created_by", "agency").get(pk=job_id)
    try:
        _run(job)
    except Exception:  # the job row is the record of what happened; the error is logged for operators
        logger.exception("Worker import %s failed", job_id)
        _finish(job, JobStatus.FAILED, checked=False, errors=[{"row": "", "field": "file", "message": _(
            "The import stopped on an unexpected error; nothing was saved. Try again, or contact the ministry.")}])
    return job


def _finish(job: BackgroundJob, status: str, *, errors=None, result=None, checked: bool = True) -> None:
    """Close the job. ``checked``: every row was read (the progress shows all of them)."""
    job.status = status
    job.errors = errors or []
    job.result = result or {}
    job.finished = timezone.now()
    job.progress = job.total if checked else 0
    job.save(update_fields=["status", "errors", "result", "finished", "progress"])


def _run(job: BackgroundJob) -> None:
    actor, agency = job.created_by, job.agency
    try:
        if agency is None or _import_actor_agency(actor).pk != agency.pk:
            raise PermissionDenied
    except PermissionDenied:
        _finish(job, JobStatus.FAILED, checked=False, errors=[{"row": "", "field": "file", "message": _(
            "The person who started this import can no longer register workers for this agency.")}])
        return
    with job.file.open("rb") as fh:
        raw = fh.read()
    try:
        data = load_dataset(raw, job.params.get("filename", job.file.name))
    except ValidationError as exc:
        _finish(job, JobStatus.FAILED, checked=False, errors=[{"row": "", "field": "file", "message": m} for m in exc.messages])
        return

    def progress(n: int) -> None:
        BackgroundJob.objects.filter(pk=job.pk).update(progress=n)  # committed at once: the page shows it

    try:
        check = check_rows(data, agency=agency, actor=actor, progress=progress)
    except ValidationError as exc:  # the row cap or a formula, found while reading
        _finish(job, JobStatus.FAILED, checked=False, errors=[{"row": "", "field": "file", "message": m} for m in exc.messages])
        return
    if check.error_count:
        errors = check.errors
        if check.error_count > len(errors):
            errors = [*errors, {"row": "", "field": "", "message": _("... and %(n)d more errors.") % {
                "n": check.error_count - len(errors)}}]
        _finish(job, JobStatus.FAILED, errors=errors, result={"rows": check.read, "errors": check.error_count, "saved": 0})
        return
    try:
        result = _write(job, check, actor=actor, agency=agency)
    except _RejectedError as rejected:
        _finish(job, JobStatus.FAILED, errors=rejected.errors,
                result={"rows": check.read, "errors": len(rejected.errors), "saved": 0})
        return
    _finish(job, JobStatus.SUCCEEDED, result=result)


class _RejectedError(Exception):
    def __init__(self, errors: list[dict]):
        self.errors = errors


@transaction.atomic
def _write(job: BackgroundJob, check: ImportCheck, *, actor, agency) -> dict:
    """All rows or none. The job orders drawn on are locked (in key order) and their positions
    counted again, so two imports at once cannot overfill one."""
    plans = check.rows
    new_deployments = [p for p in plans if p.deployment is not None and not p.deployment_under_way]
    order_ids = sorted({p.deployment["order"].pk for p in new_deployments})
    if order_ids:
        list(JobOrder.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values_list("pk", flat=True))
        left = positions_left(order_ids)
        asked = Counter((p.deployment["order"].pk, p.deployment["sex"]) for p in new_deployments)
        over = [key for key, n in asked.items() if n > left.get(key, 0)]
        if over:
            raise _RejectedError([{"row": p.row, "field": "job_order_ref", "message": _(
                "Job order %(ref)s was filled meanwhile: no position left for this worker.") % {"ref": p.deployment["order"].ref}}
                for p in new_deployments if (p.deployment["order"].pk, p.deployment["sex"]) in over])
    workers = []
    for plan in plans:
        if plan.worker is not None:
            plan.worker.registered_by_agency = agency
            plan.worker.registered_by = actor
            workers.append(plan.worker)
    try:
        with transaction.atomic():
            Worker.objects.bulk_create(workers, batch_size=WRITE_BATCH)
    except IntegrityError:
        raise _RejectedError([{"row": "", "field": "national_id", "message": _(
            "A worker in this file was registered by someone else while the file was being checked. Upload the file again: "
            "workers already registered by your agency will be matched.")}])
    deployments = []
    for plan in new_deployments:
        dep, order = plan.deployment, plan.deployment["order"]
        deployments.append(Deployment(
            worker_id=plan.worker.pk if plan.worker is not None else plan.existing_pk, channel=Channel.AGENCY, agency=agency,
            job_order=order, employer_id=order.employer_id, country_id=order.country_id, sector_id=order.sector_id,
            occupation=dep["occupation"] or order.occupation, monthly_wage=order.monthly_wage, wage_currency=order.wage_currency,
            contract_start=dep["contract_start"], contract_end=dep["contract_end"], created_by=actor,
        ))
    Deployment.objects.bulk_create(deployments, batch_size=WRITE_BATCH)
    matched = [p.row for p in plans if p.existing_pk is not None]
    result = {
        "rows": len(plans),
        "workers_created": len(workers),
        "workers_already_registered": len(matched),
        "deployments_created": len(deployments),
        "deployments_already_under_way": sum(1 for p in plans if p.deployment_under_way),
        "already_registered_rows": matched[:MAX_LISTED_MATCHES],
    }
    # One event for the job, not one per row: the job names the file, the agency and the counts.
    counts = {k: v for k, v in result.items() if k != "already_registered_rows"}
    event_record(subject=job, code="workers.imported", actor=actor, data=counts)
    return result
