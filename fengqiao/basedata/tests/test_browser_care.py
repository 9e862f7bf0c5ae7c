"""grid1, on a phone, logs a visit to a person under care whose visit is overdue; the warning clears."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import log_in
from fengqiao.basedata.models import CarePlan, CareVisit

from .helpers import file_entry

pytestmark = [pytest.mark.browser]


def test_grid1_logs_an_overdue_care_visit_from_a_phone(live_demo, browser):
    from fengqiao.accounts.models import User

    grid1 = User.objects.get(username="grid1")
    entry = file_entry(grid1, "mental_disorder", grid1.region_id, name="覃小六", grade=3, address="前村7号")
    # The one overdue visit in grid1's grid (the demo's people under care are on schedule here).
    mine = CarePlan.objects.filter(entry__region_id=grid1.region_id)
    mine.exclude(entry=entry).update(next_due_at=timezone.now() + timedelta(days=10))
    mine.filter(entry=entry).update(next_due_at=timezone.now() - timedelta(days=2))

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    log_in(page, live_demo.url, "grid1")
    page.locator("label.nav-toggle-label").click()
    page.get_by_role("link", name="关爱走访").click()
    expect(page.get_by_role("alert")).to_have_text("有 1 人走访逾期,请尽快走访")
    row = page.locator(".care-list li", has_text=entry.person.masked_name)
    expect(row.locator(".badge")).to_have_text("逾期")
    row.get_by_role("link", name="登记走访").click()

    expect(page.get_by_text("覃小六")).to_be_visible()
    page.get_by_label("电话随访").check()
    page.get_by_label("走访情况").fill("与监护人通话,按时服药,情绪平稳")
    page.get_by_role("button", name="提交走访").click()

    expect(page.get_by_text("走访已登记。")).to_be_visible()
    row = page.locator(".care-list li", has_text=entry.person.masked_name)
    expect(row.locator(".badge")).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_text("走访均在期限内")).to_be_visible()
    visit = CareVisit.objects.get(plan__entry=entry)
    assert visit.visitor == grid1 and visit.kind == "phone" and "按时服药" in visit.note
    page.screenshot(path="/tmp/basedata-care-phone.png", full_page=True)
    context.close()
