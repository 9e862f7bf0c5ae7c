"""A leader writes an instruction; the handling unit sees it at the top of the case and in its
queue, with the clock's colour."""

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]


def test_leader_instruction_seen_by_the_handling_unit(live_demo, browser):
    from fengqiao.accounts.models import User
    from fengqiao.cases.actions import Intake, create_case, take_action

    town1 = User.objects.get(username="town1")
    case, _ = create_case(
        Intake(
            channel="window",
            description="两户因宅基地界址争执,情绪激动",
            category="village_affairs",
            region_code="990102001000",
        ),
        actor=town1,
    )
    take_action(case, town1, "dispatch", units=["990102-public_security"], note="请派员处置")

    leader = browser.new_context().new_page()
    log_in(leader, live_demo.url, "leader")
    leader.goto(f"{live_demo.url}/cases/{case.number}/")
    form = leader.locator("form:has(input[value=instruct])")
    leader.locator("details.action:has(input[value=instruct])").evaluate("d => d.open = true")
    form.get_by_label("说明(必填)").fill("请公安部门今日内上门调处,防止矛盾激化")
    form.get_by_role("button", name="领导批示").click()
    expect(leader.get_by_role("region", name="领导批示")).to_contain_text("今日内上门调处")

    police = browser.new_context().new_page()
    log_in(police, live_demo.url, "police1")
    police.get_by_role("link", name="我的待办").click()
    row = police.locator("tr", has_text=case.number)
    expect(row.locator(".instruction")).to_contain_text("请公安部门今日内上门调处")
    expect(row.locator(".badge.green, .badge.yellow, .badge.red").first).to_be_visible()
    police.get_by_role("link", name=case.number).click()
    banner = police.get_by_role("region", name="领导批示")
    expect(banner).to_contain_text("防止矛盾激化")
    assert (
        police.locator("section.instructions").bounding_box()["y"]
        < police.get_by_role("heading", name="事项情况").bounding_box()["y"]
    )
    expect(police.locator(".clocks .badge").first).to_be_visible()
    police.screenshot(path="var/screenshots/instruction.png", full_page=True)
