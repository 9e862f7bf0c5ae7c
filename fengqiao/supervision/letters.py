"""The five letters (五函督办) as part of the sweep.

For every open case the letters fall due on its *first* handle clock (the level's limit that the
case first ran against; later levels' clocks restart on escalation, but the lateness of the case
is counted from the first limit):

    reminder        提醒函   at the clock's yellow threshold
    supervision     督办函   at its limit
    warning         警示函   limit + rule.warning_days
    summons         约谈函   limit + rule.summons_days
    accountability  问责函   limit + rule.accountability_days

and a letter still unanswered `rule.unanswered_days` after it was issued brings the next letter
forward to that moment. Each letter is issued at most once per case (a unique constraint), dated
when it fell due (so a late sweep writes what a timely one would have), with a timeline entry
"supervision_notice" on the case and a notice to the unit holding it and the leader of its region.

Idempotent and safe in several processes: the insert of the letter is the claim; a process that
loses the race gets an IntegrityError inside its savepoint and moves on.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role
from fengqiao.cases.actions import _log
from fengqiao.cases.codes import OPEN_STATUSES
from fengqiao.cases.models import Case, Clock
from fengqiao.regions.models import Region

from .models import LETTER_ORDER, Letter, SupervisionNotice, SupervisionRule

EVENT = "supervision_letter"

BATCH = 500
REPLY_DAYS = {
    Letter.REMINDER: 3,
    Letter.SUPERVISION: 3,
    Letter.WARNING: 2,
    Letter.SUMMONS: 2,
    Letter.ACCOUNTABILITY: 2,
}
REASONS = {
    Letter.REMINDER: "办理时限即将到期",
    Letter.SUPERVISION: "已超过办理时限",
    Letter.WARNING: "超过办理时限仍未办结",
    Letter.SUMMONS: "长期超期未办结",
    Letter.ACCOUNTABILITY: "严重超期,拟启动问责",
}


def thresholds(yellow_at: datetime | None, due_at: datetime, rule: SupervisionRule) -> dict[str, datetime]:
    """When each letter falls due by time alone."""
    return {
        Letter.REMINDER: min(yellow_at or due_at, due_at),
        Letter.SUPERVISION: due_at,
        Letter.WARNING: due_at + timedelta(days=rule.warning_days),
        Letter.SUMMONS: due_at + timedelta(days=rule.summons_days),
        Letter.ACCOUNTABILITY: due_at + timedelta(days=rule.accountability_days),
    }


def leader_for(region_code: str):
    """The leader account nearest above the case's place (the county's 政法委 leader in the demo)."""
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        return None
    chain = [region.code, *(ancestor.code for ancestor in reversed(region.ancestors()))]
    leaders = {
        user.region_id: user
        for user in User.objects.filter(role=Role.LEADER, is_active=True, region_id__in=chain).order_by("pk")
    }
    return next((leaders[code] for code in chain if code in leaders), None)


def _handle_clocks():
    """The handle clocks letters are counted on: those not cancelled (a clock cancelled by a manual
    escalation before its time hands the count to the next level's clock)."""
    return Clock.objects.filter(stage=Clock.Stage.HANDLE).exclude(outcome=Clock.Outcome.CANCELLED)


def _candidates(at: datetime, rule: SupervisionRule):
    """Open cases for which some letter may be due: a threshold passed without its letter, or a
    letter left unanswered past `unanswered_days` without the next one."""
    handle = _handle_clocks().filter(case=OuterRef("pk"))
    letters = SupervisionNotice.objects.filter(case=OuterRef("pk"))
    unanswered_since = at - timedelta(days=rule.unanswered_days)
    late = timedelta(days=rule.unanswered_days)
    offsets = {
        Letter.WARNING: timedelta(days=rule.warning_days),
        Letter.SUMMONS: timedelta(days=rule.summons_days),
        Letter.ACCOUNTABILITY: timedelta(days=rule.accountability_days),
    }
    due = Q(Exists(handle.filter(yellow_at__lte=at))) | Q(Exists(handle.filter(due_at__lte=at)))
    condition = Q(due, ~Exists(letters.filter(letter=Letter.REMINDER)))
    condition |= Q(Exists(handle.filter(due_at__lte=at))) & ~Q(
        Exists(letters.filter(letter=Letter.SUPERVISION))
    )
    for letter, offset in offsets.items():
        condition |= Q(Exists(handle.filter(due_at__lte=at - offset))) & ~Q(
            Exists(letters.filter(letter=letter))
        )
    for previous, letter in zip(LETTER_ORDER, LETTER_ORDER[1:], strict=False):
        unanswered = letters.filter(letter=previous, issued_at__lte=unanswered_since).filter(
            Q(answered_at__isnull=True) | Q(answered_at__gt=F("issued_at") + late)
        )
        condition |= Q(Exists(unanswered)) & ~Q(Exists(letters.filter(letter=letter)))
    return Case.objects.filter(condition, status__in=OPEN_STATUSES)


def issue_due_letters(at: datetime | None = None) -> int:
    """Issue every letter due by `at`; the number issued."""
    at = at or wallclock.now()
    rule = SupervisionRule.current()
    issued = 0
    seen: set[int] = set()
    leaders: dict[str, object] = {}  # region code -> leader, once per run
    while True:
        batch = list(
            _candidates(at, rule).exclude(pk__in=seen).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return issued
        seen.update(batch)
        for case in Case.objects.filter(pk__in=batch).select_related("handling_unit"):
            issued += _issue_for_case(case, at, rule, leaders)


def _counted_clock(case: Case) -> Clock | None:
    return _handle_clocks().filter(case=case).order_by("started_at", "id").first()


def _issue_for_case(case: Case, at: datetime, rule: SupervisionRule, leaders: dict | None = None) -> int:
    clock = _counted_clock(case)
    if clock is None:
        return 0
    by_time = thresholds(clock.yellow_at, clock.due_at, rule)
    existing = {notice.letter: notice for notice in case.supervision_notices.all()}
    issued = 0
    previous = None
    for letter in LETTER_ORDER:
        notice = existing.get(letter)
        if notice is None:
            when = by_time[letter]
            if previous is not None:
                escalation = previous.issued_at + timedelta(days=rule.unanswered_days)
                answered_in_time = previous.answered_at is not None and previous.answered_at <= escalation
                if not answered_in_time:
                    when = min(when, escalation)
                # Never before the letter it follows.
                when = max(when, previous.issued_at)
            if when > at:
                break
            notice = _issue(case, clock, letter, when, leaders if leaders is not None else {})
            if notice is None:  # another process issued it meanwhile
                notice = case.supervision_notices.filter(letter=letter).first()
                if notice is None:
                    break
            else:
                issued += 1
        previous = notice
    return issued


def addressee(case: Case, clock: Clock, when: datetime):
    """The unit that answers for the lateness: the clock's holder while it ran, then whoever
    holds the case (after an escalation, the next level's centre)."""
    if clock.unit_id and (clock.stopped_at is None or clock.stopped_at >= when):
        return clock.unit
    return case.handling_unit


def _next_serial(year: int) -> int:
    """Numbers run per (local) year; two processes taking the same one collide on the unique
    constraint and the loser issues its letter at the next sweep."""
    latest = SupervisionNotice.objects.filter(year=year).aggregate(n=Max("serial"))["n"]
    return (latest or 0) + 1


def _issue(case: Case, clock: Clock, letter: str, when: datetime, leaders: dict) -> SupervisionNotice | None:
    from fengqiao.notices.actions import notify_event

    label = Letter(letter).label
    if case.region_id not in leaders:
        leaders[case.region_id] = leader_for(case.region_id)
    leader = leaders[case.region_id]
    unit = addressee(case, clock, when)
    year = timezone.localtime(when).year
    try:
        with transaction.atomic():
            notice = SupervisionNotice.objects.create(
                case=case,
                letter=letter,
                year=year,
                serial=_next_serial(year),
                unit=unit,
                leader=leader,
                reason=REASONS[letter],
                issued_at=when,
                reply_due_at=when + timedelta(days=REPLY_DAYS[letter]),
            )
            _log(
                case,
                None,
                "supervision_notice",
                note=f"{label}({notice.document_number}):{notice.reason}",
                at=when,
                data={
                    "notice": notice.pk,
                    "letter": letter,
                    "unit": unit.code if unit else None,
                    "leader": leader.username if leader else None,
                },
            )
    except IntegrityError:
        return None
    members = list(User.objects.filter(unit_id=unit.pk, is_active=True)) if unit else []
    notify_event(
        EVENT,
        [*members, leader],
        case=case,
        unit=unit.name if unit else "",
        letter=label,
        number=notice.document_number,
        reason=notice.reason,
        reply_due=f"{timezone.localtime(notice.reply_due_at):%Y-%m-%d %H:%M}",
    )
    return notice
