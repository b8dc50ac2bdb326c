"""Recompute the lookup hashes of personal identifiers under the current PII_HASH_KEY.

Every model that declares ``PII_HASH_FIELDS`` (hash column -> (encrypted field, kind))
is covered. Run it right after changing PII_HASH_KEY: until it has finished, a search
by identifier and the duplicate check miss the rows not yet done (docs/operations.md).
Each batch is all-or-nothing; a hash already right is left alone, so a run that stopped
is simply started again.
"""

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from migration_portal.core.keys import all_keys, decrypt_raw, for_each_raw_row, reset_field_keys
from workers.pii import pii_hash


def rehash_model(model, *, batch_size: int) -> tuple[int, int]:
    spec = model.PII_HASH_FIELDS
    hash_columns = list(spec)
    sources = [model._meta.get_field(source) for source, _kind in spec.values()]
    keys = all_keys()
    counts = {"changed": 0, "unchanged": 0}

    def handle(_conn, row):
        pk, tokens, stored = row[0], row[1 : 1 + len(sources)], row[1 + len(sources) :]
        updates = {}
        for column, field, token, old in zip(hash_columns, sources, tokens, stored, strict=True):
            try:
                plain = decrypt_raw(keys, token)
            except InvalidToken:
                raise CommandError(
                    _("%(model)s #%(pk)s: %(field)s cannot be decrypted with the keys; that batch was rolled back.")
                    % {"model": model._meta.label, "pk": pk, "field": field.name}
                ) from None
            new = pii_hash(plain, kind=spec[column][1])
            if new != (old or ""):
                updates[column] = new
        if updates:
            model._base_manager.filter(pk=pk).update(**updates)
            counts["changed"] += 1
        else:
            counts["unchanged"] += 1

    for_each_raw_row(model, sources, handle, batch_size=batch_size, extra_columns=hash_columns)
    return counts["changed"], counts["unchanged"]


class Command(BaseCommand):
    help = _("Recompute the lookup hashes of national ID, passport and phone numbers under the current PII_HASH_KEY.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be at least 1."))
        reset_field_keys()
        for model in apps.get_models():
            if not hasattr(model, "PII_HASH_FIELDS"):
                continue
            changed, unchanged = rehash_model(model, batch_size=batch_size)
            self.stdout.write(
                _("%(model)s: %(changed)d rows rehashed, %(unchanged)d already current.")
                % {"model": model._meta.label, "changed": changed, "unchanged": unchanged}
            )
