"""The one write path of the petition procedure. The case's own actions (accept, reject, dispatch,
extend, resolve) are taken through cases.actions.take_action, so the case's clocks and timeline stay
the one record; this module adds the procedure's rows, documents and review clocks."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from fengqiao import clock as wallclock
from fengqiao.accounts.models import User
from fengqiao.cases.actions import _log, centre_for, take_action
from fengqiao.cases.codes import Category, PartyRole, Status, next_level
from fengqiao.cases.deadlines import add_days
from fengqiao.cases.models import Case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.notices.actions import notify_event

from . import notice_events
from .models import Petition, Review

REQUEST_DAYS = 30  # review / re-review may be asked within 30 days of the answer before it
ANSWER_DAYS = 30  # and is answered within 30 days
WARN_DAYS = 5


def register(case: Case, user=None) -> Petition:
    """Open the procedure on a petition case; a petition by someone who petitioned before is
    linked to their latest earlier petition (重复信访)."""
    if case.category != Category.PETITION:
        raise FieldError("category", "only a petition case follows the petition procedure")
    existing = Petition.objects.filter(case=case).first()
    if existing is not None:
        return existing
    applicant = case.parties.filter(role=PartyRole.APPLICANT).select_related("person").first()
    person = applicant.person if applicant else None
    earlier = (
        Petition.objects.filter(petitioner=person).exclude(case=case).order_by("-registered_at").first()
        if person
        else None
    )
    petition = Petition.objects.create(
        case=case,
        petitioner=person,
        repeat_of=earlier,
        registered_at=case.reported_at,
        registered_by=user if user is not None and user.is_authenticated else None,
    )
    data = {"repeat_of": earlier.case.number} if earlier else {}
    _log(case, user, "petition_registered", note="重复信访" if earlier else "", data=data)
    return petition


def decide(petition: Petition, user, *, accept: bool, reason: str) -> Petition:
    """受理 or 不予受理 (with the written reason), within the case's 15-day acceptance clock."""
    reason = reason.strip()
    if not reason:
        raise FieldError("reason", "give the acceptance opinion or the reason for not accepting")
    with transaction.atomic():
        take_action(petition.case, user, "accept" if accept else "reject", note=reason)
        petition.accepted, petition.decided_at, petition.decision_reason = accept, wallclock.now(), reason
        petition.save(update_fields=["accepted", "decided_at", "decision_reason"])
    return petition


def transfer(petition: Petition, user, *, unit_code: str, note: str = "") -> Petition:
    """转送/交办: the handling authority takes the case; the 60-day clock carries over to it."""
    if not petition.accepted:
        raise ActionRefused("a petition is transferred after it is accepted", status=409)
    with transaction.atomic():
        case = take_action(petition.case, user, "dispatch", units=[unit_code], note=note)
        petition.transferred_to, petition.transferred_at = case.handling_unit, wallclock.now()
        petition.save(update_fields=["transferred_to", "transferred_at"])
    return petition


def extend(petition: Petition, user, *, days: int, reason: str) -> Petition:
    """The one extension of at most 30 days (the case refuses a second or a longer one)."""
    # cases.actions lets an admin past its "only once" rule; the statute has no such exception.
    petition.case.refresh_from_db(fields=["extended"])
    if petition.extended_days or petition.case.extended:
        raise ActionRefused("a petition may be extended only once", status=409)
    with transaction.atomic():
        take_action(petition.case, user, "extend", days=days, note=reason)
        petition.extended_days, petition.extension_reason = days, reason.strip()
        petition.save(update_fields=["extended_days", "extension_reason"])
    return petition


def answer(petition: Petition, user, *, text: str) -> Petition:
    """The written answer (处理意见书): the holding unit resolves the case with it."""
    text = text.strip()
    if not text:
        raise FieldError("text", "write the answer")
    case = Case.objects.get(pk=petition.case_id)
    with transaction.atomic():
        if case.status in (Status.ACCEPTED, Status.DISPATCHED):
            case = take_action(case, user, "start")
        take_action(case, user, "resolve", note=text)
        petition.answer, petition.answered_at, petition.answered_by = text, wallclock.now(), user
        petition.save(update_fields=["answer", "answered_at", "answered_by"])
    return petition


def evaluate(petition: Petition, evaluation: str, user=None) -> Petition:
    if petition.answered_at is None:
        raise ActionRefused("the petition has not been answered yet", status=409)
    if evaluation not in Petition.Evaluation.values:
        raise FieldError("evaluation", "satisfied, basic or unsatisfied")
    petition.evaluation, petition.evaluated_at = evaluation, wallclock.now()
    petition.save(update_fields=["evaluation", "evaluated_at"])
    _log(petition.case, user, "petition_evaluated", data={"evaluation": evaluation})
    return petition


def request_window(petition: Petition, kind: str) -> tuple[datetime | None, datetime | None]:
    """(opened, closes) of the window in which `kind` may be asked; (None, None) when not yet open."""
    if kind == Review.Kind.REVIEW:
        opened = petition.answered_at
    else:
        review = petition.reviews.filter(kind=Review.Kind.REVIEW).first()
        opened = review.answered_at if review else None
    return (opened, add_days(opened, REQUEST_DAYS)) if opened else (None, None)


def request_review(petition: Petition, *, kind: str, reason: str, user=None) -> Review:
    """The petitioner asks for 复查 (or, after it, 复核) within 30 days; the authority one level up
    answers within 30 days."""
    if kind not in Review.Kind.values:
        raise FieldError("kind", "review or re_review")
    if not reason.strip():
        raise FieldError("reason", "required")
    opened, closes = request_window(petition, kind)
    if opened is None:
        earlier = "the answer" if kind == Review.Kind.REVIEW else "the review's answer"
        raise ActionRefused(f"{kind} may be asked only after {earlier}", status=409)
    now = wallclock.now()
    if now > closes:
        raise ActionRefused(f"the 30 days to ask for {kind} ended on {closes:%Y-%m-%d}", status=409)
    if petition.reviews.filter(kind=kind).exists():
        raise ActionRefused(f"{kind} was already asked", status=409)
    case = petition.case
    steps_up = 1 if kind == Review.Kind.REVIEW else 2
    level = case.level
    for _ in range(steps_up):
        level = next_level(level) or level
    unit = centre_for(case.region_id, level)
    due = add_days(now, ANSWER_DAYS)
    with transaction.atomic():
        review = Review.objects.create(
            petition=petition,
            kind=kind,
            unit=unit,
            requested_at=now,
            reason=reason.strip(),
            warn_at=due - timedelta(days=WARN_DAYS),
            due_at=due,
        )
        _log(case, user, f"petition_{kind}_requested", note=reason.strip(), data={"due_at": due.isoformat()})
        if unit is not None:
            notify_event(
                notice_events.REVIEW_REQUESTED,
                User.objects.filter(unit=unit),
                case=case,
                unit=unit.name,
                stage=Review.Kind(kind).label,
                note=reason.strip(),
                due_at=due,
            )
    return review


def answer_review(review: Review, user, *, text: str, outcome: str) -> Review:
    if review.answered_at is not None:
        raise ActionRefused("already answered", status=409)
    if outcome not in Review.Outcome.values:
        raise FieldError("outcome", "upheld or changed")
    if not text.strip():
        raise FieldError("text", "write the opinion")
    if not (user.is_superuser or user.role == "admin" or (review.unit_id and user.unit_id == review.unit_id)):
        raise ActionRefused(f"only the {Review.Kind(review.kind).label} authority answers", status=403)
    review.answered_at, review.answer, review.outcome, review.answered_by = (
        wallclock.now(),
        text.strip(),
        outcome,
        user,
    )
    review.save()
    _log(
        review.petition.case,
        user,
        f"petition_{review.kind}_answered",
        note=text.strip(),
        data={"outcome": outcome},
    )
    return review


def sweep_reviews(at: datetime) -> int:
    """Warn the authority once before a review's 30 days run out, flag it overdue once after."""
    changed = 0
    open_reviews = Review.objects.filter(answered_at__isnull=True).select_related("petition__case", "unit")
    for review in open_reviews.filter(due_at__lte=at, overdue_at__isnull=True):
        if Review.objects.filter(pk=review.pk, overdue_at__isnull=True).update(overdue_at=review.due_at):
            case = review.petition.case
            label = Review.Kind(review.kind).label
            _log(
                case, None, f"petition_{review.kind}_overdue", note=f"{label}超过30日未答复", at=review.due_at
            )
            if review.unit_id:
                notify_event(
                    notice_events.REVIEW_OVERDUE,
                    User.objects.filter(unit=review.unit),
                    case=case,
                    unit=review.unit.name,
                    stage=label,
                    due_at=review.due_at,
                )
            changed += 1
    for review in open_reviews.filter(due_at__gt=at, warn_at__lte=at, warned_at__isnull=True):
        if Review.objects.filter(pk=review.pk, warned_at__isnull=True).update(warned_at=at):
            case = review.petition.case
            label = Review.Kind(review.kind).label
            _log(
                case, None, f"petition_{review.kind}_warning", note=f"{label}答复期限将至", at=review.warn_at
            )
            if review.unit_id:
                notify_event(
                    notice_events.REVIEW_DUE_SOON,
                    User.objects.filter(unit=review.unit),
                    case=case,
                    unit=review.unit.name,
                    stage=label,
                    due_at=review.due_at,
                )
            changed += 1
    return changed
