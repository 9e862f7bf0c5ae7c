import pytest

from fengqiao.cases.actions import CLOSE_GATES
from fengqiao.cases.models import Assignment, Case, TimelineEntry
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.meetings.actions import cancel_task, complete_task, open_tasks_gate, record_meeting
from fengqiao.meetings.models import MeetingTask

from .conftest import MEDIATION_1, POLICE, drive_to_verified


def test_the_gate_is_registered():
    assert open_tasks_gate in CLOSE_GATES


@pytest.mark.django_db
def test_a_joint_case_cannot_close_with_open_tasks(joint_case, meeting, users, act):
    case = drive_to_verified(joint_case, act)
    with pytest.raises(ActionRefused) as refused:
        act(case, "county", "close")
    assert refused.value.status == 409
    assert refused.value.message == "2 joint-meeting tasks are still open"

    complete_task(meeting.tasks.get(unit__code=MEDIATION_1), users["mediator1"], "双方已达成调解协议")
    with pytest.raises(ActionRefused) as refused:
        act(case, "county", "close")
    assert refused.value.message == "1 joint-meeting task is still open"
    assert Case.objects.get(pk=case.pk).status == "verified"

    complete_task(meeting.tasks.get(unit__code=POLICE), users["police1"], "现场秩序平稳")
    case = act(case, "county", "close")
    assert case.status == "closed"


@pytest.mark.django_db
def test_a_cancelled_task_does_not_hold_the_case(joint_case, meeting, users, act):
    case = drive_to_verified(joint_case, act)
    for task in meeting.tasks.all():
        cancel_task(task, users["county"], "双方已自行和解,任务不再需要")
    assert act(case, "county", "close").status == "closed"
    assert TimelineEntry.objects.filter(case=case, kind="meeting_task_cancelled").count() == 2


@pytest.mark.django_db
def test_only_the_tasks_unit_completes_it(joint_case, meeting, users):
    task = meeting.tasks.get(unit__code=MEDIATION_1)
    for username in ("police1", "town2", "county", "leader"):
        with pytest.raises(ActionRefused) as refused:
            complete_task(task, users[username], "办好了")
        assert refused.value.status == 403, username
    with pytest.raises(FieldError) as error:
        complete_task(task, users["mediator1"], "  ")
    assert error.value.field == "result"

    done = complete_task(task, users["mediator1"], "已组织调解")
    assert (done.status, done.done_by, done.result) == ("done", users["mediator1"], "已组织调解")
    with pytest.raises(ActionRefused) as refused:
        complete_task(task, users["mediator1"], "再次")
    assert refused.value.status == 409
    entry = TimelineEntry.objects.get(case=joint_case, kind="meeting_task_done")
    assert entry.actor == users["mediator1"] and entry.note == "已组织调解"
    assert entry.data["unit"] == MEDIATION_1 and entry.data["late"] is False


@pytest.mark.django_db
def test_an_admin_may_complete_any_task(meeting, users):
    task = complete_task(meeting.tasks.get(unit__code=POLICE), users["admin"], "代为登记")
    assert task.status == "done"


@pytest.mark.django_db
def test_the_sub_assignment_is_done_when_the_units_last_task_is(joint_case, users, times):
    meeting = record_meeting(
        joint_case,
        users["county"],
        times["held"],
        "",
        [MEDIATION_1],
        "调委会两项任务。",
        [(MEDIATION_1, "组织调解", times["due"]), (MEDIATION_1, "跟踪履行", times["due"])],
    )
    first, second = meeting.tasks.order_by("id")
    assert first.assignment_id == second.assignment_id and first.opened_assignment
    assert not second.opened_assignment
    complete_task(first, users["mediator1"], "已调解")
    assert Assignment.objects.get(pk=first.assignment_id).state == "accepted"
    complete_task(second, users["mediator1"], "已履行")
    assert Assignment.objects.get(pk=first.assignment_id).state == "done"
    entry = TimelineEntry.objects.filter(case=joint_case, kind="meeting_task_done").latest("id")
    assert entry.data["assignment_done"] is True


@pytest.mark.django_db
def test_an_assignment_held_for_other_reasons_is_left_alone(joint_case, users, times):
    meeting = record_meeting(
        joint_case, users["county"], times["held"], "", ["990102-housing"], "住建。",
        [("990102-housing", "核查房屋面积", times["due"])],
    )  # fmt: skip
    complete_task(meeting.tasks.get(), users["admin"], "已核查")
    assert Assignment.objects.get(case=joint_case, unit__code="990102-housing").state == "pending"


@pytest.mark.django_db
def test_only_the_centre_cancels_a_task(meeting, users):
    task = meeting.tasks.get(unit__code=POLICE)
    with pytest.raises(ActionRefused) as refused:
        cancel_task(task, users["police1"], "不做了")
    assert refused.value.status == 403
    assert MeetingTask.objects.get(pk=task.pk).status == "open"
