"""Plans, emergencies and their steps as the API returns them and the pages show them."""

from fengqiao import clock as wallclock
from fengqiao.cases.models import Case

from . import actions
from .models import Emergency, EmergencyStep, ResponsePlan


def _unit(unit) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _person(user) -> str | None:
    return (user.display_name or user.username) if user is not None else None


def plan_dict(plan: ResponsePlan) -> dict:
    return {
        "id": plan.pk,
        "name": plan.name,
        "description": plan.description,
        "categories": plan.categories,
        "keywords": plan.keywords,
        "notify_levels": plan.notify_levels,
        "notify_departments": plan.notify_departments,
        "steps": [
            {
                "order": step.order,
                "title": step.title,
                "description": step.description,
                "responsible": step.responsible,
                "department": step.department,
                "minutes": step.minutes,
            }
            for step in plan.steps.all()
        ],
    }


def step_dict(step: EmergencyStep, case: Case, user, now=None) -> dict:
    now = now or wallclock.now()
    return {
        "id": step.pk,
        "order": step.order,
        "title": step.title,
        "description": step.description,
        "unit": _unit(step.unit),
        "started_at": step.started_at,
        "due_at": step.due_at,
        "status": step.status,
        "status_label": step.get_status_display(),
        "colour": step.colour(now),
        "overdue": step.overdue,
        "done_at": step.done_at,
        "done_by": _person(step.done_by),
        "result": step.result,
        "may_complete": actions.may_complete(step, case, user),
        "may_skip": actions.may_skip(step, case, user),
    }


def emergency_dict(emergency: Emergency, user) -> dict:
    case = emergency.case
    now = wallclock.now()
    steps = [step_dict(step, case, user, now) for step in emergency.steps.select_related("unit", "done_by")]
    waiting = [step for step in steps if step["status"] == EmergencyStep.Status.OPEN]
    return {
        "id": emergency.pk,
        "case": case.number,
        "case_title": case.title,
        "plan": emergency.plan_name,
        "grade": emergency.grade,
        "grade_label": emergency.get_grade_display(),
        "status": emergency.status,
        "status_label": emergency.get_status_display(),
        "note": emergency.note,
        "declared_by": _person(emergency.declared_by),
        "declared_at": emergency.declared_at,
        "completed_at": emergency.completed_at,
        "open_steps": len(waiting),
        "next_step": min(waiting, key=lambda step: step["due_at"]) if waiting else None,
        "late_steps": sum(1 for step in steps if step["colour"] == "red"),
        "steps": steps,
    }


def case_emergency_dict(case: Case, user) -> dict:
    emergency = Emergency.objects.filter(case=case).select_related("case", "declared_by").first()
    return {
        "case": case.number,
        "emergency": emergency_dict(emergency, user) if emergency else None,
        "may_declare": actions.may_declare(case, user),
    }
