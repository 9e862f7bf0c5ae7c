"""The case list's indexes for any region, and the case table's indexes that no query needs.

- case_list_county / case_list_township: the list's order (pinned, reported_at, id) under the first
  6 / 9 digits of the region code, so a county's or a township's first page is an ordered index
  scan (the list query adds `left(region_code, n) = prefix` beside the code range).
- case_list_keyset (from 0004, the province's order) and both new ones carry the list's equality
  filters after the key, so a filter is checked on the index entry instead of on the row.
- Dropped: the foreign-key indexes on region_code and handling_unit_id (each is the leading column
  of case_region_reported / case_unit_status) and the varchar_pattern_ops twins of region_code and
  number (they serve only LIKE 'prefix%', which no query on this table uses: regions are ranges,
  numbers are looked up by equality). Four fewer index insertions per intake.

At 10,000,000 cases each new index takes a minute or two to build and blocks writes to the case
table meanwhile; on a live system build them first by hand with CREATE INDEX CONCURRENTLY under
the same names (`sqlmigrate cases 0007` prints the statements) — none is re-created if it exists.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models.functions import Left

from fengqiao.cases.migration_helpers import drop_own_indexes

FILTERS = ["status", "category", "level", "channel", "overdue"]
LIVE = models.Q(merged_into__isnull=True)


# Django's own indexes for the two foreign keys and the LIKE twins ("cases_case_<column>_<hash>"
# and "…_like"); the model's named indexes (case_needs_triage is also on region_code) are kept.
DROPPED_COLUMNS = ("region_code", "handling_unit_id", "number")


def drop_unused_indexes(apps, schema_editor):
    """The foreign keys' indexes and the varchar_pattern_ops twins."""
    drop_own_indexes(schema_editor, "cases_case", DROPPED_COLUMNS)


def restore_unused_indexes(apps, schema_editor):
    model = apps.get_model("cases", "Case")
    for name in ("region", "handling_unit"):
        field = model._meta.get_field(name)
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))
    if schema_editor.connection.vendor == "postgresql":
        for name in ("region", "number"):
            statement = schema_editor._create_like_index_sql(model, model._meta.get_field(name))
            if statement is not None:
                schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0006_grid_category_index"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="handling_unit",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="handled_cases",
                        to="accounts.unit",
                        verbose_name="承办单位",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="region",
                    field=models.ForeignKey(
                        db_column="region_code",
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cases",
                        to="regions.region",
                        verbose_name="所属区划",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_unused_indexes, restore_unused_indexes, elidable=True),
            ],
        ),
        # 0004 made the keyset index by SQL (outside the model's state); it is now the model's.
        migrations.RunSQL(
            "DROP INDEX IF EXISTS case_list_keyset",
            'CREATE INDEX IF NOT EXISTS case_list_keyset ON cases_case ("pinned", "reported_at", "id") '
            'WHERE "merged_into_id" IS NULL',
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=["pinned", "reported_at", "id", *FILTERS], name="case_list_keyset", condition=LIVE
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                Left("region", 6),
                *("pinned", "reported_at", "id", *FILTERS),
                name="case_list_county",
                condition=LIVE,
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                Left("region", 9),
                *("pinned", "reported_at", "id", *FILTERS),
                name="case_list_township",
                condition=LIVE,
            ),
        ),
    ]
