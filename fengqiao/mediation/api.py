"""Mediation and linkage in the JSON API: the mediator directory, a case's mediation, referrals and
the success rate of each linkage. Everything is scoped like the cases (404 outside)."""

from datetime import date

import ninja
from django.http import Http404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from fengqiao.accounts.models import Unit
from fengqiao.accounts.scoping import access_case, can_see_region
from fengqiao.cases.workflow import ActionRefused
from fengqiao.schemas import Moment

from . import actions, stats
from .models import Mediation, MediatorChoice, Referral
from .selectors import access_mediator, visible_mediators, visible_referrals

router = Router(tags=["mediation"])


def _refused(error: ActionRefused):
    raise HttpError(error.status, error.message)


def mediator_dict(mediator, with_record=False) -> dict:
    data = {
        "id": mediator.pk,
        "name": mediator.name,
        "kind": mediator.kind,
        "body": mediator.body.name if mediator.body else None,
        "region_code": mediator.region_id,
        "specialities": mediator.specialities,
        "available": mediator.available,
        "load": getattr(mediator, "load", None),
        "max_load": mediator.max_load,
    }
    if with_record:
        data["record"] = stats.mediator_record(mediator)
    return data


def mediation_dict(case) -> dict:
    mediation = getattr(case, "mediation", None)
    if mediation is None:
        return {"case": case.number, "mediation": None}
    agreement = getattr(mediation, "agreement", None)
    confirmation = getattr(agreement, "confirmation", None) if agreement else None
    return {
        "case": case.number,
        "outcome": mediation.outcome,
        "mediator": mediator_dict(mediation.mediator) if mediation.mediator else None,
        "next_step": mediation.next_step,
        "choices": [
            {
                "mediator": c.mediator_id,
                "by": c.chosen_by,
                "state": c.state,
                "reason": c.reason,
                "at": c.chosen_at,
            }
            for c in mediation.choices.all()
        ],
        "sessions": [
            {"held_at": s.held_at, "place": s.place, "video_link": s.video_link, "outcome": s.outcome}
            for s in mediation.sessions.all()
        ],
        "agreement": None
        if agreement is None
        else {
            "number": agreement.number,
            "terms": agreement.terms,
            "performance": agreement.performance,
            "perform_by": agreement.perform_by,
            "signed_at": agreement.signed_at,
        },
        "judicial_confirmation": None
        if confirmation is None
        else {
            "state": confirmation.state,
            "due_at": confirmation.due_at,
            "applied_at": confirmation.applied_at,
        },
        "visits": [
            {"id": v.pk, "due_at": v.due_at, "visited_at": v.visited_at, "fulfilment": v.fulfilment}
            for v in mediation.visits.all()
        ],
    }


@router.get(
    "/mediators", response=list[dict], summary="Mediators serving the caller's area, with their record"
)
def list_mediators(request):
    return [mediator_dict(m, with_record=True) for m in visible_mediators(request.user).filter(active=True)]


@router.get("/mediators/{mediator_id}", response=dict)
def get_mediator(request, mediator_id: int):
    return mediator_dict(access_mediator(request.user, mediator_id), with_record=True)


@router.get("/cases/{number}/mediation", response=dict, summary="A case's mediation")
def get_mediation(request, number: str):
    return mediation_dict(access_case(request.user, number))


@router.get("/cases/{number}/mediation/suitable", response=list[dict], summary="Mediators suited to the case")
def suitable(request, number: str):
    return [mediator_dict(m) for m in actions.suitable_mediators(access_case(request.user, number))]


class ChoiceIn(Schema):
    mediator: int
    by: str = Field("staff", description="staff | window (the applicant chose at the window)")


@router.post("/cases/{number}/mediation/choice", response={201: dict}, summary="Choose a mediator")
def choose(request, number: str, payload: ChoiceIn):
    case = access_case(request.user, number)
    if payload.by not in (MediatorChoice.By.STAFF, MediatorChoice.By.WINDOW):
        from fengqiao.errors import FieldError

        raise FieldError("by", "staff or window")
    try:
        actions.choose_mediator(
            case, access_mediator(request.user, payload.mediator), by=payload.by, user=request.user
        )
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, mediation_dict(case))


class RespondIn(Schema):
    accept: bool
    reason: str = Field("", max_length=2000)


@router.post(
    "/cases/{number}/mediation/respond", response=dict, summary="The chosen mediator accepts or declines"
)
def respond(request, number: str, payload: RespondIn):
    case = access_case(request.user, number)
    choice = MediatorChoice.objects.filter(mediation__case=case, state=MediatorChoice.State.PENDING).first()
    if choice is None:
        raise HttpError(409, "no choice is waiting for an answer")
    try:
        actions.respond(choice, request.user, accept=payload.accept, reason=payload.reason)
    except ActionRefused as error:
        _refused(error)
    return mediation_dict(case)


def _mediation(request, number) -> Mediation:
    case = access_case(request.user, number)
    mediation = getattr(case, "mediation", None)
    if mediation is None:
        raise Http404
    return mediation


class SessionIn(Schema):
    held_at: Moment
    place: str = Field("", max_length=200)
    video_link: str = Field("", max_length=200)
    participants: str = Field(..., max_length=2000)
    notes: str = Field(..., max_length=20000)
    outcome: str
    next_step: str = Field("", max_length=200)


@router.post("/cases/{number}/mediation/sessions", response={201: dict}, summary="Record a mediation session")
def add_session(request, number: str, payload: SessionIn):
    mediation = _mediation(request, number)
    try:
        actions.record_session(mediation, request.user, **payload.dict())
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, mediation_dict(mediation.case))


class AgreementIn(Schema):
    facts: str = Field(..., max_length=20000)
    terms: list[str] = Field(..., max_length=50)
    performance: str = Field(..., max_length=2000)
    perform_by: date
    partial: bool = False


@router.post("/cases/{number}/mediation/agreement", response={201: dict}, summary="Write the agreement")
def add_agreement(request, number: str, payload: AgreementIn):
    mediation = _mediation(request, number)
    try:
        actions.record_agreement(mediation, request.user, **payload.dict())
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, mediation_dict(mediation.case))


@router.post(
    "/cases/{number}/mediation/agreement/sign", response=dict, summary="The parties and mediator signed"
)
def sign(request, number: str):
    mediation = _mediation(request, number)
    agreement = getattr(mediation, "agreement", None)
    if agreement is None:
        raise HttpError(409, "no agreement to sign")
    try:
        actions.sign_agreement(agreement, request.user)
    except ActionRefused as error:
        _refused(error)
    return mediation_dict(mediation.case)


@router.post(
    "/cases/{number}/mediation/confirmation/apply", response=dict, summary="Applied for judicial confirmation"
)
def apply_confirmation(request, number: str):
    mediation = _mediation(request, number)
    agreement = getattr(mediation, "agreement", None)
    confirmation = getattr(agreement, "confirmation", None) if agreement else None
    if confirmation is None:
        raise HttpError(409, "the agreement has not taken effect")
    try:
        actions.apply_for_confirmation(confirmation, request.user)
    except ActionRefused as error:
        _refused(error)
    return mediation_dict(mediation.case)


class VisitIn(Schema):
    fulfilment: str
    note: str = Field("", max_length=5000)


@router.post("/cases/{number}/mediation/visits/{visit_id}", response=dict, summary="Record a return visit")
def record_visit(request, number: str, visit_id: int, payload: VisitIn):
    mediation = _mediation(request, number)
    visit = mediation.visits.filter(pk=visit_id).first()
    if visit is None:
        raise Http404
    try:
        actions.record_visit(visit, request.user, fulfilment=payload.fulfilment, note=payload.note)
    except ActionRefused as error:
        _refused(error)
    return mediation_dict(mediation.case)


# ------------------------------------------------------------------------------------ linkage


def referral_dict(referral: Referral) -> dict:
    return {
        "id": referral.pk,
        "kind": referral.kind,
        "case": referral.case.number if referral.case else None,
        "sender": referral.sender.code,
        "receiver": referral.receiver.code,
        "region_code": referral.region_id,
        "sent_at": referral.sent_at,
        "outcome": referral.outcome,
        "closed_at": referral.closed_at,
    }


class ReferralIn(Schema):
    kind: str
    sender: str
    receiver: str
    summary: str = Field(..., max_length=5000)
    case: str | None = None


@router.post("/referrals", response={201: dict}, summary="Refer a matter from one institution to another")
def create_referral(request, payload: ReferralIn):
    from fengqiao.errors import FieldError

    case = access_case(request.user, payload.case) if payload.case else None
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[payload.sender, payload.receiver])}
    for name in ("sender", "receiver"):
        if getattr(payload, name) not in units:
            raise FieldError(name, "unknown unit code")
    if not any(
        can_see_region(request.user, u.region_id) or request.user.unit_id == u.pk for u in units.values()
    ):
        raise FieldError("sender", "neither unit is in your region")
    referral = actions.refer(
        kind=payload.kind,
        sender=units[payload.sender],
        receiver=units[payload.receiver],
        summary=payload.summary,
        user=request.user,
        case=case,
    )
    return ninja.Status(201, referral_dict(referral))


class CloseIn(Schema):
    outcome: str
    note: str = Field("", max_length=5000)


@router.post("/referrals/{referral_id}/close", response=dict, summary="Record a referral's outcome")
def close_referral(request, referral_id: int, payload: CloseIn):
    referral = visible_referrals(request.user).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    try:
        actions.close_referral(referral, request.user, outcome=payload.outcome, note=payload.note)
    except ActionRefused as error:
        _refused(error)
    return referral_dict(referral)


@router.get("/linkage/stats", response=dict, summary="Success rate per linkage kind and per area")
def linkage_stats(request, region: str | None = None):
    region = region or request.user.region_id
    if not region or not can_see_region(request.user, region):
        raise Http404
    from fengqiao.regions import codes

    referrals = visible_referrals(request.user).filter(codes.subtree_q("region_id", region))
    return stats.linkage_stats(referrals, region)


@router.post(
    "/referrals/{referral_id}/receive", response=dict, summary="The receiving unit signs for a referral"
)
def receive_referral(request, referral_id: int):
    referral = visible_referrals(request.user).filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    try:
        actions.receive_referral(referral, request.user)
    except ActionRefused as error:
        _refused(error)
    return referral_dict(referral)


class AvailabilityIn(Schema):
    available: bool


@router.post(
    "/mediators/{mediator_id}/availability",
    response=dict,
    summary="Pause or resume taking cases (the mediator, their body or the centre)",
)
def set_availability(request, mediator_id: int, payload: AvailabilityIn):
    mediator = access_mediator(request.user, mediator_id)
    try:
        actions.set_availability(mediator, request.user, available=payload.available)
    except ActionRefused as error:
        _refused(error)
    return mediator_dict(mediator)


@router.get("/mediation/fulfilment", response=dict, summary="Fulfilment of agreements per area (履行情况)")
def fulfilment(request, region: str | None = None):
    from fengqiao.regions import codes

    from .selectors import visible_mediations

    region = region or request.user.region_id
    if not region or not can_see_region(request.user, region):
        raise Http404
    mediations = visible_mediations(request.user).filter(codes.subtree_q("case__region_id", region))
    return {
        "region": region,
        "total": stats.record(mediations),
        "by_area": stats.fulfilment_by_area(mediations.exclude(outcome=Mediation.Outcome.OPEN), region),
    }
