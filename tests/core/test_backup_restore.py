"""Backups: a dump restored into a fresh database has the same rows and readable identifiers.

Needs pg_dump/pg_restore and PostgreSQL; skipped without them, required in CI
(REQUIRE_SERVICES=1).
"""

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.apps import apps
from django.db import connection

from workers.models import Worker

from ..conftest import services_required
from ..workers.factories import WorkerFactory

ROOT = Path(__file__).resolve().parents[2]
HAVE_TOOLS = bool(shutil.which("pg_dump") and shutil.which("pg_restore"))
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))

if services_required() and not (HAVE_TOOLS and ON_POSTGRES):
    pytest.fail("the backup test needs pg_dump, pg_restore and DATABASE_URL on PostgreSQL in CI", pytrace=False)

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(not (HAVE_TOOLS and ON_POSTGRES), reason="needs pg_dump, pg_restore and PostgreSQL"),
]


def url_for(name: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


def run(script, *args, **env):
    full = {**os.environ, **env}
    return subprocess.run(  # noqa: S603
        ["bash", str(ROOT / "deploy" / script), *args], env=full, capture_output=True, text=True, timeout=300  # noqa: S607
    )


def row_counts(cursor) -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            cursor.execute(f'SELECT count(*) FROM "{model._meta.db_table}"')  # noqa: S608 - table names from the models
            counts[model._meta.db_table] = cursor.fetchone()[0]
    return counts


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_backup_restores_into_a_fresh_database_with_identical_rows(tmp_path):
    first = WorkerFactory(national_id="111222333", passport_number="N0000001")
    WorkerFactory.create_batch(3)
    media = tmp_path / "media"
    (media / "reports").mkdir(parents=True)
    (media / "reports" / "figures.csv").write_text("month,workers\n2026-11,12\n")
    source_db = connection.settings_dict["NAME"]

    backup = run("backup.sh", DATABASE_URL=url_for(source_db), BACKUP_DIR=str(tmp_path / "b"), MEDIA_ROOT=str(media))
    assert backup.returncode == 0, backup.stderr
    (dump,) = (tmp_path / "b").glob("portal-*.dump")
    assert Path(str(dump).removesuffix(".dump") + "-media.tar.gz").exists()

    target = f"restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(url_for("postgres"))
    admin.autocommit = True
    admin.cursor().execute(f"CREATE DATABASE {target}")
    try:
        restored_media = tmp_path / "restored-media"
        result = run("restore.sh", str(dump), DATABASE_URL=url_for(target), MEDIA_ROOT=str(restored_media))
        assert result.returncode == 0, result.stderr
        with connection.cursor() as cursor:
            expected = row_counts(cursor)
        with psycopg2.connect(url_for(target)) as restored, restored.cursor() as cursor:
            assert row_counts(cursor) == expected
            assert expected["workers_worker"] == 4
            cursor.execute("SELECT national_id FROM workers_worker WHERE id = %s", [first.pk])
            token = cursor.fetchone()[0]
        # Stored encrypted, and readable with the portal's keys.
        assert "111222333" not in token
        assert Worker._meta.get_field("national_id").to_python(token) == "111222333"
        assert (restored_media / "reports" / "figures.csv").read_text() == "month,workers\n2026-11,12\n"
    finally:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {target} WITH (FORCE)")
        admin.close()


def test_backups_beyond_the_retention_count_are_deleted(tmp_path):
    backups = tmp_path / "b"
    backups.mkdir()
    for stamp in ("20250101T000000Z", "20250102T000000Z", "20250103T000000Z"):
        (backups / f"portal-{stamp}.dump").write_bytes(b"old")
        (backups / f"portal-{stamp}-media.tar.gz").write_bytes(b"old")
    source = url_for(connection.settings_dict["NAME"])
    result = run("backup.sh", DATABASE_URL=source, BACKUP_DIR=str(backups), BACKUP_KEEP="2", MEDIA_ROOT="")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in backups.iterdir())
    # The new one and the newest old one are kept, with its media; the two oldest go.
    assert next(n for n in names if n.endswith(".dump")) == "portal-20250103T000000Z.dump"
    assert len([n for n in names if n.endswith(".dump")]) == 2
    assert "portal-20250103T000000Z-media.tar.gz" in names
    assert "portal-20250102T000000Z.dump" not in names and "portal-20250101T000000Z-media.tar.gz" not in names


def test_restore_refuses_a_missing_file(tmp_path):
    result = run("restore.sh", str(tmp_path / "nope.dump"), DATABASE_URL="postgres://nobody@127.0.0.1:1/none")
    assert result.returncode == 2 and "no such file" in result.stderr
