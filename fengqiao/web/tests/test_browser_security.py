"""In a real browser: the two-factor login flow from enrolment to the code step, and hostile
markup typed into every free-text field of a case shown as text, running nothing."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from conftest import DEMO_PASSWORD, log_in

pytestmark = [pytest.mark.browser]

HOSTILE = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'


def code_from_secret(secret: str, ahead: int = 0) -> str:
    totp = TOTP(b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8)))
    totp.time = time.time() + ahead
    return f"{totp.token():06d}"


def test_enrol_then_log_in_with_a_code(live_demo, page):
    log_in(page, live_demo.url, "town1")
    page.goto(f"{live_demo.url}/account/two-factor/")
    expect(page.get_by_role("img", name="身份验证器二维码")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("六位验证码").fill(code_from_secret(secret))
    page.get_by_role("button", name="启用").click()
    expect(page.locator(".messages")).to_contain_text("两步验证已启用")
    backup = page.locator(".backup-codes li")
    expect(backup).to_have_count(10)
    first_backup = backup.first.inner_text()

    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").fill("town1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name="两步验证")).to_be_visible()
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("alert")).to_contain_text("验证码不正确")
    # The next 30-second step's code: the one already used to enrol cannot be replayed.
    page.wait_for_timeout(1100)  # a wrong code makes the device wait a second
    page.get_by_label("验证码").fill(code_from_secret(secret, ahead=30))
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_role("button", name="退出")).to_be_visible()

    page.get_by_role("button", name="退出").click()
    page.get_by_label("用户名").fill("town1")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_label("验证码").fill(first_backup)
    page.get_by_role("button", name="验证").click()
    expect(page.locator(".messages")).to_contain_text("已使用一个备用验证码")


def test_markup_in_a_case_shows_as_text_and_runs_nothing(live_demo, page, grid_point):
    from fengqiao.accounts.models import User
    from fengqiao.cases import actions
    from fengqiao.cases.actions import Intake, PartyInput

    lat, lng, _ = grid_point("990102001")
    case, _ = actions.create_case(
        Intake(
            channel="window",
            title=HOSTILE[:200],
            description=f"描述 {HOSTILE}",
            address=f'"><svg onload="window.__pwned=3">{HOSTILE}'[:200],
            category="village_affairs",
            lat=lat,
            lng=lng,
            parties=[PartyInput('<img src=x onerror="window.__pwned=4">', "applicant", "", "")],
        ),
        actor=User.objects.get(username="town1"),
    )
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, live_demo.url, "county")
    for path in ["/", "/cases/", f"/cases/{case.number}/", "/cases/triage/", "/cases/mine/"]:
        page.goto(f"{live_demo.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("window.__pwned") is None, path
        assert page.locator("img[onerror], svg[onload]").count() == 0, path
    page.goto(f"{live_demo.url}/cases/{case.number}/")
    expect(page.get_by_text("<script>window.__pwned = 1</script>").first).to_be_visible()
    assert not dialogs
