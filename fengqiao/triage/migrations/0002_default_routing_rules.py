from django.db import migrations


def seed(apps, schema_editor):
    from fengqiao.triage.routing import seed_default_rules

    seed_default_rules(apps.get_model("triage", "RoutingRule"))


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
