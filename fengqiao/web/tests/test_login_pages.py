import pytest

from conftest import DEMO_PASSWORD

STAFF = ["admin", "county", "town1", "town2", "grid1", "mediator1", "police1", "leader"]


@pytest.mark.django_db
@pytest.mark.parametrize("username", STAFF)
def test_every_demo_account_logs_in_through_the_login_page(client, users, username):
    response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == "/"
    page = response.content.decode()
    assert f"{users[username].role_label}工作台" in page
    assert users[username].region.name in page


@pytest.mark.django_db
def test_wrong_password_stays_on_the_login_page_with_a_message(client):
    response = client.post("/login/", {"username": "county", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_login_page_shows_citizens_the_way_to_the_portal(client):
    page = client.get("/login/").content.decode()
    assert 'href="/portal/"' in page
    assert client.get("/portal/").status_code == 200  # no login needed


@pytest.mark.django_db
def test_pages_need_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.django_db
def test_navigation_follows_the_role(client):
    client.login(username="admin", password=DEMO_PASSWORD)
    assert "系统管理" in client.get("/").content.decode()
    client.logout()
    client.login(username="leader", password=DEMO_PASSWORD)
    assert "系统管理" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_logout_ends_the_session(client):
    client.login(username="county", password=DEMO_PASSWORD)
    client.post("/logout/")
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_only_admins_reach_the_django_admin(client):
    client.login(username="admin", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.login(username="county", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_health_check(client):
    assert client.get("/healthz").json() == {"status": "ok"}
