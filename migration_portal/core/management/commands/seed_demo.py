"""``manage.py seed_demo``: load the demo data once, and print the logins.

Thin: it parses the options, runs the steps of ``migration_portal.core.demo`` in
one transaction (all or nothing), and prints what was done and how to sign in.
"""

import os
from time import perf_counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from migration_portal.core import demo


class Command(BaseCommand):
    help = (
        "Load realistic demo data: a user for every role, recruitment agencies with their licence history, "
        "deposits, inspections, sanctions, monthly reports and advertisements. Runs once; a second run only "
        "prints the logins."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--agencies",
            type=int,
            default=demo.DEFAULT_AGENCIES,
            help=f"How many agencies to create (default {demo.DEFAULT_AGENCIES}, at least {demo.MIN_AGENCIES}).",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same data.")
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with the production settings (a training server): every demo login shares one known password.",
        )

    def handle(self, *args, agencies: int, seed: int, allow_production: bool, **options):
        settings_module = settings.SETTINGS_MODULE or os.environ.get("DJANGO_SETTINGS_MODULE", "")
        if settings_module.endswith(".production") and not allow_production:
            raise CommandError(
                "These are the production settings; the demo logins share a published password. "
                "Use --allow-production on a training server only."
            )
        if demo.already_seeded():
            self.stdout.write(f"The demo data is already loaded (user '{demo.MARKER_USERNAME}' exists); nothing changed.")
            self._print_logins()
            return
        if agencies < demo.MIN_AGENCIES:
            raise CommandError(f"--agencies must be at least {demo.MIN_AGENCIES}, to have every licence state.")

        self.stdout.write(f"Loading demo data ({agencies} agencies, seed {seed})...")
        started = perf_counter()
        with transaction.atomic():
            state = demo.Demo.start(seed=seed, agencies=agencies)
            for label, step in demo.STEPS:
                t0 = perf_counter()
                step(state)
                self.stdout.write(f"  {label:<32} {perf_counter() - t0:6.2f} s")
            demo.give_email_addresses(state)
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {perf_counter() - started:.1f} s."))
        self._print_logins()

    def _print_logins(self) -> None:
        rows = demo.logins()
        headers = ("Role", "Username", "Password", "Two-factor secret", "Open")
        widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Logins (one password for all: {demo.DEMO_PASSWORD})"))
        self.stdout.write(line.format(*headers).rstrip())
        self.stdout.write(line.format(*("-" * w for w in widths)))
        for row in rows:
            self.stdout.write(line.format(*row).rstrip())
        self.stdout.write(
            "  Staff confirm their sign-in with a code: add the secret to an authenticator app, or print\n"
            "  the current code with: python manage.py totp_code USERNAME"
        )
        self.stdout.write("")
        for username, name, note in demo.featured_agencies():
            self.stdout.write(f"  {username:<15} {name}: {note}")
        example = demo.other_agency_login()
        if example:
            self.stdout.write(
                f"  Every other agency has a user agency.<name> with the same password (e.g. {example});\n"
                "  those of cancelled and closed agencies are switched off."
            )
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Main pages (on {demo.site_url() or 'the server'})"))
        for path, what in demo.MAIN_URLS:
            self.stdout.write(f"  {path:<12} {what}")
