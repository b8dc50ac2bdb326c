"""Re-encrypt every encrypted field under the first configured key (docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from migration_portal.core.keys import UndecryptableValueError, encrypted_fields, reencrypt_model, reset_field_keys


class Command(BaseCommand):
    help = _(
        "Re-encrypt every encrypted field under the new key: put the new SALT_KEY first "
        "(SALT_KEY=new,old) or the old SECRET_KEY in SECRET_KEY_FALLBACKS, run this, then remove the old key. "
        "Safe to stop and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        reset_field_keys()
        for model, fields in encrypted_fields():
            names = ", ".join(f.name for f in fields)
            try:
                changed, unchanged = reencrypt_model(model, fields, batch_size=batch_size)
            except UndecryptableValueError as exc:
                raise CommandError(
                    _("%(error)s. That batch was rolled back; the batches before it are done. Check the keys and run again.")
                    % {"error": exc}
                ) from exc
            self.stdout.write(
                _("%(model)s (%(fields)s): %(changed)d values re-encrypted, %(unchanged)d already under the new key.")
                % {"model": model._meta.label, "fields": names, "changed": changed, "unchanged": unchanged}
            )
        reset_field_keys()
