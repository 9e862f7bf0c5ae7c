import re

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]


def test_county_logs_in_and_sees_its_home(live_demo, page):
    log_in(page, live_demo.url, "county")
    expect(page.get_by_role("heading", name="综治中心工作人员工作台")).to_be_visible()
    expect(page.get_by_role("heading", name="我的辖区")).to_be_visible()
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="区划网格")).to_be_visible()
    page.screenshot(path="var/screenshots/county-home.png", full_page=True)
    page.get_by_role("link", name="查看区划与网格").click()
    expect(page.get_by_role("heading", name="下级区划")).to_contain_text(re.compile(r"\d+"))


def test_home_works_on_a_phone_screen(live_demo, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    log_in(page, live_demo.url, "grid1")
    expect(page.get_by_role("heading", name="网格员工作台")).to_be_visible()
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav).to_be_hidden()
    page.locator("label.nav-toggle-label").click()
    expect(nav).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, "the page must not scroll sideways on a phone"
    page.screenshot(path="var/screenshots/grid1-phone.png", full_page=True)
    context.close()


def test_wrong_password_shows_a_message(live_demo, page):
    page.goto(f"{live_demo.url}/login/")
    page.get_by_label("用户名").fill("county")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
