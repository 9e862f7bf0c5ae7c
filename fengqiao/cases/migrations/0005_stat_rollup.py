"""The statistics rollup (fengqiao/cases/rollups.py): two tables kept current by triggers on the case
and card tables, filled from the existing cases. Raw SQL, no models: only rollups.py reads them."""

from django.db import migrations


def forward(apps, schema_editor):
    from fengqiao.cases import rollups

    rollups.install()


def backward(apps, schema_editor):
    from fengqiao.cases import rollups

    rollups.uninstall()


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_list_keyset_index")]

    operations = [migrations.RunPython(forward, backward)]
