"""Migration cases/0009: a foreign key that a composite index leads with has no index of its own
(one index write fewer per clock, card and timeline entry), and lookups by it stay indexed.
Migration cases/0011: a foreign key NULL on most rows has a partial index, which lookups read."""

import pytest
from django.db import connection

COVERED = (
    ("cases_clock", "case_id"),
    ("cases_card", "clock_id"),
    ("cases_card", "unit_id"),
    ("cases_timelineentry", "case_id"),
    ("cases_case", "region_code"),
    ("cases_case", "handling_unit_id"),
)


def indexes_of(table: str) -> dict:
    """The table's indexes and unique constraints by name, as Django's introspection sees them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {name: info for name, info in constraints.items() if info["index"] or info["unique"]}


@pytest.mark.django_db
def test_a_covered_foreign_key_has_no_index_of_its_own_but_leads_another():
    for table, column in COVERED:
        indexes = indexes_of(table)
        # Django's own index for a foreign key is named "<table>_<column>_<hash>"; named ones such
        # as the partial case_needs_triage (on region_code) are deliberate.
        own = [
            name
            for name, info in indexes.items()
            if name.startswith(f"{table}_") and info["columns"] == [column]
        ]
        assert not [name for name in own if not indexes[name]["unique"]], (table, column, own)
        assert any(info["columns"] and info["columns"][0] == column for info in indexes.values()), (
            table,
            column,
        )


@pytest.mark.django_db
def test_the_case_table_leaves_room_for_updates_in_place_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("fillfactor is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'cases_case'")
        (options,) = cursor.fetchone()
    assert "fillfactor=90" in (options or [])


# Migration cases/0011: foreign keys NULL on most rows are indexed only where set.
PARTIAL = (
    ("cases_case", "created_by_id", "case_created_by"),
    ("cases_case", "resolved_by_id", "case_resolved_by"),
    ("cases_case", "merged_into_id", "case_merged_into"),
    ("cases_timelineentry", "actor_id", "timeline_actor"),
)


@pytest.mark.django_db
def test_a_mostly_null_foreign_key_has_only_its_partial_index():
    for table, column, name in PARTIAL:
        alone = [key for key, info in indexes_of(table).items() if info["columns"] == [column]]
        assert alone == [name], (table, column, alone)


@pytest.mark.django_db
def test_a_lookup_by_a_mostly_null_foreign_key_reads_its_partial_index_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        for table, column, name in PARTIAL:
            # as Django asks it (a lookup, the collector on delete): a value, never NULL
            for where, values in ((f"{column} = %s", [1]), (f"{column} IN (%s, %s)", [1, 2])):
                cursor.execute(f"EXPLAIN SELECT id FROM {table} WHERE {where}", values)
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert name in plan, plan
        cursor.execute("RESET enable_seqscan")
