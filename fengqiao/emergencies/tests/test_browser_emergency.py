"""The county centre opens a response plan on a case from its page; the police see their step on
its short clock and report it done."""

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]


def test_the_centre_opens_a_plan_and_the_police_report_their_step(live_demo, browser):
    from fengqiao.accounts.models import User
    from fengqiao.cases.actions import Intake, create_case

    case, _ = create_case(
        Intake(
            channel="window",
            description="村民因征地补偿款问题聚集上百人,堵住乡道",
            category="land_acquisition",
            region_code="990102001000",
        ),
        actor=User.objects.get(username="county"),
    )

    county = browser.new_context().new_page()
    log_in(county, live_demo.url, "county")
    county.goto(f"{live_demo.url}/cases/{case.number}/")
    county.get_by_role("main").get_by_role("link", name="突发事件", exact=True).click()
    form = county.get_by_role("region", name="启动应急预案")
    expect(form.get_by_label("应急预案(必填)")).to_contain_text("群体性事件应急处置预案")
    form.get_by_label("事件等级").select_option("III")
    form.get_by_label("情况说明").fill("现场约百人,情绪激动")
    form.get_by_role("button", name="启动应急预案").click()
    plan = county.get_by_role("region", name="应急预案")
    expect(plan).to_contain_text("出警维护现场秩序")
    expect(county.locator(".pagehead")).to_contain_text("较大(III级)")

    police = browser.new_context().new_page()
    log_in(police, live_demo.url, "police1")
    police.get_by_role("navigation", name="主导航").get_by_role("link", name="突发事件").click()
    police.get_by_role("link", name=case.number).click()
    row = police.locator("tr", has_text="出警维护现场秩序")
    expect(row.locator(".badge.green")).to_be_visible()
    row.get_by_label("处置情况(必填)").fill("民警十二人到场,秩序平稳")
    row.get_by_role("button", name="完成步骤").click()
    expect(police.locator("tr", has_text="出警维护现场秩序")).to_contain_text("已完成")
    police.screenshot(path="var/screenshots/emergency.png", full_page=True)
