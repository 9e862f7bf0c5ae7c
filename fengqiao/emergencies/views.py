"""Pages: the emergencies in the user's scope, and a case's emergency (declare it, follow the
steps on their short clocks, report a step done or not applicable)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_case, visible_cases
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from . import actions
from .models import Emergency, EmergencyStep
from .presenters import emergency_dict

FIELD_MESSAGES = {
    "plan": "请选择应急预案",
    "grade": "请选择事件等级",
    "note": "说明过长",
    "result": "请填写处置情况",
    "reason": "请填写不适用的理由",
}


def _require_staff(user):
    if user.role == Role.CITIZEN and not user.is_superuser:
        raise PermissionDenied


def _refusal(error: ActionRefused) -> str:
    if error.status == 403:
        return "您无权进行此操作"
    if "already an emergency" in error.message:
        return "该事项已启动应急预案"
    if "already" in error.message:
        return "该步骤已完成或已标记不适用"
    return "事项当前状态不允许此操作"


@login_required
def emergency_list(request):
    _require_staff(request.user)
    emergencies = (
        Emergency.objects.filter(case__in=visible_cases(request.user))
        .select_related("case", "declared_by")
        .order_by("status", "-declared_at")[:200]
    )
    return render(
        request,
        "emergencies/emergency_list.html",
        {"emergencies": [emergency_dict(emergency, request.user) for emergency in emergencies]},
    )


@login_required
def case_emergency(request, number):
    _require_staff(request.user)
    case = access_case(request.user, number)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.method == "POST":
        plan = request.POST.get("plan", "")
        try:
            actions.declare(
                case,
                request.user,
                int(plan) if plan.isdigit() else None,
                request.POST.get("grade", Emergency.Grade.IV),
                request.POST.get("note", ""),
            )
        except FieldError as error:
            messages.error(request, f"未能启动应急预案:{FIELD_MESSAGES.get(error.field, error.reason)}")
        except ActionRefused as error:
            messages.error(request, f"未能启动应急预案:{_refusal(error)}")
        else:
            messages.success(request, "已启动应急预案,相关单位已收到通知")
        return redirect("case-emergency", number=case.number)
    emergency = Emergency.objects.filter(case=case).select_related("case", "declared_by").first()
    may_declare = emergency is None and actions.may_declare(case, request.user)
    return render(
        request,
        "emergencies/case_emergency.html",
        {
            "case": case,
            "emergency": emergency_dict(emergency, request.user) if emergency else None,
            "may_declare": may_declare,
            "plans": actions.suggested_plans(case) if may_declare else [],
            "grades": Emergency.Grade.choices,
        },
    )


def _step(user, pk) -> EmergencyStep:
    step = EmergencyStep.objects.select_related("case").filter(pk=pk, case__in=visible_cases(user)).first()
    if step is None:
        raise Http404("no such step")
    return step


def _step_action(request, pk, action, field: str, done: str):
    _require_staff(request.user)
    step = _step(request.user, pk)
    try:
        action(step, request.user, request.POST.get(field, ""))
    except FieldError as error:
        messages.error(request, FIELD_MESSAGES.get(error.field, error.reason))
    except ActionRefused as error:
        messages.error(request, _refusal(error))
    else:
        messages.success(request, done)
    return redirect("case-emergency", number=step.case.number)


@login_required
@require_POST
def complete_step(request, pk):
    return _step_action(request, pk, actions.complete_step, "result", "步骤已完成")


@login_required
@require_POST
def skip_step(request, pk):
    return _step_action(request, pk, actions.skip_step, "reason", "步骤已标记为不适用")
