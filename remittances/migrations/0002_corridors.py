from django.db import migrations

# The main corridors into Cambodia, in the sending country's currency.
CORRIDORS = {"TH": "THB", "KR": "KRW", "MY": "MYR", "JP": "JPY", "SG": "SGD", "HK": "HKD", "SA": "SAR", "KW": "KWD", "QA": "QAR", "TW": "TWD"}


def load(apps, schema_editor):
    Country = apps.get_model("reference", "Country")
    Corridor = apps.get_model("remittances", "Corridor")
    for code, currency in CORRIDORS.items():
        country = Country.objects.filter(code=code).first()
        if country:
            Corridor.objects.get_or_create(country=country, defaults={"currency": currency})


class Migration(migrations.Migration):
    dependencies = [("remittances", "0001_initial"), ("reference", "0002_load_reference_data")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
