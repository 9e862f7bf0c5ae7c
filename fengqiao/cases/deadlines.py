"""Time limits: which rule applies to a case at a level, and when a limit of N days runs out.

Times are stored in UTC; day counting happens on local dates in Asia/Shanghai. Natural (calendar)
days are the default, as the "four levels, seven days" rule is usually read; a rule may say working
days, which follow China's official holidays and make-up working days (chinese-calendar). A
deadline in a year the holiday calendar does not know raises CalendarUnknown instead of guessing.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .codes import Category, Level

LOCAL = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 7  # 四级七天
PETITION_ACCEPT_DAYS = 15
PETITION_HANDLE_DAYS = 60
PETITION_MAX_EXTENSION_DAYS = 30


class CalendarUnknown(Exception):
    """The holiday calendar has no data for the year a working-day deadline falls in."""


def is_working_day(day: date) -> bool:
    import chinese_calendar

    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarUnknown(f"no holiday calendar for {day.year}; an admin must add it") from None


def add_days(start: datetime, days: int, day_kind: str = "calendar") -> datetime:
    """The moment `days` days after `start`: natural days, or working days at the same local time."""
    if day_kind == "calendar":
        return start + timedelta(days=days)
    local = start.astimezone(LOCAL)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, local.timetz()).astimezone(start.tzinfo)


def handle_limit(category: str, level: str) -> tuple[int, str]:
    """(days, day kind) for handling a case of `category` at `level`: a rule for the category,
    else a rule for all categories at that level, else the default seven natural days. Petitions
    have their statutory limit whatever the level."""
    from .models import Clock, DeadlineRule

    if category == Category.PETITION:
        return PETITION_HANDLE_DAYS, "calendar"
    rules = {
        rule.category: rule
        for rule in DeadlineRule.objects.filter(
            stage=Clock.Stage.HANDLE, level=level, category__in=[category, ""]
        )
    }
    rule = rules.get(category) or rules.get("")
    return (rule.days, rule.day_kind) if rule else (DEFAULT_DAYS, "calendar")


def level_label(level: str) -> str:
    return Level(level).label
