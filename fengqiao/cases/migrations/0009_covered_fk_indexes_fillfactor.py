"""Fewer index writes per sweep and per intake.

- The foreign-key indexes that a composite index already leads with are dropped: clock.case_id
  (clock_case_outcome), card.clock_id (card_once_per_clock's unique index), card.unit_id
  (card_unit_at) and timelineentry.case_id (timeline_case_at). Every lookup and every cascade or
  PROTECT check by those columns is served by the composite index; each dropped index was one more
  insertion per clock, card and timeline entry written (the sweep writes ~15 rows per escalation).
- cases_case gets fillfactor 90 on PostgreSQL: an update that changes no indexed column (the
  sweep's yellow card touches only updated_at; reading marks, counters) can then stay on its page
  as a HOT update and write no index entry at all. It applies to pages written from now on: an
  existing large table gets it at its next rewrite (VACUUM FULL / pg_repack), or as it turns over.

Measured on a 300,000-case sweep slice (bench/bench_sweep.py, WAL records, load-independent):
366,542 -> 281,789 WAL records with the indexes gone; the yellow-card update 4.8 -> 1.9 WAL records
a row with the fillfactor (docs/PERFORMANCE.md, the sweep section).

The indexes are dropped by introspection (migration_helpers.drop_own_indexes), not by AlterField.
"""

import django.db.models.deletion
from django.db import migrations, models

from fengqiao.cases.migration_helpers import create_own_indexes, drop_own_indexes

# (table, column) of the foreign keys whose own index goes.
COVERED = (
    ("cases_clock", "case_id"),
    ("cases_card", "clock_id"),
    ("cases_card", "unit_id"),
    ("cases_timelineentry", "case_id"),
)


def drop_covered_indexes(apps, schema_editor):
    for table, column in COVERED:
        drop_own_indexes(schema_editor, table, [column])


def restore_covered_indexes(apps, schema_editor):
    for table, column in COVERED:
        create_own_indexes(apps, schema_editor, table, [column])


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case SET (fillfactor = 90)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_case RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0008_case_text_grams"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="card",
                    name="clock",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="cards",
                        to="cases.clock",
                    ),
                ),
                migrations.AlterField(
                    model_name="card",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cards",
                        to="accounts.unit",
                    ),
                ),
                migrations.AlterField(
                    model_name="clock",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clocks",
                        to="cases.case",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineentry",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="timeline",
                        to="cases.case",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_covered_indexes, restore_covered_indexes, elidable=True),
            ],
        ),
        migrations.RunPython(set_fillfactor, reset_fillfactor, elidable=True),
    ]
