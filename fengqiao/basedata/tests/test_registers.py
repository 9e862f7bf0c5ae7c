"""Every register through the API and the pages; local registers and fields defined in the admin."""

import pytest

from fengqiao.basedata.models import Entry, Register, RegisterField

pytestmark = pytest.mark.django_db


def _sample(register, grid, n):
    from .helpers import id_number

    body = {"region_code": grid, "address": "测试路1号"}
    if register["subject"] == "person":
        body.update(name=f"登记人{n}", id_number=id_number(), phone=f"1390571{n:04d}")
    else:
        body["title"] = f"{register['name']}样本"
    if register["grades"]:
        body["grade"] = register["grades"][-1]["grade"]
    data = {}
    for field in register["fields"]:
        data[field["key"]] = {"text": "样本", "number": 3, "date": "2024-05-01", "yesno": True}.get(
            field["kind"], (field["choices"] or ["x"])[0]
        )
    body["data"] = data
    return body


def test_each_register_through_the_api(api, users):
    county = api("county")
    grid = users["grid1"].region_id
    registers = county.get("/basedata/registers").json()
    assert {"mental_disorder", "rentals", "key_youth", "schools", "road_rail", "enterprises"} <= {
        r["code"] for r in registers
    }
    for n, register in enumerate(registers):
        created = county.post(f"/basedata/registers/{register['code']}/entries", _sample(register, grid, n))
        assert created.status_code == 201, (register["code"], created.content)
        entry = created.json()
        assert entry["data"] and entry["region_code"] == grid
        listed = county.get(f"/basedata/registers/{register['code']}/entries", region=grid).json()
        assert entry["id"] in [row["id"] for row in listed["results"]]
        detail = county.get(f"/basedata/entries/{entry['id']}").json()
        if register["subject"] == "person":
            assert detail["name"] == f"登记人{n}" and "*" in detail["id_number"]
        assert (detail["care_plan"] is not None) == register["care"]


def test_bad_input_names_the_field_and_stores_nothing(api, users):
    county = api("county")
    grid = users["grid1"].region_id
    before = Entry.objects.count()
    bad = [
        ({"region_code": grid, "name": "甲", "id_number": "330102198001011230"}, "id_number"),
        ({"region_code": grid, "name": "甲", "phone": "12345"}, "phone"),
        ({"region_code": "990102001000", "name": "甲"}, "region_code"),
        (
            {"region_code": grid, "name": "甲", "data": {"diagnosis": "x", "medicated": "也许"}},
            "data.medicated",
        ),
        ({"region_code": grid, "name": "甲", "grade": 7}, "grade"),
    ]
    for body, field in bad:
        response = county.post("/basedata/registers/mental_disorder/entries", body)
        assert response.status_code == 422, body
        assert response.json()["errors"][0]["field"] == field
    assert Entry.objects.count() == before
    assert (
        api("town2")
        .post("/basedata/registers/rentals/entries", {"region_code": grid, "title": "越界"})
        .status_code
        == 422
    )
    assert (
        api("leader")
        .post("/basedata/registers/rentals/entries", {"region_code": grid, "title": "只读"})
        .status_code
        == 403
    )


def test_same_person_twice_on_one_register_is_refused(api, users):
    from .helpers import id_number

    county = api("county")
    body = {"region_code": users["grid1"].region_id, "name": "重复者", "id_number": id_number()}
    assert county.post("/basedata/registers/floating/entries", body).status_code == 201
    assert county.post("/basedata/registers/floating/entries", body).status_code == 409
    # ...but the same person may be on another register: one file across registers.
    assert county.post("/basedata/registers/registered/entries", body).status_code == 201
    assert Entry.objects.filter(person__name="重复者").values("person").distinct().count() == 1


def test_register_pages(client, users):
    client.force_login(users["county"])
    grid = users["grid1"].region_id
    assert "出租房屋" in client.get("/basedata/").content.decode()
    response = client.post(
        "/basedata/registers/rentals/new/",
        {"region_code": grid, "title": "页面出租房", "address": "枫溪路8号", "data.tenants": "3"},
    )
    entry = Entry.objects.get(title="页面出租房")
    assert response.status_code == 302 and entry.data == {"tenants": 3}
    assert "页面出租房" in client.get("/basedata/registers/rentals/").content.decode()
    assert "枫溪路8号" in client.get(f"/basedata/entries/{entry.pk}/").content.decode()
    problem = client.post(
        "/basedata/registers/floating/new/", {"region_code": grid, "name": "甲", "id_number": "1234"}
    )
    assert "身份证号应为18位" in problem.content.decode()
    for register in Register.objects.all():
        assert client.get(f"/basedata/registers/{register.code}/").status_code == 200
        assert client.get(f"/basedata/registers/{register.code}/new/").status_code == 200


def test_a_local_register_with_its_own_fields_needs_no_code(api, users):
    register = Register.objects.create(
        code="veterans", name="退役军人", category="地方自定义", subject="person", order=500
    )
    RegisterField.objects.create(register=register, key="unit", label="原部队", required=True)
    RegisterField.objects.create(register=register, key="years", label="服役年限", kind="number")
    county = api("county")
    grid = users["grid1"].region_id
    assert "veterans" in [r["code"] for r in county.get("/basedata/registers").json()]
    missing = county.post("/basedata/registers/veterans/entries", {"region_code": grid, "name": "老兵"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "data.unit"
    created = county.post(
        "/basedata/registers/veterans/entries",
        {"region_code": grid, "name": "老兵", "data": {"unit": "某部", "years": "12"}},
    )
    assert created.status_code == 201 and created.json()["data"] == {"unit": "某部", "years": 12}
