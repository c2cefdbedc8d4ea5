"""Catalogue version 1: the Framework of Analysis for Atrocity Crimes (2014)."""

from datetime import date

from django.db import migrations


def load(apps, schema_editor):
    from assessments import framework_2014 as framework

    Catalogue = apps.get_model("assessments", "Catalogue")
    RiskFactor = apps.get_model("assessments", "RiskFactor")
    Indicator = apps.get_model("assessments", "Indicator")
    catalogue = Catalogue.objects.create(
        version=framework.VERSION, title=framework.TITLE, released_on=date(2014, 10, 1)
    )
    for number, title, scope, definition, indicators in framework.FACTORS:
        factor = RiskFactor.objects.create(
            catalogue=catalogue, number=number, title=title, scope=scope, definition=definition
        )
        Indicator.objects.bulk_create(
            Indicator(factor=factor, code=code, position=position, statement=statement)
            for position, (code, statement) in enumerate(indicators, start=1)
        )


def unload(apps, schema_editor):
    from assessments import framework_2014 as framework

    Catalogue = apps.get_model("assessments", "Catalogue")
    catalogue = Catalogue.objects.get(version=framework.VERSION)
    apps.get_model("assessments", "Indicator").objects.filter(
        factor__catalogue=catalogue
    ).delete()
    catalogue.factors.all().delete()
    catalogue.delete()


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
