"""The dashboard's figures equal GET /api/v1/stats for the same region and period, and a count by
hand of the cases planted; each chart's table is there as CSV; the scope rule holds."""

import csv
import io

import pytest

from fengqiao.cases.codes import Category

from .conftest import COUNTY, local

TOWN1 = "990102001000"


@pytest.fixture
def data_set(now, plant, grids):
    """A fixed set: today, earlier this week, earlier this month, last month, last quarter."""
    town1_grids = [g for g in grids if g.code.startswith("990102001")]
    other_grids = [g for g in grids if not g.code.startswith("990102001")]
    specs = [
        # (moment, status, overdue, category, channel, town1?)
        (local(2026, 6, 17, 9), "reported", False, "neighbour", "grid", True),
        (local(2026, 6, 17, 10), "closed", False, "neighbour", "window", False),
        (local(2026, 6, 17, 11), "resolved", True, "labour_wages", "hotline", True),
        (local(2026, 6, 15, 9), "closed", False, "labour_wages", "grid", False),
        (local(2026, 6, 16, 14), "in_progress", True, "environment", "grid", True),
        (local(2026, 6, 3, 8), "closed", False, "neighbour", "window", True),
        (local(2026, 6, 9, 8), "verified", True, "marriage_family", "court", False),
        (local(2026, 6, 1, 0, 30), "rejected", False, "other_dispute", "portal", False),
        (local(2026, 5, 2, 8), "closed", False, "neighbour", "grid", True),
        (local(2026, 5, 14, 8), "closed", True, "environment", "grid", False),
        (local(2026, 4, 20, 8), "dispatched", True, "labour_wages", "police", True),
        (local(2026, 3, 30, 8), "closed", False, "neighbour", "grid", True),  # last quarter
        (local(2026, 6, 18, 8), "reported", False, "neighbour", "grid", True),  # tomorrow: not yet
    ]
    planted = []
    for moment, status, overdue, category, channel, in_town1 in specs:
        grid = plant.random.choice(town1_grids if in_town1 else other_grids)
        planted.append(
            plant(moment, grid=grid, status=status, overdue=overdue, category=category, channel=channel)
        )
    return planted


def hand_count(cases, start, end, region_prefix="990102"):
    chosen = [c for c in cases if start <= c.reported_at <= end and c.region_id.startswith(region_prefix)]
    settled = [c for c in chosen if c.status in ("resolved", "verified", "closed")]
    return {
        "received": len(chosen),
        "resolved": len(settled),
        "overdue": sum(c.overdue for c in chosen),
        "on_time": sum(not c.overdue for c in settled),
    }


def test_dashboard_figures_equal_the_api_stats_and_a_hand_count(api, users, data_set):
    from fengqiao.analytics import dashboard
    from fengqiao.regions.models import Region

    county = Region.objects.get(code=COUNTY)
    built = dashboard.build(users["leader"], county, "month")
    leader = api("leader")
    by_key = {row["key"]: row for row in built["figures"]}
    assert set(by_key) == {"today", "week", "month", "quarter"}
    for row in built["figures"]:
        stats = leader.get("/stats", region=COUNTY, **{"from": row["from"], "to": row["to"]}).json()
        start = local(*map(int, row["from"].split("-")))
        end = local(*map(int, row["to"].split("-")), 23, 59, 59, 999999)
        counted = hand_count(data_set, start, end)
        for name in ("received", "resolved", "overdue", "resolution_rate", "on_time_rate"):
            assert row[name] == stats[name], (row["key"], name)
        assert row["received"] == counted["received"]
        assert row["resolved"] == counted["resolved"]
        assert row["overdue"] == counted["overdue"]
        if counted["resolved"]:
            assert row["on_time_rate"] == round(counted["on_time"] / counted["resolved"], 4)
    assert by_key["today"]["received"] == 3  # the planted day, not tomorrow's
    assert by_key["month"]["received"] > by_key["week"]["received"] > by_key["today"]["received"]

    # The API serves the same dashboard.
    assert (
        leader.get("/analytics/dashboard", region=COUNTY, period="month").json()["figures"]
        == built["figures"]
    )

    tables = {table["key"]: table for table in built["tables"]}
    month = leader.get("/stats", region=COUNTY, **{"from": "2026-06-01", "to": "2026-06-17"}).json()
    assert {row[0]: row[1] for row in tables["by_category"]["rows"]} == {
        dict(Category.choices)[code]: n for code, n in month["by_category"].items()
    }
    assert sum(row[1] for row in tables["by_region"]["rows"]) == month["received"]
    assert sum(row[1] for row in tables["trend"]["rows"]) >= month["received"]


def test_every_chart_is_a_table_and_a_csv(client, users, data_set):
    client.force_login(users["county"])
    page = client.get("/analytics/", {"region": COUNTY, "period": "week"})
    assert page.status_code == 200
    html = page.content.decode()
    for table in page.context["data"]["tables"]:
        if table["chart"]:
            assert f'data-chart="{table["key"]}"' in html
        response = client.get(
            "/analytics/dashboard.csv", {"region": COUNTY, "period": "week", "table": table["key"]}
        )
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert rows[0] == table["columns"]
        assert [[str(v) for v in row] for row in table["rows"]] == rows[1:]
    figures = client.get("/analytics/dashboard.csv", {"region": COUNTY, "table": "figures"})
    rows = list(csv.reader(io.StringIO(figures.content.decode("utf-8-sig"))))
    assert [row[0] for row in rows[1:]] == ["今日", "本周", "本月", "本季度"]


def test_scope_a_township_sees_its_own_and_not_the_county(client, api, users, data_set):
    town1 = api("town1")
    assert town1.get("/analytics/dashboard", region=COUNTY).status_code == 404
    own = town1.get("/analytics/dashboard", region=TOWN1, period="quarter").json()
    quarter = next(row for row in own["figures"] if row["key"] == "quarter")
    assert (
        quarter["received"]
        == hand_count(data_set, local(2026, 4, 1), local(2026, 6, 17, 23, 59), "990102001")["received"]
    )
    assert api("grid1").get("/analytics/dashboard").status_code == 404
    client.force_login(users["mediator1"])
    assert client.get("/analytics/").status_code == 404
