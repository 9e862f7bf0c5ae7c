"""Migration cases/0009: a foreign key that a composite index leads with has no index of its own
(one index write fewer per clock, card and timeline entry), and lookups by it stay indexed."""

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


@pytest.mark.django_db
def test_a_covered_foreign_key_has_no_index_of_its_own_but_leads_another():
    for table, column in COVERED:
        with connection.cursor() as cursor:
            constraints = connection.introspection.get_constraints(cursor, table)
        indexes = {name: info for name, info in constraints.items() if info["index"] or info["unique"]}
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
