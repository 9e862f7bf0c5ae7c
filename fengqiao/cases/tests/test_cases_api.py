import json
import threading
import uuid

import pytest
from django.test import Client

from conftest import DEMO_PASSWORD
from fengqiao.cases.models import Case, Party, TimelineEntry
from fengqiao.people.models import AccessLog, Person

VALID_ID = "11010519491231002X"


def body(**overrides):
    payload = {
        "channel": "hotline",
        "description": "市民来电反映:楼上住户装修每天晚上十点以后还在砸墙,多次沟通无果,要求协调。",
        "region_code": "990102001000",
        "category": "neighbour",
        "parties": [{"name": "李四", "role": "applicant", "phone": "13912345678", "id_number": VALID_ID}],
    }
    payload.update(overrides)
    return payload


@pytest.mark.django_db
def test_create_returns_the_case_as_the_contract_says(api):
    response = api("town1").post("/cases", body())
    assert response.status_code == 201
    case = response.json()
    for key in (
        "number",
        "channel",
        "category",
        "track",
        "level",
        "status",
        "region_code",
        "grid_code",
        "handling_unit",
        "deadline_at",
        "overdue",
        "risk",
        "risk_reasons",
        "classification",
        "related",
        "timeline",
        "parties",
    ):
        assert key in case, key
    assert case["status"] == "reported" and case["track"] == "mediation"
    assert case["timeline"][0]["kind"] == "reported"
    party = case["parties"][0]
    assert party["phone"] == "139****5678"
    assert VALID_ID not in json.dumps(case)
    assert Case.objects.filter(number=case["number"]).exists()


@pytest.mark.django_db
def test_location_puts_the_case_in_its_grid(api, grid_point):
    lat, lng, grid = grid_point("990102001", 2)
    case = api("town1").post("/cases", body(region_code=None, location={"lat": lat, "lng": lng})).json()
    assert case["grid_code"] == grid and case["region_code"] == grid


@pytest.mark.django_db
def test_same_client_id_returns_the_first_case_and_creates_nothing(api):
    client_id = str(uuid.uuid4())
    town1 = api("town1")
    first = town1.post("/cases", body(client_id=client_id))
    count = Case.objects.count()
    again = town1.post("/cases", body(client_id=client_id, description="重复提交"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["number"] == first.json()["number"]
    assert Case.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_with_one_client_id_make_one_case(users):
    client_id = str(uuid.uuid4())
    tokens = []
    for _ in range(6):
        response = Client().post(
            "/api/v1/auth/token",
            json.dumps({"username": "town1", "password": DEMO_PASSWORD}),
            content_type="application/json",
        )
        tokens.append(response.json()["token"])
    results = []
    barrier = threading.Barrier(len(tokens))

    def post(token):
        from django.db import connection

        barrier.wait()
        response = Client().post(
            "/api/v1/cases",
            json.dumps(body(client_id=client_id)),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        results.append((response.status_code, response.json().get("number")))
        connection.close()

    threads = [threading.Thread(target=post, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(code for code, _ in results) == [200] * 5 + [201]
    assert len({number for _, number in results}) == 1
    assert Case.objects.filter(client_id=client_id).count() == 1


BAD_INPUTS = [
    (body(description=""), "description"),
    (body(description="   "), "description"),
    (body(description=123), "description"),
    (body(channel="fax"), "channel"),
    (body(category="aliens"), "category"),
    (body(region_code="123"), "region_code"),
    (body(region_code="990102099000"), "region_code"),
    (body(location={"lat": 95, "lng": 120}), "location.lat"),
    (body(location={"lat": 29.7, "lng": "east"}), "location.lng"),
    (body(occurred_at="yesterday"), "occurred_at"),
    (body(client_id="not-a-uuid"), "client_id"),
    (
        body(parties=[{"name": "王五", "role": "applicant", "id_number": "110105194912310021"}]),
        "parties.0.id_number",
    ),
    (body(parties=[{"name": "王五", "role": "applicant", "phone": "12345"}]), "parties.0.phone"),
    (body(parties=[{"name": "王五", "role": "judge"}]), "parties.0.role"),
    (body(parties=[{"name": "", "role": "applicant"}]), "parties.0.name"),
    (body(parties=[{"name": f"人{i}", "role": "other"} for i in range(21)]), "parties"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("payload", "field"), BAD_INPUTS)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(api, payload, field):
    counts = (Case.objects.count(), Person.objects.count(), TimelineEntry.objects.count())
    response = api("town1").post("/cases", payload)
    assert response.status_code in (400, 422), response.content
    errors = response.json()["errors"]
    assert field in [error["field"] for error in errors], errors
    assert all(error["reason"] for error in errors)
    assert (Case.objects.count(), Person.objects.count(), TimelineEntry.objects.count()) == counts


@pytest.mark.django_db
def test_a_region_outside_the_callers_subtree_is_refused(api):
    response = api("town1").post("/cases", body(region_code="990102002000"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "region_code"


@pytest.mark.django_db
def test_malformed_json_is_400_naming_the_body(api):
    count = Case.objects.count()
    response = api("town1").post("/cases", raw="{not json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "body"
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_oversize_body_is_413(api, settings):
    count = Case.objects.count()
    response = api("town1").post(
        "/cases", body(description="很" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2))
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] == "body"
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_cases_outside_the_region_are_404_like_absent_ones(api):
    number = api("town1").post("/cases", body()).json()["number"]
    town2 = api("town2")
    hidden = town2.get(f"/cases/{number}")
    absent = town2.get("/cases/990102-20000101-0001")
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json() == absent.json()
    assert town2.post(f"/cases/{number}/actions", {"action": "accept"}).status_code == 404
    assert api("county").get(f"/cases/{number}").status_code == 200


@pytest.mark.django_db
def test_a_unit_sees_a_case_dispatched_to_it_from_outside_its_region(api):
    county, town2 = api("county"), api("town2")
    number = county.post("/cases", body()).json()["number"]  # a matter in town1's township
    assert town2.get(f"/cases/{number}").status_code == 404
    county.post(f"/cases/{number}/actions", {"action": "accept"})
    response = county.post(f"/cases/{number}/actions", {"action": "dispatch", "units": ["990102002-centre"]})
    assert response.status_code == 200, response.content
    assert town2.get(f"/cases/{number}").status_code == 200
    assert number in {c["number"] for c in town2.get("/cases").json()["results"]}


@pytest.mark.django_db
def test_a_superuser_with_a_unit_still_sees_every_case(api, users):
    """Q() | "dispatched to my unit" would shrink a superuser's scope to their unit's cases."""
    from fengqiao.accounts.models import User
    from fengqiao.accounts.scoping import visible_cases, visible_regions
    from fengqiao.regions.models import Region

    number = api("town1").post("/cases", body()).json()["number"]
    root = User.objects.create_superuser("cases-root", password="x", unit=users["town2"].unit)
    assert visible_cases(root).filter(number=number).exists()
    assert visible_cases(root).count() == Case.objects.count()
    assert visible_regions(root).count() == Region.objects.count()


@pytest.mark.django_db
def test_a_township_cannot_dispatch_to_another_townships_units(api):
    town1 = api("town1")
    number = town1.post("/cases", body()).json()["number"]
    town1.post(f"/cases/{number}/actions", {"action": "accept"})
    response = town1.post(
        f"/cases/{number}/actions", {"action": "dispatch", "units": ["990102002-mediation"]}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "units"


@pytest.mark.django_db
def test_actions_refused_say_why(api):
    town1 = api("town1")
    number = town1.post("/cases", body()).json()["number"]
    wrong_state = town1.post(f"/cases/{number}/actions", {"action": "close"})
    assert wrong_state.status_code == 409
    assert "reported" in wrong_state.json()["detail"]
    leader = api("leader").post(f"/cases/{number}/actions", {"action": "accept"})
    assert leader.status_code == 403
    assert "leader" in leader.json()["detail"]
    unknown = town1.post(f"/cases/{number}/actions", {"action": "teleport"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "action"


@pytest.mark.django_db
def test_the_whole_loop_through_the_api(api):
    town1, police1, county = api("town1"), api("police1"), api("county")
    number = town1.post("/cases", body()).json()["number"]
    steps = [
        (town1, {"action": "accept"}),
        (town1, {"action": "dispatch", "units": ["990102-public_security"], "note": "请公安协助"}),
        (police1, {"action": "start"}),
        (police1, {"action": "resolve", "note": "已调解"}),
        (county, {"action": "verify"}),
        (town1, {"action": "close", "satisfaction": 4}),
    ]
    for client, action in steps:
        response = client.post(f"/cases/{number}/actions", action)
        assert response.status_code == 200, response.content
    case = county.get(f"/cases/{number}").json()
    assert case["status"] == "closed"
    assert [entry["kind"] for entry in case["timeline"]] == [
        "reported",
        "accept",
        "dispatch",
        "start",
        "resolve",
        "verify",
        "close",
    ]


@pytest.mark.django_db
def test_personal_data_is_masked_and_revealing_it_is_audited(api):
    number = api("town1").post("/cases", body()).json()["number"]
    county = api("county")
    masked = county.get(f"/cases/{number}").json()["parties"][0]
    assert masked["id_number"] != VALID_ID and masked["masked"]
    assert AccessLog.objects.count() == 0
    revealed = county.get(f"/cases/{number}", reveal="true").json()
    assert revealed["parties"][0]["id_number"] == VALID_ID
    assert revealed["parties"][0]["phone"].endswith("13912345678")
    log = AccessLog.objects.get()
    assert log.user.username == "county" and log.object_id == number
    assert revealed["timeline"][-1]["kind"] == "personal_data_viewed"
    assert api("leader").get(f"/cases/{number}", reveal="true").status_code == 403
    assert AccessLog.objects.count() == 1


@pytest.mark.django_db
def test_the_same_person_is_one_file_across_cases(api):
    town1 = api("town1")
    town1.post("/cases", body())
    town1.post("/cases", body(description="再次反映装修噪音"))
    assert Person.objects.filter(name="李四").count() == 1
    assert Party.objects.filter(person__name="李四").count() == 2


@pytest.mark.django_db
def test_list_filters(api):
    town1 = api("town1")
    a = town1.post("/cases", body(category="traffic", description="电动车与三轮车相撞,赔偿有争议")).json()[
        "number"
    ]
    b = town1.post("/cases", body()).json()["number"]
    town1.post(f"/cases/{b}/actions", {"action": "accept"})
    numbers = lambda **q: {c["number"] for c in town1.get("/cases", **q).json()["results"]}  # noqa: E731
    assert a in numbers(category="traffic") and b not in numbers(category="traffic")
    assert b in numbers(status="accepted") and a not in numbers(status="accepted")
    assert a in numbers(q="三轮车") and b not in numbers(q="三轮车")
    assert numbers(q=a) == {a}
    assert {a, b} <= numbers(region="990102001000")
    assert town1.get("/cases", region="990102002000").status_code == 404
    assert town1.get("/cases", status="lost").status_code == 422
    assert a not in {c["number"] for c in api("town2").get("/cases").json()["results"]}


@pytest.mark.django_db
def test_stats_match_a_hand_count(api):
    town1, county = api("town1"), api("county")
    numbers = [
        town1.post("/cases", body(category=c)).json()["number"] for c in ("neighbour", "neighbour", "traffic")
    ]
    for number in numbers[:2]:
        town1.post(f"/cases/{number}/actions", {"action": "start"})
        town1.post(f"/cases/{number}/actions", {"action": "resolve", "note": "ok"})
    stats = town1.get("/stats", region="990102001000").json()
    assert (stats["received"], stats["resolved"]) == (3, 2)
    assert stats["resolution_rate"] == round(2 / 3, 4)
    assert stats["on_time_rate"] == 1.0
    assert stats["by_category"] == {"neighbour": 2, "traffic": 1}
    assert stats["by_status"] == {"reported": 1, "resolved": 2}
    assert stats["by_level"] == {"town": 2}
    assert county.get("/stats", region="990102000000").json()["received"] >= 3
    assert town1.get("/stats", region="990102002000").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [body(description="邻居\x00吵架"), body(parties=[{"name": "张\x00三", "role": "applicant"}])],
)
def test_a_nul_character_anywhere_is_refused_and_nothing_stored(api, payload):
    count = Case.objects.count()
    response = api("town1").post("/cases", payload)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "body", "reason": "contains a NUL character"}]
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_a_nul_in_a_login_is_refused(api, client):
    assert api().post("/auth/token", {"username": "county\x00", "password": "x"}).status_code == 400
    assert client.get("/api/v1/cases?q=%00").status_code == 400
    page = client.post("/login/", {"username": "county\x00", "password": "x"})  # Django's form refuses it
    assert page.status_code == 200 and "_auth_user_id" not in client.session
