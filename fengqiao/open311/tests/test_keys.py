import io

import pytest
from django.core.management import CommandError, call_command

from fengqiao.cases.models import Case
from fengqiao.open311.models import ApiKey, key_digest

from .conftest import TOWNSHIP_1


@pytest.mark.django_db
def test_only_the_digest_is_stored():
    raw = ApiKey.issue("测试系统", TOWNSHIP_1)
    key = ApiKey.objects.get()
    assert key.digest == key_digest(raw) and raw not in key.digest
    assert key.channel == "open311" and key.region_id == TOWNSHIP_1
    assert ApiKey.authenticate(raw) == key
    assert ApiKey.authenticate(raw + "x") is None
    key.revoke()
    assert ApiKey.authenticate(raw) is None


@pytest.mark.django_db
def test_issueapikey_prints_a_key_that_works(o311, grid_point):
    out, err = io.StringIO(), io.StringIO()
    call_command("issueapikey", "市12345热线", "990102000000", "--channel", "hotline", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert len(raw) >= 40 and "\n" not in raw
    assert "shown only this once" in err.getvalue()
    key = ApiKey.objects.get()
    assert (key.name, key.channel, key.region_id) == ("市12345热线", "hotline", "990102000000")
    lat, lng, _ = grid_point("990102001")
    response = o311.post(
        api_key=raw, service_code="public_service", description="路灯坏了一个月没人修。", lat=lat, long=lng
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get(number=response.json()[0]["service_request_id"]).channel == "hotline"

    with pytest.raises(CommandError):
        call_command("issueapikey", "x", "990199999000", stdout=io.StringIO())


@pytest.mark.django_db
def test_admin_shows_the_key_once_and_revokes(client, users, o311):
    client.force_login(users["admin"])
    assert client.get("/admin/open311/apikey/add/").status_code == 200
    response = client.post(
        "/admin/open311/apikey/add/", {"name": "网格通App", "region": TOWNSHIP_1, "channel": "open311"}
    )
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    key = ApiKey.objects.get()
    raw = response.context["raw_key"]
    assert raw in response.content.decode() and key.digest == key_digest(raw)
    assert key.created_by == users["admin"]
    assert raw not in client.get(f"/admin/open311/apikey/{key.pk}/change/").content.decode()
    assert raw not in client.get("/admin/open311/apikey/").content.decode()
    assert o311.get("requests.json", api_key=raw).status_code == 200

    response = client.post(
        "/admin/open311/apikey/", {"action": "revoke_keys", "_selected_action": [key.pk]}, follow=True
    )
    assert response.status_code == 200
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert o311.get("requests.json", api_key=raw).status_code == 403


@pytest.mark.django_db
def test_admin_may_not_issue_outside_its_region(client, users):
    from fengqiao.accounts.models import User

    town_admin = User.objects.create_user("townadmin", password="x" * 12, role="admin", region_id=TOWNSHIP_1)
    client.force_login(town_admin)
    response = client.post(
        "/admin/open311/apikey/add/", {"name": "越权", "region": "990102002000", "channel": "open311"}
    )
    assert response.status_code == 200
    assert not ApiKey.objects.exists()
    assert "只能为本人管辖区划" in response.content.decode()
