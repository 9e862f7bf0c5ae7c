"""The grid worker app on a phone with no network: three reports with a photo and one visit are
kept on the phone through a reload and reach the server exactly once when it comes back."""

import io

import pytest
from playwright.sync_api import expect

from conftest import log_in
from fengqiao.cases.models import Case
from fengqiao.grid.models import Attachment, FieldVisit, Household

pytestmark = [pytest.mark.browser]


def photo_png(width=2000, height=1500) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def test_offline_reports_and_visit_reach_the_server_once(live_demo, browser, grid_point):
    from fengqiao.accounts.models import User

    grid1 = User.objects.get(username="grid1")
    lat, lng, grid_code = grid_point(grid1.region_id[:9], 0)
    assert grid_code == grid1.region_id
    household = Household.objects.create(grid_id=grid_code, address="前村12号", building="三组")
    assert live_demo.url.startswith("http://localhost")

    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        service_workers="allow",
        geolocation={"latitude": lat, "longitude": lng},
        permissions=["geolocation"],
        locale="zh-CN",
    )
    page = context.new_page()
    log_in(page, live_demo.url, "grid1")
    page.goto(f"{live_demo.url}/grid/app/")
    # the service worker controls the page once it has cached the shell
    expect(page.locator("#grid-app[data-offline-ready=yes]")).to_be_attached(timeout=15000)

    context.set_offline(True)
    image = {"name": "scene.png", "mimeType": "image/png", "buffer": photo_png()}
    for n in range(3):
        page.get_by_label("发现的情况(必填)").fill(f"村道第{n + 1}处路灯损坏,夜间行人摔倒风险")
        page.get_by_label("现场照片").set_input_files(image)
        page.get_by_role("button", name="保存上报").click()
        expect(page.locator("#outbox-count")).to_have_text(f"待上传 {n + 1} 条")
    page.locator("summary", has_text="巡查走访打卡").click()
    page.get_by_label("走访户").select_option(str(household.pk))
    page.get_by_label("情况记录").fill("独居老人身体尚好,提醒冬季用电安全")
    page.get_by_role("button", name="打卡").click()
    expect(page.locator("#outbox-count")).to_have_text("待上传 4 条")

    page.reload()  # offline: the shell comes from the service worker's cache, the queue from IndexedDB
    expect(page.locator("#outbox-count")).to_have_text("待上传 4 条")
    expect(page.locator("#net-state")).to_contain_text("离线")
    assert Case.objects.filter(channel="grid").count() == 0
    assert FieldVisit.objects.count() == 0
    page.screenshot(path="var/screenshots/grid-app-offline.png", full_page=True)

    context.set_offline(False)
    expect(page.locator("#outbox-count")).to_have_text("待上传 0 条", timeout=30000)

    def check():
        cases = list(Case.objects.filter(channel="grid", created_by=grid1))
        assert len(cases) == 3
        assert len({case.client_id for case in cases}) == 3
        for case in cases:
            assert case.grid_code == grid_code
            assert case.lat == pytest.approx(lat) and case.lng == pytest.approx(lng)
            photos = list(Attachment.objects.filter(case=case))
            assert len(photos) == 1
            assert photos[0].content_type == "image/jpeg"
            assert (photos[0].width, photos[0].height) == (1600, 1200)  # resized on the phone
        visits = list(FieldVisit.objects.all())
        assert len(visits) == 1
        assert visits[0].grid_id == grid_code and visits[0].household_id == household.pk
        assert visits[0].worker == grid1

    check()
    # a second sync (and a reload, which syncs on load) sends nothing again
    page.get_by_role("button", name="立即同步").click()
    page.reload()
    expect(page.locator("#outbox-count")).to_have_text("待上传 0 条")
    page.wait_for_timeout(500)
    check()
    page.screenshot(path="var/screenshots/grid-app-synced.png", full_page=True)

    # A report the server refused as it stood stays on the phone; the worker corrects it in the
    # form and it goes again, with its first client id.
    refused_id = page.evaluate(
        """([lat, lng]) => { const id = crypto.randomUUID();
        return FQQueue.put({ client_id: id, kind: "report", created_at: new Date().toISOString(), photos: [],
          error: "description: required",
          payload: { channel: "grid", description: " ", client_id: id, location: { lat, lng } } }).then(() => id); }""",
        [lat, lng],
    )
    page.reload()
    page.get_by_role("button", name="修改后重发").click()
    page.get_by_label("发现的情况(必填)").fill("桥头护栏松动,已设临时警示")
    page.get_by_role("button", name="保存上报").click()
    expect(page.locator("#outbox-count")).to_have_text("待上传 0 条", timeout=30000)
    resent = Case.objects.get(client_id=refused_id)
    assert resent.description == "桥头护栏松动,已设临时警示" and resent.grid_code == grid_code
    context.close()
