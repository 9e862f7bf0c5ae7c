"""Social-stability risk assessment (社会稳定风险评估) of major decisions, projects and reforms:
the one write path for the register, the assessments, their filing and their measures, and the
gate that nothing unassessed proceeds (应评尽评, 未经评估不上会).

The gate: an item may be marked `decided` only with a filed (报备) before-decision assessment, and
`started` only with a filed before-start assessment (or, when none was made, a filed before-
decision one); in both cases the latest such filed assessment must not be high risk. The API, the
page and the admin all change the status through `set_status`, so none can skip the gate.

Grade by scale (constants, documented): 重大(A) when 1,000 or more people are affected or the
investment reaches 100,000 万元; 较大(B) from 100 people or 10,000 万元; otherwise 一般(C).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.http import Http404

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_region, region_scope_q
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from .models import MajorDecision, RiskAssessment, RiskMeasure

MAJOR_PEOPLE, LARGE_PEOPLE = 1000, 100
MAJOR_INVESTMENT, LARGE_INVESTMENT = Decimal(100000), Decimal(10000)
FILED_WITH_DEFAULT = "政法委"

Status = MajorDecision.Status
Stage = RiskAssessment.Stage

# status -> the stages whose filed assessment lets an item reach it (first found wins)
GATES = {
    Status.DECIDED: [Stage.BEFORE_DECISION],
    Status.STARTED: [Stage.BEFORE_START, Stage.BEFORE_DECISION],
}
STAMPS = {Status.DECIDED: "decided_at", Status.STARTED: "started_at", Status.COMPLETED: "completed_at"}
ALLOWED = {
    Status.REGISTERED: {Status.DECIDED, Status.SHELVED},
    Status.DECIDED: {Status.STARTED, Status.SHELVED},
    Status.STARTED: {Status.COMPLETED, Status.SHELVED},
    Status.COMPLETED: set(),
    Status.SHELVED: {Status.REGISTERED},
}


def grade_of(people_affected: int, investment: Decimal) -> str:
    if people_affected >= MAJOR_PEOPLE or investment >= MAJOR_INVESTMENT:
        return MajorDecision.Grade.MAJOR
    if people_affected >= LARGE_PEOPLE or investment >= LARGE_INVESTMENT:
        return MajorDecision.Grade.LARGE
    return MajorDecision.Grade.GENERAL


def may_manage(user) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.CENTRE_STAFF)


def _authorise(user) -> None:
    if not may_manage(user):
        raise ActionRefused(f"role '{user.role}' may not change the risk-assessment register", 403)


def visible_decisions(user):
    from .actions import is_staff

    if not is_staff(user):
        return MajorDecision.objects.none()
    return MajorDecision.objects.filter(region_scope_q(user, "region_id"))


def access_decision(user, pk: int) -> MajorDecision:
    decision = visible_decisions(user).filter(pk=pk).first()
    if decision is None:
        raise Http404("no such decision")
    return decision


def _text(value, field: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise FieldError(field, "required")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    return value


@transaction.atomic
def register(
    user,
    *,
    title: str,
    kind: str,
    proposer: str,
    region_code: str,
    description: str = "",
    investment: Decimal = Decimal(0),
    people_affected: int = 0,
) -> MajorDecision:
    _authorise(user)
    if kind not in MajorDecision.Kind.values:
        raise FieldError("kind", f"one of {', '.join(MajorDecision.Kind.values)}")
    try:
        region = access_region(user, region_code)
    except Http404:
        raise FieldError("region_code", "unknown region") from None
    if investment < 0:
        raise FieldError("investment", "negative")
    if people_affected < 0:
        raise FieldError("people_affected", "negative")
    return MajorDecision.objects.create(
        title=_text(title, "title", 200),
        kind=kind,
        proposer=_text(proposer, "proposer", 100),
        region=region,
        description=_text(description, "description", 4000, required=False),
        investment=investment,
        people_affected=people_affected,
        grade=grade_of(people_affected, investment),
        registered_at=wallclock.now(),
        registered_by=user,
    )


@transaction.atomic
def assess(
    decision: MajorDecision,
    user,
    *,
    stage: str,
    risks_found: str,
    risk_level: str,
    conclusion: str = "",
    measures: list[tuple[str, str | None, date | None]] = (),
) -> RiskAssessment:
    """Record an assessment with its measures (description, unit code, due date)."""
    _authorise(user)
    if stage not in Stage.values:
        raise FieldError("stage", f"one of {', '.join(Stage.values)}")
    if risk_level not in RiskAssessment.RiskLevel.values:
        raise FieldError("risk_level", f"one of {', '.join(RiskAssessment.RiskLevel.values)}")
    assessment = RiskAssessment.objects.create(
        decision=decision,
        stage=stage,
        risks_found=_text(risks_found, "risks_found", 4000),
        risk_level=risk_level,
        conclusion=_text(conclusion, "conclusion", 4000, required=False),
        assessed_at=wallclock.now(),
        assessed_by=user,
    )
    for index, (description, unit_code, due) in enumerate(measures):
        unit = None
        if unit_code:
            unit = Unit.objects.filter(code=unit_code, active=True).first()
            if unit is None:
                raise FieldError(f"measures.{index}.unit", "unknown unit")
        RiskMeasure.objects.create(
            assessment=assessment,
            description=_text(description, f"measures.{index}.description", 2000),
            unit=unit,
            due_date=due,
        )
    return assessment


@transaction.atomic
def file(assessment: RiskAssessment, user, filed_with: str = "") -> RiskAssessment:
    """报备: file the assessment with the political-legal committee; from then on it counts."""
    _authorise(user)
    assessment = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.filed_at is not None:
        raise ActionRefused("this assessment has already been filed", 409)
    assessment.filed_at = wallclock.now()
    assessment.filed_by = user
    assessment.filed_with = (filed_with or "").strip()[:100] or FILED_WITH_DEFAULT
    assessment.save(update_fields=["filed_at", "filed_by", "filed_with"])
    return assessment


def gate_refusal(decision: MajorDecision, status: str) -> str | None:
    """Why the item may not reach `status`, or None."""
    stages = GATES.get(status)
    if not stages:
        return None
    filed = decision.assessments.filter(filed_at__isnull=False)
    for stage in stages:
        latest = filed.filter(stage=stage).order_by("-filed_at", "-id").first()
        if latest is not None:
            if latest.risk_level == RiskAssessment.RiskLevel.HIGH:
                return f"the filed {stage} assessment found high risk: the item may not proceed"
            return None
    return f"no filed {' or '.join(stages)} assessment: nothing unassessed may proceed"


def transition_refusal(decision: MajorDecision, status: str) -> str | None:
    if status not in Status.values:
        return f"one of {', '.join(Status.values)}"
    if status not in ALLOWED[decision.status]:
        return f"cannot go from {decision.status} to {status}"
    return gate_refusal(decision, status)


@transaction.atomic
def set_status(decision: MajorDecision, user, status: str) -> MajorDecision:
    _authorise(user)
    decision = MajorDecision.objects.select_for_update().get(pk=decision.pk)
    if status not in Status.values:
        raise FieldError("status", f"one of {', '.join(Status.values)}")
    reason = transition_refusal(decision, status)
    if reason is not None:
        raise ActionRefused(reason, 409)
    decision.status = status
    changed = ["status"]
    stamp = STAMPS.get(status)
    if stamp is not None:
        setattr(decision, stamp, wallclock.now())
        changed.append(stamp)
    decision.save(update_fields=changed)
    return decision


@transaction.atomic
def complete_measure(measure: RiskMeasure, user, result: str) -> RiskMeasure:
    _authorise(user)
    measure = RiskMeasure.objects.select_for_update().get(pk=measure.pk)
    if measure.done_at is not None:
        raise ActionRefused("this measure is already done", 409)
    measure.result = _text(result, "result", 4000)
    measure.done_at = wallclock.now()
    measure.save(update_fields=["result", "done_at"])
    return measure


def open_measures(user):
    """Measures not yet done on the items the user may see (the follow-up list)."""
    return RiskMeasure.objects.filter(
        Q(done_at__isnull=True), assessment__decision__in=visible_decisions(user)
    ).select_related("assessment__decision", "unit")
