"""The map's data: grid polygons with counts and the hot spot among them, cases as points and heat,
patrol zones with response circles and video points (the demo's), all within the caller's scope."""

from .conftest import COUNTY, local


def test_map_data_with_a_hot_spot(api, plant, grids, now):
    hot = grids[5]
    for day in range(1, 13):
        plant(local(2026, 6, day, 9), grid=hot)
    for grid in grids[20:40]:
        plant(local(2026, 6, 3, 9), grid=grid)
    data = api("leader").get("/analytics/map", region=COUNTY, days=30).json()

    features = {f["properties"]["code"]: f["properties"] for f in data["grids"]["features"]}
    assert len(features) == len(grids)
    assert features[hot.code]["count"] == 12 and features[hot.code]["hot"]
    assert [g["code"] for g in data["hot_grids"]] == [hot.code]
    assert sum(1 for p in features.values() if p["hot"]) == 1
    assert len(data["cases"]) == 32
    assert data["heat"] and max(cell[2] for cell in data["heat"]) == 1.0

    zone = data["patrol_zones"][0]
    assert zone["radii"]["1"] < zone["radii"]["3"] < zone["radii"]["5"]
    assert len(data["video_points"]) >= 10

    # A township's staff see their township only.
    town1 = api("town1").get("/analytics/map", region=api("town1").get("/me").json()["region_code"]).json()
    assert {f["properties"]["code"][:9] for f in town1["grids"]["features"]} == {"990102001"}
    assert api("town1").get("/analytics/map", region=COUNTY).status_code == 404


def test_the_map_page_needs_no_tile_server(client, users, settings):
    settings.MAP_TILE_URL = ""
    client.force_login(users["leader"])
    page = client.get("/analytics/map/").content.decode()
    assert 'data-tiles=""' in page and "leaflet.js" in page and "analytics/map.js" in page


def test_admins_manage_patrol_zones_video_points_webhooks_and_schedules(client, users):
    client.force_login(users["admin"])
    for model in (
        "patrolzone",
        "videopoint",
        "warning",
        "webhook",
        "delivery",
        "schedule",
        "briefing",
        "analysisrun",
    ):
        assert client.get(f"/admin/analytics/{model}/").status_code == 200, model
    for model in ("patrolzone", "videopoint", "webhook", "schedule"):
        assert client.get(f"/admin/analytics/{model}/add/").status_code == 200, model
