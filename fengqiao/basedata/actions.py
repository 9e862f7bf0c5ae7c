"""Writes on base data: entries (with their care plan), risk-grade changes, care visits, and the
sweep that warns the carers of a visit gone overdue. Pages, the API and the import call these."""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from fengqiao import clock
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role
from fengqiao.errors import FieldError
from fengqiao.people.actions import find_or_create_person

from .models import CarePlan, CareVisit, Entry, GradeChange, Register, VisitFrequency

OVERDUE_EVENT = "care_visit_overdue"


class DuplicateEntry(FieldError):
    def __init__(self):
        super().__init__("id_number", "this person is already on this register", status=409)


def interval_for(register: Register, grade: int | None) -> int:
    if grade is not None:
        frequency = VisitFrequency.objects.filter(register=register, grade=grade).first()
        if frequency is not None:
            return frequency.interval_days
    return register.default_interval_days


def default_carers(region_code: str) -> list[User]:
    """The grid workers whose home region holds the entry's grid (the responsible grid worker)."""
    grid = region_code[:15]
    return list(User.objects.filter(role=Role.GRID_WORKER, is_active=True, region_id=grid))


@transaction.atomic
def create_entry(user, register: Register, clean: dict) -> Entry:
    """File an entry from validated values (validation.validate_entry); on a care register its
    plan starts at once, the first visit due within one interval of the grade."""
    person = None
    if register.is_person:
        person = find_or_create_person(
            clean["name"], phone=clean.get("phone", ""), id_number=clean.get("id_number", ""),
            region_code=clean["region_code"],
        )  # fmt: skip
        earlier = Entry.objects.select_for_update().filter(register=register, person=person).first()
        if earlier is not None:
            if earlier.active:
                raise DuplicateEntry()
            return _put_back(earlier, clean)
    entry = Entry(
        register=register,
        region_id=clean["region_code"],
        person=person,
        title=clean.get("title", ""),
        address=clean.get("address", ""),
        data=clean.get("data", {}),
        grade=clean.get("grade"),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        raise DuplicateEntry() from None
    if register.care:
        start_plan(entry, clock.now())
    return entry


def _put_back(entry: Entry, clean: dict) -> Entry:
    """A person taken off a register and registered again: the same entry (one per person and
    register) is back on, with today's details; its care plan starts a new interval."""
    entry.region_id = clean["region_code"]
    entry.address = clean.get("address", "")
    entry.data = clean.get("data", {})
    entry.grade = clean.get("grade")
    entry.active, entry.ended_at, entry.ended_by, entry.end_reason = True, None, None, ""
    entry.save()
    if entry.register.care:
        now = clock.now()
        plan = CarePlan.objects.filter(entry=entry).first()
        if plan is None:
            start_plan(entry, now)
        else:
            plan.region_id = entry.region_id
            plan.interval_days = interval_for(entry.register, entry.grade)
            plan.next_due_at = now + timedelta(days=plan.interval_days)
            plan.save(update_fields=["region_id", "interval_days", "next_due_at"])
    return entry


@transaction.atomic
def end_entry(user, entry: Entry, reason: str) -> Entry:
    """Take an entry off its register (解除矫正, 迁出, 死亡, 风险消除…): it leaves the lists, statistics,
    care plans and risk signals; who, when and why are kept on the entry."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "say why the entry leaves the register")
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if not entry.active:
        raise FieldError("entry", "this entry is already off the register", status=409)
    entry.active, entry.ended_at, entry.ended_by, entry.end_reason = False, clock.now(), user, reason[:200]
    entry.save(update_fields=["active", "ended_at", "ended_by", "end_reason", "updated_at"])
    return entry


def start_plan(entry: Entry, now: datetime) -> CarePlan:
    interval = interval_for(entry.register, entry.grade)
    plan = CarePlan.objects.create(
        entry=entry,
        region_id=entry.region_id,
        interval_days=interval,
        started_at=now,
        next_due_at=now + timedelta(days=interval),
    )
    carers = default_carers(entry.region_id)
    if carers:
        plan.carers.set(carers)
    return plan


@transaction.atomic
def change_grade(user, entry: Entry, grade: int, reason: str) -> GradeChange:
    """Record who changed the risk grade and why; the visit frequency follows the new grade."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "say why the grade changes")
    grades = {frequency.grade for frequency in entry.register.frequencies.all()}
    if grade < 0 or (grades and grade not in grades) or grade > 9:
        raise FieldError("grade", "not a risk grade of this register")
    entry = Entry.objects.select_for_update().get(pk=entry.pk)
    if entry.grade == grade:
        raise FieldError("grade", "the entry already has this grade", status=409)
    change = GradeChange.objects.create(
        entry=entry,
        from_grade=entry.grade,
        to_grade=grade,
        changed_by=user,
        reason=reason[:500],
        at=clock.now(),
    )
    entry.grade = grade
    entry.save(update_fields=["grade", "updated_at"])
    plan = CarePlan.objects.filter(entry=entry).first()
    if plan is not None:
        plan.interval_days = interval_for(entry.register, grade)
        since = plan.last_visit_at or plan.started_at
        plan.next_due_at = since + timedelta(days=plan.interval_days)
        plan.save(update_fields=["interval_days", "next_due_at"])
    return change


@transaction.atomic
def log_visit(
    user, plan: CarePlan, *, visited_at: datetime | None = None, kind: str = CareVisit.Kind.HOME,
    condition: str = CareVisit.Condition.STABLE, note: str = "", client_id=None,
) -> tuple[CareVisit, bool]:  # fmt: skip
    """Log a care visit (idempotent on client_id): the next visit falls due one interval later,
    which clears an overdue warning. (visit, created)."""
    if client_id is not None:
        existing = CareVisit.objects.filter(client_id=client_id).first()
        if existing is not None:
            if existing.plan_id != plan.pk:
                raise FieldError("client_id", "already used for another visit", status=409)
            return existing, False
    now = clock.now()
    visited_at = visited_at or now
    if visited_at > now + timedelta(minutes=5):
        raise FieldError("visited_at", "in the future")
    if visited_at < plan.started_at - timedelta(days=366):
        raise FieldError("visited_at", "too long ago")
    if kind not in CareVisit.Kind.values:
        raise FieldError("kind", "unknown kind of visit")
    if condition not in CareVisit.Condition.values:
        raise FieldError("condition", "unknown condition")
    visit = CareVisit.objects.create(
        plan=plan, visitor=user, visited_at=visited_at, kind=kind, condition=condition,
        note=(note or "").strip()[:2000], client_id=client_id,
    )  # fmt: skip
    plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.last_visit_at is None or visited_at > plan.last_visit_at:
        plan.last_visit_at = visited_at
        plan.next_due_at = visited_at + timedelta(days=plan.interval_days)
        plan.save(update_fields=["last_visit_at", "next_due_at"])
    return visit, True


def set_carers(plan: CarePlan, users, group_note: str | None = None) -> None:
    plan.carers.set(users)
    if group_note is not None:
        plan.group_note = group_note.strip()[:200]
        plan.save(update_fields=["group_note"])


def overdue_plans(at: datetime | None = None):
    return CarePlan.objects.filter(entry__active=True, next_due_at__lte=at or clock.now())


def sweep_overdue_visits(at: datetime) -> int:
    """Warn the carers (or the grid's workers) once for each visit that has fallen due; the number
    of plans warned. Idempotent: a plan is warned once per due time."""
    from fengqiao.notices.actions import notify_event

    due = overdue_plans(at).filter(Q(warned_due_at__isnull=True) | ~Q(warned_due_at=F("next_due_at")))
    warned = 0
    for plan in due.select_related("entry__register", "entry__person", "entry__region")[:1000]:
        with transaction.atomic():
            claimed = CarePlan.objects.filter(pk=plan.pk, next_due_at=plan.next_due_at).exclude(
                warned_due_at=plan.next_due_at
            )
            if not claimed.update(warned_due_at=plan.next_due_at):
                continue
            carers = list(plan.carers.all()) or default_carers(plan.entry.region_id)
            entry = plan.entry
            notify_event(
                OVERDUE_EVENT,
                carers,
                register=entry.register.name,
                person=entry.person.masked_name if entry.person_id else entry.title,
                grid=entry.region.name,
                due=f"{timezone.localtime(plan.next_due_at):%Y-%m-%d}",
                days=plan.interval_days,
            )
            warned += 1
    return warned
