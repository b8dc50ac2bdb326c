"""Every queued job runs exactly once, whatever the broker or a worker did with its message
(migration_portal.core.jobs: the claim and the sweep)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from migration_portal.core import tasks as core_tasks
from migration_portal.core.jobs import GAVE_UP_MESSAGE, job_claim, jobs_sweep
from migration_portal.core.models import BackgroundJob, JobStatus
from workers import imports
from workers import returns_import as imp
from workers.import_tasks import IMPORT_TIME_LIMIT, run_worker_import
from workers.models import ReturnRecord, Worker

from ..workers.test_imports import csv_file, row
from ..workers.test_returns_import import as_csv
from ..workers.test_returns_import import row as returnee

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def requeue_after():
    return timedelta(minutes=settings.PORTAL["JOB_REQUEUE_AFTER_MINUTES"])


@pytest.fixture
def lost_import(agency_user_a):
    """A worker import whose message never reached a worker (queued, its on-commit send never ran)."""
    with time_machine.travel(T0, tick=False):
        return imports.worker_import_start(actor=agency_user_a, upload=csv_file([row(1), row(2)]))


def sweep(at, django_capture_on_commit_callbacks) -> dict:
    """Run the sweep at ``at``; what it queues runs in-process (the tests' eager Celery)."""
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        return jobs_sweep()


def test_a_queued_job_is_sent_again_only_once_it_has_waited_too_long(
    lost_import, requeue_after, django_capture_on_commit_callbacks
):
    # Just inside the limit: its message may still be on its way; left alone.
    assert sweep(T0 + requeue_after - timedelta(seconds=1), django_capture_on_commit_callbacks)["requeued"] == 0
    assert BackgroundJob.objects.get(pk=lost_import.pk).status == JobStatus.QUEUED
    # Past it: queued again, and it runs.
    assert sweep(T0 + requeue_after + timedelta(seconds=1), django_capture_on_commit_callbacks)["requeued"] == 1
    job = BackgroundJob.objects.get(pk=lost_import.pk)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 1
    assert Worker.objects.count() == 2
    # The sweep again, and the original message arriving late: nothing runs twice.
    assert sweep(T0 + 3 * requeue_after, django_capture_on_commit_callbacks) == {"requeued": 0, "recovered": 0, "failed": 0}
    assert run_worker_import(lost_import.pk) is None
    assert Worker.objects.count() == 2


def test_the_beat_task_runs_the_sweep(lost_import, requeue_after, django_capture_on_commit_callbacks):
    with (
        time_machine.travel(T0 + requeue_after + timedelta(minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert core_tasks.requeue_jobs.delay().get()["requeued"] == 1
    assert BackgroundJob.objects.get(pk=lost_import.pk).status == JobStatus.SUCCEEDED


def test_a_returns_import_is_swept_too(officer_a, requeue_after, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        upload = SimpleUploadedFile("list.csv", as_csv([returnee(returned_on="2026-11-19")]))
        job = imp.returns_import_start(actor=officer_a, upload=upload)
    assert sweep(T0 + requeue_after + timedelta(seconds=1), django_capture_on_commit_callbacks)["requeued"] == 1
    assert BackgroundJob.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED
    assert ReturnRecord.objects.count() == 1


def test_two_deliveries_claim_the_job_once(lost_import):
    assert job_claim(job_id=lost_import.pk, kind=imports.JOB_KIND) is True
    assert job_claim(job_id=lost_import.pk, kind=imports.JOB_KIND) is False
    job = BackgroundJob.objects.get(pk=lost_import.pk)
    assert job.status == JobStatus.RUNNING and job.attempts == 1 and job.claimed_at is not None


class TestWorkerDied:
    """A job claimed by a worker that then died stays 'running'; the sweep gives it back."""

    @pytest.fixture
    def orphan(self, lost_import):
        with time_machine.travel(T0, tick=False):
            assert job_claim(job_id=lost_import.pk, kind=imports.JOB_KIND)
        BackgroundJob.objects.filter(pk=lost_import.pk).update(progress=1)  # got one row in, then died
        return lost_import

    @pytest.fixture
    def dead_after(self, requeue_after):
        # No live worker can still hold it after the task's hard time limit (plus the margin).
        return timedelta(seconds=IMPORT_TIME_LIMIT) + requeue_after

    def test_a_job_still_within_its_time_limit_is_left_running(self, orphan, dead_after, django_capture_on_commit_callbacks):
        assert sweep(T0 + dead_after - timedelta(seconds=1), django_capture_on_commit_callbacks)["recovered"] == 0
        assert BackgroundJob.objects.get(pk=orphan.pk).status == JobStatus.RUNNING

    def test_past_it_the_job_runs_again_from_the_start(self, orphan, dead_after, django_capture_on_commit_callbacks):
        assert sweep(T0 + dead_after + timedelta(seconds=1), django_capture_on_commit_callbacks)["recovered"] == 1
        job = BackgroundJob.objects.get(pk=orphan.pk)
        assert job.status == JobStatus.SUCCEEDED and job.attempts == 2
        assert job.progress == job.total == 2 and Worker.objects.count() == 2

    def test_a_job_that_keeps_losing_its_worker_fails_with_a_message(
        self, orphan, dead_after, django_capture_on_commit_callbacks
    ):
        limit = settings.PORTAL["JOB_MAX_ATTEMPTS"]
        # One attempt left: it runs once more.
        BackgroundJob.objects.filter(pk=orphan.pk).update(attempts=limit - 1)
        assert sweep(T0 + dead_after + timedelta(seconds=1), django_capture_on_commit_callbacks)["recovered"] == 1
        assert BackgroundJob.objects.get(pk=orphan.pk).status == JobStatus.SUCCEEDED
        # Every attempt spent (a file that kills workers): it fails, with a message, and does not loop.
        Worker.objects.all().delete()
        BackgroundJob.objects.filter(pk=orphan.pk).update(status=JobStatus.RUNNING, claimed_at=T0, finished=None, attempts=limit)
        assert sweep(T0 + dead_after + timedelta(seconds=1), django_capture_on_commit_callbacks)["failed"] == 1
        job = BackgroundJob.objects.get(pk=orphan.pk)
        assert job.status == JobStatus.FAILED and job.finished is not None and job.attempts == limit
        assert job.errors == [{"row": "", "field": "", "message": str(GAVE_UP_MESSAGE)}]
        assert not Worker.objects.exists()


def test_jobs_of_an_unregistered_kind_are_left_alone(agency_user_a, requeue_after, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False):
        other = BackgroundJob.objects.create(kind="someone-elses-export", created_by=agency_user_a)
    assert sweep(T0 + 2 * requeue_after, django_capture_on_commit_callbacks)["requeued"] == 0
    assert BackgroundJob.objects.get(pk=other.pk).status == JobStatus.QUEUED
