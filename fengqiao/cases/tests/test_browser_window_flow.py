"""A walk-in registered at town1's window, dispatched to the county police, resolved there."""

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]


def open_action(page, action):
    """Unfold the action's form (the first one on the page is unfolded already)."""
    page.locator(f"details.action:has(input[value={action}])").evaluate("d => d.open = true")
    return page.locator(f"form:has(input[value={action}])")


def test_walk_in_dispatched_and_resolved_by_the_unit(live_demo, browser):
    town1 = browser.new_context().new_page()
    log_in(town1, live_demo.url, "town1")
    town1.get_by_role("link", name="窗口登记").click()
    town1.get_by_label("事项描述(必填)").fill("来访人反映:邻居家的狗多次咬伤自家鸡鸭,协商赔偿未果,要求调解。")
    town1.get_by_label("类别").select_option("neighbour")
    town1.get_by_label("姓名").first.fill("赵大娘")
    town1.get_by_label("联系电话").first.fill("13700002222")
    # pick the place on the map: a click inside the drawn grids
    town1.locator("#map path.leaflet-interactive").first.wait_for()
    town1.locator("#map").click()
    expect(town1.locator("#picked")).to_contain_text("已选点")
    town1.get_by_role("button", name="登记").click()
    expect(town1.get_by_role("heading", name="事项情况")).to_be_visible()
    number = town1.locator(".crumbs .code").inner_text()
    town1.get_by_role("button", name="受理").click()
    expect(town1.get_by_text("已受理").first).to_be_visible()
    dispatch = open_action(town1, "dispatch")
    dispatch.get_by_label("承办单位(可多选,第一个为牵头单位)").select_option("990102-public_security")
    dispatch.get_by_label("说明").fill("请县公安局协助处置")
    dispatch.get_by_role("button", name="交办").click()
    expect(town1.locator(".badge.status-dispatched")).to_be_visible()

    police = browser.new_context().new_page()
    log_in(police, live_demo.url, "police1")
    police.get_by_role("link", name="我的待办").click()
    police.get_by_role("link", name=number).click()
    police.get_by_role("button", name="签收办理").click()
    resolve = open_action(police, "resolve")
    resolve.get_by_label("说明(必填)").fill("民警现场调解,狗主人赔偿300元,双方满意")
    resolve.get_by_role("button", name="办结").click()
    expect(police.locator(".badge.status-resolved")).to_be_visible()
    timeline = police.locator(".timeline")
    expect(timeline).to_contain_text("镇中心受理员一")
    expect(timeline).to_contain_text("民警一")
    expect(timeline).to_contain_text("民警现场调解")
    police.screenshot(path="var/screenshots/case-resolved.png", full_page=True)

    town1.reload()
    expect(town1.locator(".timeline")).to_contain_text("民警现场调解")
    expect(town1.locator("summary", has_text="核查通过")).to_be_visible()
