"""The Celery task that runs an agency's bulk import of workers. Thin: it calls the service.

Celery's autodiscovery imports ``workers.tasks``, which re-exports this module
(``from .import_tasks import *``), so a worker process knows the task.
"""

from celery import shared_task

__all__ = ["run_worker_import"]


@shared_task(acks_late=True)
def run_worker_import(job_id: int) -> dict | None:
    """Guard: ``worker_import_run`` claims the job with a conditional UPDATE (queued to running),
    so a redelivered or duplicated message does nothing the second time."""
    from .imports import worker_import_run

    job = worker_import_run(job_id=job_id)
    return None if job is None else {"status": job.status, "result": job.result}
