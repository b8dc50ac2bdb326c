"""Migration operations that apply on PostgreSQL only.

The embedded default (SQLite) has no pg_trgm or GIN; search there falls back to a
scan, which is fine for a demo. Production and CI run these.
"""

from django.db import migrations


class PostgresOnlySQL(migrations.RunSQL):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


def encrypt_existing(app_label: str, fields: dict[str, list[str]], batch: int = 1000) -> migrations.RunPython:
    """Re-save existing rows after a field became encrypted (AlterField to an encrypted field).

    The encrypted field reads a clear-text value as it is (it is not a valid token) and
    writes every value back encrypted, so reading and re-writing each non-empty value is
    enough, and running it twice does no harm. ``fields`` maps a model name to its field
    names. Rows are read by primary key in batches and written with one UPDATE per batch.
    Backwards, the values are written back in clear (so the AlterField can be reversed).
    """

    def _rows(model, names):
        from django.db.models import Q

        non_empty = Q()
        for name in names:
            non_empty |= ~Q(**{name: ""}) & Q(**{f"{name}__isnull": False})
        last = 0
        while True:
            chunk = list(model._base_manager.filter(non_empty, pk__gt=last).order_by("pk").only("pk", *names)[:batch])
            if not chunk:
                return
            yield chunk
            last = chunk[-1].pk

    def forwards(apps, schema_editor):
        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            for chunk in _rows(model, names):
                model._base_manager.bulk_update(chunk, names)

    def backwards(apps, schema_editor):
        from django.db.models import TextField, Value

        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            for chunk in _rows(model, names):
                for row in chunk:
                    # An expression is written as given: the clear text, not through the encrypting field.
                    model._base_manager.filter(pk=row.pk).update(
                        **{name: Value(getattr(row, name) or "", output_field=TextField()) for name in names}
                    )

    return migrations.RunPython(forwards, backwards, elidable=False)
