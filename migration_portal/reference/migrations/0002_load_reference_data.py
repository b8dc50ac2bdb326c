from django.db import migrations


def load(apps, schema_editor):
    from migration_portal.reference import data

    Province = apps.get_model("reference", "Province")
    Country = apps.get_model("reference", "Country")
    Sector = apps.get_model("reference", "Sector")
    Checkpoint = apps.get_model("reference", "Checkpoint")
    for code, name, name_km in data.PROVINCES:
        Province.objects.update_or_create(code=code, defaults={"name": name, "name_km": name_km})
    for code, name, name_km, currency, agreement in data.COUNTRIES:
        Country.objects.update_or_create(
            code=code, defaults={"name": name, "name_km": name_km, "currency": currency, "has_agreement": agreement}
        )
    for code, name, name_km in data.SECTORS:
        Sector.objects.update_or_create(code=code, defaults={"name": name, "name_km": name_km})
    for code, name, name_km, province in data.CHECKPOINTS:
        Checkpoint.objects.update_or_create(
            code=code, defaults={"name": name, "name_km": name_km, "province": Province.objects.get(code=province)}
        )


class Migration(migrations.Migration):
    dependencies = [("reference", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
