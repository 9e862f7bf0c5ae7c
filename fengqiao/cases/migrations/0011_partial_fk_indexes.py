"""Foreign keys that are NULL on most rows get partial indexes (WHERE … IS NOT NULL) in place of
Django's full ones: cases_case.created_by, resolved_by and merged_into, and
cases_timelineentry.actor. An open case has no resolver, almost none is merged, a case from the
portal or a bulk load has no registering user, and the sweep's timeline entries have no actor; yet
every one of those rows had an entry in each full index. Every query by these columns asks for a
value (a lookup, or the check when a user or a case is deleted), which the partial index answers.

Why now: an escalation changes indexed columns, so it is never a HOT update and writes one entry
into every index of the case table; the sweep writes ~4 timeline entries per escalation. Measured on
a 1,000,000-case sweep slice (docs/PERFORMANCE.md, the sweep section): with these partial indexes
(and a partial client_id key, not done here) -10% WAL and -7% PostgreSQL CPU per escalation.

The full indexes are dropped by introspection (migration_helpers.drop_own_indexes), not by
AlterField, which would also drop and re-validate each foreign key (a scan of the whole table under
lock) on PostgreSQL and rebuild the table on SQLite. On a large live database run it in a quiet
hour: each CREATE INDEX blocks writes to its table while it builds (seconds per million rows).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from fengqiao.cases.migration_helpers import create_own_indexes, drop_own_indexes

OWN_INDEXES = (
    ("cases_case", ("created_by_id", "resolved_by_id", "merged_into_id")),
    ("cases_timelineentry", ("actor_id",)),
)


def drop_full_indexes(apps, schema_editor):
    for table, columns in OWN_INDEXES:
        drop_own_indexes(schema_editor, table, columns)


def restore_full_indexes(apps, schema_editor):
    for table, columns in OWN_INDEXES:
        create_own_indexes(apps, schema_editor, table, columns)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("cases", "0010_case_text_grams_inline"),
        ("regions", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="登记人",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="merged_into",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="merged_cases",
                        to="cases.case",
                        verbose_name="并入",
                    ),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="resolved_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="办结人",
                    ),
                ),
                migrations.AlterField(
                    model_name="timelineentry",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_full_indexes, restore_full_indexes)],
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)),
                fields=["created_by"],
                name="case_created_by",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("resolved_by__isnull", False)),
                fields=["resolved_by"],
                name="case_resolved_by",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="case_merged_into",
            ),
        ),
        migrations.AddIndex(
            model_name="timelineentry",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)), fields=["actor"], name="timeline_actor"
            ),
        ),
    ]
