"""/api/v1/cases/{number}/meetings and /api/v1/meeting-tasks/{id}/…: joint meetings over the API."""

import ninja
from django.http import Http404
from ninja import Router
from ninja.errors import HttpError

from fengqiao.accounts.scoping import access_case, visible_cases
from fengqiao.cases.workflow import ActionRefused

from . import actions
from .models import MeetingTask
from .presenters import case_meetings_dict, meeting_dict, task_dict
from .schemas import MeetingIn, TaskCancelIn, TaskResultIn

router = Router(tags=["meetings"])


def _task(user, task_id: int) -> MeetingTask:
    """The task, or the same 404 whether it does not exist or its case is outside the caller's scope."""
    task = MeetingTask.objects.filter(pk=task_id, case__in=visible_cases(user)).first()
    if task is None:
        raise Http404("no such task")
    return task


@router.get("/cases/{number}/meetings", response=dict, summary="A case's joint meetings and their tasks")
def list_meetings(request, number: str):
    return case_meetings_dict(access_case(request.user, number), request.user)


@router.post(
    "/cases/{number}/meetings",
    response={201: dict},
    summary="Record a joint meeting: units present, what was agreed, tasks (unit, what, by when)",
)
def record_meeting(request, number: str, payload: MeetingIn):
    case = access_case(request.user, number)
    try:
        meeting = actions.record_meeting(
            case,
            request.user,
            payload.held_at,
            payload.place,
            payload.units,
            payload.minutes,
            [(task.unit, task.description, task.due_at) for task in payload.tasks],
        )
    except ActionRefused as error:
        raise HttpError(error.status, error.message) from None
    return ninja.Status(201, meeting_dict(meeting, request.user))


@router.post("/meeting-tasks/{task_id}/complete", response=dict, summary="The task's unit reports it done")
def complete_task(request, task_id: int, payload: TaskResultIn):
    try:
        task = actions.complete_task(_task(request.user, task_id), request.user, payload.result)
    except ActionRefused as error:
        raise HttpError(error.status, error.message) from None
    return task_dict(task, request.user)


@router.post("/meeting-tasks/{task_id}/cancel", response=dict, summary="The centre withdraws a task")
def cancel_task(request, task_id: int, payload: TaskCancelIn):
    try:
        task = actions.cancel_task(_task(request.user, task_id), request.user, payload.reason)
    except ActionRefused as error:
        raise HttpError(error.status, error.message) from None
    return task_dict(task, request.user)
