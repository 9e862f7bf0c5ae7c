"""Periods on Asia/Shanghai dates: a day, a week (Monday first), a month, a quarter; the one before;
and the datetime bounds the statistics take (the same as GET /api/v1/stats: from 00:00 of the first
day to the last instant of the last day)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from fengqiao import clock
from fengqiao.cases.deadlines import LOCAL

from .models import Cycle


@dataclass(frozen=True)
class Period:
    cycle: str
    start: date
    end: date  # the last day, inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, LOCAL)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end, time.max, LOCAL)

    def previous(self) -> "Period":
        return containing(self.cycle, self.start - timedelta(days=1))

    def next(self) -> "Period":
        return containing(self.cycle, self.end + timedelta(days=1))

    def label(self) -> str:
        if self.cycle == Cycle.DAILY:
            return f"{self.start.year}年{self.start.month}月{self.start.day}日"
        if self.cycle == Cycle.MONTHLY:
            return f"{self.start.year}年{self.start.month}月"
        if self.cycle == Cycle.QUARTERLY:
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return (
            f"{self.start.year}年{self.start.month}月{self.start.day}日至{self.end.month}月{self.end.day}日"
        )


EARLIEST = date(2000, 1, 1)


class OutOfRange(ValueError):
    pass


def chosen(cycle: str, day: date | None, region_code: str, at: datetime | None = None) -> "Period":
    """The period of `cycle` containing `day` (default: the last one completed) for a briefing or an
    analysis asked for by hand: not in the future, and not before the region's first case (there is
    nothing to say about it)."""
    from fengqiao.cases.models import Case
    from fengqiao.regions.codes import subtree_q

    if day is not None and not EARLIEST <= day <= today(at):
        raise OutOfRange("in the future" if day > today(at) else "before 2000")
    period = containing(cycle, day) if day is not None else last_completed(cycle, at)
    first = (
        Case.objects.filter(subtree_q("region_id", region_code))
        .order_by("reported_at")
        .values_list("reported_at", flat=True)
        .first()
    )
    if first is None or period.end < today(first):
        raise OutOfRange("no cases in the region up to that period")
    return period


def _month_start(day: date, months_back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def containing(cycle: str, day: date) -> Period:
    """The period of `cycle` that contains `day`."""
    if cycle == Cycle.DAILY:
        return Period(cycle, day, day)
    if cycle == Cycle.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(cycle, start, start + timedelta(days=6))
    if cycle == Cycle.MONTHLY:
        start = _month_start(day)
    elif cycle == Cycle.QUARTERLY:
        start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    else:
        raise ValueError(f"unknown cycle {cycle!r}")
    months = 1 if cycle == Cycle.MONTHLY else 3
    following = _month_start(start, -months)
    return Period(cycle, start, following - timedelta(days=1))


def today(at: datetime | None = None) -> date:
    return timezone.localtime(at or clock.now(), LOCAL).date()


def current(cycle: str, at: datetime | None = None) -> Period:
    return containing(cycle, today(at))


def last_completed(cycle: str, at: datetime | None = None) -> Period:
    return current(cycle, at).previous()


def to_date(period: Period, at: datetime | None = None) -> Period:
    """The current period cut at today (this week so far), for dashboards."""
    return Period(period.cycle, period.start, min(period.end, today(at)))


def same_span_before(period: Period) -> Period:
    """The previous period cut to the same number of days (this month's first 10 days against last
    month's first 10), so that a period in progress compares fairly."""
    previous = period.previous()
    end = min(previous.end, previous.start + timedelta(days=period.days - 1))
    return Period(period.cycle, previous.start, end)
