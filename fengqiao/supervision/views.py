"""Pages: 督办函 (the letters, with sign and answer), 挂账督办 (the ledgers) and 稳评台账 (the
register of major decisions and their assessments)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fengqiao import clock as wallclock
from fengqiao.accounts.roles import Role
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from . import actions, risk
from .api import DOCX
from .documents import letter_docx
from .models import LEDGER_STATUS_LABELS, MajorDecision, RiskAssessment, RiskMeasure

REFUSALS = {403: "您无权进行此操作", 409: "当前状态不允许此操作"}
GATE_MESSAGE = "未经报备的社会稳定风险评估(或评估为高风险),不得标记为“{}”"


def _staff(user):
    if user.role == Role.CITIZEN and not user.is_superuser:
        raise PermissionDenied


@login_required
def notice_list(request):
    _staff(request.user)
    notices = list(
        actions.visible_notices(request.user)
        .select_related("case", "unit", "leader")
        .order_by("-issued_at")[:200]
    )
    for notice in notices:
        notice.may_answer = actions.may_answer(notice, request.user)
    return render(request, "supervision/notices.html", {"notices": notices})


@login_required
def notice_document(request, pk):
    _staff(request.user)
    notice = actions.access_notice(request.user, pk)
    response = HttpResponse(letter_docx(notice), content_type=DOCX)
    response["Content-Disposition"] = f'attachment; filename="supervision-{notice.pk}.docx"'
    return response


@login_required
@require_POST
def notice_acknowledge(request, pk):
    _staff(request.user)
    notice = actions.access_notice(request.user, pk)
    try:
        actions.acknowledge(notice, request.user)
    except ActionRefused as error:
        messages.error(request, f"未能签收:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, f"已签收{notice.get_letter_display()}")
    return redirect("supervision-notices")


@login_required
@require_POST
def notice_answer(request, pk):
    _staff(request.user)
    notice = actions.access_notice(request.user, pk)
    try:
        actions.answer(notice, request.user, request.POST.get("answer", ""))
    except FieldError:
        messages.error(request, "未能回复:请填写办理情况")
    except ActionRefused as error:
        messages.error(request, f"未能回复:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, f"已回复{notice.get_letter_display()}")
    return redirect("supervision-notices")


# ---------------------------------------------------------------------------------------- ledger


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise FieldError(field, "not a date") from None


LEDGER_FIELD_LABELS = {
    "region_code": "请选择挂账区划(乡镇、县或市)",
    "title": "请填写督办事项",
    "responsible_leader": "请填写包案领导",
    "due_date": "请填写办结时限(不早于今天)",
    "case": "事项编号不存在或不在您的范围内",
    "responsible_unit": "责任单位不存在",
}


@login_required
def ledger(request):
    _staff(request.user)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        try:
            actions.list_on_ledger(
                request.user,
                region_code=values.get("region_code", ""),
                title=values.get("title", ""),
                responsible_leader=values.get("responsible_leader", ""),
                due_date=_parse_date(values.get("due_date", ""), "due_date"),
                case_number=values.get("case", "").strip() or None,
            )
        except FieldError as error:
            errors[error.field] = LEDGER_FIELD_LABELS.get(error.field, error.reason)
        except ActionRefused as error:
            messages.error(request, REFUSALS.get(error.status, error.message))
            return redirect("supervision-ledger")
        else:
            messages.success(request, "已列入挂账督办")
            return redirect("supervision-ledger")
    items = list(actions.visible_ledger(request.user).select_related("region", "case"))
    today = timezone.localdate(wallclock.now())
    for item in items:
        item.current = item.status(today)
        item.current_label = LEDGER_STATUS_LABELS[item.current]
    from .presenters import ledger_summary

    regions = []
    if actions.may_manage_ledger(request.user):
        from fengqiao.accounts.scoping import visible_regions

        regions = (
            visible_regions(request.user).filter(kind__in=["city", "county", "township"]).order_by("code")
        )
    return render(
        request,
        "supervision/ledger.html",
        {
            "items": items,
            "summary": ledger_summary(items, today),
            "regions": regions,
            "errors": errors,
            "values": values,
        },
    )


@login_required
@require_POST
def ledger_close(request, pk):
    _staff(request.user)
    item = actions.access_ledger_item(request.user, pk)
    try:
        actions.close_ledger_item(item, request.user, request.POST.get("note", ""))
    except FieldError:
        messages.error(request, "未能销账:请填写销账说明")
    except ActionRefused as error:
        messages.error(request, f"未能销账:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, "已销账")
    return redirect("supervision-ledger")


# ---------------------------------------------------------------------------------------- risk


DECISION_FIELD_LABELS = {
    "title": "请填写名称",
    "kind": "请选择类型",
    "proposer": "请填写提出(实施)主体",
    "region_code": "请选择所属区划",
    "investment": "请填写不小于 0 的投资规模",
    "people_affected": "请填写不小于 0 的人数",
}


@login_required
def decision_list(request):
    _staff(request.user)
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        try:
            try:
                investment = Decimal(values.get("investment") or "0")
            except InvalidOperation:
                raise FieldError("investment", "not a number") from None
            try:
                people = int(values.get("people_affected") or "0")
            except ValueError:
                raise FieldError("people_affected", "not a number") from None
            decision = risk.register(
                request.user,
                title=values.get("title", ""),
                kind=values.get("kind", ""),
                proposer=values.get("proposer", ""),
                region_code=values.get("region_code", ""),
                description=values.get("description", ""),
                investment=investment,
                people_affected=people,
            )
        except FieldError as error:
            errors[error.field] = DECISION_FIELD_LABELS.get(error.field, error.reason)
        except ActionRefused as error:
            messages.error(request, REFUSALS.get(error.status, error.message))
            return redirect("risk-decisions")
        else:
            messages.success(request, "已登记,请开展社会稳定风险评估")
            return redirect("risk-decision", pk=decision.pk)
    from fengqiao.accounts.scoping import visible_regions

    return render(
        request,
        "supervision/decisions.html",
        {
            "decisions": risk.visible_decisions(request.user).select_related("region"),
            "may_manage": risk.may_manage(request.user),
            "kinds": MajorDecision.Kind.choices,
            "regions": visible_regions(request.user)
            .filter(kind__in=["city", "county", "township", "village"])
            .order_by("code")[:500],
            "errors": errors,
            "values": values,
            "open_measures": risk.open_measures(request.user)[:100],
        },
    )


@login_required
def decision_detail(request, pk):
    _staff(request.user)
    decision = risk.access_decision(request.user, pk)
    may_manage = risk.may_manage(request.user)
    next_statuses = []
    if may_manage:
        for status in risk.ALLOWED[decision.status]:
            next_statuses.append(
                {
                    "code": status,
                    "label": MajorDecision.Status(status).label,
                    "blocked": risk.gate_refusal(decision, status) is not None,
                }
            )
    return render(
        request,
        "supervision/decision.html",
        {
            "decision": decision,
            "assessments": decision.assessments.prefetch_related("measures__unit"),
            "may_manage": may_manage,
            "next_statuses": next_statuses,
            "stages": RiskAssessment.Stage.choices,
            "levels": RiskAssessment.RiskLevel.choices,
        },
    )


@login_required
@require_POST
def decision_status(request, pk):
    _staff(request.user)
    decision = risk.access_decision(request.user, pk)
    status = request.POST.get("status", "")
    try:
        risk.set_status(decision, request.user, status)
    except FieldError:
        messages.error(request, "未能变更状态:状态无效")
    except ActionRefused as error:
        if error.status == 409 and status in risk.GATES:
            messages.error(request, GATE_MESSAGE.format(MajorDecision.Status(status).label))
        else:
            messages.error(request, f"未能变更状态:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, f"已标记为“{MajorDecision.Status(status).label}”")
    return redirect("risk-decision", pk=decision.pk)


@login_required
@require_POST
def decision_assess(request, pk):
    _staff(request.user)
    decision = risk.access_decision(request.user, pk)
    post = request.POST
    measures = []
    for line in (post.get("measures") or "").splitlines():
        if line.strip():
            measures.append((line.strip(), None, None))
    try:
        risk.assess(
            decision,
            request.user,
            stage=post.get("stage", ""),
            risks_found=post.get("risks_found", ""),
            risk_level=post.get("risk_level", ""),
            conclusion=post.get("conclusion", ""),
            measures=measures,
        )
    except FieldError as error:
        messages.error(request, f"未能保存评估:请检查“{error.field}”")
    except ActionRefused as error:
        messages.error(request, f"未能保存评估:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, "已保存评估记录,请报备")
    return redirect("risk-decision", pk=decision.pk)


@login_required
@require_POST
def assessment_file(request, pk):
    _staff(request.user)
    assessment = RiskAssessment.objects.filter(
        pk=pk, decision__in=risk.visible_decisions(request.user)
    ).first()
    if assessment is None:
        raise Http404("no such assessment")
    try:
        risk.file(assessment, request.user, request.POST.get("filed_with", ""))
    except ActionRefused as error:
        messages.error(request, f"未能报备:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, "已报备")
    return redirect("risk-decision", pk=assessment.decision_id)


@login_required
@require_POST
def measure_complete(request, pk):
    _staff(request.user)
    measure = RiskMeasure.objects.filter(
        pk=pk, assessment__decision__in=risk.visible_decisions(request.user)
    ).first()
    if measure is None:
        raise Http404("no such measure")
    try:
        risk.complete_measure(measure, request.user, request.POST.get("result", ""))
    except FieldError:
        messages.error(request, "未能登记:请填写落实情况")
    except ActionRefused as error:
        messages.error(request, f"未能登记:{REFUSALS.get(error.status, error.message)}")
    else:
        messages.success(request, "措施已落实")
    return redirect("risk-decision", pk=measure.assessment.decision_id)
