import pytest
from django.db import connection

from fengqiao.regions import codes
from fengqiao.regions.models import Region


@pytest.mark.parametrize(
    ("code", "prefix", "kind"),
    [
        ("990000000000", "99", "province"),
        ("990100000000", "9901", "city"),
        ("990102000000", "990102", "county"),
        ("990102001000", "990102001", "township"),
        ("990102001001", "990102001001", "village"),
        ("990102001001001", "990102001001001", "grid"),
        ("990102001001001002", "990102001001001002", "compound"),
    ],
)
def test_significant_prefix_and_kind(code, prefix, kind):
    assert codes.significant_prefix(code) == prefix
    assert codes.kind_of(code) == kind


@pytest.mark.parametrize(
    "bad", ["", "99010200000", "9901020000001", "99010200000x", "000102000000", "٩٩٠١٠٢٠٠٠٠٠٠", None]
)
def test_invalid_codes_are_refused(bad):
    assert not codes.is_valid(bad)


def test_prefix_upper_bound_carries_and_handles_all_nines():
    assert codes.prefix_upper_bound("990102") == "990103"
    assert codes.prefix_upper_bound("990109") == "990110"
    assert codes.prefix_upper_bound("99") is None


def test_child_codes_extend_the_parent():
    assert codes.child_code("990102000000", "township", 3) == "990102003000"
    assert codes.child_code("990102003000", "village", 12) == "990102003012"
    assert codes.child_code("990102003012", "grid", 7) == "990102003012007"
    with pytest.raises(codes.InvalidCode):
        codes.child_code("990102000000", "township", 1000)


@pytest.mark.django_db
def test_subtree_is_exactly_the_regions_under_a_code():
    township = Region.objects.get(code="990102001000")
    subtree = set(township.subtree().values_list("code", flat=True))
    everything = Region.objects.values_list("code", flat=True)
    expected = {code for code in everything if code.startswith("990102001")}
    assert subtree == expected
    assert "990102002000" not in subtree
    assert len(subtree) > 10


@pytest.mark.django_db
def test_subtree_query_is_served_by_the_primary_key_index():
    queryset = Region.objects.filter(codes.subtree_q("code", "990102001000")).values("code")
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SEARCH" in plan and "INDEX" in plan, plan
            assert "SCAN" not in plan, plan
        else:
            # The table is small enough that a sequential scan would win; forbid it to see whether
            # the index can serve the range at all.
            cursor.execute("SET enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
            assert "Index" in plan, plan
            assert "Seq Scan" not in plan, plan


@pytest.mark.django_db
def test_ancestors_run_from_the_top():
    grid = Region.objects.filter(kind="grid").order_by("code").first()
    chain = [region.kind for region in grid.ancestors()]
    assert chain == ["city", "county", "township", "village"]
