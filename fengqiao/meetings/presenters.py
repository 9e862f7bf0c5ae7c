"""Meetings and their tasks as the API returns them and the page shows them."""

from fengqiao.cases.models import Case

from . import actions
from .models import JointMeeting, MeetingTask


def _unit(unit) -> dict:
    return {"code": unit.code, "name": unit.name}


def _person(user) -> str | None:
    return (user.display_name or user.username) if user is not None else None


def task_dict(task: MeetingTask, user) -> dict:
    return {
        "id": task.pk,
        "meeting": task.meeting_id,
        "case": task.case.number,
        "unit": _unit(task.unit),
        "description": task.description,
        "due_at": task.due_at,
        "status": task.status,
        "status_label": task.get_status_display(),
        "overdue": task.overdue,
        "done_at": task.done_at,
        "done_by": _person(task.done_by),
        "result": task.result,
        "may_complete": actions.may_complete(task, user),
    }


def meeting_dict(meeting: JointMeeting, user) -> dict:
    return {
        "id": meeting.pk,
        "case": meeting.case.number,
        "held_at": meeting.held_at,
        "place": meeting.place,
        "chair": _person(meeting.chair),
        "units": [_unit(unit) for unit in meeting.units.all()],
        "minutes": meeting.minutes,
        "created_by": _person(meeting.created_by),
        "created_at": meeting.created_at,
        "tasks": [task_dict(task, user) for task in meeting.tasks.all()],
    }


def meetings_of(case: Case):
    return (
        case.joint_meetings.select_related("case", "chair", "created_by")
        .prefetch_related("units", "tasks__unit", "tasks__done_by", "tasks__case")
        .order_by("-held_at", "-id")
    )


def case_meetings_dict(case: Case, user) -> dict:
    return {
        "case": case.number,
        "open_tasks": case.meeting_tasks.filter(status=MeetingTask.Status.OPEN).count(),
        "may_record": actions.may_record_meeting(case, user),
        "meetings": [meeting_dict(meeting, user) for meeting in meetings_of(case)],
    }
