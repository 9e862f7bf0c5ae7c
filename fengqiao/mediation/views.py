"""Pages: the mediator directory and its Excel import, a case's mediation, the linkage figures, and
the public page where an applicant picks a mediator and downloads the agreement."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fengqiao import clock as wallclock
from fengqiao.accounts.roles import Role
from fengqiao.cases.codes import PartyRole
from fengqiao.cases.models import Case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.people import crypto
from fengqiao.people.validation import InvalidPersonalData, normalise_phone

from . import actions, documents, stats
from .forms import (
    AgreementForm,
    ImportForm,
    PortalLookupForm,
    ReferralCloseForm,
    ReferralForm,
    SessionForm,
    VisitForm,
)
from .imports import (
    ImportRejected,
    body_template_workbook,
    import_bodies,
    import_mediators,
    template_workbook,
)
from .models import FollowUpVisit, Mediation, MediatorChoice, Referral
from .selectors import (
    access_mediation,
    access_mediator,
    referral_units,
    visible_mediations,
    visible_mediators,
    visible_referrals,
)

PORTAL_SESSION_KEY = "portal_mediation_case"
PORTAL_ATTEMPTS = 20  # lookups per address per 10 minutes


def _require_staff(user):
    if user.role == Role.CITIZEN and not user.is_superuser:
        raise PermissionDenied


def _refusal_text(error) -> str:
    if isinstance(error, FieldError):
        return f"输入有误({error.field}):{error.reason}"
    return "您无权进行此操作" if error.status == 403 else f"当前不能进行此操作:{error.message}"


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=documents.DOCX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(filename)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


# ------------------------------------------------------------------------------------ directory


@login_required
def mediator_directory(request):
    _require_staff(request.user)
    mediators = list(visible_mediators(request.user).filter(active=True).order_by("region_id", "name"))
    for mediator in mediators:
        mediator.record = stats.mediator_record(mediator)
    return render(request, "mediation/directory.html", {"mediators": mediators})


@login_required
def mediator_detail(request, pk):
    _require_staff(request.user)
    mediator = access_mediator(request.user, pk)
    return render(
        request,
        "mediation/mediator.html",
        {
            "mediator": mediator,
            "record": stats.mediator_record(mediator),
            "may_manage": actions.may_manage_mediator(request.user, mediator),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def mediator_import(request):
    """Excel import of mediators (?what=mediators, the default) or mediation bodies (?what=bodies)."""
    if not (request.user.is_superuser or request.user.role == Role.ADMIN):
        raise PermissionDenied
    bodies = (request.GET.get("what") or request.POST.get("what")) == "bodies"
    if request.GET.get("template"):
        from io import BytesIO

        buffer = BytesIO()
        (body_template_workbook() if bodies else template_workbook()).save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        name = "mediation-bodies-template.xlsx" if bodies else "mediators-template.xlsx"
        response["Content-Disposition"] = f"attachment; filename={name}"
        return response
    form, errors, imported = ImportForm(request.POST or None, request.FILES or None), [], None
    if request.method == "POST" and form.is_valid():
        try:
            if bodies:
                imported = import_bodies(form.cleaned_data["file"])
                messages.success(request, f"已导入 {len(imported)} 个调解组织")
            else:
                imported = import_mediators(form.cleaned_data["file"])
                messages.success(request, f"已导入 {len(imported)} 名调解员")
        except ImportRejected as rejected:
            errors = rejected.errors
    return render(
        request,
        "mediation/import.html",
        {"form": form, "errors": errors, "imported": imported, "bodies": bodies},
    )


@login_required
@require_http_methods(["POST"])
def mediator_availability(request, pk):
    """Pause or resume taking cases (暂停接案/恢复接案)."""
    _require_staff(request.user)
    mediator = access_mediator(request.user, pk)
    available = request.POST.get("available") == "1"
    try:
        actions.set_availability(mediator, request.user, available=available)
        messages.success(request, "已恢复接案" if available else "已暂停接案,暂不会被指派或选择")
    except ActionRefused as error:
        messages.error(request, _refusal_text(error))
    target = request.POST.get("next", "")
    if target not in ("home", "detail"):
        target = "detail"
    return redirect("home") if target == "home" else redirect("mediator-detail", pk=mediator.pk)


# ------------------------------------------------------------------------------------ a case's mediation


@login_required
@require_http_methods(["GET", "POST"])
def case_mediation(request, number):
    _require_staff(request.user)
    case, mediation = access_mediation(request.user, number)
    user = request.user
    if request.method == "POST":
        try:
            _handle(request, case, mediation)
        except (ActionRefused, FieldError) as error:
            messages.error(request, _refusal_text(error))
        return redirect("case-mediation", number=case.number)
    pending = mediation.choices.filter(state=MediatorChoice.State.PENDING).first() if mediation else None
    context = {
        "case": case,
        "mediation": mediation,
        "choices": mediation.choices.select_related("mediator") if mediation else [],
        "pending": pending,
        "may_respond": pending is not None and actions.may_respond(user, pending),
        "may_mediate": mediation is not None and actions.may_mediate(user, mediation),
        "may_assign": actions._is_centre(user)
        and (mediation is None or (mediation.mediator_id is None and pending is None)),
        "suitable": actions.suitable_mediators(case),
        "sessions": mediation.sessions.all() if mediation else [],
        "agreement": getattr(mediation, "agreement", None) if mediation else None,
        "visits": mediation.visits.all() if mediation else [],
        "session_form": SessionForm(),
        "agreement_form": AgreementForm(),
        "visit_form": VisitForm(),
    }
    agreement = context["agreement"]
    context["confirmation"] = getattr(agreement, "confirmation", None) if agreement else None
    return render(request, "mediation/case_mediation.html", context)


def _handle(request, case: Case, mediation: Mediation | None):
    user, op = request.user, request.POST.get("op")
    if op == "assign":
        mediator = access_mediator(user, _int(request.POST.get("mediator")))
        actions.choose_mediator(case, mediator, by=request.POST.get("by") or "staff", user=user)
        messages.success(request, f"已选择调解员{mediator.name},等待其确认")
        return
    if mediation is None:
        raise Http404
    if op in ("accept", "decline"):
        choice = mediation.choices.get(state=MediatorChoice.State.PENDING)
        actions.respond(choice, user, accept=op == "accept", reason=request.POST.get("reason", ""))
        messages.success(request, "已接受调解" if op == "accept" else "已拒绝,事项退回重新选择")
    elif op == "session":
        form = SessionForm(request.POST)
        if not form.is_valid():
            raise FieldError(next(iter(form.errors)), "; ".join(next(iter(form.errors.values()))))
        actions.record_session(mediation, user, **form.cleaned_data)
        messages.success(request, "已记录调解情况")
    elif op == "agreement":
        form = AgreementForm(request.POST)
        if not form.is_valid():
            raise FieldError(next(iter(form.errors)), "; ".join(next(iter(form.errors.values()))))
        actions.record_agreement(mediation, user, **form.cleaned_data)
        messages.success(request, "已生成调解协议书")
    elif op == "sign":
        actions.sign_agreement(mediation.agreement, user)
        messages.success(request, "协议已签字生效,司法确认申请期限开始计算")
    elif op == "apply":
        actions.apply_for_confirmation(mediation.agreement.confirmation, user)
        messages.success(request, "已提交司法确认申请")
    elif op == "visit":
        visit = mediation.visits.get(pk=_int(request.POST.get("visit")), visited_at__isnull=True)
        form = VisitForm(request.POST)
        if not form.is_valid():
            raise FieldError("fulfilment", "required")
        actions.record_visit(visit, user, **form.cleaned_data)
        messages.success(request, "已记录回访")
    else:
        raise FieldError("op", "unknown operation")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


@login_required
def agreement_document(request, number, fmt):
    _require_staff(request.user)
    case, mediation = access_mediation(request.user, number)
    agreement = getattr(mediation, "agreement", None) if mediation else None
    if agreement is None:
        raise Http404
    return _agreement_response(agreement, fmt)


def _agreement_response(agreement, fmt):
    name = f"调解协议书-{agreement.mediation.case.number}"
    if fmt == "pdf":
        response = HttpResponse(documents.agreement_pdf(agreement), content_type="application/pdf")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.pdf"
        return response
    return _docx_response(documents.agreement_docx(agreement), f"{name}.docx")


@login_required
def confirmation_document(request, number):
    _require_staff(request.user)
    case, mediation = access_mediation(request.user, number)
    agreement = getattr(mediation, "agreement", None) if mediation else None
    confirmation = getattr(agreement, "confirmation", None) if agreement else None
    if confirmation is None:
        raise Http404
    return _docx_response(documents.confirmation_docx(confirmation), f"司法确认申请书-{case.number}.docx")


# ------------------------------------------------------------------------------------ linkage


def _may_refer(user) -> bool:
    return user.is_superuser or user.role not in (Role.CITIZEN, Role.LEADER)


@login_required
@require_http_methods(["GET", "POST"])
def linkage(request):
    """Success rates per linkage kind and area; the referral form; signing for and closing
    referrals sent to the user's unit."""
    _require_staff(request.user)
    user = request.user
    units = referral_units(user)
    if request.method == "POST":
        try:
            _handle_referral(request, units)
        except (ActionRefused, FieldError) as error:
            messages.error(request, _refusal_text(error))
        return redirect("linkage-stats")
    region = user.region_id or "990000000000"
    figures = stats.linkage_stats(visible_referrals(user), region)
    referrals = list(visible_referrals(user)[:50])
    for referral in referrals:
        referral.may_answer = referral.outcome == Referral.Outcome.PENDING and (
            actions._is_centre(user) or user.unit_id == referral.receiver_id
        )
    initial = {"sender": user.unit.code} if user.unit_id else {}
    return render(
        request,
        "mediation/linkage.html",
        {
            "figures": figures,
            "referrals": referrals,
            "names": _region_names(figures["by_area"]),
            "form": ReferralForm(units=units, initial=initial) if _may_refer(user) else None,
            "close_form": ReferralCloseForm(),
        },
    )


def _handle_referral(request, units):
    user, op = request.user, request.POST.get("op")
    if not _may_refer(user):
        raise ActionRefused("read-only role", status=403)
    if op == "refer":
        form = ReferralForm(request.POST, units=units)
        if not form.is_valid():
            raise FieldError(next(iter(form.errors)), "; ".join(next(iter(form.errors.values()))))
        data = form.cleaned_data
        by_code = {unit.code: unit for unit in units}
        case = None
        if data["case"]:
            from fengqiao.accounts.scoping import access_case

            try:
                case = access_case(user, data["case"].strip())
            except Http404:
                raise FieldError("case", "no such case in your area") from None
        actions.refer(
            kind=data["kind"],
            sender=by_code[data["sender"]],
            receiver=by_code[data["receiver"]],
            summary=data["summary"],
            user=user,
            case=case,
        )
        messages.success(request, "已移送,接收单位已收到通知")
        return
    referral = visible_referrals(user).filter(pk=_int(request.POST.get("referral"))).first()
    if referral is None:
        raise Http404
    if op == "receive":
        actions.receive_referral(referral, user)
        messages.success(request, "已接收")
    elif op == "close":
        form = ReferralCloseForm(request.POST)
        if not form.is_valid():
            raise FieldError("outcome", "settled, failed or returned")
        actions.close_referral(referral, user, **form.cleaned_data)
        messages.success(request, "已办结")
    else:
        raise FieldError("op", "unknown operation")


def _region_names(areas) -> dict[str, str]:
    from fengqiao.regions.models import Region

    return dict(Region.objects.filter(code__in=list(areas)).values_list("code", "name"))


@login_required
def fulfilment(request):
    """履行情况: agreements visited and fully performed, per area below the user's region and per
    mediator, from the return visits."""
    _require_staff(request.user)
    region = request.user.region_id or "990000000000"
    mediations = visible_mediations(request.user)
    by_area = stats.fulfilment_by_area(mediations.exclude(outcome=Mediation.Outcome.OPEN), region)
    overall = stats.record(mediations)
    overdue_visits = (
        FollowUpVisit.objects.filter(
            mediation__in=mediations, visited_at__isnull=True, due_at__lt=wallclock.now()
        )
        .select_related("mediation__case", "mediation__mediator")
        .order_by("due_at")[:50]
    )
    return render(
        request,
        "mediation/fulfilment.html",
        {
            "overall": overall,
            "by_area": by_area,
            "names": _region_names(by_area),
            "overdue_visits": overdue_visits,
        },
    )


# ------------------------------------------------------------------------------------ public portal


def _rate_limited(request) -> bool:
    key = f"portal-mediation:{request.META.get('REMOTE_ADDR')}"
    cache.add(key, 0, timeout=600)
    try:
        return cache.incr(key) > PORTAL_ATTEMPTS
    except ValueError:
        return False


def _portal_case(number: str, phone: str) -> Case | None:
    """The case only when the phone is the applicant's; anything else answers None, alike."""
    try:
        digest = crypto.lookup_hash("phone", normalise_phone(phone))
    except InvalidPersonalData:
        return None
    return Case.objects.filter(
        number=number.strip(), parties__role=PartyRole.APPLICANT, parties__person__phone_hash=digest
    ).first()


@require_http_methods(["GET", "POST"])
def portal_mediators(request):
    """Look up one's case by number and phone, pick a mediator from those suited, follow the answer
    and download the agreement. Shows no staff data: mediators' names, kinds, bodies and introductions."""
    case = None
    case_pk = request.session.get(PORTAL_SESSION_KEY)
    if case_pk:
        case = Case.objects.filter(pk=case_pk).first()
    form = PortalLookupForm(request.POST if request.POST.get("op") == "lookup" else None)
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "lookup":
            if _rate_limited(request):
                return render(
                    request, "mediation/portal/mediators.html", {"form": form, "limited": True}, status=429
                )
            found = (
                _portal_case(request.POST.get("number", ""), request.POST.get("phone", ""))
                if form.is_valid()
                else None
            )
            if found is None:
                request.session.pop(PORTAL_SESSION_KEY, None)
                return render(request, "mediation/portal/mediators.html", {"form": form, "not_found": True})
            request.session[PORTAL_SESSION_KEY] = found.pk
            return redirect("portal-mediators")
        if op == "pick" and case is not None:
            mediator = next(
                (m for m in actions.suitable_mediators(case) if m.pk == _int(request.POST.get("mediator"))),
                None,
            )
            if mediator is None:
                messages.error(request, "该调解员当前不可选择")
            else:
                try:
                    actions.choose_mediator(case, mediator, by=MediatorChoice.By.PORTAL)
                    messages.success(request, f"您已选择调解员{mediator.name},请等待调解员确认")
                except (ActionRefused, FieldError) as error:
                    messages.error(
                        request, "当前不能选择调解员" if isinstance(error, ActionRefused) else error.reason
                    )
            return redirect("portal-mediators")
        if op == "leave":
            request.session.pop(PORTAL_SESSION_KEY, None)
            return redirect("portal-mediators")
    context = {"form": form, "case": case}
    if case is not None:
        mediation = getattr(case, "mediation", None)
        context.update(
            mediation=mediation,
            pending=mediation.choices.filter(state=MediatorChoice.State.PENDING)
            .select_related("mediator")
            .first()
            if mediation
            else None,
            agreement=getattr(mediation, "agreement", None) if mediation else None,
            declined=mediation.choices.filter(state=MediatorChoice.State.DECLINED).exists()
            if mediation
            else False,
            suitable=actions.suitable_mediators(case)
            if not mediation
            or (mediation.mediator_id is None and mediation.outcome == Mediation.Outcome.OPEN)
            else [],
        )
    return render(request, "mediation/portal/mediators.html", context)


def portal_agreement(request, fmt):
    case_pk = request.session.get(PORTAL_SESSION_KEY)
    case = Case.objects.filter(pk=case_pk).first() if case_pk else None
    mediation = getattr(case, "mediation", None) if case else None
    agreement = getattr(mediation, "agreement", None) if mediation else None
    if agreement is None or agreement.signed_at is None:
        raise Http404
    return _agreement_response(agreement, fmt)


__all__ = ["FollowUpVisit"]
