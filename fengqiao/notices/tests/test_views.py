import pytest

from fengqiao.notices.actions import notify_event, unread_count
from fengqiao.notices.models import Notice, SmsMessage

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def two_notices(users, case):
    notify_event("new_work", [users["town1"]], case=case)
    notify_event("emergency", [users["town1"]], subject="山体滑坡")
    return list(Notice.objects.filter(recipient=users["town1"]).order_by("pk"))


@pytest.mark.django_db
def test_unread_count(users, two_notices):
    from django.contrib.auth.models import AnonymousUser

    assert unread_count(users["town1"]) == 2
    assert unread_count(users["town2"]) == 0
    assert unread_count(AnonymousUser()) == 0


@pytest.mark.django_db
def test_the_inbox_lists_the_notices_and_filters_the_unread(client, users, two_notices):
    client.force_login(users["town1"])
    page = client.get("/notices/").content.decode()
    assert "未读 <span" in page and two_notices[0].title in page and "山体滑坡" in page
    assert f"/notices/{two_notices[0].pk}/" in page
    Notice.objects.filter(pk=two_notices[1].pk).update(read_at=two_notices[1].created_at)
    fragment = client.get("/notices/?unread=1", **HTMX).content.decode()
    assert "<html" not in fragment and two_notices[0].title in fragment and "山体滑坡" not in fragment


@pytest.mark.django_db
def test_opening_a_notice_marks_it_read_and_goes_to_its_case(client, users, case, two_notices):
    client.force_login(users["town1"])
    answer = client.get(f"/notices/{two_notices[0].pk}/")
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{case.number}/"
    two_notices[0].refresh_from_db()
    assert two_notices[0].read_at is not None
    assert unread_count(users["town1"]) == 1
    # Without a case: back to the inbox; over HTMX: a client-side redirect.
    answer = client.get(f"/notices/{two_notices[1].pk}/", **HTMX)
    assert answer.status_code == 200 and answer["HX-Redirect"] == "/notices/"
    assert answer["HX-Trigger"] == "notices-changed"
    assert unread_count(users["town1"]) == 0


@pytest.mark.django_db
def test_nobody_opens_anothers_notice(client, users, two_notices):
    client.force_login(users["town2"])
    assert client.get(f"/notices/{two_notices[0].pk}/").status_code == 404
    assert client.post(f"/notices/{two_notices[0].pk}/read/").status_code == 404
    two_notices[0].refresh_from_db()
    assert two_notices[0].read_at is None


@pytest.mark.django_db
def test_marking_read_over_htmx_returns_the_item(client, users, two_notices):
    client.force_login(users["town1"])
    answer = client.post(f"/notices/{two_notices[0].pk}/read/", **HTMX)
    fragment = answer.content.decode()
    assert answer.status_code == 200 and answer["HX-Trigger"] == "notices-changed"
    assert fragment.lstrip().startswith(f'<li id="notice-{two_notices[0].pk}"') and "标为已读" not in fragment
    assert client.get("/notices/unread/").json() == {"unread": 1}
    assert client.get("/notices/unread/?plain=1", **HTMX).content == b"1"
    badge = client.get("/notices/unread/", **HTMX).content.decode()
    assert 'class="badge red"' in badge and ">1<" in badge


@pytest.mark.django_db
def test_read_all(client, users, two_notices):
    client.force_login(users["town1"])
    answer = client.post("/notices/read/", **HTMX)
    assert answer.status_code == 200 and 'id="notice-list"' in answer.content.decode()
    assert unread_count(users["town1"]) == 0
    notify_event("overdue", [users["town1"]], subject="x")
    answer = client.post("/notices/read/")
    assert answer.status_code == 302 and unread_count(users["town1"]) == 0


@pytest.mark.django_db
def test_the_sms_outbox_in_the_admin_is_read_only_and_masked(client, users, case, with_phone):
    with_phone("town1", "13800138001")
    notify_event("new_work", [users["town1"]], case=case)
    message = SmsMessage.objects.get()
    client.force_login(users["admin"])
    listing = client.get("/admin/notices/smsmessage/").content.decode()
    assert "138****8001" in listing and "13800138001" not in listing
    detail = client.get(f"/admin/notices/smsmessage/{message.pk}/change/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "138****8001" in body and "13800138001" not in body and message.phone_encrypted not in body
    assert client.get("/admin/notices/smsmessage/add/").status_code == 403
    assert client.get("/admin/notices/messagetemplate/").status_code == 200


@pytest.mark.django_db
def test_the_navigation_shows_the_unread_count(client, users):
    from fengqiao.notices.actions import notify

    notify([users["town1"]], "new_work", "新任务", "请处理")
    client.login(username="town1", password="fengqiao-demo")
    page = client.get("/").content.decode()
    assert "未读消息 1 条" in page
