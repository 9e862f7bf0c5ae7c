"""The platform's notion of "now". Writes take their time from here, so that historical imports
and the demo's year of history can run the real actions at the moment a matter happened:

    with clock.at(datetime(2026, 3, 1, 9, tzinfo=UTC)):
        create_case(...)
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_override: ContextVar[datetime | None] = ContextVar("fengqiao_clock_override", default=None)


def now() -> datetime:
    return _override.get() or timezone.now()


@contextmanager
def at(moment: datetime):
    if timezone.is_naive(moment):
        raise ValueError("clock.at needs an aware datetime")
    token = _override.set(moment)
    try:
        yield moment
    finally:
        _override.reset(token)
