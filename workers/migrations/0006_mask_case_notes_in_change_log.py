"""Mask, in change-log entries written before, the reintegration cases' free text that the log now masks."""

from django.db import migrations

from migration_portal.core.audit import redaction_of_past_entries

MASKED = {"reintegrationcase": ["needs", "assessment_notes"], "referral": ["outcome_note"]}


class Migration(migrations.Migration):
    dependencies = [
        ("workers", "0005_encrypt_free_text"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(redaction_of_past_entries("workers", MASKED), migrations.RunPython.noop, elidable=True),
    ]
