"""case_text_grams (cases/0010) calls case_text_grams_windows by its schema-qualified name.

pg_restore builds the text search's index with an empty search_path, where cases/0010's unqualified
call of case_text_grams_windows found nothing and the restore failed (`fengqiao restore` of a
`fengqiao backup`). CREATE OR REPLACE with the same body, the call qualified by the current schema:
the same grams, still inlined, no rebuild. PostgreSQL only."""

from django.db import migrations

from fengqiao.cases import search


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(search.CREATE_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_partial_fk_indexes")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)]
