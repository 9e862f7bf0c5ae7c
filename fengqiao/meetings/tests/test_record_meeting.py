from datetime import timedelta

import pytest
from django.http import Http404

from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases.models import Assignment, TimelineEntry
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.meetings.actions import record_meeting
from fengqiao.meetings.models import JointMeeting, MeetingTask
from fengqiao.notices.models import Notice

from .conftest import MEDIATION_1, POLICE


@pytest.mark.django_db
def test_a_meeting_hands_tasks_to_units_as_sub_assignments(joint_case, users, times):
    assert not visible_cases(users["mediator1"]).filter(pk=joint_case.pk).exists()

    meeting = record_meeting(
        joint_case,
        users["county"],
        times["held"],
        "县综治中心",
        [MEDIATION_1, POLICE],
        "各单位分工负责。",
        [(MEDIATION_1, "组织调解", times["due"]), (POLICE, "维护秩序", times["due"])],
    )

    assert meeting.chair == users["county"] and meeting.created_by == users["county"]
    assert sorted(meeting.units.values_list("code", flat=True)) == sorted([MEDIATION_1, POLICE])
    tasks = {task.unit.code: task for task in meeting.tasks.select_related("unit", "assignment")}
    assert set(tasks) == {MEDIATION_1, POLICE}
    for code, task in tasks.items():
        assert task.case_id == joint_case.pk and task.status == "open" and task.due_at == times["due"]
        assert task.opened_assignment
        assignment = task.assignment
        assert (assignment.unit.code, assignment.lead, assignment.state) == (code, False, "accepted")
    # The unit now sees the case it was given a task on, although it lies outside its region.
    assert visible_cases(users["mediator1"]).filter(pk=joint_case.pk).exists()
    entry = TimelineEntry.objects.get(case=joint_case, kind="meeting")
    assert entry.actor == users["county"] and entry.note == "各单位分工负责。"
    assert [task["unit"] for task in entry.data["tasks"]] == [MEDIATION_1, POLICE]
    assert sorted(entry.data["assigned"]) == sorted([MEDIATION_1, POLICE])
    notices = Notice.objects.filter(case=joint_case, kind="meeting_task", title__contains="联席会议任务")
    assert {notice.recipient.username for notice in notices} >= {"mediator1", "police1"}
    assert "组织调解" in notices.get(recipient=users["mediator1"]).body


@pytest.mark.django_db
def test_a_unit_already_on_the_case_keeps_its_assignment(joint_case, users, times):
    housing = Assignment.objects.get(case=joint_case, unit__code="990102-housing")
    meeting = record_meeting(
        joint_case,
        users["county"],
        times["held"],
        "",
        ["990102-housing", "990102-natural_resources"],
        "住建局核查房屋面积。",
        [
            ("990102-housing", "核查房屋面积", times["due"]),
            ("990102-natural_resources", "复核补偿标准", times["due"]),
        ],
    )
    by_unit = {task.unit.code: task for task in meeting.tasks.select_related("unit")}
    assert by_unit["990102-housing"].assignment_id == housing.pk
    assert not by_unit["990102-housing"].opened_assignment
    # The lead (handling) unit sees the case already: no assignment made for it.
    assert by_unit["990102-natural_resources"].assignment_id is None
    assert Assignment.objects.filter(case=joint_case).count() == 2


@pytest.mark.django_db
def test_a_case_with_two_units_on_it_may_meet_though_its_track_is_not_joint(make_case, users, times):
    # Marriage and family: the village handles it, the county women's federation assists.
    case = make_case("town1", category="marriage_family")
    assert case.track != "joint" and case.assignments.count() == 1
    record_meeting(case, users["town1"], times["held"], "", ["990102-women"], "妇联参与调解。")
    assert JointMeeting.objects.filter(case=case).count() == 1


@pytest.mark.django_db
def test_a_case_handled_by_one_unit_is_refused(make_case, users, times):
    case = make_case("town1", category="neighbour")
    with pytest.raises(ActionRefused) as refused:
        record_meeting(case, users["town1"], times["held"], "", ["990102-women"], "议定。")
    assert refused.value.status == 409 and "joint" in refused.value.message
    assert not JointMeeting.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["police1", "leader", "mediator1"])
def test_only_centre_staff_record_meetings(joint_case, users, times, username):
    with pytest.raises((ActionRefused, Http404)) as refused:
        record_meeting(joint_case, users[username], times["held"], "", [POLICE], "议定。")
    if isinstance(refused.value, ActionRefused):
        assert refused.value.status == 403


@pytest.mark.django_db
def test_a_centre_below_the_cases_level_may_not(make_case, users, times):
    case = make_case("town1", category="land_acquisition")  # township 1's matter, handled at the county
    assert case.level == "county"
    with pytest.raises(ActionRefused) as refused:
        record_meeting(case, users["town1"], times["held"], "", [POLICE], "议定。")
    assert refused.value.status == 403


@pytest.mark.django_db
def test_a_case_outside_the_users_scope_is_not_found(joint_case, users, times):
    with pytest.raises(Http404):
        record_meeting(joint_case, users["town1"], times["held"], "", [POLICE], "议定。")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unit_codes": []}, "units"),
        ({"unit_codes": ["no-such-unit"]}, "units"),
        ({"unit_codes": ["990102002-mediation"]}, "units"),  # township 2: out of town1's reach
        ({"minutes": "  "}, "minutes"),
        ({"held_at": "future"}, "held_at"),
        ({"tasks": [("", "x", "due")]}, "tasks.0.unit"),
        ({"tasks": [("990102-women", "x", "due"), ("990102002-mediation", "x", "due")]}, "tasks.1.unit"),
        ({"tasks": [("990102-women", " ", "due")]}, "tasks.0.description"),
        ({"tasks": [("990102-women", "x", None)]}, "tasks.0.due_at"),
        ({"tasks": [("990102-women", "x", "before")]}, "tasks.0.due_at"),
    ],
)
def test_bad_input_names_the_field(make_case, users, times, change, field):
    case = make_case("town1", category="marriage_family")
    moments = {"due": times["due"], "before": times["held"] - timedelta(days=1), None: None}
    arguments = {
        "held_at": times["held"],
        "place": "",
        "unit_codes": ["990102-women"],
        "minutes": "议定。",
        "tasks": [],
        **change,
    }
    if arguments["held_at"] == "future":
        arguments["held_at"] = times["due"]
    arguments["tasks"] = [(unit, text, moments[due]) for unit, text, due in arguments["tasks"]]
    with pytest.raises(FieldError) as error:
        record_meeting(case, users["town1"], **arguments)
    assert error.value.field == field
    assert not JointMeeting.objects.exists() and not MeetingTask.objects.exists()


@pytest.mark.django_db
def test_a_due_date_means_the_end_of_that_day(make_case, users, times):
    from django.utils import timezone

    case = make_case("town1", category="marriage_family")
    day = timezone.localdate(times["due"])
    meeting = record_meeting(
        case, users["town1"], times["held"], "", ["990102-women"], "议定。", [("990102-women", "回访", day)]
    )
    due = timezone.localtime(meeting.tasks.get().due_at)
    assert (due.date(), due.hour, due.minute) == (day, 23, 59)


@pytest.mark.django_db
def test_a_closed_case_takes_no_meeting(joint_case, users, times, act):
    from .conftest import drive_to_verified

    case = act(drive_to_verified(joint_case, act), "county", "close")
    with pytest.raises(ActionRefused) as refused:
        record_meeting(case, users["county"], times["held"], "", [POLICE], "议定。")
    assert refused.value.status == 409
