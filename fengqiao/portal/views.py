"""The citizen portal (群众端): public, mobile-first pages to submit a matter, follow it with the case
number and phone number, choose a mediator (the mediation app's page) and rate the outcome.

Nothing here needs an account. Every form is rate-limited per address (ratelimit.py), a look-up
answers exactly the same for a wrong number and a wrong phone, and pages show the case's own
progress only, never staff names, notes or other parties."""

import uuid

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from fengqiao import clock as wallclock
from fengqiao.cases import actions
from fengqiao.cases.codes import Category, Status, Track
from fengqiao.cases.forms import case_in_from_post
from fengqiao.cases.models import Case, FollowUp
from fengqiao.errors import FieldError
from fengqiao.regions.models import Region

from . import progress
from .models import Rating
from .ratelimit import over_limit

CASE_KEY = "portal_case"
SUBMITTED_KEY = "portal_submitted"
# The mediation app's public page keeps the looked-up case under this key: setting it too lets the
# applicant go straight on to choose a mediator without typing the number and phone again.
MEDIATION_KEY = "portal_mediation_case"
# Likewise the petitions app's page, where a petitioner evaluates the written answer (信访人评价)
# and asks for review: a petition is rated there, under the petition rules, not here.
PETITION_KEY = "portal_petition_case"


def _ip(request) -> str:
    return request.META.get("REMOTE_ADDR") or "-"


def _townships():
    """Townships grouped under their county, for the place of the matter."""
    counties = {r.code: r.name for r in Region.objects.filter(kind="county").only("code", "name")}
    groups: dict[str, list] = {}
    for township in Region.objects.filter(kind="township").only("code", "name").order_by("code"):
        county = counties.get(township.code[:6].ljust(12, "0"), "")
        groups.setdefault(county, []).append((township.code, township.name))
    return list(groups.items())


def home(request):
    return render(request, "portal/home.html")


@require_http_methods(["GET", "POST"])
def submit(request):
    errors, values = {}, {"client_id": str(uuid.uuid4())}
    if request.method == "POST":
        values = request.POST
        if over_limit("submit", _ip(request)):
            return render(
                request,
                "portal/submit.html",
                {
                    "values": values,
                    "limited": True,
                    "townships": _townships(),
                    "categories": Category.choices,
                },
                status=429,
            )
        errors = _identity_errors(request.POST)
        submission, schema_errors = case_in_from_post(_without_respondent(request.POST), "portal")
        if "applicant_phone" in schema_errors:
            # cases.forms reads "invalid phone number" as an ID-number problem ("id" in "invalid").
            schema_errors["applicant_phone"] = "手机号码不正确"
        errors = {**schema_errors, **errors}
        if submission is not None and not errors:
            if submission.region_code is None:
                errors["region_code"] = "请选择事项发生的乡镇(街道)"
            else:
                try:
                    case, _ = actions.create_case(submission.to_intake(), actor=None, ip=_ip(request))
                except FieldError as error:
                    errors[error.field] = (
                        "所选地点不正确" if error.field in ("region_code", "location") else "填写有误"
                    )
                else:
                    request.session[SUBMITTED_KEY] = case.pk
                    return redirect("portal-submitted")
    return render(
        request,
        "portal/submit.html",
        {"values": values, "errors": errors, "townships": _townships(), "categories": Category.choices},
        status=422 if errors else 200,
    )


def _without_respondent(post):
    """The portal has only the applicant's slot; a crafted respondent field is ignored."""
    data = post.copy()
    for field in ("respondent_name", "respondent_phone", "respondent_id_number", "channel"):
        data.pop(field, None)
    return data


def _identity_errors(post) -> dict:
    """Identity is optional; but whoever leaves any of it leaves a name and a phone number, the key
    to following the case online."""
    name, phone, id_number = (post.get(f"applicant_{f}", "").strip() for f in ("name", "phone", "id_number"))
    errors = {}
    if (phone or id_number) and not name:
        errors["applicant_name"] = "留下联系方式时请填写姓名"
    if (name or id_number) and not phone:
        errors["applicant_phone"] = "请填写手机号码,凭它查询办理进度"
    return errors


def submitted(request):
    case = Case.objects.filter(pk=request.session.get(SUBMITTED_KEY) or 0).first()
    if case is None:
        return redirect("portal-submit")
    with_phone = case.parties.filter(role="applicant", person__phone_hash__isnull=False).exists()
    return render(request, "portal/submitted.html", {"number": case.number, "with_phone": with_phone})


@require_http_methods(["GET", "POST"])
def track(request):
    """Look a case up by number and phone; then its progress, and the rating once it is closed."""
    case = Case.objects.filter(pk=request.session.get(CASE_KEY) or 0).select_related("region").first()
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "lookup":
            return _lookup(request)
        if op == "leave":
            request.session.pop(CASE_KEY, None)
            request.session.pop(MEDIATION_KEY, None)
            request.session.pop(PETITION_KEY, None)
            return redirect("portal-track")
        if op == "rate" and case is not None:
            return _rate(request, case)
    if case is None:
        return render(request, "portal/lookup.html")
    return render(request, "portal/track.html", _track_context(case))


def _lookup(request):
    number = request.POST.get("number", "").strip()[:32]
    if over_limit("lookup", _ip(request)) or over_limit("miss", number, count=False):
        return render(request, "portal/lookup.html", {"limited": True, "number": number}, status=429)
    case = progress.find_case(number, request.POST.get("phone", ""))
    if case is None:
        over_limit("miss", number)
        request.session.pop(CASE_KEY, None)
        return render(request, "portal/lookup.html", {"not_found": True, "number": number}, status=404)
    request.session.cycle_key()  # the session now unlocks a case: give it a fresh id
    request.session[CASE_KEY] = case.pk
    request.session[MEDIATION_KEY] = case.pk
    if _petition(case) is not None:
        request.session[PETITION_KEY] = case.pk
    return redirect("portal-track")


def _petition(case: Case):
    from fengqiao.petitions.models import Petition

    return Petition.objects.filter(case=case).first()


def _rating_due(case: Case) -> bool:
    return (
        case.status == Status.CLOSED
        and _petition(case) is None
        and case.closed_at is not None
        and not Rating.objects.filter(case=case, closed_at=case.closed_at).exists()
    )


def _track_context(case: Case, **extra) -> dict:
    mediation = getattr(case, "mediation", None)
    return {
        "case": progress.summary(case),
        "rating_due": _rating_due(case),
        "petition": _petition(case) is not None,
        "rating": Rating.objects.filter(case=case).order_by("-at").first(),
        "scores": Rating.Score.choices,
        "may_choose_mediator": case.status
        in (Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
        and (case.track == Track.MEDIATION or mediation is not None),
        **extra,
    }


def _rate(request, case: Case):
    if over_limit("rate", _ip(request)):
        return render(request, "portal/track.html", _track_context(case, limited=True), status=429)
    if not _rating_due(case):
        return redirect("portal-track")
    errors = {}
    try:
        score = int(request.POST.get("score", ""))
        if score not in Rating.Score.values:
            raise ValueError
    except ValueError:
        errors["score"] = "请选择满意程度"
    settled = request.POST.get("settled")
    if settled not in ("yes", "no"):
        errors["settled"] = "请选择问题是否已解决"
    if errors:
        return render(request, "portal/track.html", _track_context(case, errors=errors), status=422)
    comment = request.POST.get("comment", "").strip()[:1000]
    try:
        with transaction.atomic():
            Rating.objects.create(
                case=case,
                closed_at=case.closed_at,
                score=score,
                settled=settled == "yes",
                comment=comment,
                at=wallclock.now(),
            )
            # The follow-up (回访) scheduled at closing is answered now: "not settled" reopens the
            # case through the cases app, exactly as an answer to the follow-up SMS would.
            follow_up = (
                FollowUp.objects.filter(case=case, answered_at__isnull=True).order_by("-due_at").first()
            )
            if follow_up is not None:
                from fengqiao.cases.followups import answer

                answer(follow_up, settled == "yes", comment or f"群众网上评价:{Rating.Score(score).label}")
    except IntegrityError:
        pass  # rated twice at once: the first one stands
    messages.success(
        request, "感谢您的评价!" if settled == "yes" else "感谢您的评价,事项已重新办理,工作人员将与您联系。"
    )
    return redirect("portal-track")
