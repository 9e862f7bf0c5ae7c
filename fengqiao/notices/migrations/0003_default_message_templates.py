from django.db import migrations


def seed(apps, schema_editor):
    from fengqiao.notices.models import seed_templates

    seed_templates(apps.get_model("notices", "MessageTemplate"))


class Migration(migrations.Migration):
    dependencies = [("notices", "0002_templates_and_sms_outbox")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
