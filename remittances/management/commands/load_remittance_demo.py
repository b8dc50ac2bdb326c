"""``manage.py load_remittance_demo``: providers, rates, two years of offers, remittances
for the deployments there are, and literacy sessions. Safe to run again."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from remittances import demo


class Command(BaseCommand):
    help = (
        "Load remittance demo data: providers, monthly reference rates, two years of observed offers on the "
        "Thailand, Korea, Malaysia and Japan corridors, what deployed workers sent home, and financial-literacy "
        "sessions. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--allow-production", action="store_true", help="Run even with the production settings.")

    def handle(self, *args, seed: int, allow_production: bool, **options):
        if (settings.SETTINGS_MODULE or "").endswith(".production") and not allow_production:
            raise CommandError("These are the production settings. Use --allow-production on a training server only.")
        counts = demo.load(seed=seed)
        for label, n in counts.items():
            self.stdout.write(f"  {label:<28} {n}")
