"""Bulk import of returnees: absorbing a surge (policy goal 16).

In June 2014 over 250,000 workers came back from Thailand in 18 days; border
reception at Poipet and the provincial departments receive them with lists, not
one form at a time. This module reads such a list (CSV or XLSX, one returnee a
row) and registers every return in one go:

* **All or nothing.** Every row is checked first; any error (listed by row and
  column) rejects the file and nothing is saved. Then everything is created in one
  transaction.
* **Idempotent.** A row is matched to a registered worker by national ID or
  passport (keyed hash) or, failing that, by name and date of birth; a return
  already registered for that worker and date is skipped and reported as already
  present. Importing the same file twice creates nothing the second time.
* **Fast.** Reference data is read once; workers, returns and open deployments are
  looked up one query per batch of rows (never one per row); rows are written with
  ``bulk_create`` in batches.
* **In the background.** :func:`returns_import_start` stores the file in a
  :class:`~migration_portal.core.models.BackgroundJob` and queues the Celery task
  after commit; the task calls :func:`returns_import_run`, which updates the job's
  progress every batch of ``BATCH`` rows and saves the errors or the result, shown
  at ``/jobs/<pk>/``. Without a broker (the demo) the task runs in-process.

The rules are those of ``services.worker_register`` and ``services.return_register``
(a return cannot be in the future nor before the departure; an open deployment to
that country is closed as returned; a reintegration case is opened when the
returnee needs assistance), applied to the whole file at once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext as _

from migration_portal.core.events import event_record
from migration_portal.core.jobs import job_claim
from migration_portal.core.models import BackgroundJob, Event, JobStatus
from migration_portal.core.scoping import Role, scope_for
from migration_portal.core.spreadsheets import Table, UploadLimits, check_size, csv_content, inspect_upload, read_table
from migration_portal.core.tasks_util import enqueue
from migration_portal.reference.choices import Sex
from migration_portal.reference.models import Checkpoint, Country, Province

from .choices import OUT_OF_COUNTRY, DeploymentStatus, ReturnReason
from .models import Deployment, ReintegrationCase, ReturnRecord, Worker
from .pii import normalise_identifier, pii_hash

logger = logging.getLogger(__name__)

JOB_KIND = "returns-import"
COLUMNS = [
    "name_latin",
    "name_km",
    "sex",
    "date_of_birth",
    "national_id",
    "passport_number",
    "phone",
    "home_province",
    "returned_on",
    "reason",
    "country",
    "checkpoint",
    "needs_assistance",
]
REQUIRED = ("name_latin", "sex", "date_of_birth", "home_province", "returned_on", "reason", "country")
# Its limits: settings.PORTAL["UPLOADS"]["returns_import"] (300,000 rows: above the 2014 surge,
# 250,000 in 18 days, in one file).
UPLOAD_KIND = "returns_import"
BATCH = 2000  # rows per lookup query and per INSERT; the job's progress is written once a batch
MAX_ERRORS_KEPT = 1000
MAX_ROWS_LISTED = 200

TRUE_WORDS = {"1", "Y", "YES", "TRUE", "T", "X", "បាទ", "ចាស", "ត្រូវការ"}
FALSE_WORDS = {"0", "N", "NO", "FALSE", "F", "ទេ", "មិនត្រូវការ"}
SEX_WORDS = {"M": Sex.MALE, "MALE": Sex.MALE, "ប្រុស": Sex.MALE, "F": Sex.FEMALE, "FEMALE": Sex.FEMALE, "ស្រី": Sex.FEMALE}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d")


@dataclass
class RowError:
    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class ReturneeRow:
    """One checked line of the file."""

    row: int
    name_latin: str
    name_km: str
    sex: str
    date_of_birth: date
    national_id: str
    passport_number: str
    phone: str
    home_province_id: int
    returned_on: date
    reason: str
    country_id: int
    checkpoint_id: int | None
    needs_assistance: bool
    national_id_hash: str = ""
    passport_hash: str = ""
    phone_hash: str = ""
    # Filled by the matching step:
    worker_id: int | None = None  # a registered worker
    new_person: int | None = None  # index into the people this file adds
    deployment_id: int | None = None
    already_present: bool = False

    @property
    def name_key(self) -> tuple[str, date]:
        return (self.name_latin.upper(), self.date_of_birth)


@dataclass
class ImportResult:
    rows: int = 0
    workers_created: int = 0
    workers_matched: int = 0
    returns_registered: int = 0
    already_present: int = 0
    cases_opened: int = 0
    deployments_closed: int = 0
    already_present_rows: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "workers_created": self.workers_created,
            "workers_matched": self.workers_matched,
            "returns_registered": self.returns_registered,
            "already_present": self.already_present,
            "cases_opened": self.cases_opened,
            "deployments_closed": self.deployments_closed,
            "already_present_rows": self.already_present_rows[:MAX_ROWS_LISTED],
        }


def template_csv() -> str:
    """A blank file with the expected header and one example row."""
    example = ["Sok Dara", "សុខ ដារ៉ា", "M", "1995-04-12", "100200300", "N1234567", "012345678", "02",
               timezone.localdate().isoformat(), "crisis", "TH", "POI", "yes"]
    return csv_content([COLUMNS, example], lineterminator="\r\n")


# --- Reading the file ---------------------------------------------------------------------


def limits() -> UploadLimits:
    return UploadLimits.named(UPLOAD_KIND)


def load_dataset(raw: bytes, name: str) -> Table:
    """Open the file for streaming (type by content, zip directory checked, header read)."""
    return read_table(raw, name, limits())


def check_headers(data: Table) -> dict[str, int]:
    try:
        return header_index(data.headers)
    except ValidationError:
        data.close()
        raise


def header_index(raw_headers: list[str]) -> dict[str, int]:
    """Each known column's position, or the file refused when a required one is missing."""
    headers = [h.lower() for h in raw_headers]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        raise ValidationError(
            {
                "file": _("Missing column(s): %(cols)s. The first row must be: %(header)s.")
                % {"cols": ", ".join(missing), "header": ", ".join(COLUMNS)}
            }
        )
    return {h: i for i, h in enumerate(headers) if h in COLUMNS}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():  # an ID typed into a spreadsheet cell
        value = int(value)
    return " ".join(str(value).split())


def _date(value: Any) -> date | None:
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
    return None


class ReferenceMaps:
    """Provinces, countries and checkpoints by code, English and Khmer name: read once per file."""

    def __init__(self):
        self.provinces = self._index(Province.objects.all(), pad=True)
        self.countries = self._index(Country.objects.all())
        self.checkpoints = self._index(Checkpoint.objects.all())
        self.reasons = {}
        for value, label in ReturnReason.choices:
            self.reasons[value.upper()] = value
            self.reasons[str(label).upper()] = value

    @staticmethod
    def _index(rows, pad: bool = False) -> dict[str, int]:
        out = {}
        for r in rows:
            for key in (r.code, r.name, r.name_km):
                if key:
                    out[key.upper()] = r.pk
            if pad and r.code.isdigit():
                out[str(int(r.code))] = r.pk  # "2" as well as "02": spreadsheets drop the zero
        return out


def parse_rows(
    data: Table, index: dict[str, int], refs: ReferenceMaps, today: date
) -> tuple[list[ReturneeRow], list[RowError]]:
    """Check every row on its own (types, required values, reference codes, dates), as it is read:
    blank rows are skipped, and the row cap and the formula check apply while reading."""
    rows: list[ReturneeRow] = []
    errors: list[RowError] = []

    def get(raw_row, col):
        i = index.get(col)
        return raw_row[i] if i is not None and i < len(raw_row) else None

    for n, raw_row in data.rows():
        errs: list[RowError] = []

        def err(col, message, n=n, errs=errs):
            errs.append(RowError(n, col, message))

        for col in REQUIRED:
            if not _text(get(raw_row, col)):
                err(col, _("is required."))
        name_latin = _text(get(raw_row, "name_latin"))
        if len(name_latin) > 120:
            err("name_latin", _("is longer than 120 characters."))
        name_km = _text(get(raw_row, "name_km"))
        if len(name_km) > 120:
            err("name_km", _("is longer than 120 characters."))
        sex_raw = _text(get(raw_row, "sex"))
        sex = SEX_WORDS.get(sex_raw.upper())
        if sex_raw and sex is None:
            err("sex", _("write M or F, not '%(value)s'.") % {"value": sex_raw})
        dob = _date(get(raw_row, "date_of_birth"))
        if _text(get(raw_row, "date_of_birth")) and dob is None:
            err(
                "date_of_birth",
                _("'%(value)s' is not a date (write YYYY-MM-DD).") % {"value": _text(get(raw_row, "date_of_birth"))},
            )
        elif dob and dob > today:
            err("date_of_birth", _("is in the future."))
        elif dob and (today.year - dob.year) > 100:
            err("date_of_birth", _("the worker would be over 100; check the year."))
        ids = {}
        for col in ("national_id", "passport_number", "phone"):
            value = _text(get(raw_row, col))
            value = value if col == "phone" else normalise_identifier(value)
            if len(value) > 32:
                err(col, _("is longer than 32 characters."))
            ids[col] = value
        home_raw = _text(get(raw_row, "home_province"))
        home = refs.provinces.get(home_raw.upper())
        if home_raw and home is None:
            err("home_province", _("unknown province '%(value)s' (use its code, e.g. 02, or its name).") % {"value": home_raw})
        returned_raw = _text(get(raw_row, "returned_on"))
        returned_on = _date(get(raw_row, "returned_on"))
        if returned_raw and returned_on is None:
            err("returned_on", _("'%(value)s' is not a date (write YYYY-MM-DD).") % {"value": returned_raw})
        elif returned_on and returned_on > today:
            err("returned_on", _("a return cannot be registered before it happens."))
        elif returned_on and dob and returned_on < dob:
            err("returned_on", _("is before the date of birth."))
        reason_raw = _text(get(raw_row, "reason"))
        reason = refs.reasons.get(reason_raw.upper())
        if reason_raw and reason is None:
            err(
                "reason",
                _("unknown reason '%(value)s' (use one of: %(list)s).")
                % {"value": reason_raw, "list": ", ".join(ReturnReason.values)},
            )
        country_raw = _text(get(raw_row, "country"))
        country = refs.countries.get(country_raw.upper())
        if country_raw and country is None:
            err("country", _("unknown country '%(value)s' (use its ISO code, e.g. TH).") % {"value": country_raw})
        checkpoint_raw = _text(get(raw_row, "checkpoint"))
        checkpoint = refs.checkpoints.get(checkpoint_raw.upper()) if checkpoint_raw else None
        if checkpoint_raw and checkpoint is None:
            err(
                "checkpoint", _("unknown checkpoint '%(value)s' (use its code, e.g. POI for Poipet).") % {"value": checkpoint_raw}
            )
        needs_raw = _text(get(raw_row, "needs_assistance")).upper()
        needs = True
        if needs_raw in FALSE_WORDS:
            needs = False
        elif needs_raw and needs_raw not in TRUE_WORDS:
            err("needs_assistance", _("write yes or no, not '%(value)s'.") % {"value": needs_raw})
        if errs:
            errors.extend(errs)
            continue
        rows.append(
            ReturneeRow(
                row=n,
                name_latin=name_latin,
                name_km=name_km,
                sex=sex,
                date_of_birth=dob,
                national_id=ids["national_id"],
                passport_number=ids["passport_number"],
                phone=ids["phone"],
                home_province_id=home,
                returned_on=returned_on,
                reason=reason,
                country_id=country,
                checkpoint_id=checkpoint,
                needs_assistance=needs,
                national_id_hash=pii_hash(ids["national_id"], kind="national_id"),
                passport_hash=pii_hash(ids["passport_number"], kind="passport"),
                phone_hash=pii_hash(ids["phone"], kind="phone"),
            )
        )
    return rows, errors


# --- Matching: who is this, and is the return already there? ---------------------------------


def _batches(items: list, size: int = BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def match_rows(rows: list[ReturneeRow], progress=None) -> tuple[list[dict], list[RowError]]:
    """Resolve each row to a registered worker or a person this file adds; find the
    returns already registered and the open deployments the returns close.

    Three queries per batch of rows: workers by hash or name and date of birth, the
    returns already registered, the open deployments. Returns the people to create
    (one dict per person, with the rows that name them) and the errors found.
    """
    errors: list[RowError] = []
    people: list[dict] = []
    # Keys of the people this file adds: ("id", hash), ("pp", hash), ("name", NAME, dob).
    pending: dict[tuple, int] = {}
    seen_returns: dict[tuple, int] = {}
    done = 0
    for batch in _batches(rows):
        ids = {r.national_id_hash for r in batch if r.national_id_hash}
        passports = {r.passport_hash for r in batch if r.passport_hash}
        names = {r.name_latin.upper() for r in batch}
        dobs = {r.date_of_birth for r in batch}
        condition = Q(date_of_birth__in=dobs, name_upper__in=names)
        if ids:
            condition |= Q(national_id_hash__in=ids)
        if passports:
            condition |= Q(passport_hash__in=passports)
        # Query 1: every registered worker this batch may name.
        found = list(
            Worker.objects.annotate(name_upper=Upper("name_latin"))
            .filter(condition)
            .values_list("pk", "national_id_hash", "passport_hash", "name_upper", "date_of_birth")
        )
        by_id = {w[1]: w[0] for w in found if w[1]}
        by_passport = {w[2]: w[0] for w in found if w[2]}
        by_name: dict[tuple, list[tuple]] = defaultdict(list)
        for w in found:
            by_name[(w[3], w[4])].append(w)

        for r in batch:
            match_one(r, by_id, by_passport, by_name, pending, people, errors)

        # Query 2: returns already registered for these workers on these dates.
        worker_ids = {r.worker_id for r in batch if r.worker_id}
        existing = set()
        if worker_ids:
            existing = set(
                ReturnRecord.objects.filter(worker_id__in=worker_ids, returned_on__in={r.returned_on for r in batch}).values_list(
                    "worker_id", "returned_on"
                )
            )
        # Query 3: open deployments (departed or abroad) of these workers.
        open_deps: dict[tuple[int, int], dict] = {}
        if worker_ids:
            for d in (
                Deployment.objects.filter(worker_id__in=worker_ids, status__in=OUT_OF_COUNTRY)
                .order_by("created", "pk")
                .values("pk", "worker_id", "country_id", "departed_on")
            ):
                open_deps[(d["worker_id"], d["country_id"])] = d  # the latest wins, as in return_register
        for r in batch:
            who = ("w", r.worker_id) if r.worker_id else ("p", r.new_person)
            key = (who, r.returned_on)
            if (r.worker_id, r.returned_on) in existing or key in seen_returns:
                r.already_present = True
                continue
            seen_returns[key] = r.row
            if r.worker_id:
                dep = open_deps.pop((r.worker_id, r.country_id), None)
                if dep is not None:
                    if dep["departed_on"] and r.returned_on < dep["departed_on"]:
                        errors.append(
                            RowError(
                                r.row,
                                "returned_on",
                                _("the return is dated before the departure (%(date)s).") % {"date": dep["departed_on"]},
                            )
                        )
                        continue
                    r.deployment_id = dep["pk"]
        done += len(batch)
        if progress:
            progress(done)
    return people, errors


def match_one(r: ReturneeRow, by_id, by_passport, by_name, pending, people, errors) -> None:
    id_worker = by_id.get(r.national_id_hash) if r.national_id_hash else None
    pp_worker = by_passport.get(r.passport_hash) if r.passport_hash else None
    if id_worker and pp_worker and id_worker != pp_worker:
        errors.append(
            RowError(
                r.row, "passport_number", _("the national ID and the passport number belong to two different registered workers.")
            )
        )
        return
    if id_worker or pp_worker:
        r.worker_id = id_worker or pp_worker
        return
    # No identifier known: the same name and date of birth, unless the identifiers differ.
    candidates = [
        w
        for w in by_name.get(r.name_key, [])
        if not (r.national_id_hash and w[1] and w[1] != r.national_id_hash)
        and not (r.passport_hash and w[2] and w[2] != r.passport_hash)
    ]
    # A person this file already adds?
    keys = []
    if r.national_id_hash:
        keys.append(("id", r.national_id_hash))
    if r.passport_hash:
        keys.append(("pp", r.passport_hash))
    pending_hits = {pending[k] for k in keys if k in pending}
    if not pending_hits and not candidates and ("name", *r.name_key) in pending:
        person = people[pending[("name", *r.name_key)]]
        if not (r.national_id_hash and person["national_id_hash"] and person["national_id_hash"] != r.national_id_hash) and not (
            r.passport_hash and person["passport_hash"] and person["passport_hash"] != r.passport_hash
        ):
            pending_hits = {pending[("name", *r.name_key)]}
    if len(pending_hits) > 1:
        errors.append(
            RowError(
                r.row,
                "passport_number",
                _("the national ID and the passport number belong to two different people in this file."),
            )
        )
        return
    if pending_hits:
        r.new_person = pending_hits.pop()
        person = people[r.new_person]
        person["rows"].append(r.row)
        for k in keys:
            pending.setdefault(k, r.new_person)
        return
    if len(candidates) > 1:
        errors.append(
            RowError(
                r.row,
                "name_latin",
                _("several registered workers have this name and date of birth; add the national ID or passport number."),
            )
        )
        return
    if candidates:
        r.worker_id = candidates[0][0]
        return
    # A new person. A namesake with other identifiers was seen and set aside: recorded as checked.
    r.new_person = len(people)
    people.append(
        {
            "row": r.row,
            "rows": [r.row],
            "name_latin": r.name_latin,
            "name_km": r.name_km,
            "sex": r.sex,
            "date_of_birth": r.date_of_birth,
            "national_id": r.national_id,
            "passport_number": r.passport_number,
            "phone": r.phone,
            "national_id_hash": r.national_id_hash,
            "passport_hash": r.passport_hash,
            "phone_hash": r.phone_hash,
            "home_province_id": r.home_province_id,
            "namesake_checked": bool(by_name.get(r.name_key)),
        }
    )
    for k in [*keys, ("name", *r.name_key)]:
        pending.setdefault(k, r.new_person)


# --- Writing -----------------------------------------------------------------------------------


class _Progress:
    """Writes a job's progress where the person watching the job page can see it.

    While rows are being saved the import runs inside one transaction, whose writes
    nobody sees until it commits; on PostgreSQL the progress is therefore written
    through a second, autocommitting connection. Elsewhere (SQLite, the demo) the
    progress is only set before and after the transaction.
    """

    def __init__(self, job: BackgroundJob | None):
        self.job = job
        self._side = None

    def __call__(self, done: int) -> None:
        if self.job is None:
            return
        if not connection.in_atomic_block:
            BackgroundJob.objects.filter(pk=self.job.pk).update(progress=done)
            return
        if connection.vendor != "postgresql":
            return
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {BackgroundJob._meta.db_table} SET progress = %s WHERE id = %s",  # noqa: S608 - table name from the model
                    [done, self.job.pk],
                )
        except DatabaseError:  # progress is a courtesy; it never fails the import
            logger.warning("Could not write the progress of job %s", self.job.pk, exc_info=True)

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _write(rows: list[ReturneeRow], people: list[dict], *, actor, job_id: int | None, progress) -> ImportResult:
    """Create the people, returns, cases and events, and close the deployments: one transaction."""
    now = timezone.now()
    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    result = ImportResult()
    data = {"import_job": job_id} if job_id else {}
    content_types = ContentType.objects.get_for_models(Worker, ReturnRecord, Deployment)
    events: list[Event] = []

    # People first: their keys are needed by the returns.
    new_workers = [
        Worker(
            name_latin=p["name_latin"],
            name_km=p["name_km"],
            sex=p["sex"],
            date_of_birth=p["date_of_birth"],
            national_id=p["national_id"] or None,
            passport_number=p["passport_number"] or None,
            phone=p["phone"] or None,
            national_id_hash=p["national_id_hash"],
            passport_hash=p["passport_hash"],
            phone_hash=p["phone_hash"],
            home_province_id=p["home_province_id"],
            registered_by_id=actor_id,
            duplicate_checked_by_id=actor_id if p["namesake_checked"] else None,
            created=now,
        )
        for p in people
    ]
    for batch in _batches(new_workers):
        Worker.objects.bulk_create(batch)
    result.workers_created = len(new_workers)
    events += [
        Event(
            content_type=content_types[Worker],
            object_id=str(w.pk),
            code="worker.registered",
            actor_id=actor_id,
            created=now,
            data={**data, "possible_duplicate_overridden": bool(w.duplicate_checked_by_id)},
        )
        for w in new_workers
    ]

    to_create = [r for r in rows if not r.already_present]
    records = []
    for r in to_create:
        worker_id = r.worker_id or new_workers[r.new_person].pk
        records.append(
            ReturnRecord(
                worker_id=worker_id,
                deployment_id=r.deployment_id,
                returned_on=r.returned_on,
                reason=r.reason,
                country_id=r.country_id,
                checkpoint_id=r.checkpoint_id,
                province_id=r.home_province_id,
                needs_assistance=r.needs_assistance,
                registered_by_id=actor_id,
                created=now,
            )
        )
    saved = 0
    for batch in _batches(records):
        ReturnRecord.objects.bulk_create(batch)
        saved += len(batch)
        progress(saved)
    result.returns_registered = len(records)
    result.workers_matched = len({r.worker_id for r in rows if r.worker_id})

    # The deployments these returns close: one conditional UPDATE per return date. The
    # condition (still out of the country) and the row count guard against a change
    # made meanwhile; a mismatch undoes the whole import.
    by_date: dict[date, list[int]] = defaultdict(list)
    for rec in records:
        if rec.deployment_id:
            by_date[rec.returned_on].append(rec.deployment_id)
    for on, dep_ids in by_date.items():
        for batch in _batches(dep_ids):
            changed = Deployment.objects.filter(pk__in=batch, status__in=OUT_OF_COUNTRY).update(
                status=DeploymentStatus.RETURNED, returned_on=on, version=F("version") + 1, updated=now
            )
            if changed != len(batch):
                raise IntegrityError("deployments changed during the import")
            result.deployments_closed += changed
    events += [
        Event(
            content_type=content_types[Deployment],
            object_id=str(rec.deployment_id),
            code="deployment.returned",
            actor_id=actor_id,
            created=now,
            data={**data, "return": rec.pk},
        )
        for rec in records
        if rec.deployment_id
    ]

    cases = [
        ReintegrationCase(return_record_id=rec.pk, worker_id=rec.worker_id, province_id=rec.province_id, created=now)
        for rec in records
        if rec.needs_assistance
    ]
    for batch in _batches(cases):
        ReintegrationCase.objects.bulk_create(batch)
    result.cases_opened = len(cases)
    events += [
        Event(
            content_type=content_types[ReturnRecord],
            object_id=str(rec.pk),
            code="return.registered",
            actor_id=actor_id,
            created=now,
            data=data,
        )
        for rec in records
    ]
    for batch in _batches(events, 5000):
        Event.objects.bulk_create(batch)

    present = [r.row for r in rows if r.already_present]
    result.already_present = len(present)
    result.already_present_rows = present
    return result


# --- Entry points --------------------------------------------------------------------------------


def _require_importer(actor) -> None:
    scope = scope_for(actor)
    if scope.role not in (Role.PROVINCE, Role.MINISTRY):
        raise PermissionDenied(_("The bulk import of returnees is for provincial and border officers."))
    if not (actor.has_perm("workers.add_returnrecord") and actor.has_perm("workers.add_worker")):
        raise PermissionDenied(_("You are not allowed to do this."))


def returns_import(*, actor, raw: bytes, name: str, job: BackgroundJob | None = None) -> ImportResult:
    """Check the whole file, then (if no row is wrong) register every return in one transaction.

    Returns the result; ``result.errors`` lists every problem by row and column, and
    then nothing was saved.
    """
    _require_importer(actor)
    progress = _Progress(job)
    try:
        total = inspect_upload(raw, name, limits()).rows  # over the cap: refused before a cell is built
        data = load_dataset(raw, name)
        index = check_headers(data)
        if job is not None:
            BackgroundJob.objects.filter(pk=job.pk).update(total=total, result={"phase": "checking"})
        today = timezone.localdate()
        rows, errors = parse_rows(data, index, ReferenceMaps(), today)
        total_rows = len(rows) + len({e.row for e in errors})
        # Matching reports progress: it is the longer half of the checks.
        people, match_errors = match_rows(rows, progress=progress)
        errors = sorted(errors + match_errors, key=lambda e: (e.row, COLUMNS.index(e.field) if e.field in COLUMNS else 99))
        result = ImportResult(rows=total_rows, errors=errors)
        if errors:
            return result
        if not rows:
            raise ValidationError({"file": _("The file has no returnee rows.")})
        if job is not None:
            BackgroundJob.objects.filter(pk=job.pk).update(progress=0, total=len(rows), result={"phase": "saving"})
        with transaction.atomic():
            written = _write(rows, people, actor=actor, job_id=job.pk if job else None, progress=progress)
        written.rows = len(rows)
        return written
    finally:
        progress.close()


@transaction.atomic
def returns_import_start(*, actor, upload) -> BackgroundJob:
    """Store the uploaded file in a background job and queue the import after commit."""
    _require_importer(actor)
    name = getattr(upload, "name", "") or ""
    check_size(getattr(upload, "size", 0) or 0, limits())  # before reading it into memory
    raw = upload.read()
    # Cheap checks in the request (the type by content, the zip directory, a count of the rows
    # that builds no cell); the rows themselves are read by the job.
    inspection = inspect_upload(raw, name, limits())
    header_index(inspection.headers)
    total = inspection.rows
    scope = scope_for(actor)
    job = BackgroundJob(
        kind=JOB_KIND, created_by=actor, province_id=scope.province_id, total=total, params={"filename": name[:200]}
    )
    job.file.save(name.rsplit("/", 1)[-1][:100], ContentFile(raw), save=False)
    job.save()
    event_record(subject=job, code="returns.import_started", actor=actor, data={"filename": name[:200]})
    from .tasks import import_returns

    enqueue(import_returns, job.pk)
    return job


def returns_import_run(job_id: int) -> str:
    """Run a queued import job (called by the Celery task).

    Guard against a second run: the conditional UPDATE from ``queued`` to ``running``
    claims the job, so a duplicated or redelivered message finds it claimed and does
    nothing. Beneath it, the import itself is idempotent (returns already registered
    are skipped), and its single transaction means a run cut short saved nothing.
    """
    if not job_claim(job_id=job_id, kind=JOB_KIND):
        return "already-claimed"
    job = BackgroundJob.objects.select_related("created_by").get(pk=job_id)
    status, errors, result = JobStatus.FAILED, [], {}
    try:
        with job.file.open("rb") as fh:
            raw = fh.read()
        outcome = returns_import(actor=job.created_by, raw=raw, name=job.params.get("filename") or job.file.name, job=job)
        if outcome.errors:
            errors = [e.as_dict() for e in outcome.errors[:MAX_ERRORS_KEPT]]
            result = {
                "rows": outcome.rows,
                "rows_with_errors": len({e.row for e in outcome.errors}),
                "errors": len(outcome.errors),
            }
        else:
            status, result = JobStatus.SUCCEEDED, outcome.as_dict()
    except ValidationError as exc:
        errors = (
            [{"row": "", "field": name, "message": m} for name, ms in exc.message_dict.items() for m in ms]
            if hasattr(exc, "error_dict")
            else [{"row": "", "field": "", "message": m} for m in exc.messages]
        )
    except PermissionDenied as exc:
        errors = [{"row": "", "field": "", "message": str(exc) or _("You are not allowed to do this.")}]
    except IntegrityError:
        logger.info("Returns import %s collided with a concurrent change", job_id, exc_info=True)
        errors = [
            {
                "row": "",
                "field": "",
                "message": _(
                    "Some of these workers or returns were registered by someone else while the file was being imported. "
                    "Nothing was saved; upload the file again."
                ),
            }
        ]
    except Exception:
        logger.exception("Returns import %s failed", job_id)
        errors = [{"row": "", "field": "", "message": _("The import failed unexpectedly. Nothing was saved.")}]
    done = BackgroundJob.objects.filter(pk=job_id).values_list("total", flat=True).first() or 0
    BackgroundJob.objects.filter(pk=job_id).update(
        status=status,
        errors=errors,
        result=result,
        finished=timezone.now(),
        progress=done if status == JobStatus.SUCCEEDED else F("progress"),
    )
    return status
