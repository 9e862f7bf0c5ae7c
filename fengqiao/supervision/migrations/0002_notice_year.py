"""Letters are numbered per local year, and a number is taken once (督字〔YYYY〕N号)."""

from django.db import migrations, models
from django.utils import timezone


def fill_year(apps, schema_editor):
    Notice = apps.get_model("supervision", "SupervisionNotice")
    for notice in Notice.objects.all().only("pk", "issued_at"):
        Notice.objects.filter(pk=notice.pk).update(year=timezone.localtime(notice.issued_at).year)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="supervisionnotice",
            name="year",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="文号年份"),
            preserve_default=False,
        ),
        migrations.RunPython(fill_year, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="supervisionnotice",
            constraint=models.UniqueConstraint(fields=("year", "serial"), name="supervision_number_once"),
        ),
    ]
