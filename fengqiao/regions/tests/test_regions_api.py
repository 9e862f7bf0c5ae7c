import pytest
import shapely
from shapely.geometry import shape

from fengqiao.regions.models import Region

TOWN1 = "990102001000"


@pytest.mark.django_db
def test_region_detail_lists_children_and_ancestors(api):
    body = api("county").get(f"/regions/{TOWN1}").json()
    assert body["kind"] == "township"
    assert [a["kind"] for a in body["ancestors"]] == ["city", "county"]
    children = Region.objects.filter(parent_id=TOWN1).order_by("code")
    assert [child["code"] for child in body["children"]] == list(children.values_list("code", flat=True))
    assert body["polygon"]["type"] in ("Polygon", "MultiPolygon")


@pytest.mark.django_db
def test_locate_finds_the_grid_of_a_point(api):
    grid = Region.objects.filter(kind="grid", code__startswith="990102001").order_by("code")[3]
    point = shape(grid.polygon).representative_point()
    body = api("county").get("/regions/locate", lat=point.y, lng=point.x).json()
    assert body["grid_code"] == grid.code
    assert body["grid"]["name"] == grid.name


@pytest.mark.django_db
def test_locate_outside_the_city_is_null(api):
    body = api("county").get("/regions/locate", lat=39.9, lng=116.4).json()
    assert body["grid_code"] is None


@pytest.mark.django_db
def test_locate_does_not_reveal_grids_outside_the_callers_region(api):
    grid = Region.objects.filter(kind="grid", code__startswith="990102002").first()
    point = shape(grid.polygon).representative_point()
    assert api("town1").get("/regions/locate", lat=point.y, lng=point.x).json()["grid_code"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 120}, "lat"),
        ({"lat": 29, "lng": -181}, "lng"),
        ({"lat": "north", "lng": 120}, "lat"),
        ({"lng": 120}, "lat"),
    ],
)
def test_bad_coordinates_are_422_naming_the_field(api, params, field):
    response = api("county").get("/regions/locate", **params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.django_db
def test_region_index_refreshes_after_a_boundary_change(api):
    grid = Region.objects.filter(kind="grid").order_by("code").first()
    point = shape(grid.polygon).representative_point()
    county = api("county")
    assert county.get("/regions/locate", lat=point.y, lng=point.x).json()["grid_code"] == grid.code
    grid.polygon = shapely.geometry.mapping(shapely.box(0, 0, 0.001, 0.001))
    grid.save()
    # The point now lies in no grid: the index was rebuilt after the save.
    assert county.get("/regions/locate", lat=point.y, lng=point.x).json()["grid_code"] is None


@pytest.mark.django_db
def test_geojson_of_a_subtree_filtered_by_kind(api):
    collection = api("town1").get("/regions/990102001000/geojson", kind="grid").json()
    codes = [feature["properties"]["code"] for feature in collection["features"]]
    assert codes == sorted(
        Region.objects.filter(kind="grid", code__startswith="990102001").values_list("code", flat=True)
    )
    assert api("town1").get("/regions/990102002000/geojson").status_code == 404
