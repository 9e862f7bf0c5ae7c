"""Care plans: visit frequency by grade, overdue visits warned once, a visit clears the warning,
grade changes record who and why; and the statistics read the same rows."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from fengqiao.basedata.actions import OVERDUE_EVENT, sweep_overdue_visits
from fengqiao.basedata.models import CarePlan, VisitFrequency
from fengqiao.notices.models import Notice

from .helpers import file_entry

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(users):
    return file_entry(users["grid1"], "mental_disorder", users["grid1"].region_id, name="关爱甲", grade=0)


def _warnings(user):
    return Notice.objects.filter(recipient=user, kind=OVERDUE_EVENT).count()


def test_frequency_follows_the_grade_and_the_change_is_recorded(api, users, patient):
    plan = patient.care_plan
    grades = {f.grade: f.interval_days for f in VisitFrequency.objects.filter(register=patient.register)}
    assert plan.interval_days == grades[0]
    assert list(plan.carers.all()) == [users["grid1"]]
    grid1 = api("grid1")
    refused = grid1.post(f"/basedata/entries/{patient.pk}/grade", {"grade": 4, "reason": " "})
    assert refused.status_code == 422
    changed = grid1.post(f"/basedata/entries/{patient.pk}/grade", {"grade": 4, "reason": "近期有冲动行为"})
    assert changed.status_code == 200, changed.content
    assert changed.json()["entry"]["care_plan"]["interval_days"] == grades[4]
    history = grid1.get(f"/basedata/entries/{patient.pk}").json()["grade_changes"]
    assert history[0] | {"at": None} == {
        "from": 0,
        "to": 4,
        "by": "grid1",
        "reason": "近期有冲动行为",
        "at": None,
    }


def test_an_overdue_visit_warns_once_and_a_visit_clears_it(api, users, patient):
    plan = patient.care_plan
    grid1 = users["grid1"]
    assert sweep_overdue_visits(timezone.now()) >= 0  # whatever else is due (the demo's) is warned now
    before = _warnings(grid1)
    late = plan.next_due_at + timedelta(hours=1)
    with time_machine.travel(late, tick=False):
        warned = sweep_overdue_visits(late)
        assert warned >= 1 and sweep_overdue_visits(late) == 0  # idempotent
        plan.refresh_from_db()
        assert plan.warned_due_at == plan.next_due_at
        assert _warnings(grid1) == before + warned
        assert Notice.objects.filter(
            recipient=grid1, kind=OVERDUE_EVENT, body__contains=patient.person.masked_name
        )
        mine = api("grid1").get("/basedata/care/plans", overdue=True).json()
        assert plan.pk in [row["id"] for row in mine]
        visit = {
            "kind": "home",
            "condition": "stable",
            "note": "情绪平稳,按时服药",
            "client_id": "8d5e0a34-7a0b-4a4b-9a1e-0c1f2b3c4d5e",
        }
        first = api("grid1").post(f"/basedata/care/plans/{plan.pk}/visits", visit)
        assert first.status_code == 201 and first.json()["plan"]["overdue"] is False
        assert api("grid1").post(f"/basedata/care/plans/{plan.pk}/visits", visit).status_code == 200
        assert plan.visits.count() == 1
        assert plan.pk not in [
            row["id"] for row in api("grid1").get("/basedata/care/plans", overdue=True).json()
        ]
    plan.refresh_from_db()
    later = plan.next_due_at + timedelta(minutes=1)
    again = sweep_overdue_visits(later)  # the next interval falls due: warned again
    plan.refresh_from_db()
    assert again >= 1 and plan.warned_due_at == plan.next_due_at


def test_only_those_who_may_see_the_register_log_visits(api, patient):
    plan = patient.care_plan
    assert api("leader").post(f"/basedata/care/plans/{plan.pk}/visits", {}).status_code == 403
    assert api("mediator1").post(f"/basedata/care/plans/{plan.pk}/visits", {}).status_code == 403
    assert api("town2").post(f"/basedata/care/plans/{plan.pk}/visits", {}).status_code == 404
    assert api("police1").post(f"/basedata/care/plans/{plan.pk}/visits", {"kind": "phone"}).status_code == 201


def test_statistics_count_registers_coverage_and_overdue(api, users, patient):
    county = api("county")
    grid = users["grid1"].region_id
    before = county.get("/basedata/stats", region="990102000000").json()
    file_entry(users["grid1"], "rentals", grid, title="统计出租房")
    overdue = file_entry(users["grid1"], "drug_users", grid, name="统计乙", grade=2)
    CarePlan.objects.filter(entry=overdue).update(next_due_at=timezone.now() - timedelta(days=1))
    after = county.get("/basedata/stats", region="990102000000").json()
    totals = {row["code"]: row for row in after["registers"]}
    old = {row["code"]: row["total"] for row in before["registers"]}
    assert totals["rentals"]["total"] == old["rentals"] + 1
    town = users["town1"].region_id
    assert totals["rentals"]["by_region"][town] == before_town(before, "rentals", town) + 1
    assert after["care"]["plans"] == before["care"]["plans"] + 1
    assert after["care"]["overdue"] == before["care"]["overdue"] + 1
    assert after["care"]["coverage"] == pytest.approx(
        after["care"]["on_schedule"] / after["care"]["plans"], abs=1e-4
    )
    assert api("town2").get("/basedata/stats", region=town).status_code == 404
    leader = api("leader").get("/basedata/stats").json()
    assert leader["care"]["plans"] == after["care"]["plans"]  # counts are no personal data


def before_town(stats, code, town):
    return next(row for row in stats["registers"] if row["code"] == code)["by_region"].get(town, 0)


def test_care_and_stats_pages(client, users, patient):
    client.force_login(users["grid1"])
    assert f"/basedata/care/{patient.care_plan.pk}/visit/" in client.get("/basedata/care/").content.decode()
    client.force_login(users["county"])
    page = client.get("/basedata/stats/").content.decode()
    assert "严重精神障碍患者" in page and "走访覆盖率" in page


def test_the_centre_sets_the_care_group(api, client, users, patient):
    plan = patient.care_plan
    client.force_login(users["town1"])
    page = client.get(f"/basedata/entries/{patient.pk}/").content.decode()
    assert "调整帮扶小组" in page
    client.post(
        f"/basedata/entries/{patient.pk}/",
        {"action": "carers", "carers": [users["grid1"].pk, users["town1"].pk], "group_note": "村医王某"},
    )
    plan.refresh_from_db()
    assert set(plan.carers.all()) == {users["grid1"], users["town1"]} and plan.group_note == "村医王某"
    client.force_login(users["grid1"])
    assert "调整帮扶小组" not in client.get(f"/basedata/entries/{patient.pk}/").content.decode()
    response = client.post(f"/basedata/entries/{patient.pk}/", {"action": "carers", "carers": []})
    assert response.status_code == 403 and plan.carers.count() == 2


def test_the_care_group_through_the_api(api, client, patient):
    plan = patient.care_plan

    def put(username, body):
        token = api(username).token
        return client.put(
            f"/api/v1/basedata/care/plans/{plan.pk}/carers",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    assert put("grid1", {"carers": ["grid1"]}).status_code == 403
    assert put("county", {"carers": ["nobody"]}).json()["errors"][0]["field"] == "carers"
    response = put("county", {"carers": ["grid1", "police1"], "group_note": "社区民警"})
    assert response.status_code == 200 and sorted(response.json()["carers"]) == ["grid1", "police1"]


def test_an_entry_taken_off_the_register_leaves_lists_stats_and_care_and_can_come_back(
    api, client, users, patient
):
    county, grid1 = api("county"), api("grid1")
    before = county.get("/basedata/stats", region="990102000000").json()
    mine = grid1.get("/basedata/registers/mental_disorder/entries").json()
    assert patient.pk in {row["id"] for row in mine["results"]}

    refused = grid1.post(f"/basedata/entries/{patient.pk}/end", {"reason": ""})
    assert refused.status_code == 422 and patient.__class__.objects.get(pk=patient.pk).active
    assert api("leader").post(f"/basedata/entries/{patient.pk}/end", {"reason": "x"}).status_code in (
        403,
        404,
    )
    ended = grid1.post(f"/basedata/entries/{patient.pk}/end", {"reason": "病情稳定,迁居外省"})
    assert ended.status_code == 200, ended.content
    body = ended.json()["entry"]
    assert body["active"] is False and body["end_reason"] == "病情稳定,迁居外省" and body["ended_at"]
    assert grid1.post(f"/basedata/entries/{patient.pk}/end", {"reason": "again"}).status_code == 409

    after = county.get("/basedata/stats", region="990102000000").json()
    assert after["care"]["plans"] == before["care"]["plans"] - 1
    mine = grid1.get("/basedata/registers/mental_disorder/entries").json()
    assert patient.pk not in {row["id"] for row in mine["results"]}
    late = patient.care_plan.next_due_at + timedelta(days=1)
    with time_machine.travel(late, tick=False):
        sweep_overdue_visits(late)
    plan = CarePlan.objects.get(entry=patient)
    assert plan.warned_due_at is None  # nobody is sent to visit someone off the register

    # the page shows who took it off and why; registering the person again puts the entry back on
    client.force_login(users["grid1"])
    page = client.get(f"/basedata/entries/{patient.pk}/").content.decode()
    assert "已移出" in page and "病情稳定,迁居外省" in page and "确认移出" not in page
    again = file_entry(
        users["grid1"],
        "mental_disorder",
        users["grid1"].region_id,
        name="关爱甲",
        grade=0,
        id_number=patient.person.id_number,
    )
    assert again.pk == patient.pk and again.active and again.end_reason == ""
    assert (
        county.get("/basedata/stats", region="990102000000").json()["care"]["plans"]
        == before["care"]["plans"]
    )


def test_taking_an_entry_off_on_its_page(client, users, patient):
    client.force_login(users["grid1"])
    page = client.get(f"/basedata/entries/{patient.pk}/").content.decode()
    assert "确认移出" in page
    client.post(f"/basedata/entries/{patient.pk}/", {"action": "end", "end_reason": ""})
    patient.refresh_from_db()
    assert patient.active  # no reason, nothing changes
    response = client.post(f"/basedata/entries/{patient.pk}/", {"action": "end", "end_reason": "解除矫正"})
    assert response.status_code == 302
    patient.refresh_from_db()
    assert not patient.active and patient.ended_by == users["grid1"] and patient.end_reason == "解除矫正"
