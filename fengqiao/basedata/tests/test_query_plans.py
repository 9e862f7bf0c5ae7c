"""The region-scoped reads of base data are served by indexes on both engines."""

import pytest
from django.db import connection

from fengqiao.basedata.models import CarePlan, Entry
from fengqiao.regions import codes

pytestmark = pytest.mark.django_db
COUNTY = "990102000000"


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        # Small tables would get a sequential scan; forbid it to see whether an index can serve.
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
        return plan


def test_counts_per_register_and_grid_use_an_index():
    counts = (
        Entry.objects.filter(codes.subtree_q("region_id", COUNTY), active=True)
        .order_by()
        .values_list("register_id", "region_id")
    )
    plan = _plan(counts)
    # SQLite picks the covering index entry_region_register_active; PostgreSQL, on a table this
    # small, the plain one on region_code: either serves the range.
    assert "Index" in plan or "INDEX" in plan, plan
    assert "Seq Scan" not in plan and "SCAN basedata_entry" not in plan, plan


def test_care_plans_of_a_region_use_an_index():
    plan = _plan(CarePlan.objects.filter(codes.subtree_q("region_id", COUNTY)).values("pk"))
    assert "Index" in plan or "INDEX" in plan, plan
    assert "Seq Scan" not in plan, plan
