"""The text search's index (PostgreSQL only): case_text_grams, a GIN index of every character and
every two-character window of the upper-cased title and description of each listed case, and the
two IMMUTABLE SQL functions it and the query use (fengqiao/cases/search.py explains the search).

SQLite gets nothing: its list keeps the plain LIKE.

At 10,000,000 cases the index takes ~10 min to build (docs/PERFORMANCE.md) and blocks writes to the
case table meanwhile; on a live system create the functions and build it first by hand with
CREATE INDEX CONCURRENTLY under the same name (`fengqiao sqlmigrate cases 0008` does not print it:
the statements are fengqiao.cases.search.CREATE_FUNCTIONS and INDEX below) — it is not re-created
if it exists. The statistics object case_text_grams_stats (CREATE_STATISTICS: the partial index's
own expression statistics are ignored by the planner) and the ANALYZE give the gram shares by
which search.text_q and the planner choose between the GIN bitmap (a rare word) and the ordered
list index (a common one)."""

from django.db import migrations

from fengqiao.cases import search

# This migration's own index and statistics object, on the case table itself (cases/0013 moved
# them to cases_case_text, and puts these back when reversed).
INDEX = (
    f"CREATE INDEX IF NOT EXISTS {search.INDEX} ON cases_case USING gin "
    f'(({search.GRAMS_FUNCTION}(title, description)) COLLATE "C") WHERE merged_into_id IS NULL'
)
STATISTICS = "case_text_grams_stats"
CREATE_STATISTICS = (
    f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} ON ({search.GRAMS_FUNCTION}(title, description)) FROM cases_case;"
    f"ALTER STATISTICS {STATISTICS} SET STATISTICS {search.STATISTICS_TARGET}"
)
DROP_STATISTICS = f"DROP STATISTICS IF EXISTS {STATISTICS}"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(search.CREATE_FUNCTIONS)
    schema_editor.execute(INDEX)
    schema_editor.execute(CREATE_STATISTICS)
    schema_editor.execute("ANALYZE cases_case")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP_STATISTICS)
    schema_editor.execute(search.DROP_INDEX)
    schema_editor.execute(search.DROP_FUNCTIONS)


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_case_list_indexes")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
