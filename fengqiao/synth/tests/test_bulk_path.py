"""The bulk-load path on PostgreSQL: secondary indexes dropped for the load and rebuilt after,
the raw COPY ceiling measured beside it, and the result the same as the plain path."""

import pytest
from django.core.management import call_command
from django.db import connection

from fengqiao.cases import search
from fengqiao.cases.models import Case, CaseSequence, CaseText
from fengqiao.synth import cases as synth_cases

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk path is PostgreSQL's"),
]


def test_drop_indexes_loads_the_cases_and_leaves_every_index_in_place(capsys):
    before = synth_cases.secondary_indexes()
    keys = synth_cases.foreign_keys()
    assert keys
    assert "case_list_keyset" in {name for name, _ in before}
    sequences = dict(CaseSequence.objects.values_list("key", "value"))
    call_command(
        "synth",
        *("--grids", "300", "--cases", "3000", "--years", "1", "--province", "97", "--seed", "5"),
        "--drop-indexes",
        "--ceiling",
    )
    out = capsys.readouterr().out
    assert "dropped" in out and "rebuilt" in out and "ceiling" in out
    assert "ceiling with the indexes" in out
    assert synth_cases.secondary_indexes() == before
    assert synth_cases.foreign_keys() == keys
    # The rebuilt text index keeps its statistics target (the gram shares: search.gram_shares).
    assert synth_cases.statistics_targets([search.INDEX]) == [(search.INDEX, 1, search.STATISTICS_TARGET)]
    with connection.cursor() as cursor:  # autovacuum, off for the load, is on again
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = 'cases_case'::regclass")
        assert not any("autovacuum" in option for option in cursor.fetchone()[0] or [])
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('synth_copy_ceiling')")
        assert cursor.fetchone()[0] is None
    cases = Case.objects.filter(region__code__startswith="97")
    assert cases.count() == 3000 and cases.values("number").distinct().count() == 3000
    # The text search's copy of the texts was filled by the insert trigger during the COPY.
    copies = dict(CaseText.objects.filter(case__in=cases).values_list("case_id", "description"))
    assert copies == dict(cases.values_list("pk", "description"))
    # The case-number counters moved past every number the load used.
    after = dict(CaseSequence.objects.values_list("key", "value"))
    assert set(after) > set(sequences)
    for number in cases.values_list("number", flat=True)[:200]:
        county, day, seq = number.split("-")
        assert after[f"{county}-{day}"] >= int(seq)


def test_only_an_empty_case_table_loses_its_indexes_unless_asked(capsys):
    args = ("--grids", "300", "--cases", "500", "--years", "1", "--province", "97")
    empty = not Case.objects.exists()
    call_command("synth", *args, "--seed", "1")
    assert ("dropped" in capsys.readouterr().out) == empty
    call_command("synth", *args, "--seed", "2")  # now the table holds cases: indexes stay
    assert "dropped" not in capsys.readouterr().out
    assert Case.objects.filter(region__code__startswith="97").count() == 1000


def test_unique_constraints_dropped_for_a_load_come_back_and_hold():
    from django.db import IntegrityError, transaction

    uniques = synth_cases.unique_constraints()
    assert {statement.rsplit("(", 1)[1].rstrip(")") for _, statement in uniques} == {"number", "client_id"}
    with synth_cases.indexes_dropped(print, unique=True):
        assert synth_cases.unique_constraints() == []
        call_command(
            "synth",
            *("--grids", "300", "--cases", "800", "--years", "1", "--province", "97", "--seed", "4"),
            "--no-drop-indexes",
        )
    assert synth_cases.unique_constraints() == uniques
    case = Case.objects.filter(region__code__startswith="97").first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=Case.objects.exclude(pk=case.pk).first().pk).update(number=case.number)


def test_the_gin_index_is_built_first_and_the_ceiling_builds_the_same_indexes():
    """build_order starts the text search's GIN (the longest build) first; the ceiling's second
    half builds every index of the case table and the GIN of its texts' copy (cases_case_text),
    with the same definitions, on its unindexed copy."""
    statements = [statement for _, statement in synth_cases.secondary_indexes()]
    order = synth_cases.build_order(statements)
    assert " USING gin " in order[0] and sorted(order) == sorted(statements)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE ceiling_test (LIKE cases_case INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
    synth_cases.build_ceiling_indexes("ceiling_test")

    def definitions(*tables):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = ANY(%s::regclass[]) "
                "AND NOT (indrelid = 'cases_case_text'::regclass AND indisprimary)",
                [list(tables)],
            )
            return sorted(
                row[0].split(" USING ", 1)[1] + (" unique" if row[0].startswith("CREATE UNIQUE") else "")
                for row in cursor.fetchall()
            )

    assert definitions("ceiling_test") == definitions("cases_case", "cases_case_text")
    assert (
        len(definitions("cases_case", "cases_case_text")) >= 16
    )  # the primary key, the unique ones, the GIN
