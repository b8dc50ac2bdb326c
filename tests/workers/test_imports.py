"""An agency's bulk import of workers and deployments: checked row by row, all or nothing,
idempotent, run as a background job, scoped to the agency."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
import tablib
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from migration_portal.accounts.models import User
from migration_portal.core.models import BackgroundJob, Event, JobStatus
from workers import imports
from workers.choices import Channel, DeploymentStatus, JobOrderStatus
from workers.import_tasks import run_worker_import
from workers.models import Deployment, Worker
from workers.pii import pii_hash

from ..factories import country, province, sector
from .factories import DeploymentFactory, JobOrderFactory, WorkerFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The user as a new request loads it: no cached groups or permissions, so query counts are honest."""
    return User.objects.get(pk=user.pk)


def row(n: int, **over) -> dict:
    base = {
        "name_latin": f"Sok Dara {n}", "name_km": "សុខ ដារ៉ា", "sex": "M", "date_of_birth": "1998-04-12",
        "national_id": f"{300000000 + n}", "passport_number": f"N{7000000 + n}", "passport_expiry": "2033-01-31",
        "phone": f"012 {n:03d} 678", "home_province": "14", "district": "Peam Ro", "commune": "Prek Khsay",
        "village": "Phum Thmei", "education": "primary",
    }
    out = {**base, **over}
    if not out["passport_number"] and "passport_expiry" not in over:
        out["passport_expiry"] = ""
    return out


def with_deployment(r: dict, order, **over) -> dict:
    return {**r, "job_order_ref": order.ref, "contract_start": "2027-03-01", "contract_end": "2029-02-28", **over}


def csv_file(rows: list[dict], name="workers.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=imports.COLUMNS)
    writer.writeheader()
    for r in rows:
        writer.writerow(r)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


def xlsx_file(rows: list[list], headers=imports.COLUMNS, name="workers.xlsx") -> SimpleUploadedFile:
    data = tablib.Dataset(headers=headers)
    for r in rows:
        data.append(r)
    return SimpleUploadedFile(name, data.export("xlsx"), content_type="application/octet-stream")


@pytest.fixture
def order_a(agency_a):
    return JobOrderFactory(agency=agency_a, ref="JO-A-1", positions_male=10, positions_female=5)


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Start an import as ``user`` and run the queued job (tasks run in-process in the tests)."""

    def run(user, upload) -> BackgroundJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = imports.worker_import_start(actor=user, upload=upload)
        job.refresh_from_db()
        return job

    return run


def errors_by_row(job) -> dict:
    found: dict = {}
    for e in job.errors:
        found.setdefault(e["row"], set()).add(e["field"])
    return found


class TestHappyPath:
    def test_workers_and_deployments_are_registered(self, run_import, agency_user_a, agency_a, order_a):
        rows = [with_deployment(row(1), order_a), with_deployment(row(2, sex="F", name_latin="Chan Sreypov"), order_a), row(3)]
        job = run_import(agency_user_a, csv_file(rows))

        assert job.status == JobStatus.SUCCEEDED, job.errors
        assert job.agency == agency_a and job.created_by == agency_user_a and job.kind == imports.JOB_KIND
        assert job.progress == job.total == 3 and job.finished is not None
        assert job.result == {"rows": 3, "workers_created": 3, "workers_already_registered": 0, "deployments_created": 2,
                              "deployments_already_under_way": 0, "already_registered_rows": []}
        workers = Worker.objects.order_by("name_latin")
        assert workers.count() == 3
        for w in workers:
            # Registered as the service would: attributed, identifiers normalised, encrypted and hashed.
            assert w.registered_by_agency == agency_a and w.registered_by == agency_user_a
            assert w.national_id_hash == pii_hash(w.national_id, kind="national_id")
            assert w.passport_hash == pii_hash(w.passport_number, kind="passport")
            assert w.phone_hash == pii_hash(w.phone, kind="phone")
            assert w.home_province == province("14") and w.name_km == "សុខ ដារ៉ា"
        with connection.cursor() as c:
            c.execute("SELECT passport_number FROM workers_worker")
            assert all(not raw.startswith("N7") for (raw,) in c.fetchall())  # ciphertext at rest
        deps = Deployment.objects.select_related("worker").order_by("worker__name_latin")
        assert [d.worker.name_latin for d in deps] == ["Chan Sreypov", "Sok Dara 1"]
        for d in deps:
            assert d.channel == Channel.AGENCY and d.agency == agency_a and d.job_order == order_a
            assert d.status == DeploymentStatus.REGISTERED and d.created_by == agency_user_a
            # What the job order says, as deployment_create fills it in.
            assert (d.country, d.sector, d.employer, d.occupation) == (order_a.country, order_a.sector, order_a.employer,
                                                                       order_a.occupation)
            assert d.monthly_wage == order_a.monthly_wage and d.contract_start == date(2027, 3, 1)

    def test_one_event_for_the_job_not_one_per_row(self, run_import, agency_user_a, order_a):
        job = run_import(agency_user_a, csv_file([with_deployment(row(n), order_a) for n in range(4)]))
        events = Event.objects.filter(code="workers.imported")
        assert [(e.object_id, e.actor) for e in events] == [(str(job.pk), agency_user_a)]
        assert events[0].content_type == ContentType.objects.get_for_model(BackgroundJob)
        assert events[0].data["workers_created"] == 4
        assert not Event.objects.filter(content_type=ContentType.objects.get_for_model(Worker)).exists()

    def test_xlsx_with_date_cells_names_and_numbers(self, run_import, agency_user_a, order_a):
        headers = ["Name Latin", "name_km", "sex", "date_of_birth", "national_id", "home_province", "job_order_ref",
                   "country", "sector"]
        rows = [
            ["Keo Vannak", "កែវ វណ្ណៈ", "male", datetime(1995, 1, 2), 100200300, "Banteay Meanchey", order_a.ref, "Thailand",
             "CON"],
            ["Mao Sophea", "ម៉ៅ សុភា", "F", date(1999, 12, 31), "N 123-4567", "បាត់ដំបង", "", "", ""],
        ]
        rows[1][4] = ""  # no national ID: the passport column is not in this file, so give one below
        headers = [*headers, "passport_number"]
        rows[0].append("")
        rows[1].append("N 123-4567")
        job = run_import(agency_user_a, xlsx_file(rows, headers=headers))
        assert job.status == JobStatus.SUCCEEDED, job.errors
        keo = Worker.objects.get(name_latin="Keo Vannak")
        assert keo.national_id == "100200300" and keo.date_of_birth == date(1995, 1, 2) and keo.home_province == province("01")
        mao = Worker.objects.get(name_latin="Mao Sophea")
        assert mao.passport_number == "N1234567" and mao.home_province == province("02") and mao.sex == "F"
        assert Deployment.objects.get().worker == keo

    def test_the_task_function_runs_a_queued_job(self, agency_user_a, order_a):
        # Queued but not run (no on-commit execution): the task body is what a Celery worker calls.
        job = imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1)]))
        assert BackgroundJob.objects.get(pk=job.pk).status == JobStatus.QUEUED
        outcome = run_worker_import(job.pk)
        assert outcome["status"] == JobStatus.SUCCEEDED and outcome["result"]["workers_created"] == 1
        # Run twice (a redelivered message): the claim finds no queued job and does nothing.
        assert run_worker_import(job.pk) is None
        assert Worker.objects.count() == 1


class TestAllOrNothing:
    def test_any_bad_row_saves_nothing_and_each_error_names_row_and_column(self, run_import, agency_user_a, agency_b,
                                                                          order_a):
        order_b = JobOrderFactory(agency=agency_b, ref="JO-B-1")
        rows = [
            with_deployment(row(1), order_a),                              # row 2: fine
            row(2, date_of_birth="-5"),                                    # row 3: not a date
            row(3, date_of_birth="2001-02-30"),                            # row 4: no such day
            row(4, home_province="Atlantis"),                              # row 5: unknown province
            with_deployment(row(5), order_b),                              # row 6: another agency's job order
            row(6, national_id=f"{300000000 + 1}", passport_number="", passport_expiry=""),  # row 7: the same person as row 2
            row(7, sex="X", passport_expiry="31/01/2033"),                 # row 8: bad sex (the DD/MM/YYYY date is fine)
            row(8, date_of_birth=(timezone.localdate() + timedelta(days=3)).isoformat()),  # row 9: born in the future
            row(9, national_id="", passport_number="", passport_expiry=""),  # row 10: nothing to recognise them by
            with_deployment(row(10), order_a, contract_end="2027-01-01"),   # row 11: contract ends before it starts
        ]
        workers_before, deployments_before = Worker.objects.count(), Deployment.objects.count()
        job = run_import(agency_user_a, csv_file(rows))

        assert job.status == JobStatus.FAILED
        assert errors_by_row(job) == {
            3: {"date_of_birth"}, 4: {"date_of_birth"}, 5: {"home_province"}, 6: {"job_order_ref"}, 7: {"national_id"},
            8: {"sex"}, 9: {"date_of_birth"}, 10: {"national_id"}, 11: {"contract_end"},
        }
        messages = {e["row"]: e["message"] for e in job.errors}
        assert "'-5' is not a date" in messages[3]
        assert "no job order with the reference 'JO-B-1'" in messages[6]  # not "belongs to agency B": no leak
        assert "row 2" in messages[7]
        assert job.result == {"rows": len(rows), "errors": 9, "saved": 0}
        assert job.progress == job.total == len(rows)  # every row was checked
        assert (Worker.objects.count(), Deployment.objects.count()) == (workers_before, deployments_before)
        assert not Event.objects.filter(code="workers.imported").exists()

    def test_a_bad_phone_number_is_refused_without_being_repeated(self, run_import, agency_user_a):
        """The errors are stored with the job and shown again: they never carry a phone or identity number."""
        job = run_import(agency_user_a, csv_file([row(1, phone="012 34"), row(2, phone="012 345 678")]))
        assert job.status == JobStatus.FAILED and errors_by_row(job) == {2: {"phone"}}
        message = job.errors[0]["message"]
        assert "8 to 13 digits" in message and "012 34" not in message and "01234" not in message

    def test_job_order_rules(self, run_import, agency_user_a, agency_a):
        submitted = JobOrderFactory(agency=agency_a, ref="JO-SUB", status=JobOrderStatus.SUBMITTED)
        expired = JobOrderFactory(agency=agency_a, ref="JO-OLD", valid_from=date(2020, 1, 1), valid_until=date(2020, 12, 31))
        one_woman = JobOrderFactory(agency=agency_a, ref="JO-ONE", positions_female=1)
        rows = [
            with_deployment(row(1), submitted),
            with_deployment(row(2), expired),
            with_deployment(row(3, sex="F"), one_woman),
            with_deployment(row(4, sex="F", name_latin="Chan Thida"), one_woman),
            with_deployment(row(5), one_woman, country="KR"),
            {**row(6), "country": "TH"},  # a deployment without a job order
        ]
        job = run_import(agency_user_a, csv_file(rows))
        assert job.status == JobStatus.FAILED
        assert errors_by_row(job) == {2: {"job_order_ref"}, 3: {"job_order_ref"}, 4: {"job_order_ref"},
                                      5: {"job_order_ref"}, 6: {"country"}, 7: {"job_order_ref"}}
        messages = {e["row"]: e["message"] for e in job.errors}
        assert "has not been vetted" in messages[2] and "expired" in messages[3]
        assert "1 position(s) left for female workers; this file asks for 2" in messages[4]
        assert Worker.objects.count() == 0

    def test_positions_already_drawn_count(self, run_import, agency_user_a, agency_a):
        order = JobOrderFactory(agency=agency_a, ref="JO-FULL", positions_male=1, positions_female=0)
        DeploymentFactory(job_order=order)  # the one position for a man is taken
        job = run_import(agency_user_a, csv_file([with_deployment(row(1), order)]))
        assert job.status == JobStatus.FAILED and errors_by_row(job) == {2: {"job_order_ref"}}

    def test_duplicates_against_the_register(self, run_import, agency_user_a, agency_a, agency_b):
        WorkerFactory(registered_by_agency=agency_b, national_id="555000111")
        WorkerFactory(registered_by_agency=agency_a, name_latin="Heng Sophal", date_of_birth=date(1990, 5, 5))
        rows = [
            row(1, national_id="555 000 111"),  # agency B's worker: refused, and B's record is not revealed
            row(2, name_latin="heng  sophal", date_of_birth="1990-05-05"),  # same name and birth date, other numbers
        ]
        job = run_import(agency_user_a, csv_file(rows))
        assert job.status == JobStatus.FAILED
        assert errors_by_row(job) == {2: {"national_id"}, 3: {"name_latin"}}
        assert "not by your agency" in job.errors[0]["message"]
        assert Worker.objects.count() == 2

    def test_an_unreadable_file_is_refused_before_any_job(self, agency_user_a):
        from django.core.exceptions import ValidationError

        for upload, message in [
            (SimpleUploadedFile("w.txt", b"hello"), "Upload a .csv or .xlsx file."),
            (SimpleUploadedFile("w.csv", b"name,sex\nA,M\n"), "Missing column(s): name_latin, date_of_birth, home_province"),
            (SimpleUploadedFile("w.csv", "\n".join([",".join([*imports.REQUIRED_COLUMNS, "passport_no"])]).encode()),
             "Unknown column(s): passport_no"),
            (SimpleUploadedFile("w.xlsx", b"not a spreadsheet"), "not an Excel workbook"),
            (SimpleUploadedFile("w.csv", "name_latin".encode("utf-16")), "not UTF-8"),
        ]:
            with pytest.raises(ValidationError) as err:
                imports.worker_import_start(actor=agency_user_a, upload=upload)
            assert message in " ".join(err.value.message_dict["file"])
        assert not BackgroundJob.objects.exists()

    def test_an_empty_file_fails_with_a_message(self, run_import, agency_user_a):
        job = run_import(agency_user_a, csv_file([]))
        assert job.status == JobStatus.FAILED and job.errors[0]["message"] == "The file has no rows."


class TestReimport:
    def test_the_same_file_twice_creates_nothing_the_second_time(self, run_import, agency_user_a, order_a):
        rows = [with_deployment(row(1), order_a), with_deployment(row(2), order_a), row(3)]
        first = run_import(agency_user_a, csv_file(rows))
        assert first.result["workers_created"] == 3
        second = run_import(agency_user_a, csv_file(rows))
        assert second.status == JobStatus.SUCCEEDED
        assert second.result == {"rows": 3, "workers_created": 0, "workers_already_registered": 3, "deployments_created": 0,
                                 "deployments_already_under_way": 2, "already_registered_rows": [2, 3, 4]}
        assert Worker.objects.count() == 3 and Deployment.objects.count() == 2

    def test_a_known_worker_gets_a_deployment_when_none_is_under_way(self, run_import, agency_user_a, order_a):
        run_import(agency_user_a, csv_file([row(1)]))
        job = run_import(agency_user_a, csv_file([with_deployment(row(1), order_a)]))
        assert job.result["workers_already_registered"] == 1 and job.result["deployments_created"] == 1
        assert Deployment.objects.get().worker == Worker.objects.get()

    def test_a_second_deployment_on_another_job_order_is_refused(self, run_import, agency_user_a, agency_a, order_a):
        other = JobOrderFactory(agency=agency_a, ref="JO-A-2")
        run_import(agency_user_a, csv_file([with_deployment(row(1), order_a)]))
        job = run_import(agency_user_a, csv_file([with_deployment(row(1), other)]))
        assert job.status == JobStatus.FAILED and "already has a deployment under way" in job.errors[0]["message"]
        assert Deployment.objects.count() == 1

    def test_a_worker_the_agency_deployed_is_recognised(self, run_import, agency_user_a, agency_a, order_a):
        # Registered by someone else (a province) but deployed through agency A: A's worker too.
        dep = DeploymentFactory(job_order=order_a, worker=WorkerFactory(national_id="777000111", registered_by_agency=None))
        job = run_import(agency_user_a, csv_file([with_deployment(row(1, national_id="777000111", passport_number=""), order_a)]))
        assert job.status == JobStatus.SUCCEEDED
        assert job.result["workers_already_registered"] == 1 and job.result["deployments_already_under_way"] == 1
        assert Deployment.objects.get() == dep


class TestBackgroundJob:
    def test_progress_is_reported_every_batch(self, monkeypatch, agency_a, agency_user_a, order_a):
        monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
        data = imports.load_dataset(csv_file([row(n) for n in range(5)]).read(), "w.csv")
        seen = []
        check = imports.check_rows(data, agency=agency_a, actor=agency_user_a, progress=seen.append)
        assert seen == [2, 4, 5] and len(check.rows) == 5 and not check.errors

    def test_progress_is_saved_on_the_job_while_checking(self, monkeypatch, agency_user_a):
        monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
        job = imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(n) for n in range(5)]))
        seen = []
        real_check = imports.check_rows

        def spy(data, **kwargs):
            def recording(n):
                kwargs["progress"](n)
                seen.append(BackgroundJob.objects.get(pk=job.pk).progress)  # what the job page would show

            return real_check(data, **{**kwargs, "progress": recording})

        monkeypatch.setattr(imports, "check_rows", spy)
        imports.worker_import_run(job_id=job.pk)
        assert seen == [2, 4, 5]
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.progress == job.total == 5

    def test_errors_are_saved_as_row_field_message(self, run_import, agency_user_a):
        job = run_import(agency_user_a, csv_file([row(1), row(2, sex="")]))
        assert job.errors == [{"row": 3, "field": "sex", "message": "Write M or F, not ''."}]

    def test_errors_beyond_the_cap_are_counted(self, monkeypatch, run_import, agency_user_a):
        monkeypatch.setattr(imports, "MAX_ERRORS", 3)
        job = run_import(agency_user_a, csv_file([row(n, sex="?") for n in range(5)]))
        assert len(job.errors) == 4 and job.errors[-1]["message"] == "... and 2 more errors."
        assert job.result["errors"] == 5

    def test_an_agency_user_who_left_cannot_finish_the_import(self, agency_user_a):
        job = imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1)]))
        agency_user_a.agency = None
        agency_user_a.is_staff = False
        agency_user_a.save()
        imports.worker_import_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "can no longer register" in job.errors[0]["message"]
        assert job.progress == 0
        assert not Worker.objects.exists()

    def test_an_unexpected_error_fails_the_job_and_saves_nothing(self, monkeypatch, agency_user_a, order_a):
        job = imports.worker_import_start(actor=agency_user_a, upload=csv_file([with_deployment(row(1), order_a)]))

        def broken(*args, **kwargs):
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(Deployment.objects, "bulk_create", broken)
        imports.worker_import_run(job_id=job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "unexpected error" in job.errors[0]["message"]
        assert not Worker.objects.exists()  # the workers written before the failure were rolled back

    def test_only_agency_users_start_imports(self, superuser, officer_a):
        from django.core.exceptions import PermissionDenied

        for user in (superuser, officer_a):
            with pytest.raises(PermissionDenied):
                imports.worker_import_start(actor=user, upload=csv_file([row(1)]))


class TestBulkQueries:
    def test_checking_costs_the_same_queries_for_10_or_120_rows(self, agency_a, agency_user_a, order_a):
        counts = []
        for n in (10, 120):
            rows = [with_deployment(row(i), order_a) if i % 2 else row(i) for i in range(n)]
            order_a.positions_male = 200
            order_a.save()
            data = imports.load_dataset(csv_file(rows).read(), "w.csv")
            with CaptureQueriesContext(connection) as ctx:
                check = imports.check_rows(data, agency=agency_a, actor=agency_user_a)
            assert not check.errors
            counts.append(len(ctx))
        # Provinces, countries, sectors (3); per batch of rows: the same national IDs, the same passports, the
        # names registered on the batch's birth dates (3; one more when a row matches a worker, for their
        # deployments, and one more when a name and birth date match, for those records); the file's job
        # orders (1); the positions left: deployments drawn per order and sex, and the orders' positions (2).
        assert counts == [9, 9]

    def test_writing_is_batched(self, agency_a, agency_user_a, order_a, django_capture_on_commit_callbacks, monkeypatch):
        monkeypatch.setattr(imports, "WRITE_BATCH", 50)
        order_a.positions_male = 200
        order_a.save()
        upload = csv_file([with_deployment(row(i), order_a) for i in range(120)])
        job = imports.worker_import_start(actor=agency_user_a, upload=upload)
        with CaptureQueriesContext(connection) as ctx:
            imports.worker_import_run(job_id=job.pk)
        inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("INSERT")]

        def batches(model):  # 50 a statement, or fewer where the database caps the parameters (SQLite)
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            size = min(50, connection.ops.bulk_batch_size(fields, [None] * 120))
            return -(-120 // size)

        # The workers and the deployments in a few multi-row INSERTs, and one event: never one per row.
        assert sum(q.startswith('INSERT INTO "workers_worker"') for q in inserts) == batches(Worker)
        assert sum(q.startswith('INSERT INTO "workers_deployment"') for q in inserts) == batches(Deployment)
        assert len(inserts) == batches(Worker) + batches(Deployment) + 1
        assert Worker.objects.count() == 120 and Deployment.objects.count() == 120


# --- Pages ------------------------------------------------------------------------------------


class TestPages:
    def test_upload_page_and_redirect_to_the_job(self, client_for, agency_user_a, order_a, django_capture_on_commit_callbacks):
        client = client_for(agency_user_a)
        page = client.get("/agency/workers/import/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "/agency/workers/import/template.xlsx" in body and "job_order_ref" in body
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/agency/workers/import/", {"file": csv_file([with_deployment(row(1), order_a)])})
        job = BackgroundJob.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
        detail = client.get(response["Location"])
        assert detail.status_code == 200 and "workers_created" in detail.content.decode()
        assert client.get(f"/jobs/{job.pk}/?format=json").json()["status"] == JobStatus.SUCCEEDED
        # The page lists it among the recent imports.
        assert "workers.csv" in client.get("/agency/workers/import/").content.decode()

    def test_failed_job_page_lists_errors_by_row(self, client_for, agency_user_a, django_capture_on_commit_callbacks):
        client = client_for(agency_user_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/agency/workers/import/", {"file": csv_file([row(1, home_province="Atlantis")])})
        body = client.get(response["Location"]).content.decode()
        assert "Nothing was saved" in body and "home_province" in body and "Unknown province" in body

    def test_a_bad_file_stays_on_the_form(self, client_for, agency_user_a):
        client = client_for(agency_user_a)
        response = client.post("/agency/workers/import/", {"file": SimpleUploadedFile("w.pdf", b"%PDF")})
        assert response.status_code == 400 and "Upload a .csv or .xlsx file." in response.content.decode()
        response = client.post("/agency/workers/import/", {"file": SimpleUploadedFile("w.csv", b"a,b\n1,2\n")})
        assert response.status_code == 400 and "Missing column(s)" in response.content.decode()
        assert not BackgroundJob.objects.exists()

    @pytest.mark.parametrize("fmt, kind", [("csv", "text/csv"), ("xlsx", "spreadsheetml")])
    def test_template_download(self, client_for, agency_user_a, fmt, kind):
        response = client_for(agency_user_a).get(f"/agency/workers/import/template.{fmt}")
        assert response.status_code == 200 and kind in response["Content-Type"]
        data = imports.load_dataset(response.content, f"t.{fmt}")
        assert data.headers == imports.COLUMNS and len(list(data.rows())) == 2

    def test_template_rows_import_once_the_job_order_exists(self, run_import, agency_user_a, agency_a):
        JobOrderFactory(agency=agency_a, ref="JO-2026-001", valid_until=date(2099, 1, 1))
        upload = SimpleUploadedFile("template.csv", imports.template_csv().encode("utf-8"))
        job = run_import(agency_user_a, upload)
        assert job.status == JobStatus.SUCCEEDED, job.errors
        assert job.result["workers_created"] == 2 and job.result["deployments_created"] == 1

    def test_page_query_budget(self, client_for, agency_user_a, django_assert_num_queries):
        for extra in (0, 4):
            for _ in range(extra):
                imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1)]))
            client = client_for(fresh(agency_user_a))
            # session, user, the user's groups (scope), unread notifications (base layout), the recent jobs.
            with django_assert_num_queries(5):
                response = client.get("/agency/workers/import/")
            assert response.status_code == 200


class TestPageScoping:
    def test_anonymous_is_sent_to_sign_in(self, client_for):
        for url in ("/agency/workers/import/", "/agency/workers/import/template.csv"):
            response = client_for(None).get(url)
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    @pytest.mark.parametrize("persona", ["officer_a", "superuser", "licensing_officer"])
    def test_other_roles_may_not_import(self, request, client_for, persona):
        client = client_for(request.getfixturevalue(persona))
        assert client.get("/agency/workers/import/").status_code == 403
        assert client.post("/agency/workers/import/", {"file": csv_file([row(1)])}).status_code == 403
        assert not BackgroundJob.objects.exists()

    def test_agency_b_never_sees_agency_a_jobs(self, client_for, agency_user_a, agency_user_b, officer_a):
        job = imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1)]))
        assert client_for(agency_user_b).get(f"/jobs/{job.pk}/").status_code == 404
        assert client_for(officer_a).get(f"/jobs/{job.pk}/").status_code == 404
        assert "workers.csv" not in client_for(agency_user_b).get("/agency/workers/import/").content.decode()
        assert client_for(agency_user_a).get(f"/jobs/{job.pk}/").status_code == 200


# --- API ------------------------------------------------------------------------------------------


class TestApi:
    def test_upload_queues_and_the_job_reports_back(self, api_for, agency_user_a, order_a, django_capture_on_commit_callbacks):
        api = api_for(agency_user_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post("/api/worker-imports/", {"file": csv_file([with_deployment(row(1), order_a), row(2)])},
                                format="multipart")
        assert response.status_code == 202
        body = response.json()
        assert body["status"] == JobStatus.QUEUED and body["total"] == 2 and body["page"] == f"/jobs/{body['id']}/"
        detail = api.get(f"/api/worker-imports/{body['id']}/").json()
        assert detail["status"] == JobStatus.SUCCEEDED and detail["result"]["workers_created"] == 2
        assert detail["filename"] == "workers.csv" and detail["errors"] == []

    def test_row_errors_come_back_on_the_job(self, api_for, agency_user_a, django_capture_on_commit_callbacks):
        api = api_for(agency_user_a)
        with django_capture_on_commit_callbacks(execute=True):
            job_id = api.post("/api/worker-imports/", {"file": csv_file([row(1, date_of_birth="12.13.1990")])},
                              format="multipart").json()["id"]
        detail = api.get(f"/api/worker-imports/{job_id}/").json()
        assert detail["status"] == JobStatus.FAILED
        assert detail["errors"] == [{"row": 2, "field": "date_of_birth", "message": detail["errors"][0]["message"]}]

    def test_an_unreadable_file_is_a_400_naming_the_field(self, api_for, agency_user_a):
        response = api_for(agency_user_a).post("/api/worker-imports/", {"file": SimpleUploadedFile("w.doc", b"x")},
                                               format="multipart")
        assert response.status_code == 400 and response.json() == {"errors": {"file": ["Upload a .csv or .xlsx file."]}}
        response = api_for(agency_user_a).post("/api/worker-imports/", {}, format="multipart")
        assert response.status_code == 400 and "file" in response.json()["errors"]

    def test_scoping(self, api_for, agency_user_a, agency_user_b, officer_a, superuser, licensing_officer):
        job = imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1)]))
        other = imports.worker_import_start(actor=agency_user_b, upload=csv_file([row(2)]))
        assert api_for(agency_user_b).get(f"/api/worker-imports/{job.pk}/").status_code == 404
        assert [j["id"] for j in api_for(agency_user_b).get("/api/worker-imports/").json()["results"]] == [other.pk]
        assert [j["id"] for j in api_for(agency_user_a).get("/api/worker-imports/").json()["results"]] == [job.pk]
        # A province's officer sees no agency's imports; the ministry sees all.
        assert api_for(officer_a).get("/api/worker-imports/").json()["results"] == []
        assert api_for(officer_a).get(f"/api/worker-imports/{job.pk}/").status_code == 404
        assert {j["id"] for j in api_for(licensing_officer).get("/api/worker-imports/").json()["results"]} == {job.pk, other.pk}
        # Only an agency imports: the ministry's superuser gets 403 and nothing is queued.
        response = api_for(superuser).post("/api/worker-imports/", {"file": csv_file([row(3)])}, format="multipart")
        assert response.status_code == 403
        response = api_for(officer_a).post("/api/worker-imports/", {"file": csv_file([row(3)])}, format="multipart")
        assert response.status_code == 403
        assert BackgroundJob.objects.count() == 2
        assert api_for(None).get("/api/worker-imports/").status_code in (401, 403)
        response = api_for(None).post("/api/worker-imports/", {"file": csv_file([row(3)])}, format="multipart")
        assert response.status_code in (401, 403)

    def test_list_query_budget(self, api_for, agency_user_a, django_assert_num_queries):
        for extra in (1, 5):
            for _ in range(extra):
                imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1)]))
            api = api_for(fresh(agency_user_a))
            # user permissions + group permissions (RolePermission), groups (scope), count, page.
            with django_assert_num_queries(5):
                response = api.get("/api/worker-imports/")
            assert response.status_code == 200 and response.json()["count"] == BackgroundJob.objects.count()


def test_countries_and_sectors_by_name_or_code(run_import, agency_user_a, order_a):
    rows = [with_deployment(row(1), order_a, country=" thailand ", sector="construction")]
    job = run_import(agency_user_a, csv_file(rows))
    assert job.status == JobStatus.SUCCEEDED, job.errors
    assert Deployment.objects.get().country == country("TH") and Deployment.objects.get().sector == sector("CON")
