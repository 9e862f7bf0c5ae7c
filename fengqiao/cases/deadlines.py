"""Time limits: which rule applies to a case at a level, and when a limit of N days runs out.

Times are stored in UTC; day counting happens on local dates in Asia/Shanghai. Natural (calendar)
days are the default, as the "four levels, seven days" rule is usually read; a rule may say working
days, which follow China's official holidays and make-up working days (chinese-calendar). A
deadline in a year the holiday calendar does not know raises CalendarUnknown instead of guessing.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from fengqiao.workdays import calendar as workdays
from fengqiao.workdays.calendar import CalendarUnknown  # noqa: F401  (re-exported)

from .codes import Category, Level

LOCAL = ZoneInfo("Asia/Shanghai")
DEFAULT_DAYS = 7  # 四级七天
PETITION_ACCEPT_DAYS = 15
PETITION_HANDLE_DAYS = 60
PETITION_MAX_EXTENSION_DAYS = 30


def is_working_day(day: date) -> bool:
    """Whether a local date is a working day (fengqiao.workdays.calendar; CalendarUnknown when the
    calendar lacks its year)."""
    return workdays.is_working_day(day)


def add_days(start: datetime, days: int, day_kind: str = "calendar") -> datetime:
    """The moment `days` days after `start`: natural days, or working days at the same local time
    (fengqiao.workdays.calendar.add_duration, which records a CalendarWarning and raises
    CalendarUnknown for a year the calendar lacks)."""
    return workdays.add_duration(start, days, day_kind)


@dataclass(frozen=True)
class Limit:
    amount: int
    counting: str  # calendar | working | hours
    yellow_after: int
    source: str

    def due(self, start: datetime) -> datetime:
        return advance(start, self.amount, self.counting)

    def yellow(self, start: datetime) -> datetime:
        return advance(start, self.yellow_after, self.counting)

    def halved(self) -> "Limit":
        return Limit(
            max(1, self.amount // 2), self.counting, self.yellow_after // 2, f"{self.source}(高风险减半)"
        )


DEFAULTS = {
    "accept": Limit(24, "hours", 16, "默认:24小时内签收"),
    "handle": Limit(DEFAULT_DAYS, "calendar", 5, "默认:四级七天"),
    "verify": Limit(3, "calendar", 2, "默认:3日内核查"),
}
PETITION_LIMITS = {
    "accept": Limit(PETITION_ACCEPT_DAYS, "calendar", 12, "《信访工作条例》:15日内决定是否受理"),
    "handle": Limit(PETITION_HANDLE_DAYS, "calendar", 50, "《信访工作条例》:60日内办结"),
}


def advance(start: datetime, amount: int, counting: str) -> datetime:
    if counting == "hours":
        return start + timedelta(hours=amount)
    return add_days(start, amount, counting)


def limit_for(stage: str, category: str, level: str, unit_id: int | None = None) -> Limit:
    """The limit of a stage for a case of `category` at `level` held by a unit. Petitions have their
    statutory limits; otherwise the most specific admin rule (unit, then category+level, level,
    category), else the defaults."""
    from .models import DeadlineRule

    if category == Category.PETITION and stage in PETITION_LIMITS:
        return PETITION_LIMITS[stage]
    rules = DeadlineRule.objects.filter(
        stage=stage, category__in=[category, ""], level__in=[level, ""]
    ).filter(Q(unit__isnull=True) | Q(unit_id=unit_id))
    return _limit_of(max(rules, key=_specificity, default=None), stage)


class Limits:
    """limit_for for many lookups, every DeadlineRule read once (limits() makes one): the same
    petition limits, the same choice of the most specific rule, the same defaults. For a batch
    (a bulk import's clocks) that would otherwise ask the table once per distinct lookup."""

    def __init__(self, rules):
        self._by_stage: dict[str, list] = {}
        for rule in rules:
            self._by_stage.setdefault(rule.stage, []).append(rule)
        self._answers: dict[tuple, Limit] = {}

    def limit_for(self, stage: str, category: str, level: str, unit_id: int | None = None) -> Limit:
        key = (stage, category, level, unit_id)
        if key not in self._answers:
            self._answers[key] = self._decide(stage, category, level, unit_id)
        return self._answers[key]

    def _decide(self, stage, category, level, unit_id) -> Limit:
        if category == Category.PETITION and stage in PETITION_LIMITS:
            return PETITION_LIMITS[stage]
        rules = [
            rule
            for rule in self._by_stage.get(stage, ())
            if rule.category in (category, "")
            and rule.level in (level, "")
            and (rule.unit_id is None or rule.unit_id == unit_id)
        ]
        return _limit_of(max(rules, key=_specificity, default=None), stage)


def limits() -> Limits:
    """A Limits over every DeadlineRule as it stands now (one query)."""
    from .models import DeadlineRule

    return Limits(DeadlineRule.objects.order_by("pk"))


def _specificity(rule):
    """Unit, then category and level, level, category: the most specific rule wins."""
    return (
        rule.unit_id is not None,
        bool(rule.category) and bool(rule.level),
        bool(rule.level),
        bool(rule.category),
    )


def _limit_of(best, stage: str) -> Limit:
    """The limit a rule sets (its yellow threshold 70% of it unless given), or the stage's default."""
    if best is None:
        return DEFAULTS[stage]
    yellow = best.yellow_after if best.yellow_after is not None else best.amount * 7 // 10
    return Limit(best.amount, best.counting, min(yellow, best.amount), str(best))


def level_label(level: str) -> str:
    return Level(level).label
