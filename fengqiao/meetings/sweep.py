"""The meetings part of the sweep: an open task past its due time is flagged overdue once, with a
timeline entry on the case and a notice to the task's unit.

Idempotent and safe in several processes: each task is claimed by a conditional update
(overdue false -> true), and only the process whose update changed the row writes the entry.
"""

from datetime import datetime

from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.cases.actions import _log
from fengqiao.cases.sweep import flag_overdue_once

from .models import MeetingTask


def flag_overdue_tasks(at: datetime | None = None) -> int:
    """Flag the open tasks due by `at`; the number flagged."""
    return flag_overdue_once(MeetingTask, at or wallclock.now(), _flagged, related=("unit", "meeting"))


def _flagged(task: MeetingTask) -> None:
    from fengqiao.notices.actions import notify
    from fengqiao.notices.models import Notice

    from .actions import _members

    due_text = f"{timezone.localtime(task.due_at):%Y-%m-%d %H:%M}"
    _log(
        task.case,
        None,
        "meeting_task_overdue",
        note=f"{task.unit.name}:{task.description}",
        # When it fell due, as the case sweep dates its entries (never before the meeting).
        at=max(task.due_at, task.meeting.created_at),
        data={
            "task": task.pk,
            "meeting": task.meeting_id,
            "unit": task.unit.code,
            "unit_name": task.unit.name,
            "due_at": task.due_at.isoformat(),
        },
    )
    notify(
        _members([task.unit_id]),
        Notice.Kind.OVERDUE,
        f"联席会议任务超期:{task.case.number}",
        f"{task.description}(时限 {due_text})",
        case=task.case,
    )
