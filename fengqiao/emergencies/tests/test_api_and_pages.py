"""Emergencies over the API (in the OpenAPI document, scoped like cases) and on the pages."""

import pytest

from fengqiao.emergencies.models import Emergency


@pytest.mark.django_db
def test_declare_follow_and_complete_over_the_api(api, incident, plan):
    county = api("county")
    plans = county.get("/emergency-plans").json()
    assert plan.name in [entry["name"] for entry in plans]
    assert county.get(f"/cases/{incident.number}/emergency").json() == {
        "case": incident.number,
        "emergency": None,
        "may_declare": True,
    }
    made = county.post(
        f"/cases/{incident.number}/emergency", {"plan": plan.pk, "grade": "II", "note": "首报"}
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["grade_label"] == "重大(II级)" and body["open_steps"] == 3
    assert [step["colour"] for step in body["steps"]] == ["green"] * 3
    police_step = body["steps"][1]
    assert police_step["unit"]["code"] == "990102-public_security"
    police = api("police1")
    assert police.get(f"/cases/{incident.number}/emergency").json()["emergency"]["steps"][1]["may_complete"]
    done = police.post(f"/emergency-steps/{police_step['id']}/complete", {"result": "已到场"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = county.post(f"/cases/{incident.number}/emergency", {"plan": plan.pk})
    assert again.status_code == 409
    listed = county.get("/emergencies", status="active").json()
    assert [entry["case"] for entry in listed] == [incident.number]
    assert county.get("/emergencies", status="completed").json() == []


@pytest.mark.django_db
def test_outside_the_scope_everything_is_not_found(api, make_case, plan):
    case = make_case("county")
    assert api("county").post(f"/cases/{case.number}/emergency", {"plan": plan.pk}).status_code == 201
    step = Emergency.objects.get(case=case).steps.first()
    town2 = api("town2")
    assert town2.get(f"/cases/{case.number}/emergency").status_code == 404
    assert town2.post(f"/cases/{case.number}/emergency", {"plan": plan.pk}).status_code == 404
    assert town2.post(f"/emergency-steps/{step.pk}/complete", {"result": "x"}).status_code == 404
    assert town2.get("/emergencies").json() == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [({"plan": 0}, "plan"), ({"plan": 999999}, "plan"), ({"plan": "x"}, "plan"), ({"grade": "V"}, "grade")],
)
def test_bad_input_names_the_field(api, incident, plan, payload, field):
    response = api("county").post(f"/cases/{incident.number}/emergency", {"plan": plan.pk, **payload})
    assert 400 <= response.status_code < 500
    assert field in {error["field"].split(".")[-1] for error in response.json()["errors"]}
    assert not Emergency.objects.exists()


@pytest.mark.django_db
def test_roles_that_may_not_declare_get_403(api, incident, plan):
    for username in ("leader", "police1", "town1"):
        response = api(username).post(f"/cases/{incident.number}/emergency", {"plan": plan.pk})
        assert response.status_code == 403, username


@pytest.mark.django_db
def test_the_endpoints_are_in_the_openapi_schema(api):
    paths = api("county").get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/emergency-plans",
        "/api/v1/emergencies",
        "/api/v1/cases/{number}/emergency",
        "/api/v1/emergency-steps/{step_id}/complete",
        "/api/v1/emergency-steps/{step_id}/skip",
    ):
        assert path in paths


@pytest.mark.django_db
def test_the_centre_declares_and_ticks_steps_on_the_pages(client, incident, plan):
    client.login(username="county", password="fengqiao-demo")
    page = client.get(f"/cases/{incident.number}/emergency/").content.decode()
    assert "启动应急预案" in page and plan.name in page
    response = client.post(
        f"/cases/{incident.number}/emergency/", {"plan": plan.pk, "grade": "IV", "note": "首报"}
    )
    assert response.status_code == 302
    emergency = Emergency.objects.get(case=incident)
    page = client.get(f"/cases/{incident.number}/emergency/").content.decode()
    assert "核实首报" in page and "出警维护秩序" in page and "完成步骤" in page
    step = emergency.steps.get(order=1)
    client.post(f"/emergency-steps/{step.pk}/complete/", {"result": "已电话首报县委政法委"})
    step.refresh_from_db()
    assert step.status == "done"
    listing = client.get("/emergencies/").content.decode()
    assert incident.number in listing and "2 项待完成" in listing
    detail = client.get(f"/cases/{incident.number}/").content.decode()
    assert "突发事件 · 处置中" in detail
    client.logout()
    client.login(username="town2", password="fengqiao-demo")
    assert client.get(f"/cases/{incident.number}/emergency/").status_code == 404
