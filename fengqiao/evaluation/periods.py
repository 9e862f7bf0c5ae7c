"""Periods of evaluation: local (Asia/Shanghai) dates, both ends included, as aware datetimes."""

from datetime import date, datetime, time, timedelta

from fengqiao.cases.deadlines import LOCAL
from fengqiao.errors import FieldError


def bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in local time."""
    if end < start:
        raise FieldError("to", "before from")
    return datetime.combine(start, time(), LOCAL), datetime.combine(end + timedelta(days=1), time(), LOCAL)


def previous(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before."""
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)
