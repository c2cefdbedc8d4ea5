"""The catalogue of response instruments."""

from django.db import migrations


def load(apps, schema_editor):
    from assessments.instruments import INSTRUMENTS

    Instrument = apps.get_model("assessments", "Instrument")
    Instrument.objects.bulk_create(
        Instrument(
            key=key,
            name=name,
            pillar=pillar,
            typical_actor=actor,
            description=description,
            position=position,
        )
        for position, (key, name, pillar, actor, description) in enumerate(INSTRUMENTS, start=1)
    )


def unload(apps, schema_editor):
    apps.get_model("assessments", "Instrument").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_framework_2014")]
    operations = [migrations.RunPython(load, unload)]
