"""The access matrix of the sensitive registers: who sees what, masked or not, and the audit."""

import pytest

from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.accounts.standard_units import department_code
from fengqiao.basedata.models import ExportLog
from fengqiao.people.models import AccessLog

from .helpers import file_entry

pytestmark = pytest.mark.django_db
COUNTY = "990102000000"


def _department_user(username, department):
    unit = Unit.objects.get(code=department_code(COUNTY, department))
    return User.objects.create_user(
        username, password="fengqiao-demo", role=Role.DEPARTMENT_STAFF, region_id=COUNTY, unit=unit
    )


@pytest.fixture
def patient(users):
    return file_entry(
        users["grid1"], "mental_disorder", users["grid1"].region_id, name="敏感甲", phone="13905719999",
        grade=2, data={"diagnosis": "双相障碍"},
    )  # fmt: skip


def _views(user):
    return AccessLog.objects.filter(user=user, object_type="basedata.entry").count()


def test_who_sees_a_special_group_entry(api, users, patient):
    _department_user("justice1", "justice")
    _department_user("housing1", "housing")
    everyone = {
        **users,
        **{u.username: u for u in User.objects.filter(username__in=["justice1", "housing1"])},
    }
    expected = {
        "grid1": "full",
        "county": "full",
        "town1": "full",
        "police1": "full",
        "justice1": "full",
        "admin": "full",
        "leader": "masked",
        "mediator1": "masked",
        "housing1": "masked",
        "town2": "absent",
    }
    for username, seen in expected.items():
        before = _views(everyone[username])
        response = api(username).get(f"/basedata/entries/{patient.pk}")
        if seen == "absent":
            assert response.status_code == 404, username
            continue
        body = response.json()
        if seen == "full":
            assert body["name"] == "敏感甲" and body["data"]["diagnosis"] == "双相障碍", username
            assert body["grade"] == 2 and body["care_plan"] is not None
            assert _views(everyone[username]) == before + 1, f"{username}: a full view is audited"
        else:
            assert body["masked"] and body["name"] == patient.person.masked_name != "敏感甲", username
            assert "data" not in body and "grade" not in body and "care_plan" not in body
            assert _views(everyone[username]) == before


def test_masked_roles_cannot_reveal_list_details_or_change_grades(api, users, patient):
    leader = api("leader")
    assert leader.post(f"/basedata/entries/{patient.pk}/reveal", {"fields": ["phone"]}).status_code == 403
    assert (
        leader.post(f"/basedata/entries/{patient.pk}/grade", {"grade": 3, "reason": "x"}).status_code == 403
    )
    rows = leader.get("/basedata/registers/mental_disorder/entries").json()["results"]
    assert rows and all(row["masked"] and "data" not in row for row in rows)
    assert patient.pk not in [plan["entry"]["id"] for plan in leader.get("/basedata/care/plans").json()]
    revealed = api("police1").post(f"/basedata/entries/{patient.pk}/reveal", {"fields": ["phone"]})
    assert revealed.json() == {"phone": "+8613905719999"}
    assert AccessLog.objects.filter(user=users["police1"], fields=["phone"], person=patient.person).exists()


def test_pages_mask_and_audit_the_same_way(client, users, patient):
    client.force_login(users["leader"])
    page = client.get(f"/basedata/entries/{patient.pk}/").content.decode()
    assert "敏*" in page and "双相障碍" not in page and "敏感甲" not in page
    person = client.get(f"/basedata/people/{patient.person_id}/").content.decode()
    assert "敏感登记(无权查看)" in person and "严重精神障碍" not in person
    client.force_login(users["county"])
    before = _views(users["county"])
    assert "双相障碍" in client.get(f"/basedata/entries/{patient.pk}/").content.decode()
    assert _views(users["county"]) == before + 1


def test_exports_are_restricted_and_logged(api, client, users, patient):
    from io import BytesIO

    from openpyxl import load_workbook

    assert api("leader").get("/basedata/registers/mental_disorder/export").status_code == 403
    assert api("grid1").get("/basedata/registers/mental_disorder/export").status_code == 403
    response = api("county").get("/basedata/registers/mental_disorder/export")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert "敏感甲" in [row[1] for row in rows[1:]]
    log = ExportLog.objects.get(user=users["county"], register__code="mental_disorder")
    assert log.rows == len(rows) - 1
    assert AccessLog.objects.filter(
        user=users["county"], object_type="basedata.export", person=patient.person
    ).exists()
    client.force_login(users["leader"])
    assert client.post("/basedata/registers/mental_disorder/export.xlsx").status_code == 403
