"""Coverage figures on fixed data: households visited in 30 days, field days per ISO week, and
grids nobody walked lately."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fengqiao.grid import coverage
from fengqiao.grid.models import Household

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Thursday 2026-11-19, 18:00 in Shanghai: ISO week 2026-W47
NOW = datetime(2026, 11, 19, 18, 0, tzinfo=SHANGHAI)


def at(days_ago, hour=10):
    return (NOW - timedelta(days=days_ago)).replace(hour=hour)


def test_households_visited_in_the_last_30_days(grid1, visit):
    homes = [Household.objects.create(grid_id=grid1.region_id, address=f"前村{n}号") for n in range(4)]
    visit(at(1), homes[0])
    visit(at(2), homes[0])  # the same household twice counts once
    visit(at(29), homes[1])
    visit(at(31), homes[2])  # too long ago
    visit(at(0, hour=9), kind="patrol")  # a patrol visits no household
    [row] = [r for r in coverage.worker_coverage([grid1], now=NOW)]
    assert row["households_visited_30d"] == 2


def test_field_days_per_iso_week_against_the_norm(grid1, visit):
    # this week (Mon 16 – Thu 19): Mon, Tue twice, Thu -> 3 days
    visit(at(3, 8))
    visit(at(2, 9))
    visit(at(2, 15), kind="patrol")
    visit(at(0, 9))
    # last week (W46, Mon 9 – Sun 15): four days -> meets the norm
    for days_ago in (10, 9, 8, 4):
        visit(at(days_ago))
    # 07:00 Monday in Shanghai is Sunday 23:00 in UTC: the local date (W45) is what counts
    visit((NOW - timedelta(days=17)).replace(hour=7))
    [row] = coverage.worker_coverage([grid1], now=NOW)
    weeks = {week["week"]: (week["days"], week["meets_norm"]) for week in row["field_days"]}
    assert list(weeks) == ["2026-W44", "2026-W45", "2026-W46", "2026-W47"]
    assert weeks["2026-W47"] == (3, False)
    assert weeks["2026-W46"] == (4, True)
    assert weeks["2026-W45"] == (1, False)
    assert weeks["2026-W44"] == (0, False)


def test_grids_not_walked_lately(grid1, visit, users):
    township = grid1.region_id[:9].ljust(12, "0")
    from fengqiao.regions.models import Region

    grids = list(Region.objects.filter(kind="grid", code__startswith=grid1.region_id[:9]).order_by("code"))
    assert len(grids) >= 2
    visit(at(3))  # grid1's own grid, walked three days ago
    stale = coverage.unwalked_grids(township, days=14, now=NOW)
    codes = [row["code"] for row in stale]
    assert grid1.region_id not in codes
    assert set(codes) == {grid.code for grid in grids} - {grid1.region_id}
    # with a 2-day window it is stale too, listed after the never-walked ones
    stale = coverage.unwalked_grids(township, days=2, now=NOW)
    assert stale[-1]["code"] == grid1.region_id and stale[-1]["last_walked"] is not None


def test_workers_in_a_township(grid1, users):
    township = grid1.region_id[:9].ljust(12, "0")
    assert grid1 in list(coverage.workers_in(township))
    assert grid1 not in list(coverage.workers_in(users["town2"].region_id))


def test_coverage_api_and_page(client, api, grid1, visit, household, users):
    from fengqiao import clock

    with clock.at(NOW):
        visit(at(1), household)
        response = api("town1").get("/grid/coverage", days=7)
        assert response.status_code == 200, response.content
        data = response.json()
        [row] = [r for r in data["workers"] if r["username"] == "grid1"]
        assert row["households_visited_30d"] == 1
        assert grid1.region_id not in [g["code"] for g in data["unwalked_grids"]]
        assert api("grid1").get("/grid/coverage").status_code == 403
        # another township's centre may not ask about town1's
        assert api("town2").get("/grid/coverage", region=users["town1"].region_id).status_code == 404

        client.force_login(users["town1"])
        page = client.get("/grid/coverage/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "网格履职情况" in html and "网格员一" in html
