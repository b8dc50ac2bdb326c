"""Trigram indexes for searching workers by part of a name (PostgreSQL only).

Django's ``icontains`` compiles to UPPER(col) LIKE UPPER(%s), so the Latin-name
index is on UPPER(name_latin); Khmer has no case and is searched with ``contains``.
"""

from django.db import migrations

from migration_portal.core.migration_ops import PostgresOnlySQL


class Migration(migrations.Migration):
    dependencies = [("workers", "0001_initial")]

    operations = [
        PostgresOnlySQL("CREATE EXTENSION IF NOT EXISTS pg_trgm", migrations.RunSQL.noop),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS workers_worker_name_latin_trgm ON workers_worker USING gin (UPPER(name_latin) gin_trgm_ops)",
            "DROP INDEX IF EXISTS workers_worker_name_latin_trgm",
        ),
        PostgresOnlySQL(
            "CREATE INDEX IF NOT EXISTS workers_worker_name_km_trgm ON workers_worker USING gin (name_km gin_trgm_ops)",
            "DROP INDEX IF EXISTS workers_worker_name_km_trgm",
        ),
    ]
