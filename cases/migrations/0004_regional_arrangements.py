"""The maintained list of regional and subregional arrangements, as it stood when loaded.
Administrators add, rename or retire entries in the admin site."""

from django.db import migrations

ARRANGEMENTS = (
    ("AU", "African Union"),
    ("ECOWAS", "Economic Community of West African States"),
    ("IGAD", "Intergovernmental Authority on Development"),
    ("SADC", "Southern African Development Community"),
    ("EAC", "East African Community"),
    ("ECCAS", "Economic Community of Central African States"),
    ("ASEAN", "Association of Southeast Asian Nations"),
    ("OAS", "Organization of American States"),
    ("EU", "European Union"),
    ("OSCE", "Organization for Security and Co-operation in Europe"),
    ("LAS", "League of Arab States"),
    ("OIC", "Organisation of Islamic Cooperation"),
    ("PIF", "Pacific Islands Forum"),
    ("CoE", "Council of Europe"),
    ("ICGLR", "International Conference on the Great Lakes Region"),
    ("SAARC", "South Asian Association for Regional Cooperation"),
)


def load(apps, schema_editor):
    RegionalArrangement = apps.get_model("cases", "RegionalArrangement")
    for acronym, name in ARRANGEMENTS:
        RegionalArrangement.objects.get_or_create(acronym=acronym, defaults={"name": name})


def unload(apps, schema_editor):
    apps.get_model("cases", "RegionalArrangement").objects.filter(
        acronym__in=[a for a, _ in ARRANGEMENTS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0003_escalations")]
    operations = [migrations.RunPython(load, unload)]
