"""Keyset pages of the case list: every case once, in order, filters and scoping kept, and the
deep pages served by the keyset index on both engines."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection

from fengqiao.cases import selectors
from fengqiao.cases.models import Case
from fengqiao.regions import codes

COUNTY = "990102000000"


@pytest.fixture
def many_cases(make_case):
    """130 cases in town1's township (reported in groups of three at the same second, so the id
    breaks ties) and 20 in town2's, a few pinned; returns town1's template case."""
    town1 = make_case("town1")
    town2 = make_case("town2", description="两户村民因宅基地边界发生争执")
    start = town1.reported_at - timedelta(days=1)
    clones = []
    for template, count in ((town1, 130), (town2, 20)):
        for i in range(count):
            clone = Case.objects.get(pk=template.pk)
            clone.pk = None
            clone.number = f"{template.number}-{i}"
            clone.client_id = uuid.uuid4()
            clone.reported_at = start - timedelta(seconds=i // 3)
            clone.pinned = i % 37 == 5
            clones.append(clone)
    Case.objects.bulk_create(clones)
    return town1


def walk(client, **params):
    """Every page by following `next`, then back by following `previous` from the last page."""
    pages, cursor = [], None
    while True:
        page = client.get("/cases", **params, **({"cursor": cursor} if cursor else {})).json()
        pages.append(page)
        if not page["next"]:
            break
        assert len(page["results"]) == 50
        cursor = page["next"]
    return pages


def offset_numbers(client, **params):
    numbers, page = [], 1
    while True:
        body = client.get("/cases", page=page, **params).json()
        numbers += [case["number"] for case in body["results"]]
        if page >= body["pages"]:
            return numbers
        page += 1


def test_cursor_pages_list_every_case_once_in_the_offset_order(api, many_cases):
    county = api("county")
    pages = walk(county)
    numbers = [case["number"] for page in pages for case in page["results"]]
    assert len(pages) >= 4 and len(numbers) == len(set(numbers))
    assert numbers == offset_numbers(county)
    assert pages[0]["previous"] is None
    # Back from the last page through `previous` gives the same pages.
    back, cursor = [], pages[-1]["previous"]
    while cursor:
        page = county.get("/cases", cursor=cursor).json()
        back.insert(0, [case["number"] for case in page["results"]])
        cursor = page["previous"]
    assert back == [[case["number"] for case in page["results"]] for page in pages[:-1]]


def test_filters_and_scoping_hold_across_pages(api, many_cases, users):
    township = many_cases.region_id[:9].ljust(12, "0")
    county = api("county")
    filtered = walk(county, region=township, category="village_affairs")
    numbers = [case["number"] for page in filtered for case in page["results"]]
    assert numbers == offset_numbers(county, region=township, category="village_affairs")
    assert numbers and all(
        case["region_code"].startswith(township[:9]) and case["category"] == "village_affairs"
        for page in filtered
        for case in page["results"]
    )
    # A cursor taken from the county's list shows town2's user only what town2 may see.
    town2 = api("town2")
    page = town2.get("/cases", cursor=walk(county)[0]["next"]).json()
    visible = set(
        selectors.visible_cases(users["town2"])
        .filter(merged_into__isnull=True)
        .values_list("number", flat=True)
    )
    assert {case["number"] for case in page["results"]} <= visible


def test_a_cursor_not_made_by_the_server_is_refused_on_its_field(api, many_cases):
    response = api("county").get("/cases", cursor="not-a-cursor")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "cursor"


def test_list_page_follows_cursors_and_htmx_gets_the_table(client, users, many_cases):
    client.force_login(users["county"])
    first = client.get("/cases/", {"status": many_cases.status})
    assert first.status_code == 200
    cursor = first.context["page"].next
    assert cursor and f"cursor={cursor}" in first.content.decode().replace("&amp;", "&")
    second = client.get("/cases/", {"status": many_cases.status, "cursor": cursor}, HTTP_HX_REQUEST="true")
    assert second.status_code == 200 and "<form" not in second.content.decode()
    shown = {case.number for case in first.context["page"].object_list}
    assert shown.isdisjoint(case.number for case in second.context["page"].object_list)
    assert all(case.status == many_cases.status for case in second.context["page"].object_list)
    # A mangled cursor shows the first page rather than an error.
    assert client.get("/cases/", {"cursor": "%%%"}).status_code == 200


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = " ".join(row[0] for row in cursor.fetchall())
        cursor.execute("SET enable_seqscan = on")
        return plan


@pytest.mark.parametrize("region", [None, COUNTY])
def test_deep_pages_start_at_the_cursor_in_the_keyset_index(many_cases, region):
    """The page after a cursor reads the index from the cursor on, no sort, no offset.

    With statistics (PostgreSQL's autovacuum gathers them; on SQLite `ANALYZE`/`PRAGMA optimize`):
    without them SQLite guesses `merged_into_id IS NULL` selective and reads that index instead.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    cases = Case.objects.filter(merged_into__isnull=True)
    if region:
        cases = cases.filter(codes.subtree_q("region_id", region))
    last = cases.order_by(*selectors.KEYSET_ORDER)[100]
    cursor = selectors.encode_cursor(last, "n")
    _, pinned, reported_at, pk = selectors.decode_cursor(cursor)
    field = Case._meta.get_field("reported_at")
    deep = cases.extra(
        where=[f"{selectors._ROW} < (%s, %s, %s)"],
        params=[pinned, field.get_db_prep_value(reported_at, connection), pk],
    ).order_by(*selectors.KEYSET_ORDER)[:51]
    plan = _plan(deep)
    if region:
        # A county is a range of region codes: the planner may read the keyset index and filter
        # by region, or the county's rows through case_region_reported and sort them; either way
        # an index, never the whole table.
        assert "Seq Scan" not in plan and "SCAN cases_case" not in plan, plan
        assert "INDEX" in plan or "Index" in plan, plan
        return
    assert "case_list_keyset" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan
    if connection.vendor == "postgresql":
        assert "Index Cond" in plan, plan  # the cursor bounds the scan, not a filter after it
    else:
        assert "pinned" in plan and "<" in plan, plan


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's parallel workers")
def test_a_page_is_read_without_parallel_workers(make_case):
    """The page's statement runs with max_parallel_workers_per_gather = 0 (starting workers cost more
    than a page's walk), and the setting is back to what it was for the rest of the transaction."""
    make_case()
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        before = cursor.fetchone()[0]
    seen = []

    def record(execute, sql, params, many, context):
        if 'FROM "cases_case"' in sql and "LIMIT" in sql:
            with connection.cursor() as cursor:
                cursor.execute("SHOW max_parallel_workers_per_gather")
                seen.append(cursor.fetchone()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        page = selectors.keyset_page(Case.objects.order_by(*selectors.KEYSET_ORDER), None, 10)
    assert page.object_list and seen == ["0"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == before
        # A caller's own value (not the server's default) is what it finds again after the page.
        own = str(int(before) + 1)
        cursor.execute(f"SET LOCAL max_parallel_workers_per_gather = {own}")
    seen.clear()
    with connection.execute_wrapper(record):
        selectors.keyset_page(Case.objects.order_by(*selectors.KEYSET_ORDER), None, 10)
    assert seen == ["0"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == own
