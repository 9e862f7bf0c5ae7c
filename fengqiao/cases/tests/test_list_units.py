"""The case list of a user with a unit, read in parts (selectors.unit_scope_parts: their region
through in_region, and their unit's cases outside it, merged by keyset_page): page by page, both
directions, with every filter, exactly the rows and order of the plain visible_cases(user) OR."""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fengqiao.accounts.models import Unit
from fengqiao.accounts.scoping import visible_cases
from fengqiao.accounts.standard_units import units_for
from fengqiao.cases import selectors
from fengqiao.cases.models import Assignment, Case
from fengqiao.regions import codes
from fengqiao.regions.models import Region

COUNTY = "990102000000"
OTHER_COUNTY = "990109000000"  # a county the demo accounts do not belong to
FILTER_SETS = [
    {},
    {"status": "closed"},
    {"category": "neighbour"},
    {"level": "county"},
    {"channel": "hotline"},
    {"overdue": True},
    {"text": "宅基地"},
    {"category": "neighbour", "status": "reported"},
]
SIZE = 10


@pytest.fixture
def unit_cases(make_case, users):
    """~180 cases over the demo county and another county, handled by the demo accounts' units,
    the other county's centre or none, a fifth of them also assigned to a unit (inside and outside
    its region, some to the unit that handles them, one twice), several at the same second, some
    pinned, two merged. Returns the other county's centre unit."""
    city = Region.objects.get(code="990100000000")
    other = Region.objects.create(code=OTHER_COUNTY, parent=city, kind="county", name="邻县")
    other_town = Region.objects.create(
        code=OTHER_COUNTY[:6] + "001000", parent=other, kind="township", name="邻县一镇"
    )
    Unit.objects.bulk_create(units_for(other) + units_for(other_town))
    other_centre = Unit.objects.get(region=other, kind=Unit.Kind.CENTRE)
    places = list(
        Region.objects.filter(codes.subtree_q("code", COUNTY), kind__in=["township", "village", "grid"])
        .order_by("code")
        .values_list("code", flat=True)[:9]
    ) + [OTHER_COUNTY, other_town.code]
    units = sorted({user.unit_id for user in users.values() if user.unit_id}) + [other_centre.pk, None]
    template = make_case("town1")
    kinds = itertools.cycle(
        [
            ("neighbour", "closed", "village", "window", False, "宅基地边界争执"),
            ("neighbour", "reported", "town", "hotline", True, "邻里噪音"),
            ("labour_wages", "closed", "county", "grid", False, "拖欠工资"),
            ("village_affairs", "accepted", "county", "hotline", True, "宅基地审批"),
        ]
    )
    clones = []
    for i in range(180):
        category, status, level, channel, overdue, title = next(kinds)
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"{template.number}-{i}"
        clone.client_id = uuid.uuid4()
        clone.region_id = places[i % len(places)]
        clone.handling_unit_id = units[i % len(units) if i % 3 else (i // 3) % len(units)]
        clone.reported_at = template.reported_at - timedelta(seconds=i // 3)
        clone.pinned = i % 29 == 4
        clone.category, clone.status, clone.level, clone.channel = category, status, level, channel
        clone.overdue, clone.title = overdue, title
        clones.append(clone)
    clones = Case.objects.bulk_create(clones)
    assigned = [unit for unit in units if unit]
    Assignment.objects.bulk_create(
        [
            Assignment(
                case=clone, unit_id=assigned[(i // 5) % len(assigned)], state=("pending", "done")[i % 2]
            )
            for i, clone in enumerate(clones)
            if i % 5 == 0
        ]
        + [Assignment(case=clones[7], unit_id=clones[7].handling_unit_id or assigned[0])]
        + [Assignment(case=clones[10], unit_id=assigned[0]), Assignment(case=clones[10], unit_id=assigned[0])]
    )
    Case.objects.filter(pk__in=[clones[5].pk, clones[40].pk]).update(merged_into=template)
    return other_centre


def people(users, django_user_model, other_centre) -> list:
    """Every demo user, and for each with a unit a copy without a region and an inactive copy;
    a superuser with a unit; a user of the other county's centre."""
    out = list(users.values())
    for user in users.values():
        if user.unit_id:
            out.append(django_user_model(username=f"{user.username}-r", role=user.role, unit_id=user.unit_id))
            out.append(
                django_user_model(
                    username=f"{user.username}-i",
                    role=user.role,
                    region_id=user.region_id,
                    unit_id=user.unit_id,
                    is_active=False,
                )
            )
    county = users["county"]
    out.append(
        django_user_model(
            username="root",
            role=county.role,
            region_id=county.region_id,
            unit_id=county.unit_id,
            is_superuser=True,
        )
    )
    out.append(
        django_user_model(
            username="neighbour", role=county.role, region_id=OTHER_COUNTY, unit_id=other_centre.pk
        )
    )
    return out


def listed(scope, filters):
    """The list's queryset as GET /api/v1/cases builds it from a scope."""
    return (
        selectors.narrowed(scope, **filters)
        .select_related("handling_unit", "region")
        .prefetch_related("clocks")
    )


def walk(cases) -> list:
    """Every page by cursor forward, then back from the last page by `previous`: (numbers, next,
    previous) of each."""
    pages, cursor = [], None
    while True:
        page = selectors.keyset_page(cases, cursor, SIZE)
        pages.append(([case.number for case in page.object_list], page.next, page.previous))
        if not page.next:
            break
        cursor = page.next
    cursor = pages[-1][2]
    while cursor:
        page = selectors.keyset_page(cases, cursor, SIZE)
        pages.append(([case.number for case in page.object_list], page.next, page.previous))
        cursor = page.previous
    return pages


def test_a_unit_users_list_in_parts_is_their_visible_cases_page_by_page(unit_cases, users, django_user_model):
    split = 0
    for user in people(users, django_user_model, unit_cases):
        # every filter for the demo accounts, the plain list and one filter for their copies
        for filters in FILTER_SETS if user.pk else FILTER_SETS[:3:2]:
            fast = listed(selectors.visible_to(user), filters)
            plain = listed(visible_cases(user), filters)
            assert selectors.unit_scope_parts(plain) is None
            split += selectors.unit_scope_parts(fast) is not None
            expected = list(plain.order_by(*selectors.KEYSET_ORDER).values_list("number", flat=True))
            pages = walk(fast)
            assert pages == walk(plain), (user.username, filters)
            forward = list(itertools.takewhile(lambda page: page[1], pages))
            assert [number for page in forward for number in page[0]] == expected[: len(forward) * SIZE]
    # The parts were read (not the OR) for every active or inactive user with a unit but superusers.
    assert split >= 8 * len(FILTER_SETS)


def test_a_unit_with_many_cases_outside_its_region_is_read_in_two_parts_with_the_same_rows(
    unit_cases, users, django_user_model, monkeypatch
):
    """Past UNIT_OUTSIDE_BY_ID the unit's cases outside its region are not listed by id but read
    as the handled and the assigned part, each with the page's filters: the same pages."""
    monkeypatch.setattr(selectors, "UNIT_OUTSIDE_BY_ID", 1)
    two_parts = 0
    for user in people(users, django_user_model, unit_cases):
        for filters in ({}, {"text": "宅基地"}, {"category": "neighbour", "status": "reported"}):
            fast = listed(selectors.visible_to(user), filters)
            parts = selectors.unit_scope_parts(fast)
            two_parts += parts is not None and sum(by_unit for _, by_unit in parts) == 2
            assert walk(fast) == walk(listed(visible_cases(user), filters)), (user.username, filters)
    assert two_parts >= 3


def test_the_parts_reach_outside_the_region_and_only_there(unit_cases, users):
    """town1's list holds cases of the other county that its unit handles or was assigned, and
    none of that county's others."""
    town1 = users["town1"]
    numbers = set(selectors.visible_to(town1).values_list("number", flat=True))
    outside = Case.objects.filter(codes.subtree_q("region_id", OTHER_COUNTY))
    mine = outside.filter(handling_unit_id=town1.unit_id) | outside.filter(assignments__unit_id=town1.unit_id)
    assert set(mine.values_list("number", flat=True)) <= numbers
    assert mine.exists() and outside.exclude(pk__in=mine.values("pk")).exists()
    shown = {
        case.number
        for page in selectors_pages(selectors.visible_to(town1))
        for case in page
        if case.region_id.startswith(OTHER_COUNTY[:6])
    }
    assert shown == set(mine.values_list("number", flat=True))


def selectors_pages(cases):
    cursor = None
    while True:
        page = selectors.keyset_page(cases, cursor, SIZE)
        yield page.object_list
        if not page.next:
            return
        cursor = page.next


def test_a_scope_no_longer_plain_is_read_as_it_is(unit_cases, users):
    scope = selectors.visible_to(users["police1"])
    assert selectors.unit_scope_parts(scope.filter(status="closed")) is not None
    assert selectors.unit_scope_parts(scope | Case.objects.filter(pk=0)) is None
    assert selectors.unit_scope_parts(scope.distinct()) is None


def test_the_api_and_the_page_list_a_unit_users_cases_as_before(api, client, users, unit_cases):
    town1 = api("town1")
    expected = list(
        visible_cases(users["town1"])
        .filter(merged_into__isnull=True, category="neighbour")
        .order_by(*selectors.KEYSET_ORDER)
        .values_list("number", flat=True)
    )
    pages, cursor = [], None
    while True:
        body = town1.get("/cases", category="neighbour", **({"cursor": cursor} if cursor else {})).json()
        pages.append([case["number"] for case in body["results"]])
        if not body["next"]:
            break
        cursor = body["next"]
    assert [number for page in pages for number in page] == expected and len(pages) >= 1
    client.force_login(users["police1"])
    expected = list(
        visible_cases(users["police1"])
        .filter(merged_into__isnull=True)
        .order_by(*selectors.KEYSET_ORDER)
        .values_list("number", flat=True)
    )
    first = client.get("/cases/").context["page"]
    second = client.get("/cases/", {"cursor": first.next}).context["page"]
    back = client.get("/cases/", {"cursor": second.previous}).context["page"]
    assert [case.number for case in first.object_list + second.object_list] == expected[:60]
    assert [case.number for case in back.object_list] == expected[:30]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plans")
def test_a_township_centre_users_page_is_one_statement_reading_its_township_index_and_its_units_few_ids(
    unit_cases, users
):
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
    cases = listed(selectors.visible_to(users["town1"]), {"category": "neighbour"})
    first = selectors.keyset_page(cases, None, SIZE)
    for cursor in (None, first.next):
        with CaptureQueriesContext(connection) as captured:
            selectors.keyset_page(cases, cursor, SIZE)
        reads = [q["sql"] for q in captured.captured_queries if 'FROM "cases_case"' in q["sql"]]
        pages = [sql for sql in reads if "UNION ALL" in sql]
        # the page is one statement; beside it, the unit's few cases outside the township by id
        assert len(pages) == 1 and len(reads) == 3
        with connection.cursor() as db:
            db.execute(f"EXPLAIN {pages[0]}")
            plan = "\n".join(row[0] for row in db.fetchall())
        assert "case_list_township" in plan, plan
        # The unit's parts are found through the unit's rows, never by walking the province's list.
        assert "case_list_keyset" not in plan, plan
