"""The one write path for joint meetings: record a meeting and its tasks, complete or cancel a
task. Each validates, writes the rows, the case's timeline entry and the notices in one transaction.

A task's unit gets a sub-assignment on the case (not lead, already accepted) when it holds none,
so that it can see the case; the assignment is marked done when the unit's last meeting task on it
is finished. Tasks run against their own `due_at` (the meetings sweeper flags them overdue), not
against the case's stage clocks: a breached case clock escalates the whole case, which a late
task must not do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.cases.actions import _log, dispatchable_units, holder_unit_ids, level_of_user
from fengqiao.cases.codes import LEVEL_ORDER, Status, Track
from fengqiao.cases.models import Assignment, Case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from .models import JointMeeting, MeetingTask

MAX_TASKS = 20
MAX_UNITS = 30
# A meeting is recorded after it is held; a little slack for clocks that disagree.
FUTURE_SLACK = timedelta(minutes=10)
# A meeting may have met over the matter the day before it was registered, not long before.
EARLIEST_BEFORE_REPORT = timedelta(days=1)
LONGEST_TASK = timedelta(days=366)
ACTIVE = (Assignment.State.PENDING, Assignment.State.ACCEPTED)


# ---------------------------------------------------------------------------------------- who may


def _is_admin(user) -> bool:
    return user.is_superuser or user.role == Role.ADMIN


def _sees(case: Case, user) -> bool:
    from fengqiao.accounts.scoping import visible_cases

    return visible_cases(user).filter(pk=case.pk).exists()


def authorise_meeting(case: Case, user) -> None:
    """ActionRefused unless `user` may hold a joint meeting on the case: centre staff at or above
    the case's level, on an open joint-handling case (track joint, or two or more units on it)."""
    if not _is_admin(user):
        if user.role != Role.CENTRE_STAFF:
            raise ActionRefused(f"role '{user.role}' may not record a joint meeting", status=403)
        user_level = level_of_user(user)
        if user_level is None or LEVEL_ORDER.index(user_level) < LEVEL_ORDER.index(case.level):
            raise ActionRefused(f"the case is handled at {case.level} level, above yours", status=403)
    if case.merged_into_id is not None:
        raise ActionRefused("the case was merged into another; work on that one", status=409)
    if case.status in (Status.CLOSED, Status.REJECTED):
        raise ActionRefused(f"cannot hold a meeting on a case that is {case.status}", status=409)
    if case.track != Track.JOINT and len(holder_unit_ids(case)) < 2:
        raise ActionRefused(
            "joint meetings are for joint-handling cases (track joint, or two or more units on it)",
            status=409,
        )


def may_record_meeting(case: Case, user) -> bool:
    try:
        authorise_meeting(case, user)
    except ActionRefused:
        return False
    return True


def may_complete(task: MeetingTask, user) -> bool:
    return task.is_open and (_is_admin(user) or (user.unit_id is not None and user.unit_id == task.unit_id))


def may_cancel(task: MeetingTask, case: Case, user) -> bool:
    return task.is_open and may_record_meeting(case, user)


# ---------------------------------------------------------------------------------------- record


def _moment(value, field_name: str, end_of_day: bool = False) -> datetime:
    """An aware datetime from a datetime (naive ones are local time) or a date (its start, or with
    `end_of_day` its last second: "by 3 March" means by the end of that day)."""
    if value in (None, ""):
        raise FieldError(field_name, "required")
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    if isinstance(value, date):
        moment = datetime.combine(value, time(23, 59, 59) if end_of_day else time.min)
        return timezone.make_aware(moment)
    raise FieldError(field_name, "a date or a date and time")


def _text(value, field_name: str, limit: int, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise FieldError(field_name, "required")
    if len(text) > limit:
        raise FieldError(field_name, f"at most {limit} characters")
    return text


def record_meeting(
    case: Case,
    user,
    held_at,
    place: str,
    unit_codes: Sequence[str],
    minutes: str,
    tasks: Iterable[tuple[str, str, object]] = (),
) -> JointMeeting:
    """Record a joint meeting held on the case, the units present, what was agreed and the tasks
    it handed out as (unit code, description, due date or datetime). The recorder chairs it."""
    with transaction.atomic():
        # Locked like take_action locks it: a meeting's tasks and a closure cannot cross.
        case = Case.objects.select_for_update().get(pk=case.pk)
        if not _sees(case, user):
            raise Http404("no such case")
        authorise_meeting(case, user)
        now = wallclock.now()
        held = _moment(held_at, "held_at")
        if held > now + FUTURE_SLACK:
            raise FieldError("held_at", "in the future")
        if held < case.reported_at - EARLIEST_BEFORE_REPORT:
            raise FieldError("held_at", "before the case was reported")
        place = _text(place, "place", 200, required=False)
        minutes = _text(minutes, "minutes", 10000)
        codes = list(dict.fromkeys(code.strip() for code in unit_codes or [] if code and code.strip()))
        if not codes:
            raise FieldError("units", "name at least one unit present")
        if len(codes) > MAX_UNITS:
            raise FieldError("units", f"at most {MAX_UNITS}")
        tasks = list(tasks or [])
        if len(tasks) > MAX_TASKS:
            raise FieldError("tasks", f"at most {MAX_TASKS}")
        reachable = dispatchable_units(case, user)
        found = {unit.code: unit for unit in reachable.filter(code__in=codes)}
        missing = [code for code in codes if code not in found]
        if missing:
            raise FieldError("units", f"unknown or out of reach: {', '.join(missing)}")
        wanted = []
        for index, (unit_code, description, due_at) in enumerate(tasks):
            unit_code = (unit_code or "").strip()
            if not unit_code:
                raise FieldError(f"tasks.{index}.unit", "required")
            unit = found.get(unit_code) or reachable.filter(code=unit_code).first()
            if unit is None:
                raise FieldError(f"tasks.{index}.unit", f"unknown or out of reach: {unit_code}")
            description = _text(description, f"tasks.{index}.description", 2000)
            due = _moment(due_at, f"tasks.{index}.due_at", end_of_day=True)
            if due <= held:
                raise FieldError(f"tasks.{index}.due_at", "not after the meeting")
            if due > held + LONGEST_TASK:
                raise FieldError(
                    f"tasks.{index}.due_at", f"more than {LONGEST_TASK.days} days after the meeting"
                )
            wanted.append((unit, description, due))

        meeting = JointMeeting.objects.create(
            case=case, held_at=held, place=place, chair=user, minutes=minutes, created_by=user, created_at=now
        )
        meeting.units.set([found[code] for code in codes])
        created = [
            _create_task(case, meeting, user, unit, description, due, now)
            for unit, description, due in wanted
        ]
        _log(
            case,
            user,
            "meeting",
            note=minutes,
            data={
                "meeting": meeting.pk,
                "held_at": held.isoformat(),
                "place": place,
                "present": [found[code].name for code in codes],
                "tasks": [_task_summary(task) for task in created],
                "assigned": [task.unit.code for task in created if task.opened_assignment],
            },
        )
        _notify_task_units(case, created)
    return meeting


def _create_task(case, meeting, user, unit: Unit, description: str, due: datetime, now) -> MeetingTask:
    assignment = (
        case.assignments.filter(unit=unit, state__in=ACTIVE).order_by("-lead", "-assigned_at", "-id").first()
    )
    opened = False
    if assignment is None and unit.pk != case.handling_unit_id:
        # The sub-assignment: lets the unit see the case and find it among its work.
        assignment = Assignment.objects.create(
            case=case,
            unit=unit,
            lead=False,
            state=Assignment.State.ACCEPTED,
            note=f"联席会议任务:{description}",
            assigned_at=now,
            assigned_by=user,
            responded_at=now,
        )
        opened = True
    return MeetingTask.objects.create(
        meeting=meeting,
        case=case,
        unit=unit,
        description=description,
        due_at=due,
        assignment=assignment,
        opened_assignment=opened,
    )


def _task_summary(task: MeetingTask) -> dict:
    return {
        "task": task.pk,
        "unit": task.unit.code,
        "unit_name": task.unit.name,
        "description": task.description,
        "due_at": task.due_at.isoformat(),
    }


def _members(unit_ids) -> list:
    return list(User.objects.filter(unit_id__in=unit_ids, is_active=True))


def _notify_task_units(case: Case, tasks: list[MeetingTask]) -> None:
    from fengqiao.notices.actions import notify_event

    by_unit: dict[int, list[MeetingTask]] = {}
    for task in tasks:
        by_unit.setdefault(task.unit_id, []).append(task)
    for unit_id, unit_tasks in by_unit.items():
        body = ";".join(
            f"{task.description}(限 {timezone.localtime(task.due_at):%Y-%m-%d %H:%M} 前完成)"
            for task in unit_tasks
        )
        notify_event("meeting_task", _members([unit_id]), case=case, task=body)


# ---------------------------------------------------------------------------------------- finish


def _locked_open_task(task: MeetingTask, user) -> MeetingTask:
    task = MeetingTask.objects.select_for_update().get(pk=task.pk)
    if not _sees(task.case, user):
        raise Http404("no such task")
    return task


def complete_task(task: MeetingTask, user, result: str) -> MeetingTask:
    """A member of the task's unit (or an admin) reports the task done, with what was done."""
    with transaction.atomic():
        task = _locked_open_task(task, user)
        if not (_is_admin(user) or (user.unit_id is not None and user.unit_id == task.unit_id)):
            raise ActionRefused("only the unit given the task may complete it", status=403)
        if not task.is_open:
            raise ActionRefused(f"the task is already {task.status}", status=409)
        result = _text(result, "result", 5000)
        now = wallclock.now()
        task.status, task.done_at, task.done_by, task.result = MeetingTask.Status.DONE, now, user, result
        task.save(update_fields=["status", "done_at", "done_by", "result"])
        released = _release_assignment(task, now)
        _log(
            task.case,
            user,
            "meeting_task_done",
            note=result,
            data={
                **_task_summary(task),
                "meeting": task.meeting_id,
                "late": now > task.due_at,
                "assignment_done": released,
            },
        )
    return task


def cancel_task(task: MeetingTask, user, reason: str) -> MeetingTask:
    """The centre withdraws a task the meeting no longer needs (it would otherwise hold the case
    open for ever), with the reason; the unit is told."""
    from fengqiao.notices.actions import notify
    from fengqiao.notices.models import Notice

    with transaction.atomic():
        task = _locked_open_task(task, user)
        case = Case.objects.select_for_update().get(pk=task.case_id)
        if not _is_admin(user):
            if user.role != Role.CENTRE_STAFF:
                raise ActionRefused(f"role '{user.role}' may not cancel a meeting task", status=403)
            user_level = level_of_user(user)
            if user_level is None or LEVEL_ORDER.index(user_level) < LEVEL_ORDER.index(case.level):
                raise ActionRefused(f"the case is handled at {case.level} level, above yours", status=403)
        if not task.is_open:
            raise ActionRefused(f"the task is already {task.status}", status=409)
        reason = _text(reason, "reason", 5000)
        now = wallclock.now()
        task.status, task.done_at, task.done_by, task.result = MeetingTask.Status.CANCELLED, now, user, reason
        task.save(update_fields=["status", "done_at", "done_by", "result"])
        released = _release_assignment(task, now, state=Assignment.State.WITHDRAWN)
        _log(
            case,
            user,
            "meeting_task_cancelled",
            note=reason,
            data={**_task_summary(task), "meeting": task.meeting_id, "assignment_withdrawn": released},
        )
        notify(
            _members([task.unit_id]),
            Notice.Kind.NEW_WORK,
            f"联席会议任务已取消:{case.number}",
            reason,
            case=case,
        )
    return task


def _release_assignment(task: MeetingTask, at: datetime, state: str = Assignment.State.DONE) -> bool:
    """Finish the sub-assignment a meeting opened for the unit once none of its tasks is open; an
    assignment the unit held for other reasons (dispatch, routing) is left as it is."""
    if task.assignment_id is None:
        return False
    tasks_on_it = MeetingTask.objects.filter(assignment_id=task.assignment_id)
    if not tasks_on_it.filter(opened_assignment=True).exists():
        return False
    if tasks_on_it.filter(status=MeetingTask.Status.OPEN).exists():
        return False
    if state == Assignment.State.WITHDRAWN and tasks_on_it.filter(status=MeetingTask.Status.DONE).exists():
        state = Assignment.State.DONE  # the unit did work on it: done, not withdrawn
    return bool(
        Assignment.objects.filter(pk=task.assignment_id, state__in=ACTIVE).update(
            state=state, responded_at=at
        )
    )


# ---------------------------------------------------------------------------------------- gate


def open_tasks_gate(case: Case) -> str | None:
    """A CLOSE_GATE: the case may not close while a joint-meeting task is open."""
    count = MeetingTask.objects.filter(case=case, status=MeetingTask.Status.OPEN).count()
    if not count:
        return None
    return f"{count} joint-meeting task{'s are' if count != 1 else ' is'} still open"
