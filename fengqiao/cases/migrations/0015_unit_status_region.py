"""case_unit_status gets region_code as its last column.

A user with a unit sees their region plus their unit's cases outside it; the list first finds those
outside by the handling unit (selectors._unit_cases_outside). For a county's centre that meant
reading its ~16,800 cases from the heap to find none outside (16-18 ms of every page at
10,000,000 cases). With the region in the index entry it is an index-only scan. No new index: an
escalation changes the handling unit, so it wrote an entry in this index already. A key column,
not INCLUDE: btree deduplication, which INCLUDE turns off, keeps the index at 79 MB at 10,000,000
cases (70 MB before; 476 MB with INCLUDE). The rebuild takes ~11 s there and blocks writes to the
case table meanwhile."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0014_region_prefix_statistics"),
        ("regions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="case",
            name="case_unit_status",
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["handling_unit", "status", "region"], name="case_unit_status"),
        ),
    ]
