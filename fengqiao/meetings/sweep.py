"""The meetings part of the sweep: an open task past its due time is flagged overdue once, with a
timeline entry on the case and a notice to the task's unit.

Idempotent and safe in several processes: each task is claimed by a conditional update
(overdue false -> true), and only the process whose update changed the row writes the entry.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.cases.actions import _log

from .models import MeetingTask

BATCH = 500


def flag_overdue_tasks(at: datetime | None = None) -> int:
    """Flag the open tasks due by `at`; the number flagged."""
    from fengqiao.notices.actions import notify
    from fengqiao.notices.models import Notice

    from .actions import _members

    at = at or wallclock.now()
    due = MeetingTask.objects.filter(status=MeetingTask.Status.OPEN, overdue=False, due_at__lte=at)
    flagged = 0
    while ids := list(due.order_by("due_at", "id").values_list("pk", flat=True)[:BATCH]):
        for pk in ids:
            with transaction.atomic():
                claimed = MeetingTask.objects.filter(
                    pk=pk, status=MeetingTask.Status.OPEN, overdue=False
                ).update(overdue=True)
                if not claimed:
                    continue  # done, cancelled or flagged by another process meanwhile
                task = MeetingTask.objects.select_related("case", "unit", "meeting").get(pk=pk)
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
                flagged += 1
    return flagged
