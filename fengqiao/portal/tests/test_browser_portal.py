"""In a phone-sized browser: a citizen submits a matter, goes on to the mediator choice, and once
staff have closed the case, follows it with the number and phone and rates the outcome; a wrong
phone number shows nothing."""

import pytest
from playwright.sync_api import expect

from fengqiao.cases.models import Case
from fengqiao.portal.models import Rating

from .conftest import PHONE

pytestmark = [pytest.mark.browser]


def test_citizen_submits_follows_and_rates(live_demo, browser, close_case, tmp_path):
    base = live_demo.url
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.goto(f"{base}/portal/")
    page.get_by_role("link", name="我要反映").click()
    page.get_by_label("反映的情况(必填)").fill("楼上邻居长期深夜装修,噪音很大,沟通多次没有结果,希望有人调解")
    page.get_by_label("发生地(乡镇、街道)(必填)").select_option(value="990102001000")
    page.get_by_label("类别").select_option(label="邻里纠纷")
    page.get_by_label("姓名").fill("陈女士")
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="提交").click()
    number = page.get_by_test_id("case-number").inner_text().strip()
    page.screenshot(path=str(tmp_path / "submitted.png"), full_page=True)
    case = Case.objects.get(number=number)
    assert case.channel == "portal"

    # The matter goes to mediation: from its progress page straight on to choosing a mediator.
    page.get_by_role("link", name="查询办理进度").click()
    page.get_by_label("事项编号").fill(number)
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_test_id("status")).to_have_text("待受理")
    page.get_by_role("link", name="选择调解员").click()
    expect(page.get_by_role("heading", name=f"事项 {number}")).to_be_visible()

    close_case(case)

    later = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    later.goto(f"{base}/portal/track/")
    later.get_by_label("事项编号").fill(number)
    later.get_by_label("手机号码").fill("13900139001")
    later.get_by_role("button", name="查询").click()
    expect(later.get_by_text("未找到相符的事项")).to_be_visible()
    expect(later.get_by_text("办理过程")).to_have_count(0)
    later.get_by_label("手机号码").fill(PHONE)
    later.get_by_role("button", name="查询").click()
    expect(later.get_by_test_id("status")).to_have_text("已结案")
    form = later.get_by_role("form", name="评价办理结果")
    form.get_by_label("满意", exact=True).check()
    form.get_by_label("已解决").check()
    form.get_by_label("意见建议(可选)").fill("处理及时,谢谢")
    form.get_by_role("button", name="提交评价").click()
    expect(later.get_by_text("感谢您的评价!")).to_be_visible()
    expect(later.get_by_role("region", name="我的评价")).to_contain_text("满意")
    later.screenshot(path=str(tmp_path / "rated.png"), full_page=True)
    rating = Rating.objects.get(case=case)
    assert (rating.score, rating.settled) == (4, True)
    assert case.follow_ups.get().settled is True
