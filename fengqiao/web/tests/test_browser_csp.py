"""The Content-Security-Policy is strict (no inline script) and the pages actually pass it: a
browser visiting them reports no violation."""

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]

PAGES = [
    "/",
    "/cases/",
    "/cases/new/",
    "/cases/mine/",
    "/cases/overdue/",
    "/cases/triage/",
    "/notices/",
    "/regions/",
    "/api/v1/docs",
    "/admin/",
]


def test_pages_pass_the_content_security_policy(live_demo, page):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    log_in(page, live_demo.url, "admin")
    response = page.goto(f"{live_demo.url}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    for path in PAGES:
        page.goto(f"{live_demo.url}{path}")
        page.wait_for_load_state("networkidle")
    page.goto(f"{live_demo.url}/cases/new/")
    description = page.get_by_label("事项描述(必填)")
    description.fill("邻居家的狗咬伤了我家的鸡,要求赔偿")
    description.press("End")  # a keyup: the HTMX category suggestion is asked for
    expect(page.locator("#suggestion")).to_contain_text("建议类别", timeout=10000)
    page.locator("[data-apply-category]").click()
    assert page.get_by_label("类别").input_value() != ""
    assert violations == []
