"""In a browser: a citizen picks a mediator in the portal with the case number and phone; the
mediator accepts and records the agreement; the applicant downloads it."""

import io
from datetime import timedelta

import pytest
from docx import Document
from playwright.sync_api import expect

from conftest import log_in
from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit, User
from fengqiao.cases import actions as case_actions
from fengqiao.cases.actions import Intake, PartyInput
from fengqiao.mediation.models import MediationBody, Mediator

pytestmark = [pytest.mark.browser]
PHONE = "13800138000"


def _portal_lookup(page, base_url, number, phone):
    page.goto(f"{base_url}/portal/mediators/")
    page.get_by_label("事项编号").fill(number)
    page.get_by_label("手机号码").fill(phone)
    page.get_by_role("button", name="查询").click()


def test_citizen_picks_mediator_who_records_agreement(live_demo, browser, grid_point, tmp_path):
    lat, lng, _ = grid_point("990102001")
    case, _ = case_actions.create_case(
        Intake(
            channel="portal",
            description="邻居在楼道堆放杂物,多次协商未果,申请调解",
            category="neighbour",
            lat=lat,
            lng=lng,
            parties=[PartyInput("张三", "applicant", PHONE), PartyInput("李四", "respondent")],
        ),
        actor=User.objects.get(username="town1"),
    )
    body = MediationBody.objects.create(
        name="一号镇人民调解委员会",
        kind="peoples",
        region_id="990102001000",
        unit=Unit.objects.get(code="990102001-mediation"),
    )
    Mediator.objects.create(
        name="王调解",
        user=User.objects.get(username="mediator1"),
        body=body,
        region_id="990102001000",
        specialities=["neighbour"],
        introduction="从事人民调解十年",
    )
    base = live_demo.url

    citizen = browser.new_context(accept_downloads=True)
    page = citizen.new_page()
    _portal_lookup(page, base, case.number, "13800138001")
    expect(page.get_by_text("未找到相符的事项")).to_be_visible()
    _portal_lookup(page, base, case.number, PHONE)
    expect(page.get_by_text("从事人民调解十年")).to_be_visible()
    page.get_by_role("button", name="选择王调解").click()
    expect(page.get_by_text("等待调解员确认").first).to_be_visible()

    staff = browser.new_context().new_page()
    log_in(staff, base, "mediator1")
    staff.goto(f"{base}/cases/{case.number}/mediation/")
    staff.get_by_role("button", name="接受调解").click()
    expect(staff.get_by_text("已接受调解").first).to_be_visible()
    form = staff.get_by_role("form", name="制作调解协议")
    form.get_by_label("纠纷主要事实、争议事项").fill("李四在公共楼道堆放杂物,影响张三通行。")
    form.get_by_label("协议内容(每行一条)").fill("李四于三日内清理楼道杂物\n双方今后共同维护楼道整洁")
    form.get_by_label("履行方式").fill("李四自行清理,社区网格员现场确认")
    form.get_by_label("履行期限").fill(str((wallclock.now() + timedelta(days=3)).date()))
    form.get_by_role("button", name="生成调解协议书").click()
    staff.get_by_role("button", name="确认各方已签字").click()
    expect(staff.get_by_text("已签字生效").first).to_be_visible()
    staff.screenshot(path=str(tmp_path / "mediator.png"), full_page=True)

    later = browser.new_context(accept_downloads=True)  # another day: a fresh session
    page = later.new_page()
    _portal_lookup(page, base, case.number, PHONE)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载调解协议书(Word)").click()
    path = tmp_path / "agreement.docx"
    download_info.value.save_as(path)
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "张三" in text and "李四于三日内清理楼道杂物" in text and "王调解" in text
