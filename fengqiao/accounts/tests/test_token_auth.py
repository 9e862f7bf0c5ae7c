from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import DEMO_PASSWORD
from fengqiao.accounts.models import ApiToken

DEMO_ACCOUNTS = {
    "admin": ("admin", "990100000000"),
    "county": ("centre_staff", "990102000000"),
    "town1": ("centre_staff", "990102001000"),
    "town2": ("centre_staff", "990102002000"),
    "mediator1": ("mediator", "990102001000"),
    "police1": ("department_staff", "990102000000"),
    "leader": ("leader", "990102000000"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("username", [*DEMO_ACCOUNTS, "grid1"])
def test_every_demo_account_gets_a_token_and_knows_where_it_stands(api, username):
    me = api(username).get("/me")
    assert me.status_code == 200
    body = me.json()
    assert body["username"] == username
    if username == "grid1":
        assert body["role"] == "grid_worker"
        assert body["region_code"].startswith("990102001") and len(body["region_code"]) == 15
    else:
        assert (body["role"], body["region_code"]) == DEMO_ACCOUNTS[username]


@pytest.mark.django_db
def test_wrong_password_is_401_and_issues_nothing(api):
    before = ApiToken.objects.count()
    response = api().post("/auth/token", {"username": "county", "password": "not-it"})
    assert response.status_code == 401
    assert ApiToken.objects.count() == before


@pytest.mark.django_db
def test_missing_credentials_name_the_field(api):
    response = api().post("/auth/token", {"username": "county"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "password"


@pytest.mark.django_db
def test_no_token_or_a_bad_one_is_401(api, client):
    assert api().get("/me").status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer forged").status_code == 401


@pytest.mark.django_db
def test_only_a_digest_of_the_token_is_stored(api):
    token = api("county").token
    assert not ApiToken.objects.filter(digest=token).exists()
    assert ApiToken.objects.filter(user__username="county").count() == 1


@pytest.mark.django_db
def test_revoked_token_stops_working(api):
    county = api("county")
    assert county.delete("/auth/token").status_code == 204
    assert county.get("/me").status_code == 401


@pytest.mark.django_db
def test_token_expires(api, settings):
    county = api("county")
    with time_machine.travel(timezone.now() + timedelta(days=settings.API_TOKEN_DAYS, minutes=1)):
        assert county.get("/me").status_code == 401


@pytest.mark.django_db
def test_inactive_user_token_stops_working(api, users):
    county = api("county")
    users["county"].is_active = False
    users["county"].save()
    assert county.get("/me").status_code == 401


@pytest.mark.django_db
def test_session_login_also_reaches_the_api(client):
    assert client.login(username="town1", password=DEMO_PASSWORD)
    assert client.get("/api/v1/me").json()["region_code"] == "990102001000"
