"""The Celery task that runs an agency's bulk import of workers. Thin: it calls the service.

Celery's autodiscovery imports ``workers.tasks``, which re-exports this module
(``from .import_tasks import *``), so a worker process knows the task.
"""

from celery import shared_task

__all__ = ["IMPORT_SOFT_TIME_LIMIT", "IMPORT_TIME_LIMIT", "run_worker_import"]

# Imports may run longer than other tasks (the default limit stays under the broker's
# visibility timeout); a redelivery while one runs finds the job claimed and does nothing,
# and a job whose worker died is queued again by the core's job sweep after this limit.
IMPORT_SOFT_TIME_LIMIT = 25 * 60
IMPORT_TIME_LIMIT = 30 * 60


@shared_task(acks_late=True, soft_time_limit=IMPORT_SOFT_TIME_LIMIT, time_limit=IMPORT_TIME_LIMIT)
def run_worker_import(job_id: int) -> dict | None:
    """Guard: ``worker_import_run`` claims the job with a conditional UPDATE (queued to running),
    so a redelivered or duplicated message does nothing the second time."""
    from .imports import worker_import_run

    job = worker_import_run(job_id=job_id)
    return None if job is None else {"status": job.status, "result": job.result}
