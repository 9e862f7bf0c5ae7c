"""The inbox in a browser: marking one notice read swaps that item in place and the unread count
follows (HTMX), marking all read refreshes the list."""

import pytest
from playwright.sync_api import expect

from conftest import log_in

pytestmark = [pytest.mark.browser]


def test_marking_notices_read_in_place(live_demo, page):
    from fengqiao.accounts.models import User
    from fengqiao.notices.actions import notify_event

    town1 = User.objects.get(username="town1")
    notify_event("emergency", [town1], subject="山体滑坡")
    notify_event("emergency", [town1], subject="道路塌方")
    log_in(page, live_demo.url, "town1")
    page.goto(f"{live_demo.url}/notices/")
    expect(page.locator("#notice-list p.muted")).to_contain_text("未读 2 条")
    page.locator("li", has_text="山体滑坡").get_by_role("button", name="标为已读").click()
    expect(page.locator("li", has_text="山体滑坡").get_by_role("button", name="标为已读")).to_have_count(0)
    expect(page.locator("#notice-list p.muted")).to_contain_text("未读 1 条")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_role("button", name="标为已读")).to_have_count(0)
    expect(page.locator("#notice-list p.muted")).to_contain_text("未读 0 条")
