"""Two-factor login: enrolment, the code step of every login path, backup codes, required roles,
admin reset."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import DEMO_PASSWORD
from fengqiao.accounts import twofactor


def current_code(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():0{device.digits}d}"


@pytest.fixture
def clock():
    """Time moving on from now, so each new code is one the device has not seen yet."""
    with time_machine.travel(timezone.now(), tick=True) as traveller:
        yield lambda: traveller.shift(timedelta(seconds=31))


@pytest.fixture
def enrolled(users, clock):
    """county with a confirmed authenticator and ten backup codes."""
    user = users["county"]
    device = twofactor.start_enrolment(user)
    codes = twofactor.confirm_enrolment(user, current_code(device))
    device.refresh_from_db()
    clock()
    return user, device, codes


def password_step(client, username="county", next_url=""):
    url = "/login/" + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": username, "password": DEMO_PASSWORD})


@pytest.mark.django_db
def test_enrolment_shows_a_qr_code_and_confirms_with_a_code(client, users, clock):
    client.force_login(users["town1"])
    page = client.get("/account/two-factor/").content.decode()
    assert "扫描下面的二维码" in page
    qr = client.get("/account/two-factor/qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    wrong = client.post("/account/two-factor/", {"action": "confirm", "code": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    assert not twofactor.is_enrolled(users["town1"])
    clock()  # a failure makes the device wait a moment before the next try
    device = TOTPDevice.objects.get(user=users["town1"])
    done = client.post("/account/two-factor/", {"action": "confirm", "code": current_code(device)})
    assert done.status_code == 200
    assert done.content.decode().count("<li>") >= twofactor.BACKUP_CODE_COUNT
    assert twofactor.is_enrolled(users["town1"])
    assert client.get("/").status_code == 200  # the enrolling session counts as verified


@pytest.mark.django_db
def test_login_asks_for_the_code_after_the_password(client, enrolled, clock):
    user, device, _ = enrolled
    step = password_step(client, next_url="/regions/")
    assert step["Location"] == "/login/verify/"
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # not logged in yet
    wrong = client.post("/login/verify/", {"code": "123456"})
    assert "验证码不正确" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    clock()
    ok = client.post("/login/verify/", {"code": current_code(device)})
    assert ok["Location"] == "/regions/"
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_backup_code_works_once(client, enrolled):
    _, _, codes = enrolled
    password_step(client)
    assert client.post("/login/verify/", {"code": codes[0].upper()})["Location"] == "/"
    client.post("/logout/")
    password_step(client)
    again = client.post("/login/verify/", {"code": codes[0]})
    assert again.status_code == 200 and "_auth_user_id" not in client.session
    assert twofactor.backup_codes_left(enrolled[0]) == twofactor.BACKUP_CODE_COUNT - 1


@pytest.mark.django_db
def test_too_many_wrong_codes_start_the_login_again(client, enrolled):
    password_step(client)
    for _ in range(5):
        last = client.post("/login/verify/", {"code": "999999"})
    assert last["Location"] == "/login/"
    assert client.get("/login/verify/")["Location"] == "/login/"


@pytest.mark.django_db
def test_the_code_page_needs_the_password_step_first(client, enrolled):
    assert client.post("/login/verify/", {"code": current_code(enrolled[1])})["Location"] == "/login/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_password_only_session_of_an_enrolled_user_is_ended(client, enrolled):
    """The admin's own login form, or any other path that skips the code step."""
    client.force_login(enrolled[0])
    response = client.get("/")
    assert response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_api_token_needs_the_code_of_an_enrolled_user(api, enrolled):
    anonymous = api()
    missing = anonymous.post("/auth/token", {"username": "county", "password": DEMO_PASSWORD})
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["field"] == "otp"
    code = current_code(enrolled[1])
    ok = anonymous.post("/auth/token", {"username": "county", "password": DEMO_PASSWORD, "otp": code})
    assert ok.status_code == 200


@pytest.mark.django_db
def test_a_required_role_must_enrol_before_anything_else(client, api, users, settings, clock):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin"]
    response = password_step(client, "admin")
    home = client.get(response["Location"])
    assert home["Location"].startswith("/account/two-factor/")
    assert client.get("/api/v1/me").status_code == 403
    assert client.get("/admin/")["Location"].startswith("/account/two-factor/")
    page = client.get("/account/two-factor/").content.decode()
    assert "要求使用两步验证" in page and "关闭两步验证" not in page
    refused = api().post("/auth/token", {"username": "admin", "password": DEMO_PASSWORD})
    assert refused.status_code == 403
    device = TOTPDevice.objects.get(user=users["admin"])
    client.post("/account/two-factor/", {"action": "confirm", "code": current_code(device)})
    assert client.get("/admin/").status_code == 200
    clock()
    device.refresh_from_db()
    disable = client.post("/account/two-factor/", {"action": "disable", "code": current_code(device)})
    assert "不能关闭" in disable.content.decode() and twofactor.is_enrolled(users["admin"])
    # Roles not listed are untouched.
    client.post("/logout/")
    password_step(client, "town1")
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_a_user_may_renew_backup_codes_and_turn_it_off(client, enrolled, clock):
    user, device, codes = enrolled
    password_step(client)
    client.post("/login/verify/", {"code": current_code(device)})
    clock()
    device.refresh_from_db()
    renewed = client.post("/account/two-factor/", {"action": "backup", "code": current_code(device)})
    assert codes[1] not in renewed.content.decode()
    assert twofactor.backup_codes_left(user) == twofactor.BACKUP_CODE_COUNT
    clock()
    device.refresh_from_db()
    client.post("/account/two-factor/", {"action": "disable", "code": current_code(device)})
    assert not twofactor.is_enrolled(user)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_an_admin_resets_a_user_who_lost_their_phone(client, users, enrolled):
    client.force_login(users["admin"])
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_two_factor", "_selected_action": [enrolled[0].pk]},
        follow=True,
    )
    assert "已重置" in response.content.decode()
    assert not twofactor.is_enrolled(enrolled[0])
    client.post("/logout/")
    assert password_step(client)["Location"] == "/"


@pytest.mark.django_db
def test_the_reset_command(enrolled, capsys):
    call_command("reset2fa", "county")
    assert not twofactor.is_enrolled(enrolled[0])
