"""In a browser, at a phone's size: the township centre fills in a PHQ-9 whose item 9 is not zero;
the counsellor on duty finds the crisis on their home page and records the first follow-up."""

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]


def test_a_crisis_screening_reaches_the_counsellor_who_follows_up(live_demo, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    base = live_demo.url
    log_in(page, base, "town1")
    page.goto(f"{base}/services/screenings/new/phq9/")
    page.get_by_label("姓名").fill("王五")
    for item in range(1, 10):
        page.locator(f'input[name="item_{item}"][value="{1 if item in (2, 9) else 0}"]').check()
    page.get_by_role("button", name="提交并计分").click()
    expect(page.get_by_role("heading", name="PHQ-9 抑郁症筛查量表:2 分")).to_be_visible()
    expect(page.get_by_text("无或极轻微抑郁", exact=True)).to_be_visible()
    expect(page.get_by_text("已启动危机干预")).to_be_visible()
    context.close()

    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, base, "counsellor1")
    page.get_by_role("link", name="危机干预 #").first.click()
    expect(page.get_by_text("第 9 题(自伤/轻生念头)得分 1")).to_be_visible()
    page.get_by_label("随访情况").first.fill("已电话联系,约定当日面谈")
    page.get_by_role("button", name="记录随访").first.click()
    expect(page.get_by_text("已随访")).to_be_visible()
    context.close()
