"""Background jobs run exactly once, even when the broker or a worker fails.

A job (an import started by a person) is a ``BackgroundJob`` row written in the same
transaction as the work's input, and its task is queued after commit. Two things can
still go wrong, and the sweep ``jobs_sweep`` (a beat task every few minutes) repairs both:

- the message never reached the broker (Redis down when the request committed), or was
  lost with Redis: the job stays ``queued``. A job queued longer than
  ``JOB_REQUEUE_AFTER_MINUTES`` is queued again.
- the worker running it died (killed, out of memory): the job stays ``running``. Once it
  has been running longer than its task's hard time limit plus a margin, no live worker
  can still hold it, so it goes back to ``queued`` and is queued again; after
  ``JOB_MAX_ATTEMPTS`` claims it fails with a message instead of looping on a file that
  kills workers. The imports save in one transaction, so a run cut short saved nothing.

Queueing again can deliver a job twice (the first message was only slow). The task's
claim, ``job_claim``, is the guard: a conditional UPDATE from ``queued`` to ``running``
that only one delivery wins; every other delivery does nothing.

Apps say which task runs each kind of job with ``register_job_task`` (from their
AppConfig.ready), so this module knows no app.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import BackgroundJob, JobStatus
from .tasks_util import enqueue

logger = logging.getLogger(__name__)

# kind -> (dotted path of the Celery task, the task's hard time limit in seconds)
_JOB_TASKS: dict[str, tuple[str, int]] = {}

GAVE_UP_MESSAGE = _(
    "The job was interrupted too many times and was stopped; nothing was saved. Try again, or contact the ministry."
)


def register_job_task(kind: str, task_path: str, *, time_limit: int) -> None:
    """Run jobs of ``kind`` with the task at ``task_path`` (which takes the job id).

    ``time_limit`` is the task's hard time limit: a job running longer than that is
    known to have lost its worker.
    """
    _JOB_TASKS[kind] = (task_path, time_limit)


def job_claim(*, job_id: int, kind: str) -> bool:
    """Claim a queued job for this delivery of its task; False if another delivery has it.

    Guard: the conditional UPDATE ``status = queued -> running`` succeeds for one
    delivery only, so a duplicated or re-queued message runs nothing twice.
    """
    return bool(
        BackgroundJob.objects.filter(pk=job_id, kind=kind, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    )


def _dispatch(job_id: int, kind: str) -> bool:
    entry = _JOB_TASKS.get(kind)
    if entry is None:
        logger.error("No task is registered for background jobs of kind %r (job %s).", kind, job_id)
        return False
    enqueue(import_string(entry[0]), job_id)
    return True


def jobs_sweep(*, now=None) -> dict:
    """Queue again the jobs whose message was lost, and return to the queue the jobs whose
    worker died. Safe to run twice: each job is moved by a conditional UPDATE on the state
    it was read in, and a job queued twice is claimed once (``job_claim``)."""
    now = now or timezone.now()
    portal = settings.PORTAL
    requeue_before = now - timedelta(minutes=portal["JOB_REQUEUE_AFTER_MINUTES"])
    counts = {"requeued": 0, "recovered": 0, "failed": 0}

    waiting = BackgroundJob.objects.filter(status=JobStatus.QUEUED, queued_at__lt=requeue_before, kind__in=list(_JOB_TASKS))
    for job_id, kind, queued_at in waiting.values_list("pk", "kind", "queued_at"):
        # Guard: only the sweep that moves queued_at sends the message.
        if BackgroundJob.objects.filter(pk=job_id, status=JobStatus.QUEUED, queued_at=queued_at).update(queued_at=now):
            counts["requeued"] += _dispatch(job_id, kind)

    for kind, (_path, time_limit) in _JOB_TASKS.items():
        lost_before = now - timedelta(seconds=time_limit) - timedelta(minutes=portal["JOB_REQUEUE_AFTER_MINUTES"])
        running = BackgroundJob.objects.filter(kind=kind, status=JobStatus.RUNNING, claimed_at__lt=lost_before)
        for job_id, claimed_at, attempts in running.values_list("pk", "claimed_at", "attempts"):
            same = BackgroundJob.objects.filter(pk=job_id, status=JobStatus.RUNNING, claimed_at=claimed_at)
            if attempts >= portal["JOB_MAX_ATTEMPTS"]:
                if same.update(
                    status=JobStatus.FAILED,
                    finished=now,
                    progress=0,
                    errors=[{"row": "", "field": "", "message": str(GAVE_UP_MESSAGE)}],
                ):
                    logger.error("Background job %s (%s) lost its worker %s times; marked failed.", job_id, kind, attempts)
                    counts["failed"] += 1
            elif same.update(status=JobStatus.QUEUED, queued_at=now, progress=0):
                logger.warning("Background job %s (%s) lost its worker; queued again.", job_id, kind)
                counts["recovered"] += _dispatch(job_id, kind)
    return counts
