"""Declaring an emergency: the plan's steps with their short clocks, the case made urgent, the
receivers told (inbox and text message), and only the coordinating centre may do it."""

from datetime import timedelta

import pytest
from django.http import Http404

from fengqiao import clock
from fengqiao.cases.workflow import ActionRefused
from fengqiao.emergencies.actions import declare, suggested_plans
from fengqiao.emergencies.models import Emergency, ResponsePlan
from fengqiao.errors import FieldError
from fengqiao.notices.models import Notice, SmsMessage

from .conftest import COUNTY_CENTRE, POLICE


@pytest.mark.django_db
def test_declaring_opens_the_plan_on_a_short_clock_and_makes_the_case_urgent(
    incident, plan, users, django_capture_on_commit_callbacks
):
    handle_due = incident.clocks.get(stage="handle", outcome="running").due_at
    users["police1"].phone = "13800138002"
    users["police1"].save(update_fields=["phone"])
    with (
        django_capture_on_commit_callbacks(execute=True),
        clock.at(incident.reported_at + timedelta(minutes=5)),
    ):
        emergency = declare(incident, users["county"], plan.pk, "III", note="现场约百人,情绪激动")
    steps = list(emergency.steps.select_related("unit"))
    assert [step.title for step in steps] == ["核实首报", "出警维护秩序", "对话疏导"]
    assert [step.due_at - emergency.declared_at for step in steps] == [
        timedelta(minutes=30),
        timedelta(minutes=60),
        timedelta(minutes=240),
    ]
    assert steps[0].unit.code == COUNTY_CENTRE and steps[1].unit.code == POLICE
    assert steps[2].unit == incident.handling_unit
    incident.refresh_from_db()
    assert incident.urgent
    assert incident.clocks.get(stage="handle", outcome="running").due_at < handle_due  # 加急 shortens
    entry = incident.timeline.get(kind="emergency")
    assert entry.actor.username == "county" and entry.data["plan"] == plan.name
    assert entry.data["grade"] == "III" and len(entry.data["steps"]) == 3
    told = set(
        Notice.objects.filter(case=incident, kind="emergency").values_list("recipient__username", flat=True)
    )
    assert {"county", "police1"} <= told
    notice = Notice.objects.get(case=incident, kind="emergency", recipient__username="police1")
    assert notice.is_urgent and plan.name in notice.body and "核实首报" in notice.body
    text = SmsMessage.objects.get(case=incident, event="emergency", recipient__username="police1")
    assert text.status == "sent" and text.text.startswith("【枫桥】突发事件:")


@pytest.mark.django_db
def test_an_emergency_is_declared_once(incident, plan, users):
    declare(incident, users["county"], plan.pk)
    with pytest.raises(ActionRefused) as again:
        declare(incident, users["county"], plan.pk)
    assert again.value.status == 409
    assert Emergency.objects.filter(case=incident).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["town1", "police1", "leader", "grid1"])
def test_only_the_coordinating_centre_declares(incident, plan, users, username):
    with pytest.raises((ActionRefused, Http404)) as refused:
        declare(incident, users[username], plan.pk)
    if isinstance(refused.value, ActionRefused):
        assert refused.value.status == 403
    assert not Emergency.objects.exists()


@pytest.mark.django_db
def test_a_case_outside_the_scope_is_not_found(make_case, plan, users):
    elsewhere = make_case("town1")
    with pytest.raises(Http404):
        declare(elsewhere, users["town2"], plan.pk)


@pytest.mark.django_db
def test_bad_input_names_the_field(incident, plan, users):
    with pytest.raises(FieldError) as bad:
        declare(incident, users["county"], 999999)
    assert bad.value.field == "plan"
    with pytest.raises(FieldError) as bad:
        declare(incident, users["county"], plan.pk, grade="V")
    assert bad.value.field == "grade"
    assert not Emergency.objects.exists() and not incident.timeline.filter(kind="emergency").exists()


@pytest.mark.django_db
def test_the_demo_library_is_loaded_and_fitting_plans_come_first(incident):
    names = set(ResponsePlan.objects.values_list("name", flat=True))
    assert {"群体性事件应急处置预案", "涉人员伤亡事件应急处置预案", "自然灾害与极端天气应急预案"} <= names
    assert suggested_plans(incident)[0].name == "群体性事件应急处置预案"  # its category and "聚集"
    assert all(plan.steps.exists() for plan in ResponsePlan.objects.all())


@pytest.mark.django_db
def test_the_demo_with_history_opens_one_emergency_once(incident):
    from fengqiao.emergencies.demo import load_demo_plans

    assert load_demo_plans(history=False) == "response plans already present"
    assert "emergency opened on" in load_demo_plans(history=True)
    emergency = Emergency.objects.get()
    assert emergency.plan_name == "群体性事件应急处置预案" and emergency.case.urgent
    assert emergency.steps.filter(status="done").count() == 1
    assert load_demo_plans(history=True) == "response plans already present"
