"""/api/v1/emergency-plans, /api/v1/emergencies, /api/v1/cases/{number}/emergency and
/api/v1/emergency-steps/{id}/…: emergencies over the API, scoped like the cases they hang off."""

import ninja
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_case, visible_cases
from fengqiao.cases.workflow import ActionRefused

from . import actions
from .models import Emergency, EmergencyStep, ResponsePlan
from .presenters import case_emergency_dict, emergency_dict, plan_dict, step_dict
from .schemas import DeclareIn, StepResultIn, StepSkipIn

router = Router(tags=["emergencies"])


def _staff(user) -> None:
    if user.role == Role.CITIZEN and not user.is_superuser:
        raise HttpError(403, "staff only")


def _step(user, step_id: int) -> EmergencyStep:
    """The step, or the same 404 whether it does not exist or its case is outside the caller's scope."""
    step = EmergencyStep.objects.filter(pk=step_id, case__in=visible_cases(user)).first()
    if step is None:
        raise Http404("no such step")
    return step


def _refused(error: ActionRefused):
    raise HttpError(error.status, error.message) from None


@router.get("/emergency-plans", response=list[dict], summary="The response-plan library (active plans)")
def list_plans(request):
    _staff(request.user)
    plans = ResponsePlan.objects.filter(active=True).prefetch_related("steps")
    return [plan_dict(plan) for plan in plans]


class EmergencyFilters(Schema):
    status: Emergency.Status | None = Field(None, description="active | completed")


@router.get("/emergencies", response=list[dict], summary="Emergencies on the cases the caller may see")
def list_emergencies(request, filters: Query[EmergencyFilters]):
    _staff(request.user)
    emergencies = Emergency.objects.filter(case__in=visible_cases(request.user)).select_related(
        "case", "declared_by"
    )
    if filters.status is not None:
        emergencies = emergencies.filter(status=filters.status.value)
    return [emergency_dict(emergency, request.user) for emergency in emergencies[:200]]


@router.get("/cases/{number}/emergency", response=dict, summary="A case's emergency and its response steps")
def get_case_emergency(request, number: str):
    _staff(request.user)
    return case_emergency_dict(access_case(request.user, number), request.user)


@router.post(
    "/cases/{number}/emergency",
    response={201: dict},
    summary="Mark the case as an emergency and open a response plan on it",
)
def declare(request, number: str, payload: DeclareIn):
    case = access_case(request.user, number)
    try:
        emergency = actions.declare(case, request.user, payload.plan, payload.grade.value, payload.note)
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(201, emergency_dict(emergency, request.user))


@router.post("/emergency-steps/{step_id}/complete", response=dict, summary="Report a response step done")
def complete_step(request, step_id: int, payload: StepResultIn):
    try:
        step = actions.complete_step(_step(request.user, step_id), request.user, payload.result)
    except ActionRefused as error:
        _refused(error)
    return step_dict(step, step.case, request.user)


@router.post("/emergency-steps/{step_id}/skip", response=dict, summary="Mark a step not applicable")
def skip_step(request, step_id: int, payload: StepSkipIn):
    try:
        step = actions.skip_step(_step(request.user, step_id), request.user, payload.reason)
    except ActionRefused as error:
        _refused(error)
    return step_dict(step, step.case, request.user)
