"""Pages: 考核排名 (scores and ranking, checklist filling, the Excel export) and 三零创建 (ratings,
the warning ledger, compliance per area, reporting an event)."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit
from fengqiao.accounts.scoping import region_scope_q, visible_regions
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from . import actions, selectors
from .export import XLSX, evaluation_xlsx
from .models import ChecklistItem, ThreeZeroEvent
from .scoring import DEPARTMENT_KINDS
from .threezero import RATING_LABELS

KIND_LABELS = {"township": "乡镇(街道)", "department": "部门"}


def _staff(user):
    if not actions.is_staff(user):
        raise PermissionDenied


def _date(value, default: date) -> date:
    try:
        return date.fromisoformat(value) if value else default
    except ValueError:
        return default


def _period(request) -> tuple[date, date]:
    today = timezone.localdate(wallclock.now())
    end = _date(request.GET.get("to"), today)
    start = _date(request.GET.get("from"), end.replace(day=1))
    if end < start:
        start = end
    return start, end


def _filters(request) -> tuple[str, date, date]:
    kind = request.GET.get("kind")
    return (kind if kind in KIND_LABELS else "township"), *_period(request)


@login_required
def evaluation_page(request):
    _staff(request.user)
    kind, start, end = _filters(request)
    result = selectors.evaluation(request.user, kind, None, start, end)
    query = urlencode({"kind": kind, "from": start.isoformat(), "to": end.isoformat()})
    may_manage = actions.may_manage(request.user)
    return render(
        request,
        "evaluation/evaluation.html",
        {
            "result": result,
            "kind": kind,
            "kinds": KIND_LABELS.items(),
            "start": start,
            "end": end,
            "query": query,
            "may_manage": may_manage,
            "items": ChecklistItem.objects.filter(active=True) if may_manage else [],
            "townships": visible_regions(request.user).filter(kind="township").order_by("code")
            if may_manage
            else [],
            "departments": Unit.objects.filter(
                region_scope_q(request.user), kind__in=DEPARTMENT_KINDS, active=True
            )
            .order_by("code")
            .only("code", "name")
            if may_manage
            else [],
        },
    )


@login_required
def evaluation_export(request):
    _staff(request.user)
    kind, start, end = _filters(request)
    result = selectors.evaluation(request.user, kind, None, start, end)
    response = HttpResponse(evaluation_xlsx(result), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{kind}-{start}-{end}.xlsx"'
    return response


@login_required
@require_POST
def checklist_fill(request):
    _staff(request.user)
    post = request.POST
    subject = post.get("subject", "")
    region_code = subject.removeprefix("region:") if subject.startswith("region:") else None
    unit_code = subject.removeprefix("unit:") if subject.startswith("unit:") else None
    try:
        actions.fill_checklist(
            request.user,
            item_id=int(post.get("item") or 0),
            period_start=date.fromisoformat(post.get("period_start", "")),
            period_end=date.fromisoformat(post.get("period_end", "")),
            passed=post.get("passed") == "yes",
            note=post.get("note", ""),
            region_code=region_code,
            unit_code=unit_code,
        )
    except (FieldError, ValueError):
        messages.error(request, "未能保存:请检查考核项、对象和考核期")
    except ActionRefused:
        messages.error(request, "您无权填报考核清单")
    else:
        messages.success(request, "已保存考核清单填报")
    kind = "department" if unit_code else "township"
    query = urlencode({"kind": kind, "from": post.get("period_start", ""), "to": post.get("period_end", "")})
    return redirect(f"{reverse('evaluation')}?{query}")


@login_required
def threezero_page(request):
    _staff(request.user)
    start, end = _period(request)
    report = selectors.threezero_report(request.user, None, start, end)
    for rows in (report["units"], report["warnings"]):
        for row in rows:
            row["rating_label"] = RATING_LABELS[row["rating"]]
            if "previous_rating" in row:
                row["previous_label"] = RATING_LABELS[row["previous_rating"]]
    return render(
        request,
        "evaluation/threezero.html",
        {
            "report": report,
            "units_sorted": sorted(report["units"], key=lambda row: (-row["points"], row["region_code"])),
            "start": start,
            "end": end,
            "may_report": actions.may_report(request.user),
            "event_kinds": ThreeZeroEvent.Kind.choices,
            "today": timezone.localdate(wallclock.now()),
        },
    )


@login_required
@require_POST
def threezero_event(request):
    _staff(request.user)
    post = request.POST
    try:
        unit = actions.access_unit(request.user, int(post.get("unit") or 0))
    except ValueError:
        raise Http404("no such unit") from None
    try:
        actions.report_event(
            request.user,
            unit,
            kind=post.get("kind", ""),
            occurred_on=date.fromisoformat(post.get("occurred_on", "")),
            description=post.get("description", ""),
        )
    except (FieldError, ValueError):
        messages.error(request, "未能登记:请填写类别、发生日期(不晚于今天)和简要情况")
    except ActionRefused:
        messages.error(request, "您无权登记三零事件")
    else:
        messages.success(request, f"已登记{unit.name}的事件")
    return redirect("threezero")
