"""Tokens of DRF's authtoken app (key kept in clear) become API tokens stored as a digest.

Each existing token keeps working unchanged for its owner (same ``Token <key>`` header)
until it expires a year after this migration; then the old table, with the keys in
clear, is dropped. Nothing happens on a database that never had the table.
"""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

OLD_TABLE = "authtoken_token"


def move_tokens(apps, schema_editor):
    from knox.crypto import hash_token
    from knox.settings import CONSTANTS

    connection = schema_editor.connection
    if OLD_TABLE not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("accounts", "ApiToken")
    expiry = timezone.now() + timedelta(days=365)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT key, user_id, created FROM {OLD_TABLE}")  # noqa: S608 - constant name
        rows = cursor.fetchall()
    for key, user_id, created in rows:
        token = ApiToken(
            digest=hash_token(key),
            token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
            user_id=user_id,
            expiry=expiry,
            name="API token (migrated)",
        )
        token.save()
        ApiToken.objects.filter(pk=token.pk).update(created=created)
    schema_editor.execute(f"DROP TABLE {OLD_TABLE}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_session_epoch_and_api_tokens")]

    operations = [migrations.RunPython(move_tokens, migrations.RunPython.noop)]
