"""The petition procedure in the JSON API: its state and each step as an action."""

import ninja
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from fengqiao.accounts.scoping import access_case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from . import actions
from .documents import available_steps
from .models import Petition

router = Router(tags=["petitions"])
STEPS = ("decide", "transfer", "extend", "answer", "evaluate", "request_review", "answer_review")


def petition_dict(petition: Petition) -> dict:
    case = petition.case
    return {
        "case": case.number,
        "status": case.status,
        "deadline_at": case.deadline_at,
        "repeat_of": petition.repeat_of.case.number if petition.repeat_of else None,
        "accepted": petition.accepted,
        "decision_reason": petition.decision_reason,
        "transferred_to": petition.transferred_to.code if petition.transferred_to else None,
        "extended_days": petition.extended_days,
        "answer": petition.answer,
        "answered_at": petition.answered_at,
        "evaluation": petition.evaluation or None,
        "reviews": [
            {
                "kind": r.kind,
                "requested_at": r.requested_at,
                "due_at": r.due_at,
                "answered_at": r.answered_at,
                "outcome": r.outcome or None,
                "overdue": r.overdue_at is not None,
            }
            for r in petition.reviews.all()
        ],
        "documents": available_steps(petition),
    }


def _petition(request, number) -> Petition:
    case = access_case(request.user, number)
    petition = getattr(case, "petition", None)
    if petition is None:
        raise HttpError(404, "not found")
    return petition


@router.get("/cases/{number}/petition", response=dict, summary="A petition's procedure")
def get_petition(request, number: str):
    return petition_dict(_petition(request, number))


@router.post(
    "/cases/{number}/petition", response={201: dict}, summary="Open the petition procedure on a case"
)
def register(request, number: str):
    case = access_case(request.user, number)
    return ninja.Status(201, petition_dict(actions.register(case, request.user)))


class StepIn(Schema):
    step: str = Field(..., description=" | ".join(STEPS))
    accept: bool | None = None
    reason: str = Field("", max_length=5000)
    unit: str | None = None
    days: int | None = Field(None, ge=1, le=366)
    text: str = Field("", max_length=20000)
    evaluation: str | None = None
    kind: str | None = Field(None, description="review | re_review")
    outcome: str | None = Field(None, description="answer_review: upheld | changed")


@router.post("/cases/{number}/petition/steps", response=dict, summary="Take a step of the procedure")
def step(request, number: str, payload: StepIn):
    petition = _petition(request, number)
    user = request.user
    try:
        if payload.step == "decide":
            if payload.accept is None:
                raise FieldError("accept", "true or false")
            actions.decide(petition, user, accept=payload.accept, reason=payload.reason)
        elif payload.step == "transfer":
            actions.transfer(petition, user, unit_code=payload.unit or "", note=payload.reason)
        elif payload.step == "extend":
            actions.extend(petition, user, days=payload.days, reason=payload.reason)
        elif payload.step == "answer":
            actions.answer(petition, user, text=payload.text)
        elif payload.step == "evaluate":
            actions.evaluate(petition, payload.evaluation or "", user)
        elif payload.step == "request_review":
            actions.request_review(petition, kind=payload.kind or "", reason=payload.reason, user=user)
        elif payload.step == "answer_review":
            review = petition.reviews.filter(kind=payload.kind or "").first()
            if review is None:
                raise FieldError("kind", "no such review was asked")
            actions.answer_review(review, user, text=payload.text, outcome=payload.outcome or "")
        else:
            raise FieldError("step", f"one of {', '.join(STEPS)}")
    except ActionRefused as error:
        raise HttpError(error.status, error.message) from None
    petition.refresh_from_db()
    petition.case.refresh_from_db()
    return petition_dict(petition)
