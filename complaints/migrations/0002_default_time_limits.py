from django.db import migrations

DEFAULTS = {"received": 3, "assessment": 14, "scheduled": 21, "held": 14}


def load(apps, schema_editor):
    StageTimeLimit = apps.get_model("complaints", "StageTimeLimit")
    for stage, days in DEFAULTS.items():
        StageTimeLimit.objects.get_or_create(stage=stage, defaults={"days": days, "remind_days_before": 2})


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
