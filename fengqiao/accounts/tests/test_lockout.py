import pytest

from conftest import DEMO_PASSWORD


@pytest.fixture
def lockout(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3


@pytest.mark.django_db
def test_the_login_page_locks_out_a_guesser(client, lockout):
    for _ in range(3):
        client.post("/login/", {"username": "county", "password": "guess"})
    locked = client.post("/login/", {"username": "county", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert "暂时锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_other_accounts_are_not_locked_by_someone_elses_guessing(client, lockout):
    for _ in range(3):
        client.post("/login/", {"username": "county", "password": "guess"})
    ok = client.post("/login/", {"username": "town1", "password": DEMO_PASSWORD})
    assert ok.status_code == 302


@pytest.mark.django_db
def test_the_api_token_endpoint_locks_out_too(api, lockout):
    anonymous = api()
    for _ in range(2):
        assert anonymous.post("/auth/token", {"username": "county", "password": "guess"}).status_code == 401
    assert anonymous.post("/auth/token", {"username": "county", "password": "guess"}).status_code == 429
    locked = anonymous.post("/auth/token", {"username": "county", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["detail"].startswith("too many failed logins")


@pytest.mark.django_db
def test_a_success_before_the_limit_resets_the_count(client, lockout):
    for _ in range(2):
        client.post("/login/", {"username": "county", "password": "guess"})
    assert client.post("/login/", {"username": "county", "password": DEMO_PASSWORD}).status_code == 302
    client.logout()
    for _ in range(2):
        client.post("/login/", {"username": "county", "password": "guess"})
    assert client.post("/login/", {"username": "county", "password": DEMO_PASSWORD}).status_code == 302
