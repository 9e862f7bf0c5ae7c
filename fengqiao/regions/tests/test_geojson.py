import copy
import io
import json

import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from shapely.geometry import shape

from fengqiao.regions import codes
from fengqiao.regions.geojson import FeatureError, export_tree, import_tree
from fengqiao.regions.models import Region

CITY = "990100000000"
TOWN1 = "990102001000"
VILLAGE = "990102001001"
NEW_VILLAGE = "990102001099"  # no township of the demo has 99 villages
ROW_FIELDS = ("code", "parent_id", "kind", "name", "polygon", "centroid_lat", "centroid_lng")


def stored_rows(root):
    return list(Region.objects.filter(codes.subtree_q("code", root)).order_by("code").values(*ROW_FIELDS))


def empty_region_table():
    # Units and accounts point at regions; the foreign keys are deferred to commit, and every test
    # that empties the table puts the same rows back.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Region._meta.db_table}")


def new_village_collection():
    """The first demo village and its grids, copied under a code that is not in the database."""
    collection = export_tree(VILLAGE)
    for feature in collection["features"]:
        properties = feature["properties"]
        properties["code"] = NEW_VILLAGE + properties["code"][len(VILLAGE) :]
        feature["id"] = properties["code"]
        if properties["code"] != NEW_VILLAGE:
            properties["parent_code"] = NEW_VILLAGE
        properties["name"] = "新建" + properties["name"]
    return collection


@pytest.mark.django_db
def test_export_lists_the_subtree_in_code_order():
    collection = export_tree(TOWN1)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert [f["properties"]["code"] for f in features] == [r["code"] for r in stored_rows(TOWN1)]
    assert features[0]["properties"]["code"] == TOWN1
    assert features[0]["properties"]["parent_code"] == "990102000000"
    assert set(features[0]["properties"]) == {
        "code",
        "parent_code",
        "kind",
        "name",
        "centroid_lat",
        "centroid_lng",
    }
    assert features[0]["geometry"]["type"] == "Polygon"


@pytest.mark.django_db
def test_export_of_a_missing_region_fails():
    with pytest.raises(Region.DoesNotExist):
        export_tree("990102099000")
    with pytest.raises(codes.InvalidCode):
        export_tree("nonsense")


@pytest.mark.django_db
def test_round_trip_into_an_empty_database():
    before = stored_rows(CITY)
    collection = json.loads(json.dumps(export_tree(CITY), ensure_ascii=False))
    empty_region_table()

    result = import_tree(collection)

    assert result.ok, result.errors
    assert (result.created, result.updated) == (len(before), 0)
    assert stored_rows(CITY) == before

    again = import_tree(collection)
    assert (again.created, again.updated) == (0, len(before))
    assert stored_rows(CITY) == before


@pytest.mark.django_db
def test_import_creates_and_updates():
    collection = new_village_collection()
    result = import_tree(collection)
    assert (result.created, result.updated) == (len(collection["features"]), 0)
    assert Region.objects.get(code=NEW_VILLAGE).parent_id == TOWN1
    assert Region.objects.filter(parent_id=NEW_VILLAGE).count() == len(collection["features"]) - 1

    collection["features"][0]["properties"]["name"] = "改名社区"
    result = import_tree(collection)
    assert (result.created, result.updated) == (0, len(collection["features"]))
    assert Region.objects.get(code=NEW_VILLAGE).name == "改名社区"


@pytest.mark.django_db
def test_missing_centroid_is_computed_and_null_geometry_is_allowed():
    collection = new_village_collection()
    village, grid = collection["features"][0], collection["features"][1]
    del village["properties"]["centroid_lat"], village["properties"]["centroid_lng"]
    grid["geometry"] = None
    grid["properties"]["centroid_lat"] = grid["properties"]["centroid_lng"] = None

    assert import_tree(collection).ok

    stored = Region.objects.get(code=NEW_VILLAGE)
    assert shape(stored.polygon).contains(shapely.Point(stored.centroid_lng, stored.centroid_lat))
    stored_grid = Region.objects.get(code=grid["properties"]["code"])
    assert (stored_grid.polygon, stored_grid.centroid_lat, stored_grid.centroid_lng) == (None, None, None)


def _set(path, value):
    def mutate(collection):
        target = collection["features"][path[0]]
        for key in path[1:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


def _drop_feature(index):
    def mutate(collection):
        del collection["features"][index]

    return mutate


def _duplicate_feature(collection):
    collection["features"].append(copy.deepcopy(collection["features"][1]))


def _move_vertex(lng, lat):
    def mutate(collection):
        ring = collection["features"][1]["geometry"]["coordinates"][0]
        ring[1] = [lng, lat]

    return mutate


def _open_ring(collection):
    collection["features"][1]["geometry"]["coordinates"][0].pop()


BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[120.1, 29.6], [120.2, 29.7], [120.2, 29.6], [120.1, 29.7], [120.1, 29.6]]],
}
LAST = -1  # index of the appended duplicate


@pytest.mark.parametrize(
    ("mutate", "index", "field"),
    [
        (_set((1, "properties", "code"), "99010200109900x"), 1, "code"),
        (_set((1, "properties", "code"), "9901020010990011"), 1, "code"),
        (_set((1, "properties", "code"), None), 1, "code"),
        (_duplicate_feature, LAST, "code"),
        (_set((0, "properties", "kind"), "township"), 0, "kind"),
        (_set((1, "properties", "kind"), "hamlet"), 1, "kind"),
        (_set((0, "properties", "name"), ""), 0, "name"),
        (_set((0, "properties", "name"), "长" * 101), 0, "name"),
        (_drop_feature(0), 0, "parent_code"),  # the grids' village is neither in the file nor in the DB
        (_set((0, "properties", "parent_code"), "990102099000"), 0, "parent_code"),  # not its prefix
        (_set((1, "properties", "parent_code"), VILLAGE), 1, "parent_code"),  # another village
        (_set((1, "properties", "parent_code"), "990102001099002"), 1, "parent_code"),  # a sibling grid
        (_set((1, "properties", "parent_code"), "12"), 1, "parent_code"),
        (_set((1, "geometry"), {"type": "Point", "coordinates": [120.2, 29.7]}), 1, "geometry"),
        (_set((1, "geometry"), {"type": "Polygon"}), 1, "geometry"),
        (_set((1, "geometry"), BOWTIE), 1, "geometry"),
        (_move_vertex(181.0, 29.7), 1, "geometry"),
        (_move_vertex(120.2, 91.0), 1, "geometry"),
        (_move_vertex(120.2, "29.7"), 1, "geometry"),
        (_open_ring, 1, "geometry"),
        (_set((1, "properties", "centroid_lat"), "29.7"), 1, "centroid_lat"),
        (_set((1, "properties", "centroid_lng"), 200.0), 1, "centroid_lng"),
        (_set((1, "properties"), None), 1, "properties"),
        (_set((1, "type"), "Point"), 1, "type"),
    ],
)
@pytest.mark.django_db
def test_bad_feature_is_reported_and_nothing_is_written(mutate, index, field):
    collection = new_village_collection()
    # An update of an existing region rides along: it must not be applied either.
    existing = export_tree(VILLAGE)["features"][0]
    existing["properties"]["name"] = "不应写入"
    collection["features"].append(existing)
    mutate(collection)
    if index == LAST:
        index = len(collection["features"]) - 1
    count = Region.objects.count()

    result = import_tree(collection)

    assert not result.ok
    assert (index, field) in [(error.index, error.field) for error in result.errors], result.errors
    assert all(isinstance(error, FeatureError) and error.reason for error in result.errors)
    assert (result.created, result.updated) == (0, 0)
    assert Region.objects.count() == count
    assert not Region.objects.filter(codes.subtree_q("code", NEW_VILLAGE)).exists()
    assert Region.objects.get(code=VILLAGE).name != "不应写入"


@pytest.mark.parametrize(
    "collection",
    [
        None,
        [],
        {"type": "Feature"},
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": {}},
    ],
)
@pytest.mark.django_db
def test_a_collection_that_is_not_one_is_refused(collection):
    result = import_tree(collection)
    assert not result.ok
    assert result.errors[0].index is None


@pytest.mark.django_db
def test_valid_control_collection_imports():
    """The collection the bad-feature cases start from is itself fine."""
    collection = new_village_collection()
    assert import_tree(collection).created == len(collection["features"])


@pytest.mark.django_db
def test_commands_export_and_import(tmp_path):
    out = io.StringIO()
    call_command("exportregions", TOWN1, stdout=out)
    exported = json.loads(out.getvalue())
    assert len(exported["features"]) == len(stored_rows(TOWN1))

    path = tmp_path / "town1.geojson"
    call_command("exportregions", TOWN1, "-o", str(path), stderr=io.StringIO())
    assert json.loads(path.read_text(encoding="utf-8")) == exported

    out = io.StringIO()
    call_command("importregions", str(path), stdout=out)
    assert out.getvalue().strip() == f"0 created, {len(exported['features'])} updated"

    new = tmp_path / "new.geojson"
    collection = new_village_collection()
    new.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    out = io.StringIO()
    call_command("importregions", str(new), stdout=out)
    assert out.getvalue().strip() == f"{len(collection['features'])} created, 0 updated"


@pytest.mark.django_db
def test_command_round_trip_into_an_empty_database(tmp_path):
    before = stored_rows(CITY)
    path = tmp_path / "city.geojson"
    call_command("exportregions", CITY, "--output", str(path), "--indent", "1", stderr=io.StringIO())
    empty_region_table()
    out = io.StringIO()
    call_command("importregions", str(path), stdout=out)
    assert out.getvalue().strip() == f"{len(before)} created, 0 updated"
    assert stored_rows(CITY) == before


@pytest.mark.django_db
def test_import_command_reports_errors_and_fails(tmp_path):
    collection = new_village_collection()
    collection["features"][1]["properties"]["code"] = "bad"
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(collection), encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("importregions", str(path), stdout=io.StringIO(), stderr=err)
    assert "feature 1: code:" in err.getvalue()
    assert not Region.objects.filter(codes.subtree_q("code", NEW_VILLAGE)).exists()

    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("importregions", str(path))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("importregions", str(tmp_path / "missing.geojson"))


@pytest.mark.django_db
def test_export_command_refuses_unknown_codes():
    with pytest.raises(CommandError):
        call_command("exportregions", "990102099000", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("exportregions", "x", stdout=io.StringIO())
