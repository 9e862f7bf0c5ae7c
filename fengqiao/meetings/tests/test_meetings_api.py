from datetime import timedelta

import pytest
from django.utils import timezone

from fengqiao.meetings.models import JointMeeting, MeetingTask

from .conftest import MEDIATION_1, POLICE, drive_to_verified


def body(times, **overrides):
    payload = {
        "held_at": times["held"].isoformat(),
        "place": "县综治中心",
        "units": [MEDIATION_1, POLICE],
        "minutes": "镇调委会组织调解,公安维护秩序。",
        "tasks": [
            {"unit": MEDIATION_1, "description": "组织调解", "due_at": times["due"].isoformat()},
            {
                "unit": POLICE,
                "description": "维护秩序",
                "due_at": timezone.localdate(times["due"]).isoformat(),
            },
        ],
    }
    payload.update(overrides)
    return payload


def errors_of(response) -> list[str]:
    assert response.status_code == 422, response.content
    data = response.json()
    assert data["detail"] == "invalid input"
    return [error["field"] for error in data["errors"]]


@pytest.mark.django_db
def test_record_and_list_meetings(api, joint_case, times):
    county = api("county")
    response = county.post(f"/cases/{joint_case.number}/meetings", body(times))
    assert response.status_code == 201, response.content
    meeting = response.json()
    assert meeting["case"] == joint_case.number and meeting["chair"] == "县中心受理员"
    assert {unit["code"] for unit in meeting["units"]} == {MEDIATION_1, POLICE}
    assert [task["unit"]["code"] for task in meeting["tasks"]] == [MEDIATION_1, POLICE]
    assert all(task["status"] == "open" for task in meeting["tasks"])

    listing = api("mediator1").get(f"/cases/{joint_case.number}/meetings").json()
    assert listing["open_tasks"] == 2 and listing["may_record"] is False
    tasks = {task["unit"]["code"]: task for task in listing["meetings"][0]["tasks"]}
    assert tasks[MEDIATION_1]["may_complete"] is True and tasks[POLICE]["may_complete"] is False


@pytest.mark.django_db
def test_the_case_closes_through_the_api_only_when_the_tasks_are_done(api, joint_case, times, act):
    county = api("county")
    meeting = county.post(f"/cases/{joint_case.number}/meetings", body(times)).json()
    drive_to_verified(joint_case, act)

    refused = county.post(f"/cases/{joint_case.number}/actions", {"action": "close"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "2 joint-meeting tasks are still open"

    tasks = {task["unit"]["code"]: task["id"] for task in meeting["tasks"]}
    done = api("mediator1").post(f"/meeting-tasks/{tasks[MEDIATION_1]}/complete", {"result": "已调解"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert (
        api("police1").post(f"/meeting-tasks/{tasks[POLICE]}/complete", {"result": "秩序平稳"}).status_code
        == 200
    )

    closed = county.post(f"/cases/{joint_case.number}/actions", {"action": "close"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


@pytest.mark.django_db
def test_only_the_tasks_unit_completes_it_over_the_api(api, meeting):
    task = meeting.tasks.get(unit__code=MEDIATION_1)
    refused = api("police1").post(f"/meeting-tasks/{task.pk}/complete", {"result": "不是我们的"})
    assert refused.status_code == 403
    assert errors_of(api("mediator1").post(f"/meeting-tasks/{task.pk}/complete", {})) == ["result"]
    assert api("mediator1").post(f"/meeting-tasks/{task.pk}/complete", {"result": "好"}).status_code == 200
    again = api("mediator1").post(f"/meeting-tasks/{task.pk}/complete", {"result": "好"})
    assert again.status_code == 409


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "fields"),
    [
        ({"minutes": ""}, ["minutes"]),
        ({"minutes": "   "}, ["minutes"]),
        ({"units": []}, ["units"]),
        ({"units": ["no-such-unit"]}, ["units"]),
        ({"held_at": "yesterday"}, ["held_at"]),
        ({"tasks": [{"unit": POLICE, "description": "x", "due_at": "soon"}]}, ["tasks.0.due_at"]),
        ({"tasks": [{"unit": POLICE, "due_at": "2030-01-01"}]}, ["tasks.0.description"]),
        ({"tasks": [{"unit": "nowhere", "description": "x", "due_at": "2030-01-01"}]}, ["tasks.0.unit"]),
        ({"tasks": [{"unit": POLICE, "description": "x", "due_at": "2000-01-01"}]}, ["tasks.0.due_at"]),
    ],
)
def test_bad_input_names_the_field(api, joint_case, times, change, fields):
    response = api("county").post(f"/cases/{joint_case.number}/meetings", body(times, **change))
    assert errors_of(response) == fields
    assert not JointMeeting.objects.exists()


@pytest.mark.django_db
def test_a_meeting_in_the_future_is_refused(api, joint_case, times):
    later = (times["due"] + timedelta(days=1)).isoformat()
    response = api("county").post(f"/cases/{joint_case.number}/meetings", body(times, held_at=later))
    assert errors_of(response) == ["held_at"]


@pytest.mark.django_db
def test_cases_and_tasks_outside_the_scope_are_not_found(api, joint_case, meeting, times):
    town1 = api("town1")
    assert town1.get(f"/cases/{joint_case.number}/meetings").status_code == 404
    assert town1.post(f"/cases/{joint_case.number}/meetings", body(times)).status_code == 404
    task = meeting.tasks.first()
    assert town1.post(f"/meeting-tasks/{task.pk}/complete", {"result": "x"}).status_code == 404
    assert town1.post(f"/meeting-tasks/{task.pk}/cancel", {"reason": "x"}).status_code == 404
    assert api("county").get("/cases/990102-20000101-9999/meetings").status_code == 404
    assert api("county").post("/meeting-tasks/999999/complete", {"result": "x"}).status_code == 404
    assert MeetingTask.objects.get(pk=task.pk).status == "open"


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["police1", "leader"])
def test_roles_that_may_not_record_get_403(api, joint_case, times, username):
    response = api(username).post(f"/cases/{joint_case.number}/meetings", body(times))
    assert response.status_code == 403
    assert not JointMeeting.objects.exists()


@pytest.mark.django_db
def test_a_case_that_is_not_joint_is_refused(api, make_case, times):
    case = make_case("town1", category="neighbour")
    response = api("town1").post(
        f"/cases/{case.number}/meetings", body(times, units=["990102-women"], tasks=[])
    )
    assert response.status_code == 409
    assert "joint" in response.json()["detail"]


@pytest.mark.django_db
def test_the_centre_cancels_a_task(api, meeting):
    task = meeting.tasks.get(unit__code=POLICE)
    assert errors_of(api("county").post(f"/meeting-tasks/{task.pk}/cancel", {"reason": ""})) == ["reason"]
    response = api("county").post(f"/meeting-tasks/{task.pk}/cancel", {"reason": "已不需要"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"


@pytest.mark.django_db
def test_the_endpoints_are_in_the_openapi_schema(api):
    paths = api("county").get("/openapi.json").json()["paths"]
    assert "/api/v1/cases/{number}/meetings" in paths
    assert "/api/v1/meeting-tasks/{task_id}/complete" in paths


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("held_at", "due_at", "field"),
    [
        ("0001-01-01T00:00:00+14:00", None, "held_at"),  # before the case: and no overflow storing it
        (None, "9999-12-31", "tasks.0.due_at"),
    ],
)
def test_dates_out_of_any_sense_are_refused(api, joint_case, times, held_at, due_at, field):
    task = {"unit": POLICE, "description": "维护秩序", "due_at": due_at or times["due"].isoformat()}
    payload = body(times, tasks=[task], **({"held_at": held_at} if held_at else {}))
    response = api("county").post(f"/cases/{joint_case.number}/meetings", payload)
    assert errors_of(response) == [field]
