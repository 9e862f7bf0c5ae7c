"""The one write path for emergencies: open a response plan on a case (declare), complete or skip
a step. Each validates, writes the rows, the case's timeline entry and the notices in one
transaction, with the case locked as `cases.actions.take_action` locks it.

Declaring an emergency wires it into the case loop: the case becomes urgent (its running clocks
shortened by the admins' rule, the skip-level rules that wait for urgency fire), every step gets
its own short clock from the moment of declaring, the plan's receivers get the `emergency` notice,
and the case cannot close while a step is open (a CLOSE_GATE). Steps run against their own
`due_at` (the emergencies sweeper flags them overdue), never the case's stage clocks.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.http import Http404

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.cases.actions import _log, centre_for, level_of_user, mark_urgent, region_code_at
from fengqiao.cases.codes import LEVEL_ORDER, LEVEL_REGION_KIND, OPEN_STATUSES
from fengqiao.cases.models import Case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from .models import Emergency, EmergencyStep, PlanStep, ResponsePlan

NOTE_MAX = 5000


# ---------------------------------------------------------------------------------------- who may


def _is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def _sees(case: Case, user) -> bool:
    from fengqiao.accounts.scoping import visible_cases

    return visible_cases(user).filter(pk=case.pk).exists()


def _is_supervising_centre(case: Case, user) -> bool:
    """Centre staff at the case's level or above (the centre that coordinates the response)."""
    if user.role != Role.CENTRE_STAFF:
        return False
    user_level = level_of_user(user)
    return user_level is not None and LEVEL_ORDER.index(user_level) >= LEVEL_ORDER.index(case.level)


def authorise_declare(case: Case, user) -> None:
    """ActionRefused unless `user` may open a plan on the case: centre staff at or above its level
    (or an admin), on an open case that is not an emergency yet."""
    if not _is_admin(user):
        if user.role != Role.CENTRE_STAFF:
            raise ActionRefused(f"role '{user.role}' may not declare an emergency", status=403)
        if not _is_supervising_centre(case, user):
            raise ActionRefused(f"the case is handled at {case.level} level, above yours", status=403)
    if case.merged_into_id is not None:
        raise ActionRefused("the case was merged into another; work on that one", status=409)
    if case.status not in OPEN_STATUSES:
        raise ActionRefused(f"cannot declare an emergency on a case that is {case.status}", status=409)
    if Emergency.objects.filter(case=case).exists():
        raise ActionRefused("the case is already an emergency", status=409)


def may_declare(case: Case, user) -> bool:
    try:
        authorise_declare(case, user)
    except ActionRefused:
        return False
    return True


def may_complete(step: EmergencyStep, case: Case, user) -> bool:
    """The step's unit, the coordinating centre or an admin, while the step is open."""
    if not step.is_open:
        return False
    if _is_admin(user) or _is_supervising_centre(case, user):
        return True
    return user.unit_id is not None and user.unit_id == step.unit_id


def may_skip(step: EmergencyStep, case: Case, user) -> bool:
    return step.is_open and (_is_admin(user) or _is_supervising_centre(case, user))


# ---------------------------------------------------------------------------------------- plans


def suggested_plans(case: Case) -> list[ResponsePlan]:
    """Active plans, those whose category or keywords fit the case first."""
    plans = list(ResponsePlan.objects.filter(active=True).prefetch_related("steps"))

    def fits(plan: ResponsePlan) -> bool:
        by_category = bool(plan.categories) and case.category in plan.categories
        by_word = any(word and word in case.description for word in plan.keywords or [])
        return by_category or by_word

    return sorted(plans, key=lambda plan: (not fits(plan), plan.name))


def _department_unit(case: Case, department: str) -> Unit | None:
    """The department's unit nearest the place: from the case's level upwards."""
    start = LEVEL_ORDER.index(case.level)
    for level in LEVEL_ORDER[start:]:
        unit = Unit.objects.filter(
            region_id=region_code_at(case.region_id, level), department=department, active=True
        ).first()
        if unit is not None:
            return unit
    return None


def step_unit(case: Case, step: PlanStep) -> Unit | None:
    centre = centre_for(case.region_id, case.level)
    if step.responsible == PlanStep.Responsible.HANDLING:
        return case.handling_unit or centre
    if step.responsible == PlanStep.Responsible.DEPARTMENT and step.department:
        return _department_unit(case, step.department) or centre
    return centre


def receivers(case: Case, plan: ResponsePlan, step_units) -> list:
    """Who is told: the centres of the plan's levels, its departments at those levels and at the
    case's own, the units given steps and the unit holding the case."""
    levels = [level for level in plan.notify_levels or [] if level in LEVEL_REGION_KIND]
    regions = {region_code_at(case.region_id, level) for level in [*levels, case.level]}
    condition = Q(region_id__in=[region_code_at(case.region_id, level) for level in levels], kind="centre")
    if plan.notify_departments:
        condition |= Q(region_id__in=regions, department__in=plan.notify_departments)
    unit_ids = {unit.pk for unit in step_units if unit is not None}
    if case.handling_unit_id:
        unit_ids.add(case.handling_unit_id)
    condition |= Q(pk__in=unit_ids)
    units = Unit.objects.filter(condition, active=True)
    return list(User.objects.filter(unit__in=units, is_active=True).exclude(role=Role.CITIZEN))


# ---------------------------------------------------------------------------------------- declare


def _text(value, field_name: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise FieldError(field_name, "required")
    if len(text) > limit:
        raise FieldError(field_name, f"at most {limit} characters")
    return text


def declare(case: Case, user, plan_id, grade: str = Emergency.Grade.IV, note: str = "") -> Emergency:
    """Mark the case as an emergency and open the plan `plan_id` on it."""
    from fengqiao.notices.actions import notify_event

    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not _sees(case, user):
            raise Http404("no such case")
        authorise_declare(case, user)
        plan = ResponsePlan.objects.filter(pk=plan_id, active=True).first() if plan_id else None
        if plan is None:
            raise FieldError("plan", "an active response plan's id")
        if grade not in Emergency.Grade.values:
            raise FieldError("grade", f"one of {', '.join(Emergency.Grade.values)}")
        note = _text(note, "note", NOTE_MAX, required=False)
        plan_steps = list(plan.steps.all())
        if not plan_steps:
            raise FieldError("plan", "the plan has no steps")
        now = wallclock.now()
        try:
            with transaction.atomic():
                emergency = Emergency.objects.create(
                    case=case,
                    plan=plan,
                    plan_name=plan.name,
                    grade=grade,
                    note=note,
                    declared_by=user,
                    declared_at=now,
                )
        except IntegrityError:
            raise ActionRefused("the case is already an emergency", status=409) from None
        steps = EmergencyStep.objects.bulk_create(
            EmergencyStep(
                emergency=emergency,
                case=case,
                order=index,
                title=step.title,
                description=step.description,
                unit=step_unit(case, step),
                started_at=now,
                due_at=now + timedelta(minutes=step.minutes),
            )
            for index, step in enumerate(plan_steps, start=1)
        )
        clocks = mark_urgent(case)
        case.save()
        _log(
            case,
            user,
            "emergency",
            note=note,
            data={
                "plan": plan.name,
                "grade": grade,
                "urgent_clocks": clocks,
                "steps": [_step_summary(step) for step in steps],
            },
        )
        people = receivers(case, plan, [step.unit for step in steps])
        first = min(steps, key=lambda step: step.due_at)
        notify_event(
            "emergency",
            people,
            case=case,
            actor=user,
            subject=case.title,
            note=f"{Emergency.Grade(grade).label} · 启动预案「{plan.name}」,"
            f"首项「{first.title}」限 {first.due_at:%H:%M} 前完成" + (f"\n{note}" if note else ""),
            due_at=first.due_at,
        )
    return emergency


def _step_summary(step: EmergencyStep) -> dict:
    return {
        "step": step.pk,
        "order": step.order,
        "title": step.title,
        "unit": step.unit.code if step.unit_id else None,
        "unit_name": step.unit.name if step.unit_id else None,
        "due_at": step.due_at.isoformat(),
    }


# ---------------------------------------------------------------------------------------- steps


def _locked(step: EmergencyStep, user) -> tuple[EmergencyStep, Case]:
    case = Case.objects.select_for_update().get(pk=step.case_id)
    if not _sees(case, user):
        raise Http404("no such step")
    # No select_related with the lock: PostgreSQL refuses FOR UPDATE on an outer join's nullable side.
    step = EmergencyStep.objects.select_for_update().get(pk=step.pk)
    return step, case


def _finish(step: EmergencyStep, case: Case, user, status: str, text: str, kind: str) -> EmergencyStep:
    now = wallclock.now()
    step.status, step.done_at, step.done_by, step.result = status, now, user, text
    step.save(update_fields=["status", "done_at", "done_by", "result"])
    _log(
        case,
        user,
        kind,
        note=f"{step.title}:{text}",
        data={**_step_summary(step), "late": now > step.due_at},
    )
    emergency = Emergency.objects.select_for_update().get(pk=step.emergency_id)
    if not emergency.steps.filter(status=EmergencyStep.Status.OPEN).exists():
        emergency.status, emergency.completed_at = Emergency.Status.COMPLETED, now
        emergency.save(update_fields=["status", "completed_at"])
        late = emergency.steps.filter(
            Q(overdue=True) | Q(status=EmergencyStep.Status.DONE, done_at__gt=F("due_at"))
        ).count()
        _log(case, user, "emergency_completed", data={"plan": emergency.plan_name, "late_steps": late})
    return step


def complete_step(step: EmergencyStep, user, result: str) -> EmergencyStep:
    """The step's unit (or the coordinating centre) reports the step done, with what was done."""
    with transaction.atomic():
        step, case = _locked(step, user)
        if not step.is_open:
            raise ActionRefused(f"the step is already {step.status}", status=409)
        if not may_complete(step, case, user):
            raise ActionRefused("only the step's unit or the coordinating centre may complete it", status=403)
        result = _text(result, "result", NOTE_MAX)
        return _finish(step, case, user, EmergencyStep.Status.DONE, result, "emergency_step_done")


def skip_step(step: EmergencyStep, user, reason: str) -> EmergencyStep:
    """The coordinating centre marks a step as not applicable to this incident, with the reason."""
    with transaction.atomic():
        step, case = _locked(step, user)
        if not step.is_open:
            raise ActionRefused(f"the step is already {step.status}", status=409)
        if not may_skip(step, case, user):
            raise ActionRefused("only the coordinating centre may mark a step not applicable", status=403)
        reason = _text(reason, "reason", NOTE_MAX)
        return _finish(step, case, user, EmergencyStep.Status.SKIPPED, reason, "emergency_step_skipped")


# ---------------------------------------------------------------------------------------- gate


def open_steps_gate(case: Case) -> str | None:
    """A CLOSE_GATE: the case may not close while a step of its response plan is open."""
    count = EmergencyStep.objects.filter(case=case, status=EmergencyStep.Status.OPEN).count()
    if not count:
        return None
    return f"{count} emergency response step{'s are' if count != 1 else ' is'} still open"
