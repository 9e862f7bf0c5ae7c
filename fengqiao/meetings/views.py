"""The case's joint-meetings page: the meetings held, their tasks, the form to record one and the
buttons to report a task done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fengqiao import clock as wallclock
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_case, visible_cases
from fengqiao.cases.actions import dispatchable_units
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from . import actions
from .forms import explain, meeting_in_from_post, page_field, task_rows
from .models import MeetingTask
from .presenters import meetings_of


def _require_staff(user):
    if user.role == Role.CITIZEN and not user.is_superuser:
        raise PermissionDenied


def _refusal(error: ActionRefused) -> str:
    if error.status == 403:
        return "您无权进行此操作"
    if "already" in error.message:
        return "该任务已办结或已取消"
    if "joint" in error.message:
        return "仅联调联处(或有两个以上承办单位)的事项可召开联席会议"
    return "事项当前状态不允许此操作"


@login_required
def case_meetings(request, number):
    _require_staff(request.user)
    case = access_case(request.user, number)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    errors, post = {}, None
    if request.method == "POST":
        post = request.POST
        submission, errors, slots = meeting_in_from_post(post)
        if submission is not None:
            try:
                actions.record_meeting(
                    case,
                    request.user,
                    submission.held_at,
                    submission.place,
                    submission.units,
                    submission.minutes,
                    [(task.unit, task.description, task.due_at) for task in submission.tasks],
                )
            except FieldError as error:
                field = page_field(error.field, slots)
                errors = {field: explain(field)}
            except ActionRefused as error:
                messages.error(request, f"未能记录联席会议:{_refusal(error)}")
                return redirect("case-meetings", number=case.number)
            else:
                messages.success(request, "已记录联席会议,任务已通知各承办单位")
                return redirect("case-meetings", number=case.number)
    may_record = actions.may_record_meeting(case, request.user)
    meetings = list(meetings_of(case))
    for meeting in meetings:
        for task in meeting.tasks.all():
            task.may_complete = actions.may_complete(task, request.user)
            task.may_cancel = may_record and task.is_open
    return render(
        request,
        "meetings/case_meetings.html",
        {
            "case": case,
            "meetings": meetings,
            "open_tasks": case.meeting_tasks.filter(status=MeetingTask.Status.OPEN).count(),
            "may_record": may_record,
            "units": dispatchable_units(case, request.user)
            .select_related("region")
            .order_by("region_id", "kind")
            if may_record
            else [],
            "errors": errors,
            # A meeting is usually recorded the day it is held: now, to the minute, as the default.
            "values": post or {"held_at": f"{timezone.localtime(wallclock.now()):%Y-%m-%dT%H:%M}"},
            "selected_units": post.getlist("units") if post is not None else [],
            "rows": task_rows(post, errors),
        },
    )


def _task(user, pk) -> MeetingTask:
    task = MeetingTask.objects.select_related("case").filter(pk=pk, case__in=visible_cases(user)).first()
    if task is None:
        raise Http404("no such task")
    return task


@login_required
@require_POST
def complete_task(request, pk):
    _require_staff(request.user)
    task = _task(request.user, pk)
    try:
        actions.complete_task(task, request.user, request.POST.get("result", ""))
    except FieldError:
        messages.error(request, "未能完成任务:请填写办理结果")
    except ActionRefused as error:
        messages.error(request, f"未能完成任务:{_refusal(error)}")
    else:
        messages.success(request, "任务已完成")
    return redirect("case-meetings", number=task.case.number)


@login_required
@require_POST
def cancel_task(request, pk):
    _require_staff(request.user)
    task = _task(request.user, pk)
    try:
        actions.cancel_task(task, request.user, request.POST.get("reason", ""))
    except FieldError:
        messages.error(request, "未能取消任务:请填写取消理由")
    except ActionRefused as error:
        messages.error(request, f"未能取消任务:{_refusal(error)}")
    else:
        messages.success(request, "任务已取消")
    return redirect("case-meetings", number=task.case.number)
