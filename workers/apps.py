from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkersConfig(AppConfig):
    name = "workers"
    verbose_name = _("Migrant workers")

    def ready(self) -> None:
        from migration_portal.core.jobs import register_job_task

        from . import audit, imports, reporting, returns_import  # noqa: F401  audit, reporting: registration
        from .import_tasks import IMPORT_TIME_LIMIT

        # The core's job sweep queues these again if their message or worker is lost.
        register_job_task(imports.JOB_KIND, "workers.import_tasks.run_worker_import", time_limit=IMPORT_TIME_LIMIT)
        register_job_task(returns_import.JOB_KIND, "workers.tasks.import_returns", time_limit=IMPORT_TIME_LIMIT)
