"""The bulk import of returnees: matching, all-or-nothing with errors by row and column,
idempotent re-import, the background job, and a query count that grows per batch, not per row."""

from __future__ import annotations

import csv
import io
import os
import time
from datetime import date, timedelta

import pytest
import tablib
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from migration_portal.core.models import BackgroundJob, Event, JobStatus
from workers import returns_import as imp
from workers import tasks
from workers.choices import DeploymentStatus
from workers.models import Deployment, ReintegrationCase, ReturnRecord, Worker
from workers.pii import pii_hash

from ..factories import province
from .factories import WorkerFactory
from .test_returns import abroad

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
HEADER = imp.COLUMNS


def row(**over) -> dict:
    base = {
        "name_latin": "Keo Dara",
        "name_km": "កែវ ដារា",
        "sex": "M",
        "date_of_birth": "1990-01-01",
        "national_id": "",
        "passport_number": "",
        "phone": "",
        "home_province": "02",
        "returned_on": TODAY.isoformat(),
        "reason": "crisis",
        "country": "TH",
        "checkpoint": "POI",
        "needs_assistance": "yes",
    }
    base.update(over)
    return base


def as_csv(rows: list[dict], header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def run(actor, rows, name="returnees.csv", raw=None):
    return imp.returns_import(actor=actor, raw=raw if raw is not None else as_csv(rows), name=name)


def errors_of(result) -> set[tuple[int, str]]:
    return {(e.row, e.field) for e in result.errors}


class TestMatchingAndWriting:
    def test_a_surge_file_is_registered_and_reimporting_it_adds_nothing(self, officer_b):
        day = TODAY - timedelta(days=1)
        by_passport = abroad(departed=TODAY - timedelta(days=500), passport_number="N9000001", home_province=province("02"))
        by_name = WorkerFactory(
            name_latin="Chea Vanna",
            date_of_birth=date(1988, 8, 8),
            national_id=None,
            national_id_hash="",
            passport_number=None,
            passport_hash="",
        )
        rows = [
            row(name_latin="Different Spelling", passport_number="n 900-0001", returned_on=day.isoformat()),  # row 2
            row(name_latin="chea  VANNA", date_of_birth="08/08/1988", reason="Deported", checkpoint=""),  # row 3
            row(name_latin="New Person", national_id="55 66 77", sex="female", home_province="Battambang"),  # row 4
            row(name_latin="New Person", national_id="556677", returned_on=day.isoformat(), needs_assistance="no"),  # row 5
            row(name_latin="New Person", national_id="556677"),  # row 6 repeats row 4
            row(name_latin="Only Name", home_province="1", country="Malaysia", reason="illness"),  # row 7
        ]
        result = run(officer_b, rows)
        assert result.errors == []
        assert result.as_dict() | {"already_present_rows": []} == {
            "rows": 6,
            "workers_created": 2,
            "workers_matched": 2,
            "returns_registered": 5,
            "already_present": 1,
            "cases_opened": 4,
            "deployments_closed": 1,
            "already_present_rows": [],
        }
        assert result.already_present_rows == [6]
        # The open deployment to Thailand was closed by the return, as return_register does.
        by_passport.refresh_from_db()
        assert by_passport.status == DeploymentStatus.RETURNED and by_passport.returned_on == day and by_passport.version == 2
        assert ReturnRecord.objects.get(worker=by_passport.worker).deployment == by_passport
        assert ReturnRecord.objects.get(worker=by_name).reason == "deported"
        new = Worker.objects.get(national_id_hash=pii_hash("556677", kind="national_id"))
        assert new.name_km == "កែវ ដារា" and new.sex == "F" and new.registered_by == officer_b and new.national_id == "556677"
        assert new.returns.count() == 2 and new.cases.count() == 1
        only = Worker.objects.get(name_latin="Only Name")
        assert only.home_province == province("01") and only.returns.get().country.code == "MY"
        assert ReturnRecord.objects.get(worker=only).province == province("01")
        assert ReintegrationCase.objects.filter(province=province("02")).count() == 3
        assert Event.objects.filter(code="return.registered").count() == 5
        assert Event.objects.filter(code="worker.registered").count() == 2
        assert Event.objects.filter(code="deployment.returned", object_id=str(by_passport.pk)).count() == 1

        # The same file again: everything is already there.
        counts = (Worker.objects.count(), ReturnRecord.objects.count(), ReintegrationCase.objects.count(), Event.objects.count())
        again = run(officer_b, rows)
        assert again.errors == [] and again.returns_registered == 0 and again.workers_created == 0
        assert again.already_present == 6 and again.already_present_rows == [2, 3, 4, 5, 6, 7]
        assert (
            Worker.objects.count(),
            ReturnRecord.objects.count(),
            ReintegrationCase.objects.count(),
            Event.objects.count(),
        ) == counts

    def test_a_namesake_with_other_identifiers_is_another_person(self, officer_a):
        known = WorkerFactory(
            name_latin="Sok Dara",
            date_of_birth=date(1990, 1, 1),
            national_id="111",
            national_id_hash=pii_hash("111", kind="national_id"),
        )
        result = run(officer_a, [row(name_latin="Sok Dara", national_id="222")])
        assert result.errors == [] and result.workers_created == 1
        new = Worker.objects.exclude(pk=known.pk).get()
        assert new.duplicate_checked_by == officer_a and known.returns.count() == 0

    def test_xlsx_with_spreadsheet_types(self, officer_a):
        data = tablib.Dataset(headers=HEADER)
        data.append(["Lim Sophal", "", "M", date(1992, 3, 4), 123456789.0, "", "", 12, TODAY, "completed", "TH", "", ""])
        result = run(officer_a, None, name="list.xlsx", raw=data.export("xlsx"))
        assert result.errors == [] and result.returns_registered == 1
        worker = Worker.objects.get()
        assert worker.national_id == "123456789" and worker.home_province == province("12")


class TestAllOrNothing:
    def test_every_error_is_listed_and_nothing_is_saved(self, officer_a):
        WorkerFactory(name_latin="Twin Name", date_of_birth=date(1991, 1, 1))
        WorkerFactory(name_latin="Twin Name", date_of_birth=date(1991, 1, 1))
        a = WorkerFactory(national_id="A1", national_id_hash=pii_hash("A1", kind="national_id"))
        b = WorkerFactory(passport_number="B1", passport_hash=pii_hash("B1", kind="passport"))
        left_late = abroad(departed=TODAY - timedelta(days=3), passport_number="L1")
        future = (TODAY + timedelta(days=1)).isoformat()
        rows = [
            row(),  # 2: fine
            row(name_latin="", home_province="Atlantis"),  # 3
            row(date_of_birth="31/02/1990", sex="X"),  # 4
            row(returned_on=future, reason="holiday", country="ZZ", checkpoint="NOWHERE"),  # 5
            row(needs_assistance="maybe", date_of_birth="1900-01-01"),  # 6
            row(name_latin="Twin Name", date_of_birth="1991-01-01"),  # 7: two registered namesakes
            row(national_id="A1", passport_number="B1"),  # 8: two different registered workers
            row(passport_number="L1", returned_on=(TODAY - timedelta(days=5)).isoformat()),  # 9: before the departure
        ]
        before = (Worker.objects.count(), ReturnRecord.objects.count(), Event.objects.count())
        result = run(officer_a, rows)
        assert errors_of(result) == {
            (3, "name_latin"),
            (3, "home_province"),
            (4, "date_of_birth"),
            (4, "sex"),
            (5, "returned_on"),
            (5, "reason"),
            (5, "country"),
            (5, "checkpoint"),
            (6, "needs_assistance"),
            (6, "date_of_birth"),
            (7, "name_latin"),
            (8, "passport_number"),
            (9, "returned_on"),
        }
        messages = {(e.row, e.field): e.message for e in result.errors}
        assert "Atlantis" in messages[(3, "home_province")] and "before the departure" in messages[(9, "returned_on")]
        assert [e.row for e in result.errors] == sorted(e.row for e in result.errors)
        assert (Worker.objects.count(), ReturnRecord.objects.count(), Event.objects.count()) == before
        assert a.returns.count() == b.returns.count() == 0
        assert Deployment.objects.get(pk=left_late.pk).status == DeploymentStatus.ABROAD

    def test_bad_files(self, officer_a):
        with pytest.raises(Exception, match="Missing column"):
            run(officer_a, None, raw=as_csv([row()], header=["name_latin", "sex"]))
        with pytest.raises(Exception, match=r"csv or \.xlsx"):
            run(officer_a, None, name="x.pdf", raw=b"%PDF")
        with pytest.raises(Exception, match="UTF-8"):
            run(officer_a, None, raw="name_latin\nSök".encode("latin-1"))
        with pytest.raises(Exception, match="no returnee rows"):
            run(officer_a, [])

    def test_only_officers_with_the_permissions_import(self, agency_user_a, director, officer_a):
        with pytest.raises(PermissionDenied):
            run(agency_user_a, [row()])
        with pytest.raises(PermissionDenied):
            run(director, [row()])  # ministry staff without the right to register returns
        assert not Worker.objects.exists()


class TestBackgroundJob:
    def start(self, actor, rows, django_capture_on_commit_callbacks, name="list.csv"):
        with django_capture_on_commit_callbacks(execute=True) as queued:
            job = imp.returns_import_start(actor=actor, upload=SimpleUploadedFile(name, as_csv(rows)))
        assert len(queued) == 1
        job.refresh_from_db()
        return job

    def test_job_runs_after_commit_and_a_second_run_does_nothing(self, officer_a, django_capture_on_commit_callbacks):
        job = self.start(officer_a, [row(), row(name_latin="Second Person")], django_capture_on_commit_callbacks)
        assert job.status == JobStatus.SUCCEEDED and job.progress == job.total == 2 and job.finished
        assert job.result["returns_registered"] == 2 and job.province == province("12") and job.created_by == officer_a
        assert Event.objects.filter(code="return.registered", data__import_job=job.pk).count() == 2
        # Redelivered: the claim (queued -> running) has been taken; nothing is imported twice.
        assert tasks.import_returns.delay(job.pk).get() == "already-claimed"
        assert ReturnRecord.objects.count() == 2

    def test_errors_are_saved_on_the_job(self, officer_a, django_capture_on_commit_callbacks):
        job = self.start(officer_a, [row(), row(sex="?")], django_capture_on_commit_callbacks)
        assert job.status == JobStatus.FAILED and not ReturnRecord.objects.exists()
        assert job.errors == [{"row": 3, "field": "sex", "message": "write M or F, not '?'."}]
        assert job.result == {"rows": 2, "rows_with_errors": 1, "errors": 1}

    def test_unreadable_file_is_refused_in_the_request_before_any_job(self, officer_a):
        with pytest.raises(ValidationError) as err:
            imp.returns_import_start(actor=officer_a, upload=SimpleUploadedFile("l.csv", b"\xff\xfe\x00bad"))
        assert "UTF-8" in " ".join(err.value.message_dict["file"])
        assert not BackgroundJob.objects.exists()

    def test_unreadable_stored_file_fails_the_job_cleanly(self, officer_a):
        job = BackgroundJob(kind=imp.JOB_KIND, created_by=officer_a, province_id=officer_a.province_id,
                            params={"filename": "l.csv"})
        job.file.save("l.csv", ContentFile(b"\xff\xfe\x00bad"), save=False)
        job.save()
        imp.returns_import_run(job.pk)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.errors[0]["field"] == "file"

    def test_job_page_shows_progress_and_errors_to_its_province_only(
        self, client_for, officer_a, officer_b, django_capture_on_commit_callbacks
    ):
        job = self.start(officer_a, [row(country="ZZ")], django_capture_on_commit_callbacks)
        page = client_for(officer_a).get(f"/jobs/{job.pk}/")
        assert page.status_code == 200 and "unknown country" in page.content.decode()
        assert client_for(officer_b).get(f"/jobs/{job.pk}/").status_code == 404


class TestSpeed:
    def rows(self, n, start=0):
        return [
            row(
                name_latin=f"Returnee {i}",
                national_id=f"9{i:08d}",
                passport_number=f"R{i:07d}",
                phone=f"097{i:07d}",
                home_province=f"{1 + i % 25:02d}",
                checkpoint=("POI", "PLN", "KKG", "")[i % 4],
                returned_on=(TODAY - timedelta(days=i % 18)).isoformat(),
            )
            for i in range(start, start + n)
        ]

    def test_queries_grow_per_batch_not_per_row(self, officer_a):
        run(officer_a, self.rows(1, 1000))  # warm the permission and content-type caches
        counts = []
        for n, start in ((3, 0), (15, 100)):
            # n new people and n registered workers coming back from Thailand, whose stay closes.
            known = [abroad(passport_number=f"K{start + i:07d}").worker for i in range(n)]
            rows = self.rows(n, start) + [
                row(name_latin=w.name_latin, passport_number=w.passport_number, home_province="12") for w in known
            ]
            with CaptureQueriesContext(connection) as ctx:
                result = run(officer_a, rows)
            assert result.errors == [] and result.returns_registered == 2 * n and result.deployments_closed == n
            counts.append(len([q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]))
        # Permissions cached. Reference maps (3); per batch of rows: workers by hash or name (1),
        # returns already there (1), open deployments (1); then INSERT workers (1), INSERT returns (1),
        # UPDATE the deployments, one per return date (1), INSERT cases (1), INSERT events (1).
        # (Sizes kept under SQLite's 999 parameters a statement, which splits big INSERTs there.)
        assert counts[0] == counts[1] == 11, counts

    @pytest.mark.benchmark
    @pytest.mark.skipif(os.environ.get("RUN_BENCHMARKS") != "1", reason="set RUN_BENCHMARKS=1 (times 20,000 rows)")
    def test_twenty_thousand_rows(self, officer_a):
        rows = self.rows(20_000)
        raw = as_csv(rows)
        started = time.perf_counter()
        result = run(officer_a, None, raw=raw)
        first = time.perf_counter() - started
        assert result.errors == [] and result.returns_registered == 20_000
        started = time.perf_counter()
        again = run(officer_a, None, raw=raw)
        second = time.perf_counter() - started
        assert again.already_present == 20_000
        print(
            f"\n[{connection.vendor}] 20,000 returnees imported in {first:.1f} s "
            f"({20_000 / first:.0f} rows/s); re-import (all already present) in {second:.1f} s"
        )
