import json
from collections import Counter, defaultdict

import pytest
import shapely
from django.db import connection
from shapely.geometry import shape

from fengqiao.regions import codes
from fengqiao.regions.demo import CITY, COUNTY, create_demo_regions, demo_region_rows
from fengqiao.regions.locate import GridIndex
from fengqiao.regions.models import Region

NEXT_KIND = {"city": "county", "county": "township", "township": "village", "village": "grid"}
ROW_FIELDS = ("code", "parent_id", "kind", "name", "polygon", "centroid_lat", "centroid_lng")


@pytest.fixture(scope="module")
def rows():
    return demo_region_rows()


@pytest.fixture(scope="module")
def children(rows):
    by_parent = defaultdict(list)
    for row in rows:
        if row["parent_code"]:
            by_parent[row["parent_code"]].append(row)
    return by_parent


def test_counts(rows):
    kinds = Counter(row["kind"] for row in rows)
    assert kinds["city"] == 1
    assert kinds["county"] == 1
    assert kinds["township"] >= 10
    assert kinds["village"] >= 100
    assert kinds["grid"] >= 300
    assert set(kinds) == {"city", "county", "township", "village", "grid"}


def test_fixed_codes_exist(rows):
    present = {row["code"] for row in rows}
    assert {CITY, COUNTY, "990102001000", "990102002000", "990102001001", "990102001001001"} <= present


def test_codes_are_valid_and_nested(rows):
    by_code = {row["code"]: row for row in rows}
    assert len(by_code) == len(rows)
    assert [row["code"] for row in rows] == sorted(by_code)  # parents come before children
    for row in rows:
        assert codes.kind_of(row["code"]) == row["kind"]
        if row["code"] == CITY:
            assert row["parent_code"] is None
            continue
        parent = by_code[row["parent_code"]]
        assert NEXT_KIND[parent["kind"]] == row["kind"]
        assert codes.in_subtree(row["code"], parent["code"])


def test_children_are_numbered_from_one(children):
    assert [kid["code"] for kid in children[CITY]] == [COUNTY]  # the one detailed county is 02
    for parent_code, kids in children.items():
        if parent_code == CITY:
            continue
        kind = kids[0]["kind"]
        expected = [codes.child_code(parent_code, kind, n) for n in range(1, len(kids) + 1)]
        assert sorted(kid["code"] for kid in kids) == expected


def test_names(rows, children):
    for kids in children.values():
        names = [kid["name"] for kid in kids]
        assert len(set(names)) == len(names)
    villages = [row for row in rows if row["kind"] == "village"]
    suffixes = Counter("社区" if row["name"].endswith("社区") else row["name"][-1] for row in villages)
    assert set(suffixes) == {"村", "社区"}
    assert suffixes["村"] > suffixes["社区"]
    # The county seat township is all communities.
    assert all(row["name"].endswith("社区") for row in children["990102001000"])
    by_code = {row["code"]: row for row in rows}
    for row in rows:
        if row["kind"] == "township":
            assert row["name"][-1] in "镇乡" or row["name"].endswith("街道")
        if row["kind"] == "grid":
            assert row["name"].startswith(by_code[row["parent_code"]]["name"])
            assert row["name"].endswith("网格")


def test_build_is_deterministic(rows):
    assert demo_region_rows() == rows
    assert json.loads(json.dumps(rows, ensure_ascii=False)) == rows


def test_polygons_are_valid_and_inside_the_county_box(rows):
    for row in rows:
        geometry = row["polygon"]
        assert geometry["type"] == "Polygon"
        polygon = shape(geometry)
        assert polygon.is_valid, (row["code"], shapely.is_valid_reason(polygon))
        assert polygon.exterior.is_ccw
        for lng, lat in geometry["coordinates"][0]:
            assert round(lng, 6) == lng and round(lat, 6) == lat
            assert 119.9 < lng < 120.5 and 29.5 < lat < 29.9
        assert polygon.contains(shapely.Point(row["centroid_lng"], row["centroid_lat"]))


def test_county_size(rows):
    county = shape(next(row for row in rows if row["code"] == COUNTY)["polygon"])
    min_lng, min_lat, max_lng, max_lat = county.bounds
    width_km = (max_lng - min_lng) * 96.7
    height_km = (max_lat - min_lat) * 110.6
    assert 35 < width_km < 50 and 25 < height_km < 36


def test_children_tile_their_parent(rows, children):
    by_code = {row["code"]: row for row in rows}
    for parent_code, kids in children.items():
        parent = shape(by_code[parent_code]["polygon"])
        parts = [shape(kid["polygon"]) for kid in kids]
        union = shapely.union_all(parts)
        assert union.area == pytest.approx(parent.area, rel=1e-9, abs=0), parent_code
        assert sum(part.area for part in parts) == pytest.approx(parent.area, rel=1e-9, abs=0), parent_code
        assert union.symmetric_difference(parent).area <= 1e-9 * parent.area, parent_code


def test_city_is_the_county(rows):
    by_code = {row["code"]: row for row in rows}
    assert shape(by_code[CITY]["polygon"]).equals(shape(by_code[COUNTY]["polygon"]))


def test_a_point_in_each_grid_locates_that_grid(rows):
    grids = [row for row in rows if row["kind"] == "grid"]
    index = GridIndex.from_geojson((row["code"], row["polygon"]) for row in grids)
    points = [shape(row["polygon"]).representative_point() for row in grids]
    found = index.locate_many([p.y for p in points], [p.x for p in points])
    assert found == [row["code"] for row in grids]
    first = grids[0]
    assert index.locate(first["centroid_lat"], first["centroid_lng"]) == first["code"]
    assert index.locate(39.9, 116.4) is None  # Beijing
    assert index.locate(29.7, 121.0) is None  # east of the county


@pytest.mark.django_db
def test_create_is_skipped_when_the_city_exists(rows):
    # The test database already holds the demo tree (conftest loads it).
    assert create_demo_regions() == 0
    stored = list(Region.objects.filter(codes.subtree_q("code", CITY)).order_by("code").values(*ROW_FIELDS))
    assert stored == [{**_without_parent_code(row), "parent_id": row["parent_code"]} for row in rows]


@pytest.mark.django_db
def test_create_builds_the_tree(rows):
    # Units and accounts point at the regions; the foreign keys are deferred, and the rows are all
    # back before the test ends.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Region._meta.db_table}")
    assert not Region.objects.exists()
    assert create_demo_regions() == len(rows)
    assert Region.objects.count() == len(rows)
    assert Region.objects.get(code="990102001001001").parent_id == "990102001001"
    assert create_demo_regions() == 0


def _without_parent_code(row):
    return {key: value for key, value in row.items() if key != "parent_code"}
