import pytest

from fengqiao.workdays import calendar


@pytest.fixture(autouse=True)
def fresh_calendar():
    """The calendar table is cached per process; a test's rolled-back rows must not leak out of it."""
    calendar.invalidate()
    yield
    calendar.invalidate()
