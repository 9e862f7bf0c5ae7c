import pytest
from django.core.exceptions import PermissionDenied

from fengqiao.people.actions import find_or_create_person, record_access, reveal
from fengqiao.people.masking import may_unmask
from fengqiao.people.models import AccessLog, AppendOnlyError, Person

ID = "11010519491231002X"

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return find_or_create_person("张三", phone="13812345678", id_number=ID)


@pytest.mark.parametrize(
    ("username", "allowed"),
    [
        ("admin", True),
        ("county", True),
        ("town1", True),
        ("grid1", True),
        ("mediator1", True),
        ("police1", True),
        ("leader", False),
    ],
)
def test_who_may_unmask(users, username, allowed):
    assert may_unmask(users[username]) is allowed


def test_citizens_and_anonymous_users_may_not_unmask(users):
    from django.contrib.auth.models import AnonymousUser

    from fengqiao.accounts.models import User
    from fengqiao.accounts.roles import Role

    assert not may_unmask(AnonymousUser())
    assert not may_unmask(User(username="someone", role=Role.CITIZEN))
    police = users["police1"]
    police.is_active = False
    assert not may_unmask(police)


def test_reveal_returns_the_plaintext_and_writes_exactly_one_log(users, person):
    values = reveal(
        users["police1"],
        person,
        ["phone", "id_number"],
        object_type="case",
        object_id="AJ-1",
        purpose="联系当事人",
        ip="10.0.0.8",
    )
    assert values == {"phone": "+8613812345678", "id_number": ID}
    log = AccessLog.objects.get()
    assert (log.user, log.person, log.object_type, log.object_id) == (
        users["police1"],
        person,
        "case",
        "AJ-1",
    )
    assert log.fields == ["phone", "id_number"]
    assert (log.purpose, log.ip) == ("联系当事人", "10.0.0.8")
    assert log.at is not None


def test_reveal_is_refused_to_a_leader_and_logs_nothing(users, person):
    with pytest.raises(PermissionDenied):
        reveal(users["leader"], person, ["phone"], object_type="case", object_id="AJ-1")
    assert not AccessLog.objects.exists()


def test_only_personal_data_fields_can_be_logged(users, person):
    with pytest.raises(ValueError):
        record_access(users["county"], person, ["name_pinyin"], "case", "AJ-1")


def test_the_access_log_is_append_only(users, person):
    log = record_access(users["county"], person, ["phone"], "case", 7)
    assert log.object_id == "7"
    log.purpose = "changed afterwards"
    with pytest.raises(AppendOnlyError):
        log.save()
    with pytest.raises(AppendOnlyError):
        log.delete()
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.filter(pk=log.pk).update(purpose="changed")
    with pytest.raises(AppendOnlyError):
        AccessLog.objects.all().delete()
    log.refresh_from_db()
    assert log.purpose == ""
    assert AccessLog.objects.count() == 1


def test_admin_shows_masked_values_only(client, users, person):
    client.force_login(users["admin"])
    for url in ("/admin/people/person/", f"/admin/people/person/{person.pk}/change/"):
        page = client.get(url).content.decode()
        assert "138****5678" in page and "110105********002X" in page
        assert "13812345678" not in page and ID not in page


def test_admin_finds_a_person_by_exact_phone_number(client, users, person):
    client.force_login(users["admin"])
    page = client.get("/admin/people/person/", {"q": "138-1234-5678"}).content.decode()
    assert "138****5678" in page


def test_admin_access_log_is_read_only(client, users, person):
    log = record_access(users["county"], person, ["phone"], "case", "AJ-1")
    client.force_login(users["admin"])
    assert client.get("/admin/people/accesslog/").status_code == 200
    assert client.get("/admin/people/accesslog/", {"user__id__exact": users["county"].pk}).status_code == 200
    assert client.get("/admin/people/accesslog/add/").status_code == 403
    assert client.get(f"/admin/people/accesslog/{log.pk}/delete/").status_code == 403
    response = client.post(f"/admin/people/accesslog/{log.pk}/change/", {"purpose": "x"})
    assert response.status_code == 403
    assert AccessLog.objects.get().purpose == ""


def test_admin_takes_new_numbers_and_refuses_bad_or_duplicate_ones(client, users, person):
    client.force_login(users["admin"])
    form = {"name": "李四", "region": "", "new_id_number": "", "new_phone": "0571-88123456"}
    response = client.post("/admin/people/person/add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    added = Person.objects.get(name="李四")
    assert added.phone == "+8657188123456" and added.name_pinyin == "li si"

    response = client.post("/admin/people/person/add/", {**form, "name": "王五", "new_phone": "garbage"})
    assert response.status_code == 200 and "not a phone number" in response.content.decode()
    response = client.post("/admin/people/person/add/", {**form, "name": "王五", "new_id_number": ID.lower()})
    assert response.status_code == 200 and "该身份证号已有档案" in response.content.decode()
    assert not Person.objects.filter(name="王五").exists()
