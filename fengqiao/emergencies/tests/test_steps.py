"""An emergency's steps: tracked one by one on their short clocks (colours, overdue flags from the
sweep, once), completed by their unit or the coordinating centre, and the case cannot close while
one is open."""

from datetime import timedelta

import pytest

from fengqiao import clock
from fengqiao.cases.actions import CLOSE_GATES
from fengqiao.cases.sweep import sweep
from fengqiao.cases.workflow import ActionRefused
from fengqiao.emergencies.actions import complete_step, declare, open_steps_gate, skip_step
from fengqiao.emergencies.models import EmergencyStep
from fengqiao.emergencies.sweep import flag_overdue_steps
from fengqiao.errors import FieldError
from fengqiao.notices.models import Notice

MINUTE = timedelta(minutes=1)


@pytest.fixture
def emergency(incident, plan, users):
    with clock.at(incident.reported_at):
        return declare(incident, users["county"], plan.pk)


def test_the_gate_and_the_sweeper_are_registered():
    from fengqiao.cases.sweep import SWEEPERS

    assert open_steps_gate in CLOSE_GATES
    assert "emergency_steps" in {name for name, _ in SWEEPERS}


@pytest.mark.django_db
def test_each_step_turns_yellow_then_red_and_the_sweep_flags_it_once(emergency, incident):
    first = emergency.steps.get(order=1)  # 30 minutes
    start = emergency.declared_at
    assert first.colour(start + 19 * MINUTE) == "green"
    assert first.colour(start + 21 * MINUTE) == "yellow"
    assert first.colour(start + 31 * MINUTE) == "red"
    assert sweep(start + 29 * MINUTE).others["emergency_steps"] == 0
    assert sweep(start + 31 * MINUTE).others["emergency_steps"] == 1
    assert sweep(start + 31 * MINUTE).others["emergency_steps"] == 0  # once
    assert flag_overdue_steps(start + 61 * MINUTE) == 1  # the police step, at its own time
    first.refresh_from_db()
    assert first.overdue and first.is_open
    entry = incident.timeline.filter(kind="emergency_step_overdue").order_by("at").first()
    assert entry.at == first.due_at and entry.data["title"] == "核实首报"
    overdue = Notice.objects.filter(case=incident, kind="overdue", recipient__username="county")
    assert overdue.filter(body__contains="核实首报").count() == 1


@pytest.mark.django_db
def test_the_steps_unit_or_the_centre_completes_a_step(emergency, users):
    police_step = emergency.steps.get(order=2)
    with pytest.raises(ActionRefused) as refused:
        complete_step(police_step, users["town1"], "已到场")  # below the case's level, not the unit
    assert refused.value.status == 403
    with pytest.raises(FieldError):
        complete_step(police_step, users["police1"], "  ")  # what was done is required
    with clock.at(emergency.declared_at + 20 * MINUTE):
        done = complete_step(police_step, users["police1"], "民警12人到场,秩序平稳")
    assert done.status == "done" and done.done_by == users["police1"]
    assert done.colour(emergency.declared_at + 2 * 60 * MINUTE) == "green"  # done in time stays green
    with pytest.raises(ActionRefused) as again:
        complete_step(police_step, users["county"], "再报")
    assert again.value.status == 409
    with pytest.raises(ActionRefused) as refused:
        skip_step(emergency.steps.get(order=3), users["police1"], "不需要")  # only the centre skips
    assert refused.value.status == 403


@pytest.mark.django_db
def test_the_case_closes_only_when_every_step_is_done_or_skipped(emergency, incident, users, act):
    case = act(incident, "admin", "start")
    case = act(case, "admin", "resolve", note="双方达成协议,人员已疏散")
    case = act(case, "county", "verify")
    with pytest.raises(ActionRefused) as refused:
        act(case, "county", "close")
    assert refused.value.status == 409 and "3 emergency response steps" in refused.value.message
    steps = list(emergency.steps.order_by("order"))
    later = emergency.declared_at + 3 * 60 * MINUTE
    with clock.at(later):
        complete_step(steps[0], users["county"], "已首报")
        skip_step(steps[1], users["county"], "派出所已先期处置")
    with pytest.raises(ActionRefused):
        act(case, "county", "close")
    with clock.at(later):
        complete_step(steps[2], users["county"], "已疏导")
    emergency.refresh_from_db()
    assert emergency.status == "completed" and emergency.completed_at == later
    completed = incident.timeline.get(kind="emergency_completed")
    assert completed.data["late_steps"] == 1  # the first step, reported after its 30 minutes
    assert act(case, "county", "close").status == "closed"
    assert list(EmergencyStep.objects.filter(case=incident).values_list("status", flat=True)) == [
        "done",
        "skipped",
        "done",
    ]
