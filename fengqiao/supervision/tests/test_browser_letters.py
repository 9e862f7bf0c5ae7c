"""In the browser: the unit a letter is addressed to finds it under 督办函, signs for it and answers;
the leader sees the answer. A leader cannot mark an unassessed decision decided."""

import os

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]
SHOTS = os.environ.get("FENGQIAO_SCREENSHOTS")  # a directory: save what the pages looked like


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_the_addressed_unit_signs_and_answers_a_letter(live_demo, browser):
    from fengqiao.accounts.models import User
    from fengqiao.cases.actions import Intake, create_case
    from fengqiao.supervision.letters import issue_due_letters

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
    clock = case.clocks.get(stage="handle")
    assert issue_due_letters(clock.due_at) == 2  # the reminder and the supervision letter

    page = browser.new_context().new_page()
    log_in(page, live_demo.url, "town1")
    page.get_by_role("link", name="督办函", exact=True).click()
    row = page.locator("tr", has_text="督办函").filter(has_text=case.number).first
    expect(row).to_contain_text("待签收")
    row.get_by_role("button", name="签收").click()
    expect(page.locator(".messages")).to_contain_text("已签收")
    row = page.locator("tr", has_text="督办函").filter(has_text=case.number).first
    expect(row).to_contain_text("已签收")
    row.get_by_label("办理情况(必填)").fill("已组织双方现场勘界,约定周五调解")
    row.get_by_role("button", name="回复").click()
    row = page.locator("tr", has_text="督办函").filter(has_text=case.number).first
    expect(row).to_contain_text("已回复")
    shot(page, "notices")

    leader = browser.new_context().new_page()
    log_in(leader, live_demo.url, "leader")
    leader.goto(f"{live_demo.url}/cases/{case.number}/")
    expect(leader.locator("body")).to_contain_text("约定周五调解")
    leader.goto(f"{live_demo.url}/risk/")
    expect(leader.locator("body")).to_contain_text("老旧小区改造")
    expect(leader.get_by_role("button", name="登记")).to_have_count(0)  # read-only
    shot(leader, "decisions")
