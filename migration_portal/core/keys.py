"""Key rotation for the encrypted personal identifiers (django-fernet-encrypted-fields).

The library derives one Fernet key per (secret, salt) pair, for every secret in
``[SECRET_KEY, *SECRET_KEY_FALLBACKS]`` and every salt in ``SALT_KEY`` (a list), in that
order: it encrypts with the first and decrypts with any. So a new key is introduced by
putting it first (``SALT_KEY=new,old``, or ``SECRET_KEY=new`` with the old one in
``SECRET_KEY_FALLBACKS``), every stored value is re-encrypted under it, and only then is
the old one removed. The library keeps a value it cannot decrypt as it is, silently;
everything here reads the stored token itself and stops on one that no key opens.
"""

import base64
from collections.abc import Iterator

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.apps import apps
from django.conf import settings
from django.db import connections, router, transaction
from encrypted_fields.fields import EncryptedFieldMixin


def derived_keys() -> list[bytes]:
    """The keys in the library's order, from the settings as they are now."""
    salts = settings.SALT_KEY if isinstance(settings.SALT_KEY, list | tuple) else [settings.SALT_KEY]
    keys = []
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        for salt in salts:
            kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), iterations=100_000)
            keys.append(base64.urlsafe_b64encode(kdf.derive(secret.encode())))
    return keys


def encrypted_fields() -> Iterator[tuple[type, list]]:
    """Every model with encrypted fields, found through the app registry."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]
        if fields:
            yield model, fields


def reset_field_keys() -> None:
    """Forget the keys each field cached, so it derives them again from the settings."""
    for _model, fields in encrypted_fields():
        for field in fields:
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)


class UndecryptableValueError(Exception):
    def __init__(self, model, pk, field):
        super().__init__(f"{model._meta.label} #{pk}: {field.name} cannot be decrypted with any configured key")


def for_each_raw_row(model, fields, handle, *, batch_size: int, extra_columns=()) -> None:
    """Call ``handle(connection, row)`` for every row as (pk, *raw column values), in
    batches by primary key, each batch in its own transaction with its rows locked: an
    exception from ``handle`` rolls back that batch (the earlier ones stay done) and
    propagates."""
    db = router.db_for_write(model)
    conn = connections[db]
    qn = conn.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    columns = ", ".join([pk, *(qn(f.column) for f in fields), *(qn(c) for c in extra_columns)])
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""
    last = None
    while True:
        with transaction.atomic(using=db):
            where = f" WHERE {pk} > %s" if last is not None else ""
            params = [last] if last is not None else []
            with conn.cursor() as cursor:
                cursor.execute(f"SELECT {columns} FROM {table}{where} ORDER BY {pk} LIMIT %s{lock}", [*params, batch_size])  # noqa: S608 - names from the model's meta
                rows = cursor.fetchall()
            for row in rows:
                handle(conn, row)
        if len(rows) < batch_size:
            return
        last = rows[-1][0]


def reencrypt_model(model, fields, *, batch_size: int = 500) -> tuple[int, int]:
    """Re-encrypt ``fields`` of every row of ``model`` under the first key.

    Returns (values re-encrypted, values already under the first key). Each batch is
    all-or-nothing; a value already under the first key is left alone, so a run that
    stopped is simply started again.
    """
    keys = derived_keys()
    current = Fernet(keys[0])
    every = MultiFernet([Fernet(k) for k in keys])
    qn = connections[router.db_for_write(model)].ops.quote_name
    counts = {"changed": 0, "unchanged": 0}

    def handle(conn, row):
        updates = {}
        for field, token in zip(fields, row[1:], strict=True):
            if not token:
                continue
            try:
                current.decrypt(token.encode())
                counts["unchanged"] += 1
                continue
            except InvalidToken:
                pass
            try:
                updates[field.column] = every.rotate(token.encode()).decode()
            except InvalidToken:
                raise UndecryptableValueError(model, row[0], field) from None
        if updates:
            sets = ", ".join(f"{qn(col)} = %s" for col in updates)
            with conn.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {qn(model._meta.db_table)} SET {sets} WHERE {qn(model._meta.pk.column)} = %s",  # noqa: S608
                    [*updates.values(), row[0]],
                )
            counts["changed"] += len(updates)

    for_each_raw_row(model, fields, handle, batch_size=batch_size)
    return counts["changed"], counts["unchanged"]


def all_keys() -> MultiFernet:
    """Every configured key (derive once per run: each derivation is 100,000 rounds)."""
    return MultiFernet([Fernet(k) for k in derived_keys()])


def decrypt_raw(keys: MultiFernet, token: str | None) -> str | None:
    """The plain value of a stored token; InvalidToken when no key opens it."""
    if not token:
        return token
    return keys.decrypt(token.encode()).decode()
