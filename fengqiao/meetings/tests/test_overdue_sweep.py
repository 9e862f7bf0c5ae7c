from datetime import timedelta

import pytest

from fengqiao.cases.models import TimelineEntry
from fengqiao.cases.sweep import SWEEPERS, sweep
from fengqiao.meetings.actions import complete_task
from fengqiao.meetings.models import MeetingTask
from fengqiao.meetings.sweep import flag_overdue_tasks
from fengqiao.notices.models import Notice

from .conftest import MEDIATION_1, POLICE

MINUTE = timedelta(minutes=1)


@pytest.mark.django_db
def test_an_overdue_task_is_flagged_once(joint_case, meeting, users, times):
    complete_task(meeting.tasks.get(unit__code=POLICE), users["police1"], "已完成")
    assert flag_overdue_tasks(times["due"] - MINUTE) == 0

    assert flag_overdue_tasks(times["due"] + MINUTE) == 1
    assert flag_overdue_tasks(times["due"] + 2 * MINUTE) == 0

    task = MeetingTask.objects.get(meeting=meeting, unit__code=MEDIATION_1)
    assert task.overdue and task.status == "open"
    assert not MeetingTask.objects.get(meeting=meeting, unit__code=POLICE).overdue
    entries = TimelineEntry.objects.filter(case=joint_case, kind="meeting_task_overdue")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.actor is None and entry.at == times["due"] and entry.data["unit"] == MEDIATION_1
    notices = Notice.objects.filter(case=joint_case, kind="overdue")
    assert [notice.recipient.username for notice in notices] == ["mediator1"]


@pytest.mark.django_db
def test_the_sweep_runs_the_meetings_sweeper(joint_case, meeting, times):
    assert "meeting_tasks" in {name for name, _ in SWEEPERS}
    result = sweep(times["due"] + MINUTE)
    assert result.others["meeting_tasks"] == 2
    assert sweep(times["due"] + 2 * MINUTE).others["meeting_tasks"] == 0


@pytest.mark.django_db
def test_a_late_task_can_still_be_completed_and_says_it_was_late(joint_case, meeting, users, times):
    import time_machine

    flag_overdue_tasks(times["due"] + MINUTE)
    with time_machine.travel(times["due"] + timedelta(days=1)):
        task = complete_task(meeting.tasks.get(unit__code=MEDIATION_1), users["mediator1"], "迟办")
    assert task.status == "done" and task.overdue
    entry = TimelineEntry.objects.get(case=joint_case, kind="meeting_task_done")
    assert entry.data["late"] is True
