"""The text search's GIN index moves off the case row, onto cases_case_text: a copy of each case's
title and description that triggers on the case table keep (fengqiao/cases/search.py, TRIGGERS).

The case row had every index, the GIN among them, written on each of its non-HOT updates, and the
sweep's escalation changes indexed columns, so no escalation was HOT: at 10,000,000 cases 5,000
escalations took 3.7–5.1 s with the GIN and 0.81–0.85 s without it (docs/PERFORMANCE.md, sweep).
The copy is written only when the text changes. The gram shares now come from the index's own
expression statistics (no partial predicate any more), not from a statistics object.

PostgreSQL: the old index and statistics object are dropped, the triggers made, every case copied
and the index built, then ANALYZE, in one transaction: writes to the case table wait meanwhile
(minutes at 10,000,000 cases: docs/PERFORMANCE.md). SQLite gets the empty table only (its search is
a LIKE)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

from fengqiao.cases import search

first = importlib.import_module("fengqiao.cases.migrations.0008_case_text_grams")


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(first.DROP_STATISTICS)
    schema_editor.execute(search.DROP_INDEX)  # cases/0008's, on the case table: the same name
    schema_editor.execute(search.TRIGGERS)
    schema_editor.execute(
        f"INSERT INTO {search.TEXT_TABLE} (case_id, title, description) SELECT id, title, description FROM cases_case"
    )
    schema_editor.execute(search.CREATE_INDEX)
    schema_editor.execute(search.SET_STATISTICS)
    schema_editor.execute(f"ANALYZE {search.TEXT_TABLE}")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(search.DROP_TRIGGERS)
    schema_editor.execute(search.DROP_INDEX)
    schema_editor.execute(first.INDEX)
    schema_editor.execute(first.CREATE_STATISTICS)
    schema_editor.execute("ANALYZE cases_case")


class Migration(migrations.Migration):
    dependencies = [("cases", "0012_case_text_grams_schema")]

    operations = [
        migrations.CreateModel(
            name="CaseText",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="cases.case",
                    ),
                ),
                ("title", models.CharField(blank=True, max_length=200)),
                ("description", models.TextField()),
            ],
            options={"db_table": "cases_case_text"},
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
