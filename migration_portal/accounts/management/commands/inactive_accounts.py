"""The accounts nobody has used for N days (90 by default), as CSV on standard output."""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from migration_portal.accounts.models import User
from migration_portal.accounts.services import INACTIVE_DAYS, inactive_q


class Command(BaseCommand):
    help = _("List active accounts not used for N days (default 90), as CSV, for review or deactivation.")

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=INACTIVE_DAYS)

    def handle(self, *args, days, **options):
        if days < 1:
            raise CommandError(_("--days must be at least 1."))
        writer = csv.writer(self.stdout)
        writer.writerow(["username", "email", "province", "agency", "last_login", "date_joined"])
        rows = User.objects.filter(inactive_q(days)).select_related("province", "agency").order_by("last_login", "username")
        for u in rows:
            writer.writerow([
                u.username, u.email, u.province.code if u.province else "", u.agency.name if u.agency else "",
                u.last_login.isoformat() if u.last_login else "", u.date_joined.isoformat(),
            ])
