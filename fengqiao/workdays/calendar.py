"""The one calendar module: which local dates are working days, and when a limit counted in natural
days, working days or hours runs out.

Rules
- Dates are local dates in Asia/Shanghai; moments are aware datetimes (stored in UTC). A moment is
  turned into its local date before any day counting, so 2026-09-30 20:00 UTC counts from
  2026-10-01 (a holiday in Shanghai), not from 2026-09-30.
- Whether a day is a working day: an admin's DayOverride for that date wins; else the year must be
  known - a year in chinese-calendar's range (its holidays and make-up working days, 调休, apply) or a
  year an admin marked complete (CalendarYear) - and a day without an entry is a working day from
  Monday to Friday. A day in an unknown year raises CalendarUnknown(year): never a silent guess.
- add_duration(start, n, unit):
  * "calendar" (natural days): start + n × 24 hours (Asia/Shanghai has no daylight saving, so this
    is also the same local time n dates later);
  * "working": the same local time of day on the n-th working day after start's local date. The
    start's own date never counts, even if it is a working day; when start falls on a holiday or a
    weekend, counting begins with the next working day (one working day from Saturday 10:00 is
    Monday 10:00, or the next working day after a holiday). n = 0 returns start;
  * "hours": start + n hours of natural time (nights, weekends and holidays included).
  The result is aware and in start's time zone.
- working_days_between(start, end): the working days after start's local date up to and including
  end's, so working_days_between(s, add_duration(s, n, "working")) == n; negative when end is
  earlier.

When a computation meets an unknown year, add_duration and working_days_between call
record_unknown_year(year) (one CalendarWarning per year, shown in the admin and by the system check)
and re-raise CalendarUnknown: the caller decides what to do, explicitly.

Speed: the library's data and the admin rows are merged into one dict per process, so a lookup is a
dict access. The table is dropped when DayOverride or CalendarYear rows are saved or deleted in this
process (signals.py, again on commit) and reloaded at least every REFRESH_SECONDS, which is how
changes made by other processes (admin in the web server, the sweep in cron) arrive.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

LOCAL = ZoneInfo("Asia/Shanghai")
REFRESH_SECONDS = 60.0
UNITS = ("calendar", "working", "hours")
_ONE_DAY = timedelta(days=1)


class CalendarUnknown(Exception):
    """The holiday calendar has no data for the year a working-day computation needs."""

    def __init__(self, year: int):
        super().__init__(year)
        self.year = year

    def __str__(self):
        return f"no holiday calendar for {self.year}; an admin must add it"


@dataclass(frozen=True)
class _Table:
    days: dict[date, bool]  # explicit answers: the library's days, then every DayOverride
    years: frozenset[int]  # years where a day without an entry follows the weekday rule


@functools.cache
def _library() -> tuple[dict[date, bool], range]:
    """chinese-calendar's holidays (False) and make-up working days (True), and the years it covers
    (the same range its own functions accept)."""
    import chinese_calendar

    days = dict.fromkeys(chinese_calendar.holidays, False)
    days.update(dict.fromkeys(chinese_calendar.workdays, True))
    first, last = min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year
    return days, range(first, last + 1)


def library_years() -> range:
    return _library()[1]


_lock = threading.Lock()
_state: tuple[_Table, float] | None = None  # (table, monotonic time after which it is reloaded)


def _load() -> _Table:
    from .models import CalendarYear, DayOverride

    library_days, years = _library()
    days = dict(library_days)
    days.update(DayOverride.objects.values_list("date", "is_working_day"))
    complete = CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    return _Table(days, frozenset(years).union(complete))


def _table() -> _Table:
    state = _state
    if state is not None and time.monotonic() < state[1]:
        return state[0]
    return _reload()


def _reload() -> _Table:
    global _state
    # Loading under the lock orders it against invalidate(): a change that lands while a table is
    # being read drops that table right after it is stored.
    with _lock:
        state = _state
        now = time.monotonic()
        if state is not None and now < state[1]:
            return state[0]
        table = _load()
        _state = (table, now + REFRESH_SECONDS)
        return table


def invalidate() -> None:
    """Forget the merged table; the next lookup reads the database again."""
    global _state
    with _lock:
        _state = None


def _local_date(day: date | datetime) -> date:
    if isinstance(day, datetime):
        if day.tzinfo is None or day.utcoffset() is None:
            raise ValueError("the calendar needs an aware datetime (or a date)")
        return day.astimezone(LOCAL).date()
    return day


def is_working_day(day: date | datetime) -> bool:
    """Whether `day` (a local date, or an aware moment taken as its Asia/Shanghai date) is a working
    day. Raises CalendarUnknown(year) for a day the calendar cannot answer."""
    day = _local_date(day)
    table = _table()
    working = table.days.get(day)
    if working is not None:
        return working
    if day.year in table.years:
        return day.weekday() < 5
    raise CalendarUnknown(day.year)


def is_year_known(year: int) -> bool:
    return year in _table().years


def known_years() -> frozenset[int]:
    return _table().years


def add_duration(start: datetime, amount: int, unit: str) -> datetime:
    """The moment a limit of `amount` `unit`s ("calendar" | "working" | "hours") started at `start`
    runs out (rules in the module docstring)."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError("add_duration needs an aware datetime")
    if unit == "calendar":
        return start + timedelta(days=amount)
    if unit == "hours":
        return start + timedelta(hours=amount)
    if unit != "working":
        raise ValueError(f"unknown counting {unit!r}; expected one of {UNITS}")
    if amount < 0:
        raise ValueError("a working-day limit cannot be negative")
    local = start.astimezone(LOCAL)
    day = local.date()
    table = _table()
    days, years = table.days, table.years
    remaining = amount
    while remaining:
        day += _ONE_DAY
        working = days.get(day)
        if working is None:
            if day.year not in years:
                raise _unknown(day.year)
            working = day.weekday() < 5
        if working:
            remaining -= 1
    return datetime.combine(day, local.time(), LOCAL).astimezone(start.tzinfo)


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """The number of working days after start's local date up to and including end's local date
    (negative when end is before start)."""
    first, last = _local_date(start), _local_date(end)
    sign = 1
    if last < first:
        first, last, sign = last, first, -1
    table = _table()
    days, years = table.days, table.years
    count = 0
    day = first
    while day < last:
        day += _ONE_DAY
        working = days.get(day)
        if working is None:
            if day.year not in years:
                raise _unknown(day.year)
            working = day.weekday() < 5
        count += working
    return sign * count


def _unknown(year: int) -> CalendarUnknown:
    record_unknown_year(year)
    return CalendarUnknown(year)


def record_unknown_year(year: int):
    """Note, once per year, that a computation needed a year the calendar lacks: a CalendarWarning
    for admins (reopened if it had been resolved while the year is still unknown) and a log line.
    Written in the caller's transaction. Returns the warning."""
    from fengqiao import clock

    from .models import CalendarWarning

    warning, created = CalendarWarning.objects.get_or_create(
        year=year, defaults={"first_seen_at": clock.now()}
    )
    if created:
        logger.warning("working-day calendar: no data for %s; an admin must enter that year's holidays", year)
    elif warning.resolved_at is not None and not is_year_known(year):
        warning.resolved_at = None
        warning.save(update_fields=["resolved_at"])
        logger.warning("working-day calendar: %s is needed again and still unknown", year)
    return warning


def resolve_known_warnings() -> int:
    """Close the open warnings whose year the calendar now knows. Returns how many."""
    from fengqiao import clock

    from .models import CalendarWarning

    known = known_years()
    return CalendarWarning.objects.filter(resolved_at__isnull=True, year__in=known).update(
        resolved_at=clock.now()
    )
