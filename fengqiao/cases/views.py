import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_case, visible_regions
from fengqiao.errors import FieldError

from . import actions, selectors
from .codes import Category, Channel, Level, Status
from .forms import case_in_from_post
from .presenters import case_dict
from .workflow import TRANSITIONS, ActionRefused

STAFF_INTAKE = {Role.ADMIN, Role.CENTRE_STAFF}
REQUIRED_NOTES = {
    "reject",
    "return",
    "escalate",
    "resolve",
    "redo",
    "reopen",
    "extend",
    "request_extension",
    "decide_extension",
    "instruct",
}
FILTER_CHOICES = {
    "statuses": Status.choices,
    "categories": Category.choices,
    "levels": Level.choices,
    "channels": Channel.choices,
}


def _client_ip(request):
    return request.META.get("REMOTE_ADDR")


def _require_staff(user):
    if user.role == Role.CITIZEN:
        raise PermissionDenied


@login_required
def case_list(request):
    _require_staff(request.user)
    cases, filters = selectors.filtered_cases(request.user, request.GET)
    try:
        page = selectors.keyset_page(cases, request.GET.get("cursor"), 30)
    except selectors.BadCursor:
        page = selectors.keyset_page(cases, None, 30)  # a mangled link shows the first page
    context = {"page": page, "filters": filters, "querystring": _querystring(filters), **FILTER_CHOICES}
    context["townships"] = (
        visible_regions(request.user).filter(kind__in=["county", "township"]).order_by("code")
    )
    template = "cases/_case_table.html" if request.headers.get("HX-Request") else "cases/case_list.html"
    return render(request, template, context)


def _querystring(filters: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(filters)


@login_required
def my_work(request):
    _require_staff(request.user)
    page = Paginator(selectors.my_work(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request, "cases/queue.html", {"page": page, "heading": "我的待办", "empty": "暂无待办事项。"}
    )


@login_required
def triage_queue(request):
    """Matters the classifier was unsure of, waiting for a person to read and route them."""
    _require_staff(request.user)
    page = Paginator(selectors.triage_queue(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request, "cases/queue.html", {"page": page, "heading": "待人工研判", "empty": "没有待研判事项。"}
    )


@login_required
def overdue(request):
    _require_staff(request.user)
    page = Paginator(selectors.overdue_board(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request, "cases/queue.html", {"page": page, "heading": "超期预警", "empty": "没有超期或临期事项。"}
    )


def _intake(request, *, channel: str, template: str, allowed_roles: set):
    if request.user.role not in allowed_roles and not request.user.is_superuser:
        raise PermissionDenied
    # The form carries its client id from the moment it is shown: a double click or a resubmitted
    # page returns the case already made instead of a second one.
    errors, values = {}, {"client_id": str(uuid.uuid4())}
    if request.method == "POST":
        values = request.POST
        submission, errors = case_in_from_post(request.POST, channel)
        if submission is not None:
            try:
                case, _ = actions.create_case(
                    submission.to_intake(), actor=request.user, ip=_client_ip(request)
                )
            except FieldError as error:
                errors = {error.field: _field_reason(error)}
            else:
                messages.success(request, f"已登记,事项编号 {case.number}")
                return redirect("case-detail", number=case.number)
    villages = visible_regions(request.user).filter(kind__in=["township", "village", "grid"]).order_by("code")
    return render(
        request,
        template,
        {
            "errors": errors,
            "values": values,
            "categories": Category.choices,
            "channels": [(c, label) for c, label in Channel.choices if c != Channel.OPEN311],
            "places": villages[:2000],
        },
    )


def _field_reason(error: FieldError) -> str:
    return {"outside your region": "不在您的辖区内", "unknown region": "区划不存在"}.get(
        error.reason, error.reason
    )


@login_required
def window_intake(request):
    """The one-stop window: centre staff register a walk-in (or a call, a letter, a referral)."""
    return _intake(
        request, channel=Channel.WINDOW, template="cases/window_form.html", allowed_roles=STAFF_INTAKE
    )


@login_required
def grid_report(request):
    """A grid worker's report from the phone: what, where (the phone's position), who."""
    return _intake(
        request,
        channel=Channel.GRID,
        template="cases/grid_report.html",
        allowed_roles={Role.GRID_WORKER, Role.CENTRE_STAFF, Role.ADMIN},
    )


@login_required
def case_detail(request, number):
    _require_staff(request.user)
    case = access_case(request.user, number)
    actions.mark_read(case, request.user)
    revealed = False
    if request.method == "POST" and request.POST.get("reveal"):
        try:
            actions.reveal_parties(case, request.user, ip=_client_ip(request), purpose="page")
            revealed = True
        except ActionRefused as error:
            messages.error(request, error.message)
    elif request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    data = case_dict(case, request.user, revealed=revealed)
    from fengqiao.people.masking import may_unmask

    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "data": data,
            "revealed": revealed,
            "may_reveal": may_unmask(request.user) and bool(data["parties"]),
            "actions": [(name, TRANSITIONS[name].label) for name in data["actions"]],
            "categories": Category.choices,
            "required_notes": REQUIRED_NOTES,
            "units": actions.dispatchable_units(case, request.user)
            .select_related("region")
            .order_by("region_id", "kind")
            if "dispatch" in data["actions"]
            else [],
        },
    )


@login_required
@require_POST
def case_action(request, number):
    case = access_case(request.user, number)
    action = request.POST.get("action", "")
    satisfaction = request.POST.get("satisfaction")
    days = request.POST.get("days")
    try:
        actions.take_action(
            case,
            request.user,
            action,
            note=request.POST.get("note", ""),
            ip=_client_ip(request),
            units=request.POST.getlist("units"),
            lead=request.POST.get("lead") or None,
            satisfaction=int(satisfaction) if satisfaction and satisfaction.isdigit() else None,
            days=int(days) if days and days.isdigit() else None,
            category=request.POST.get("category") or None,
            target=request.POST.get("target", "").strip() or None,
            decision=request.POST.get("decision") or None,
            settled={"yes": True, "no": False}.get(request.POST.get("settled", "")),
        )
    except (ActionRefused, FieldError) as error:
        messages.error(
            request,
            f"未能{TRANSITIONS.get(action).label if action in TRANSITIONS else '操作'}:{_explain(error)}",
        )
    else:
        messages.success(request, f"已{TRANSITIONS[action].label}")
    return redirect("case-detail", number=number)


EXPLANATIONS = {
    "decision": "请选择批准或不批准",
    "settled": "请选择是否已解决",
    "target": "请填写要并入的事项编号",
    "category": "请选择类别",
    "note": "请填写说明",
    "units": "请选择承办单位",
    "satisfaction": "满意度为1至5",
    "days": "延期天数不正确",
}


def _explain(error) -> str:
    if isinstance(error, FieldError):
        return EXPLANATIONS.get(error.field, error.reason)
    if "joint-meeting task" in error.message:
        return "联席会议任务尚未全部完成"
    if "someone other" in error.message:
        return "核查须由办结人以外的人员进行"
    return "您无权进行此操作" if error.status == 403 else "事项当前状态不允许此操作"


@login_required
@require_POST
def suggest_category(request):
    """The classifier's first reading of the text typed so far, for the intake forms (HTMX)."""
    from fengqiao.triage.classify import classify

    text = request.POST.get("description", "").strip()
    result = classify(text, channel=request.POST.get("channel") or None) if len(text) >= 6 else None
    return render(
        request,
        "cases/_suggestion.html",
        {
            "result": result,
            "label": Category(result.category).label if result else "",
            "top": [(Category(code).label, p) for code, p in result.top] if result else [],
        },
    )


def follow_up_answer(request, token):
    """The public page an applicant reaches from the follow-up SMS: is the matter really settled?"""
    from .followups import answer
    from .models import FollowUp

    follow_up = FollowUp.objects.select_related("case").filter(token=token).first()
    if follow_up is None:
        from django.http import Http404

        raise Http404
    done = follow_up.answered_at is not None
    if request.method == "POST" and not done and request.POST.get("settled") in ("yes", "no"):
        answer(follow_up, request.POST["settled"] == "yes", request.POST.get("note", "")[:1000])
        done = True
    return render(request, "cases/follow_up.html", {"follow_up": follow_up, "done": done})
