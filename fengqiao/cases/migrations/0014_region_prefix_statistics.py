"""Statistics on the county prefix the case list filters by, `left(region_code, 6)`. PostgreSQL only.

The list index keyed by it (case_list_county, cases/0007) is partial, and the planner ignores a
partial index's expression statistics, so it estimated every county at its default 0.5% of the
cases (1,500 of 300,000 for a county holding 17,444). While the text search's GIN was on the case
row, the bitmaps of the two were ANDed and the error did not show; with the GIN on
cases_case_text (cases/0013) the planner has to choose between reading the county and probing the
texts, or reading the texts' index and fetching those cases, and a county looking 12 times smaller
than it is made it read the whole county for a rare word. One expression statistics object at the
default target (ANALYZE computes the prefix of its 30,000-row sample: milliseconds); nothing on
writes. A township's default estimate (0.5%) is larger than a real township, which errs on the
safe side: none for it."""

from django.db import migrations

STATISTICS = (("case_region_county", 6),)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, length in STATISTICS:
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} ON (left(region_code, {length})) FROM cases_case"
        )
    schema_editor.execute("ANALYZE cases_case")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _ in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0013_case_text")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
