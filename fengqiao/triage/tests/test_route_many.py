"""routing.route_many (a bulk import's routing) decides as route() does, reading the routing
version once for the whole batch; a rule changed after the batch is seen by the next one."""

from itertools import product

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.cases.codes import Category
from fengqiao.regions.models import Region
from fengqiao.triage.models import RoutingRule
from fengqiao.triage.routing import route, route_many


def _requests():
    places = list(
        Region.objects.filter(code__startswith="990102", kind__in=["grid", "village", "township"])
        .order_by("code")
        .values_list("code", "kind")[:12]
    )
    return [(category, code, kind) for category, (code, kind) in product(Category.values, places)]


def _version_reads(queries) -> int:
    return sum("triage_routingversion" in query["sql"] for query in queries)


@pytest.mark.django_db
def test_route_many_decides_as_route_does_reading_the_version_once():
    requests = _requests()
    RoutingRule.objects.create(
        category="neighbour",
        region_id=requests[0][1][:9].ljust(12, "0"),
        name="本镇邻里纠纷由镇调委会调解",
        level="town",
        track="mediation",
        lead_department="justice",
        lead_kind="mediation",
        reason="测试",
    )
    expected = [route(*request) for request in requests]
    with CaptureQueriesContext(connection) as queries:
        got = route_many(requests * 2)
    assert got == expected * 2
    assert _version_reads(queries.captured_queries) == 1
    assert any(decision.rule == "本镇邻里纠纷由镇调委会调解" for decision in got)


@pytest.mark.django_db
def test_a_rule_changed_between_batches_is_followed_by_the_next_batch():
    request = ("neighbour", "990102001001001", "grid")
    (before,) = route_many([request])
    RoutingRule.objects.filter(category="neighbour").update(level="county", lead_department="", lead_kind="")
    (after,) = route_many([request])
    assert (before.level, after.level) == ("village", "county")
    assert after == route(*request)
