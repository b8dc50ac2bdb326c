"""``manage.py generate_data``: a realistic worker register of a chosen size.

Thin: it parses the options, refuses the production settings, runs
``workers.generator`` and prints its progress and timings. Meant for a dedicated
database (the benchmark's, a load-test server), never for the production register.
"""

from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workers.generator import Plan, generate


class Command(BaseCommand):
    help = (
        "Generate migrant workers, deployments, job orders and returns shaped like Cambodia's migration "
        "(seed 003, Table 3), e.g. --workers 1300000 --deployments 2000000. PostgreSQL: COPY per batch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=10_000, help="How many workers (default 10,000).")
        parser.add_argument("--deployments", type=int, default=None, help="How many deployments (default 1.54 per worker).")
        parser.add_argument("--batch", type=int, default=20_000, help="Workers per batch (one COPY per table each).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--today", type=date.fromisoformat, default=None,
                            help="The day statuses are computed for (YYYY-MM-DD); default today. Fix it to repeat a data set.")
        parser.add_argument("--return-share", type=float, default=0.25,
                            help="Share of ordinary returns registered as return records (default 0.25; mass returns 0.9).")
        parser.add_argument("--allow-production", action="store_true", help="Run even with the production settings.")

    def handle(self, *args, workers, deployments, batch, seed, today, return_share, allow_production, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production") and not allow_production:
            raise CommandError("These are the production settings: generate data into a dedicated database, not the register.")
        if deployments is None:
            deployments = round(workers * 2_000_000 / 1_300_000)
        try:
            plan = Plan(workers=workers, deployments=deployments, batch=batch, seed=seed, today=today, return_share=return_share)
        except ValueError as exc:
            raise CommandError(str(exc))
        generate(plan, log=lambda line: self.stdout.write(line))
