"""The leader opens the dashboard and the map in a browser: the charts and the map render (no tile
server), and both are kept as screenshots."""

from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import log_in

from .conftest import COUNTY, Planter

pytestmark = [pytest.mark.browser]
SCREENSHOTS = Path("var/screenshots")


def test_leader_sees_the_dashboard_and_the_map(live_demo, browser, settings):
    from django.utils import timezone

    from fengqiao.regions.codes import subtree_q
    from fengqiao.regions.models import Region

    settings.MAP_TILE_URL = ""
    grids = list(Region.objects.filter(subtree_q("code", COUNTY), kind="grid").order_by("code"))
    plant = Planter(grids)
    now = timezone.now()
    categories = ["neighbour", "labour_wages", "environment", "safety_hazard", "marriage_family"]
    for i in range(40):
        plant(
            now - timedelta(days=i % 20, hours=i % 5),
            category=categories[i % 5],
            channel=["grid", "window", "hotline"][i % 3],
            status=["closed", "in_progress", "reported", "resolved"][i % 4],
            grid=grids[i % 7] if i % 2 else None,
            risk=(i * 7) % 90,
        )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_demo.url, "leader")
    page.get_by_role("link", name="数据驾驶舱").click()
    expect(page.get_by_role("heading", name="数据驾驶舱")).to_be_visible()
    for key in ("trend", "by_category", "by_channel", "by_level", "by_region"):
        chart = page.locator(f'[data-chart="{key}"]')
        expect(chart).to_have_attribute("data-rendered", "1")
        expect(chart.locator("canvas")).to_have_count(1)
    month = page.locator('tr[data-period="month"] [data-figure="received"]')
    assert int(month.inner_text()) > 0
    page.screenshot(path=str(SCREENSHOTS / "analytics-dashboard.png"), full_page=True)

    page.get_by_role("link", name="综治地图").first.click()
    expect(page.locator("#bigmap")).to_have_attribute("data-rendered", "1")
    expect(page.locator("#map-status")).to_contain_text("巡防区 6 个")
    page.screenshot(path=str(SCREENSHOTS / "analytics-map.png"), full_page=True)
    # The grids, points, heat and circles are drawn on the map's canvas: it is not blank.
    drawn = page.locator("#bigmap canvas").first.evaluate(
        "c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n / (d.length / 4); }"
    )
    assert drawn > 0.2
    assert errors == []
