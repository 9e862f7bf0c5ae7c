"""The deadline sweep: every running clock whose time is up is closed as breached, the case is
flagged overdue and, at every level but the last, escalated to the next level's centre with a new
clock that starts when the old one ran out (so a late sweep escalates as a timely one would have).

Idempotent: a clock is only picked while it is running, and it stops in the same transaction that
escalates. Safe in several processes at once: each batch locks its cases with SKIP LOCKED on
PostgreSQL (SQLite has a single writer) and re-reads the clocks under the lock.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection, transaction

from fengqiao import clock as wallclock

from . import clocks
from .actions import _log, escalate
from .codes import OPEN_STATUSES, Category, next_level
from .models import Card, Case, Clock

BATCH = 500

# Other apps' timed work (meeting tasks, emergency steps, follow-ups…) runs in the same sweep:
# each registers (name, function(at) -> number of things it changed), idempotent like the rest.
SWEEPERS: list[tuple[str, object]] = []


def register_sweeper(name: str, function) -> None:
    if name not in {registered for registered, _ in SWEEPERS}:
        SWEEPERS.append((name, function))


@dataclass
class SweepResult:
    escalated: int = 0
    flagged_overdue: int = 0
    cards: int = 0
    cases: int = 0
    others: dict = field(default_factory=dict)


def sweep(at: datetime | None = None) -> SweepResult:
    at = at or wallclock.now()
    result = SweepResult()
    seen: set[int] = set()
    running = Clock.objects.filter(outcome=Clock.Outcome.RUNNING)
    while True:
        due = running.filter(due_at__lte=at).exclude(case_id__in=seen).order_by("due_at")
        yellow = running.filter(yellow_carded_at__isnull=True, yellow_at__lte=at).exclude(case_id__in=seen)
        batch = list(
            dict.fromkeys(
                [
                    *due.values_list("case_id", flat=True)[:BATCH],
                    *yellow.order_by("yellow_at").values_list("case_id", flat=True)[:BATCH],
                ]
            )
        )
        if not batch:
            for name, function in SWEEPERS:
                result.others[name] = function(at)
            return result
        seen.update(batch)
        with transaction.atomic():
            locked = Case.objects.filter(pk__in=batch)
            if connection.features.has_select_for_update_skip_locked:
                locked = locked.select_for_update(skip_locked=True)
            for case in locked:
                _sweep_case(case, at, result)


def _next_event(case: Case, at: datetime) -> tuple[str, Clock] | None:
    """The earliest thing due on the case's running clocks: a yellow threshold or a limit."""
    running = case.clocks.filter(outcome=Clock.Outcome.RUNNING)
    yellow = (
        running.filter(yellow_carded_at__isnull=True, yellow_at__lte=at).order_by("yellow_at", "id").first()
    )
    due = running.filter(due_at__lte=at).order_by("due_at", "id").first()
    if yellow is not None and (due is None or yellow.yellow_at <= due.due_at):
        return "yellow", yellow
    return ("red", due) if due is not None else None


def _sweep_case(case: Case, at: datetime, result: SweepResult) -> None:
    touched = False
    while (event := _next_event(case, at)) is not None:
        kind, clock = event
        touched = True
        if kind == "yellow":
            clocks.card(case, clock, Card.Colour.YELLOW, clock.yellow_at)
            result.cards += 1
            continue
        clock.outcome = Clock.Outcome.BREACHED
        clock.stopped_at = clock.due_at
        clock.save(update_fields=["outcome", "stopped_at"])
        result.cards += 1
        if clocks.breach(case, clock, clock.due_at):
            result.flagged_overdue += 1
            _log(
                case,
                None,
                "overdue",
                at=clock.due_at,
                data={"stage": clock.stage, "level": clock.level, "due_at": clock.due_at.isoformat()},
            )
        can_rise = (
            clock.stage == Clock.Stage.HANDLE
            and case.category != Category.PETITION
            and case.status in OPEN_STATUSES
            and next_level(case.level) is not None
        )
        if can_rise:
            before = case.status
            data = escalate(case, None, at=clock.due_at, automatic=True)
            result.escalated += 1
            _log(
                case,
                None,
                "escalate",
                note="超过办理时限,自动升级",
                at=clock.due_at,
                data={**data, "from": before, "to": case.status},
            )
    if touched:
        result.cases += 1
        case.save()
