"""Mask, in change-log entries written before, the free text of cases that the log now masks."""

from django.db import migrations

from migration_portal.core.audit import redaction_of_past_entries

MASKED = {
    "complaint": ["narrative", "confidential_notes", "trafficking_indicators", "complainant_name", "complainant_phone"],
    "respondent": ["details"],
    "attachment": ["description"],
    "conciliationmeeting": ["participants", "agency_response", "minutes"],
    "settlement": ["terms"],
    "agencyresponse": ["text"],
    "legalaidreferral": ["result"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0003_encrypt_free_text"),
        ("auditlog", "0017_add_actor_email"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(
            redaction_of_past_entries("complaints", MASKED, redacted_repr=("attachment",)), migrations.RunPython.noop, elidable=True
        ),
    ]
