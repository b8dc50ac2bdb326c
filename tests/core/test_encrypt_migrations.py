"""The migrations that encrypt free text convert the rows already there, and can be reversed.

Rows are written in clear with the models as they were before (the migration executor's
historical models), the encrypting migrations are applied, and the raw columns are read.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("complaints", "0002_default_time_limits"), ("workers", "0004_statistics_index")]
AFTER = [("complaints", "0003_encrypt_free_text"), ("workers", "0005_encrypt_free_text")]

NARRATIVE = "Locked in the dormitory in Rayong; passport taken by the broker."
KIN = "Chan Dara (mother)"


def _raw(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_existing_rows_are_encrypted_and_survive_a_round_trip(django_user_model):
    apps = _migrate(BEFORE)
    try:
        Province = apps.get_model("reference", "Province")
        Worker = apps.get_model("workers", "Worker")
        Complaint = apps.get_model("complaints", "Complaint")
        province = Province.objects.get(code="12")
        worker = Worker.objects.create(name_latin="Srey Pov", sex="F", date_of_birth=date(1995, 3, 2), home_province=province,
                                       next_of_kin_name=KIN)
        empty = Worker.objects.create(name_latin="Sok Dara", sex="M", date_of_birth=date(1990, 1, 1), home_province=province)
        complaint = Complaint.objects.create(ref="C26-MIGRATE", complainant_type="worker", worker=worker, lodged_at="province",
                                             lodged_province=province, channel="walk_in", narrative=NARRATIVE,
                                             confidential_notes="")
        assert _raw("SELECT narrative FROM complaints_complaint WHERE id = %s", [complaint.pk]) == NARRATIVE

        apps = _migrate(AFTER)
        raw_narrative = _raw("SELECT narrative FROM complaints_complaint WHERE id = %s", [complaint.pk])
        raw_kin = _raw("SELECT next_of_kin_name FROM workers_worker WHERE id = %s", [worker.pk])
        assert raw_narrative.startswith("gAAAAA") and "Rayong" not in raw_narrative
        assert raw_kin.startswith("gAAAAA") and "Dara" not in raw_kin
        assert _raw("SELECT next_of_kin_name FROM workers_worker WHERE id = %s", [empty.pk]) == ""
        assert _raw("SELECT confidential_notes FROM complaints_complaint WHERE id = %s", [complaint.pk]) == ""
        # The current models read them back in clear.
        from complaints.models import Complaint as CurrentComplaint
        from workers.models import Worker as CurrentWorker

        assert CurrentComplaint.objects.get(pk=complaint.pk).narrative == NARRATIVE
        assert CurrentWorker.objects.get(pk=worker.pk).next_of_kin_name == KIN

        # Backwards: clear text again, as the models before expect.
        _migrate(BEFORE)
        assert _raw("SELECT narrative FROM complaints_complaint WHERE id = %s", [complaint.pk]) == NARRATIVE
        assert _raw("SELECT next_of_kin_name FROM workers_worker WHERE id = %s", [worker.pk]) == KIN
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
