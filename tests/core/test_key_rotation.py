"""Key rotation: re-encrypting every encrypted field, and recomputing the lookup hashes."""

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from migration_portal.core.keys import derived_keys, encrypted_fields, reset_field_keys
from workers.models import Worker
from workers.pii import pii_hash

from ..workers.factories import WorkerFactory


@pytest.fixture(autouse=True)
def _fresh_keys(settings):
    """Fields cache the keys they derived; every settings change here must be seen."""
    settings.SECRET_KEY_FALLBACKS = []
    settings.SALT_KEY = ["old-salt"]
    reset_field_keys()
    yield
    reset_field_keys()


def use(settings, **values):
    for name, value in values.items():
        setattr(settings, name, value)
    reset_field_keys()


def raw(model, pk, column):
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def opens_with_only(settings, token, **values):
    use(settings, **values)
    try:
        Fernet(derived_keys()[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def test_every_encrypted_field_is_found_through_the_app_registry():
    found = {(model._meta.label, f.name) for model, fields in encrypted_fields() for f in fields}
    assert {
        ("workers.Worker", "national_id"),
        ("workers.Worker", "passport_number"),
        ("workers.Worker", "phone"),
        ("workers.Worker", "next_of_kin_phone"),
        ("complaints.Complaint", "complainant_phone"),
    } <= found


@pytest.mark.django_db
def test_salt_rotation_reencrypts_every_value_under_the_new_salt(settings):
    workers = [WorkerFactory(national_id=f"0100{i:05d}", next_of_kin_phone="") for i in range(5)]
    old_token = raw(Worker, workers[0].pk, "national_id")
    assert opens_with_only(settings, old_token, SALT_KEY=["old-salt"])

    use(settings, SALT_KEY=["new-salt", "old-salt"])
    call_command("rotate_encryption_keys", "--batch-size", "2", stdout=open("/dev/null", "w"))  # noqa: SIM115

    for w in workers:
        token = raw(Worker, w.pk, "national_id")
        assert token != old_token
        assert opens_with_only(settings, token, SALT_KEY=["new-salt"])
        assert not opens_with_only(settings, token, SALT_KEY=["old-salt"])
    # With the old salt gone, the portal still reads every number.
    use(settings, SALT_KEY=["new-salt"])
    assert sorted(Worker.objects.values_list("national_id", flat=True)) == [f"0100{i:05d}" for i in range(5)]


@pytest.mark.django_db
def test_secret_key_rotation_through_the_fallbacks(settings):
    w = WorkerFactory(passport_number="N1234567")
    use(settings, SECRET_KEY="new-secret-key", SECRET_KEY_FALLBACKS=[settings.SECRET_KEY])
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    use(settings, SECRET_KEY_FALLBACKS=[])
    assert Worker.objects.get(pk=w.pk).passport_number == "N1234567"


@pytest.mark.django_db
def test_without_the_command_the_old_values_are_lost_once_the_old_key_goes(settings):
    """The other side of the test above: the new key alone does not read old values."""
    w = WorkerFactory(passport_number="N7654321")
    use(settings, SALT_KEY=["new-salt"])
    assert Worker.objects.get(pk=w.pk).passport_number != "N7654321"


@pytest.mark.django_db
def test_a_second_run_changes_nothing_so_a_stopped_run_can_resume(settings):
    WorkerFactory.create_batch(3, next_of_kin_phone="")
    use(settings, SALT_KEY=["new-salt", "old-salt"])
    call_command("rotate_encryption_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    before = list(Worker.objects.order_by("pk").values_list("pk", flat=True))
    tokens = [raw(Worker, pk, "phone") for pk in before]

    from io import StringIO

    out = StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert [raw(Worker, pk, "phone") for pk in before] == tokens
    import re

    line = re.search(r"workers\.Worker \(([^)]*)\): (\d+) values re-encrypted, (\d+) already", out.getvalue())
    assert line and line.group(1) == "national_id, passport_number, phone, next_of_kin_name, next_of_kin_phone"
    assert line.group(2) == "0" and int(line.group(3)) >= 9  # three workers' three identity numbers at least


@pytest.mark.django_db
def test_a_value_no_key_opens_stops_the_run_and_rolls_back_its_batch(settings):
    first, second, third = WorkerFactory.create_batch(3)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE workers_worker SET phone = %s WHERE id = %s", ["not-a-token", second.pk])
    tokens_before = {w.pk: raw(Worker, w.pk, "national_id") for w in (first, second, third)}
    use(settings, SALT_KEY=["new-salt", "old-salt"])

    with pytest.raises(CommandError, match=f"workers.Worker #{second.pk}: phone"):
        # Batch of two: the first two rows are one batch, rolled back together.
        call_command("rotate_encryption_keys", "--batch-size", "2", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert {w.pk: raw(Worker, w.pk, "national_id") for w in (first, second, third)} == tokens_before


@pytest.mark.django_db
def test_a_batch_size_below_one_is_refused():
    with pytest.raises(CommandError, match="--batch-size"):
        call_command("rotate_encryption_keys", "--batch-size", "0")


@pytest.mark.django_db
def test_rehash_recomputes_the_lookup_hashes_under_the_new_key(settings):
    settings.PII_HASH_KEY = "old-hash-key"
    w = WorkerFactory(national_id="987654321", passport_number="N5550001", phone="012 345 678")
    assert Worker.objects.filter(national_id_hash=pii_hash("987654321", kind="national_id")).exists()

    settings.PII_HASH_KEY = "new-hash-key"
    # Before the command: the search by ID misses (the reason the command exists).
    assert not Worker.objects.filter(national_id_hash=pii_hash("987654321", kind="national_id")).exists()
    call_command("rehash_identifiers", "--batch-size", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115

    w.refresh_from_db()
    assert w.national_id_hash == pii_hash("987654321", kind="national_id")
    assert w.passport_hash == pii_hash("N5550001", kind="passport")
    assert w.phone_hash == pii_hash("012345678", kind="phone")

    from io import StringIO

    out = StringIO()
    call_command("rehash_identifiers", stdout=out)
    assert "workers.Worker: 0 rows rehashed, 1 already current." in out.getvalue()


@pytest.mark.django_db
def test_rehash_refuses_a_value_it_cannot_decrypt(settings):
    w = WorkerFactory()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE workers_worker SET national_id = %s WHERE id = %s", ["garbage", w.pk])
    with pytest.raises(CommandError, match=f"#{w.pk}: national_id"):
        call_command("rehash_identifiers", stdout=open("/dev/null", "w"))  # noqa: SIM115
