"""Seed the standard registers of GB/T 31000-2015 (adds what is missing, changes nothing)."""

from django.db import migrations


def seed(apps, schema_editor):
    from fengqiao.basedata.registers import seed_standard_registers

    seed_standard_registers(
        apps.get_model("basedata", "Register"),
        apps.get_model("basedata", "RegisterField"),
        apps.get_model("basedata", "VisitFrequency"),
    )


class Migration(migrations.Migration):
    dependencies = [("basedata", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
