"""The region-scoped lists are served by the (region, time) indexes on both engines."""

import pytest
from django.db import connection

from fengqiao.regions import codes
from fengqiao.services.models import Consultation, CounsellingSession, Crisis, LegalAidApplication, Screening

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", [Consultation, LegalAidApplication, CounsellingSession, Screening, Crisis])
def test_the_subtree_of_a_township_is_an_index_range(model):
    sql, params = (
        model.objects.filter(codes.subtree_q("region_id", "990102001000"))
        .values("pk")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "SEARCH" in plan and "INDEX" in plan and "SCAN" not in plan, plan
        else:
            cursor.execute("SET enable_seqscan = off")  # tiny tables: see whether the index can serve it
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            cursor.execute("SET enable_seqscan = on")
            assert "Index" in plan and "Seq Scan" not in plan, plan
