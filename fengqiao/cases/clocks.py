"""Stage clocks: accept (签收), handle (办理) and verify (核查), each with a yellow warning
threshold and a red limit, held by the unit that holds that stage of the case.

How a clock follows the case:
- a new case: a handle clock for its level (the level's limit, 四级七天) and an accept clock for
  the unit holding it;
- dispatch: the receiving unit gets a fresh accept clock; the handle clock carries over to it (the
  level's limit does not restart when a case changes hands within the level);
- start: the accept clock stops; return: the accept clock stops and the handle clock carries back
  to the centre;
- escalation: every running clock stops; the next level's centre gets a new handle clock (from the
  moment the old one ran out, when the sweep escalates) and an accept clock;
- resolve: the handle clock stops and the centre's verify clock starts; verify/redo stops it (redo
  resumes the old handle limit, without new time); reopen starts afresh.
Petitions run on their statutory accept (15 days) and handle (60 days) limits instead.
"""

import logging
from datetime import datetime, timedelta

from fengqiao import clock as wallclock

from . import deadlines
from .codes import Category
from .models import Card, Case, Clock

logger = logging.getLogger(__name__)
HIGH_RISK = 70
FLAGS_OVERDUE = {Clock.Stage.HANDLE}  # and a petition's statutory acceptance limit (see breach)


def _limit(case: Case, stage: str, unit_id, at: datetime, batch=None) -> deadlines.Limit:
    lookup = batch.limit_for if batch is not None else deadlines.limit_for
    limit = lookup(stage, case.category, case.level, unit_id)
    if limit.counting == "working":
        try:
            limit.due(at)
        except deadlines.CalendarUnknown as unknown:
            # Never silently: the admins are warned (workdays.CalendarWarning) and the clock says so.
            logger.warning(
                "no holiday calendar for %s: counting %s in natural days", unknown.year, limit.source
            )
            limit = deadlines.Limit(
                limit.amount,
                "calendar",
                limit.yellow_after,
                f"{limit.source}(缺{unknown.year}年节假日,按自然日)",
            )
    if stage == Clock.Stage.HANDLE and case.risk >= HIGH_RISK and case.category != Category.PETITION:
        limit = limit.halved()
    return limit


def start(
    case: Case, stage: str, at: datetime, unit=None, due_at: datetime | None = None, batch=None
) -> Clock:
    """Start a clock on the case (unit: who holds this stage; default the case's holder). With a
    sweep `batch` the clock is written when the batch is flushed."""
    unit = unit if unit is not None else case.handling_unit
    limit = _limit(case, stage, unit.pk if unit else None, at, batch)
    if due_at is None and hasattr(batch, "times"):  # the sweep's Batch: worked out once per batch
        yellow, due = batch.times(limit, at)
        yellow = min(yellow, due)
    else:
        due = due_at or limit.due(at)
        yellow = min(limit.yellow(at), due) if due_at is None else None
    if case.urgent and due_at is None:
        due, yellow = _urgent_times(at, due, yellow)
    values = {
        "stage": stage,
        "level": case.level,
        "started_at": at,
        "yellow_at": yellow,
        "due_at": due,
        "rule": limit.source if due_at is None else "续用原时限",
    }
    if hasattr(batch, "row"):
        # The sweep's Batch: its row (on PostgreSQL not a model instance: nothing reads it back).
        clock = batch.row(Clock, case=case, unit=unit, **values)
    else:
        clock = Clock(case=case, unit=unit, **values)
    if batch is not None:
        batch.new_clocks.append(clock)  # a sweep batch, or intake's holder of a new case's clocks
    else:
        clock.save(force_insert=True)
    statutory_acceptance = (
        stage == Clock.Stage.ACCEPT and case.category == Category.PETITION and case.status == "reported"
    )
    if stage == Clock.Stage.HANDLE or statutory_acceptance:
        case.deadline_at = due
    return clock


def running(case: Case, *stages: str):
    clocks = case.clocks.filter(outcome=Clock.Outcome.RUNNING)
    return clocks.filter(stage__in=stages) if stages else clocks


def stop(case: Case, at: datetime, *stages: str, cancelled: bool = False, batch=None) -> None:
    """Stop running clocks (of `stages`, or all): met, breached (a red card) or cancelled."""
    for clock in batch.running(case, *stages) if batch is not None else running(case, *stages):
        clock.stopped_at = at
        if cancelled:
            clock.outcome = Clock.Outcome.CANCELLED
        elif at <= clock.due_at:
            clock.outcome = Clock.Outcome.MET
        else:
            clock.outcome = Clock.Outcome.BREACHED
            breach(case, clock, clock.due_at, batch)
        if batch is not None:
            batch.changed_clocks[clock.pk] = clock
        else:
            clock.save(update_fields=["stopped_at", "outcome"])


def breach(case: Case, clock: Clock, at: datetime, batch=None) -> bool:
    """A clock's limit passed: a red card to its holder; for handling limits (and a petition's
    acceptance limit) the case is overdue. True when the case newly became overdue."""
    card(case, clock, Card.Colour.RED, at, batch)
    statutory_acceptance = (
        clock.stage == Clock.Stage.ACCEPT and case.category == Category.PETITION and case.status == "reported"
    )
    counts = clock.stage in FLAGS_OVERDUE or statutory_acceptance
    if counts and not case.overdue:
        case.overdue = True
        return True
    return False


def carry(case: Case, unit, *stages: str) -> None:
    """The running clocks of `stages` (default: handle) move with the case to its new holder."""
    running(case, *(stages or (Clock.Stage.HANDLE,))).update(unit=unit)


def card(case: Case, clock: Clock, colour: str, at: datetime, batch=None) -> Card | None:
    """Give the clock's holder a card, once per clock and colour; a timeline event and a notice.
    With a sweep `batch` the rows and the notice are written when the batch is flushed (and the
    card returned is the batch's row, see sweep.Batch.row)."""
    from . import timeline_rows

    field = "yellow_carded_at" if colour == Card.Colour.YELLOW else "red_carded_at"
    if getattr(clock, field) is not None:
        return None
    setattr(clock, field, at)
    values = {"colour": colour, "stage": clock.stage, "at": at}
    if hasattr(batch, "row"):
        given = batch.row(Card, case=case, clock=clock, unit=clock.unit, **values)
    else:
        given = Card(case=case, clock=clock, unit=clock.unit, **values)
    if batch is not None:
        batch.changed_clocks[clock.pk] = clock
        batch.cards.append(given)
    else:
        clock.save(update_fields=[field])
        given.save(force_insert=True)
    label = "黄牌预警" if colour == Card.Colour.YELLOW else "红牌超时"
    stage = Clock.Stage(clock.stage).label
    timeline_rows.log(
        case,
        f"{colour}_card",
        note=f"{stage}{label}",
        at=at,
        data={
            "stage": clock.stage,
            "unit": clock.unit.name if clock.unit else None,
            "due_at": clock.due_at.isoformat(),
        },
        batch=batch,
    )
    _notify_card(case, clock, colour, stage, batch)
    return given


def _notify_card(case, clock, colour, stage, batch=None):
    """The yellow_card or red_card event to the members of the unit holding the clock."""
    from fengqiao.accounts.models import User
    from fengqiao.notices.actions import notify_event

    if clock.unit_id is None:
        return
    event = "red_card" if colour == Card.Colour.RED else "yellow_card"
    context = {"unit": clock.unit, "stage": stage, "due_at": clock.due_at}
    if batch is not None:
        batch.notices.append((event, clock.unit_id, case, context))
        return
    members = User.objects.filter(unit_id=clock.unit_id, is_active=True)
    notify_event(event, members, case=case, **context)


def _urgent_times(at: datetime, due: datetime, yellow: datetime | None):
    from .models import UrgencyRule

    rule = UrgencyRule.current()
    remaining = due - at
    shorter = max(remaining * rule.remaining_percent / 100, timedelta(hours=rule.minimum_hours))
    new_due = at + min(remaining, shorter)
    new_yellow = at + (yellow - at) * ((new_due - at) / remaining) if yellow and remaining else yellow
    return new_due, new_yellow


def make_urgent(case: Case) -> list[dict]:
    """加急: every running clock keeps only the admin-set share of its remaining time."""
    now = wallclock.now()
    changed = []
    for clock in running(case):
        if clock.due_at <= now:
            continue
        due, yellow = _urgent_times(now, clock.due_at, clock.yellow_at)
        changed.append({"stage": clock.stage, "from": clock.due_at.isoformat(), "to": due.isoformat()})
        clock.due_at, clock.yellow_at = due, yellow
        clock.save(update_fields=["due_at", "yellow_at"])
        if clock.stage == Clock.Stage.HANDLE:
            case.deadline_at = due
    return changed


def extend(case: Case, clock: Clock, days: int) -> datetime:
    clock.due_at = deadlines.add_days(clock.due_at, days)
    if clock.yellow_at is not None:
        clock.yellow_at = deadlines.add_days(clock.yellow_at, days)
    clock.save(update_fields=["due_at", "yellow_at"])
    if clock.stage == Clock.Stage.HANDLE or case.category == Category.PETITION:
        case.deadline_at = clock.due_at
    return clock.due_at
