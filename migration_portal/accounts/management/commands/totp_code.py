"""``manage.py totp_code USERNAME``: the code a demo user's authenticator app would show now.

For the demo and development only: it refuses to run unless DEBUG is on, since it
reads the user's secret.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Print the current two-factor code of a user's authenticator app (only with DEBUG on)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        if not settings.DEBUG:
            raise CommandError("totp_code only runs with DEBUG on: it reads a user's second-factor secret.")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"User '{username}' has no authenticator app set up.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
