"""Petition pages: the staff page of a case's procedure (each step as a form, its clock and its
document) and the petitioner's own page (look up by case number and phone, read the answer, rate
it, ask for review or re-review within the 30 days)."""

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fengqiao import clock as wallclock
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_case
from fengqiao.cases.actions import dispatchable_units
from fengqiao.cases.codes import Category
from fengqiao.cases.models import Case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.mediation.forms import PortalLookupForm
from fengqiao.mediation.views import _portal_case, _rate_limited

from . import actions, documents
from .forms import (
    AnswerForm,
    DecideForm,
    EvaluateForm,
    ExtendForm,
    ReviewAnswerForm,
    ReviewRequestForm,
    TransferForm,
)
from .models import Petition, Review

PORTAL_SESSION_KEY = "portal_petition_case"
# What the petitioner may download: the documents addressed to them.
PORTAL_DOCUMENTS = ("receipt", "acceptance", "non_acceptance", "extension", "answer", "review", "re_review")


def _staff_case(request, number) -> Case:
    if request.user.role == Role.CITIZEN and not request.user.is_superuser:
        raise PermissionDenied
    return access_case(request.user, number)


def _petition(request, number):
    case = _staff_case(request, number)
    petition = getattr(case, "petition", None)
    if petition is None:
        raise Http404("no petition procedure on this case")
    return case, petition


def _valid(form):
    if not form.is_valid():
        field, problems = next(iter(form.errors.items()))
        raise FieldError(field, "; ".join(problems))
    return form.cleaned_data


def _refusal_text(error) -> str:
    if isinstance(error, FieldError):
        return f"输入有误({error.field}):{error.reason}"
    return "您无权进行此操作" if error.status == 403 else f"当前不能进行此操作:{error.message}"


def _open_review(petition: Petition) -> Review | None:
    return petition.reviews.filter(answered_at__isnull=True).first()


def _requestable(petition: Petition) -> list[tuple[str, str, object]]:
    """(kind, label, closes) of each review the petitioner may still ask for now."""
    now, found = wallclock.now(), []
    asked = set(petition.reviews.values_list("kind", flat=True))
    for kind, label in Review.Kind.choices:
        opened, closes = actions.request_window(petition, kind)
        if opened is not None and kind not in asked and now <= closes:
            found.append((kind, label, closes))
    return found


def _review_request_form(petition: Petition, data=None) -> ReviewRequestForm:
    """The request form offering only the kinds the petitioner may ask for now."""
    form = ReviewRequestForm(data)
    form.fields["kind"].choices = [(kind, label) for kind, label, _ in _requestable(petition)]
    return form


def _step(request, petition: Petition, op: str) -> str:
    """Take one step from the page's POST; the message to show."""
    user, post = request.user, request.POST
    if op == "decide":
        data = _valid(DecideForm(post))
        actions.decide(petition, user, accept=data["accept"], reason=data["reason"])
        return "已作出受理决定,告知书已生成" if data["accept"] else "已决定不予受理,告知书已生成"
    if op == "transfer":
        units = dispatchable_units(petition.case, user)
        data = _valid(TransferForm(post, units=units))
        actions.transfer(petition, user, unit_code=data["unit"], note=data["note"])
        return "已转送(交办),办理期限随事项转至承办单位"
    if op == "extend":
        data = _valid(ExtendForm(post))
        actions.extend(petition, user, days=data["days"], reason=data["reason"])
        return "已延期,延期告知书已生成"
    if op == "answer":
        actions.answer(petition, user, text=_valid(AnswerForm(post))["text"])
        return "已书面答复,处理意见书已生成"
    if op == "evaluate":
        actions.evaluate(petition, _valid(EvaluateForm(post))["evaluation"], user)
        return "已记录信访人评价"
    if op == "request_review":
        data = _valid(_review_request_form(petition, post))
        actions.request_review(petition, kind=data["kind"], reason=data["reason"], user=user)
        return f"已登记{Review.Kind(data['kind']).label}请求,30日内答复"
    if op == "answer_review":
        data = _valid(ReviewAnswerForm(post))
        review = petition.reviews.filter(kind=data["kind"]).first()
        if review is None:
            raise FieldError("kind", "no such review was asked")
        actions.answer_review(review, user, text=data["text"], outcome=data["outcome"])
        return f"已作出{review.get_kind_display()}意见"
    raise FieldError("op", "unknown step")


@login_required
@require_http_methods(["GET", "POST"])
def petition_page(request, number):
    """The procedure of a petition case, one form for each step it has reached."""
    case = _staff_case(request, number)
    petition = getattr(case, "petition", None)
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "register":
                actions.register(case, request.user)
                messages.success(request, "已登记信访事项,登记回执已生成")
            elif petition is None:
                raise Http404
            else:
                messages.success(request, _step(request, petition, op))
        except (ActionRefused, FieldError) as error:
            messages.error(request, _refusal_text(error))
        return redirect("petition-detail", number=case.number)
    if petition is None:
        return render(
            request,
            "petitions/petition.html",
            {"case": case, "petition": None, "may_register": case.category == Category.PETITION},
        )
    case.refresh_from_db()
    status = case.status
    open_review = _open_review(petition)
    context = {
        "case": case,
        "petition": petition,
        "steps": [(step, documents.STEPS[step]) for step in documents.available_steps(petition)],
        "reviews": petition.reviews.select_related("unit"),
        "repeats": petition.repeats.select_related("case"),
        "decide_form": DecideForm() if petition.accepted is None and status == "reported" else None,
        "transfer_form": TransferForm(
            units=dispatchable_units(case, request.user).order_by("region_id", "kind")
        )
        if petition.accepted and petition.transferred_at is None and status in ("accepted", "dispatched")
        else None,
        "extend_form": ExtendForm()
        if petition.accepted
        and not petition.extended_days
        and not case.extended
        and petition.answered_at is None
        else None,
        "answer_form": AnswerForm()
        if petition.accepted
        and petition.answered_at is None
        and status in ("accepted", "dispatched", "in_progress")
        else None,
        "evaluate_form": EvaluateForm() if petition.answered_at and not petition.evaluation else None,
        "requestable": _requestable(petition),
        "review_request_form": _review_request_form(petition),
        "open_review": open_review,
        "review_answer_form": ReviewAnswerForm(initial={"kind": open_review.kind}) if open_review else None,
    }
    return render(request, "petitions/petition.html", context)


def _document_response(petition: Petition, step: str) -> HttpResponse:
    try:
        content = documents.document(petition, step)
    except KeyError:
        raise Http404 from None
    response = HttpResponse(content, content_type=documents.DOCX_TYPE)
    name = quote(f"{documents.STEPS[step]}-{petition.case.number}.docx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}"
    return response


@login_required
def petition_document(request, number, step):
    case, petition = _petition(request, number)
    return _document_response(petition, step)


# ------------------------------------------------------------------------------------ the petitioner


def _portal_petition(request) -> Petition | None:
    case_pk = request.session.get(PORTAL_SESSION_KEY)
    return Petition.objects.filter(case_id=case_pk).select_related("case").first() if case_pk else None


@require_http_methods(["GET", "POST"])
def portal_petition(request):
    """The petitioner's page: found by case number and the applicant's phone (anything else
    answers "not found" alike, rate-limited); shows only the procedure's public facts."""
    petition = _portal_petition(request)
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op == "lookup":
            form = PortalLookupForm(request.POST)
            if _rate_limited(request):
                return render(request, "petitions/portal.html", {"form": form, "limited": True}, status=429)
            case = (
                _portal_case(request.POST.get("number", ""), request.POST.get("phone", ""))
                if form.is_valid()
                else None
            )
            found = getattr(case, "petition", None) if case else None
            if found is None:
                request.session.pop(PORTAL_SESSION_KEY, None)
                return render(request, "petitions/portal.html", {"form": form, "not_found": True})
            request.session[PORTAL_SESSION_KEY] = found.case_id
            return redirect("portal-petition")
        if op == "leave" or petition is None:
            request.session.pop(PORTAL_SESSION_KEY, None)
            return redirect("portal-petition")
        try:
            if op == "evaluate":
                actions.evaluate(petition, _valid(EvaluateForm(request.POST))["evaluation"])
                messages.success(request, "感谢您的评价")
            elif op == "request_review":
                data = _valid(_review_request_form(petition, request.POST))
                actions.request_review(petition, kind=data["kind"], reason=data["reason"])
                messages.success(request, f"已收到您的{Review.Kind(data['kind']).label}请求,将在30日内答复")
            else:
                raise FieldError("op", "unknown")
        except (ActionRefused, FieldError) as error:
            messages.error(
                request, "当前不能办理该请求" if isinstance(error, ActionRefused) else "请完整填写"
            )
        return redirect("portal-petition")
    context = {"form": PortalLookupForm(), "petition": petition}
    if petition is not None:
        case = petition.case
        context.update(
            case=case,
            reviews=petition.reviews.all(),
            documents=[
                (step, documents.STEPS[step])
                for step in documents.available_steps(petition)
                if step in PORTAL_DOCUMENTS
            ],
            evaluate_form=EvaluateForm() if petition.answered_at and not petition.evaluation else None,
            requestable=_requestable(petition),
            review_request_form=_review_request_form(petition),
        )
    return render(request, "petitions/portal.html", context)


def portal_petition_document(request, step):
    petition = _portal_petition(request)
    if petition is None or step not in PORTAL_DOCUMENTS:
        raise Http404
    return _document_response(petition, step)
