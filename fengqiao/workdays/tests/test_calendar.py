"""The working-day calendar. Expected dates are listed by hand from the State Council's 2026
arrangement (国办发明电〔2025〕7号), not computed with chinese-calendar:

- 元旦 1-1..1-3 off, Sunday 1-4 works;
- 春节 2-15..2-23 off, Saturdays 2-14 and 2-28 work;
- 清明 4-4..4-6; 劳动节 5-1..5-5 off, Saturday 5-9 works; 端午 6-19..6-21;
- 中秋 9-25..9-27 off;
- 国庆 10-1..10-7 off, Sunday 9-20 and Saturday 10-10 work.
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from fengqiao import clock
from fengqiao.cases import deadlines
from fengqiao.workdays import calendar
from fengqiao.workdays.calendar import (
    LOCAL,
    CalendarUnknown,
    add_duration,
    is_working_day,
    working_days_between,
)
from fengqiao.workdays.models import CalendarWarning, CalendarYear, DayOverride

NATIONAL_DAY_2026 = [date(2026, 10, d) for d in range(1, 8)]
MID_AUTUMN_2026 = [date(2026, 9, 25), date(2026, 9, 26), date(2026, 9, 27)]
SPRING_FESTIVAL_2026 = [date(2026, 2, d) for d in range(15, 24)]
MAKE_UP_2026 = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]
BEYOND = calendar.library_years()[-1] + 1  # the first year the installed library does not know


def local(*args) -> datetime:
    """A Shanghai wall-clock time, as the UTC moment the platform stores."""
    return datetime(*args, tzinfo=LOCAL).astimezone(UTC)


@pytest.mark.django_db
def test_the_2026_arrangement():
    for day in NATIONAL_DAY_2026 + MID_AUTUMN_2026 + SPRING_FESTIVAL_2026:
        assert not is_working_day(day), day
    for day in MAKE_UP_2026:
        assert day.weekday() >= 5 and is_working_day(day), day
    assert is_working_day(date(2026, 9, 30))  # Wednesday
    assert not is_working_day(date(2026, 10, 11))  # an ordinary Sunday
    assert is_working_day(date(2026, 10, 12))  # Monday


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, days, expected",
    [
        # Wed 9-30; 10-1..10-7 off; 10-8 Thu (1), 10-9 Fri (2), 10-10 Sat make-up (3), 10-12 Mon (4), 10-13 (5)
        (local(2026, 9, 30, 10, 0), 5, local(2026, 10, 13, 10, 0)),
        # Thu 9-24 09:00; 9-25..27 中秋, 9-28 (1), 9-29 (2), 9-30 (3), 10-8 (4), 10-9 (5), 10-10 (6), 10-12 (7)
        (local(2026, 9, 24, 9, 0), 7, local(2026, 10, 12, 9, 0)),
        # Fri 9-18 15:30: Sunday 9-20 works (1), 9-21 (2), 9-22 (3)
        (local(2026, 9, 18, 15, 30), 3, local(2026, 9, 22, 15, 30)),
        # Starting on a holiday: counting begins with the next working day
        (local(2026, 10, 3, 10, 0), 1, local(2026, 10, 8, 10, 0)),
        (local(2026, 10, 3, 10, 0), 3, local(2026, 10, 10, 10, 0)),
        # Zero working days: the start itself
        (local(2026, 10, 3, 10, 0), 0, local(2026, 10, 3, 10, 0)),
    ],
)
def test_working_days_across_national_day(start, days, expected):
    due = add_duration(start, days, "working")
    assert due == expected
    assert due.tzinfo is UTC
    assert working_days_between(start, due) == days


@pytest.mark.django_db
@pytest.mark.parametrize(
    "start, days, expected",
    [
        # Fri 2-13 16:00: Saturday 2-14 works (1); 2-15..2-23 off; 2-24 Tue (2), 2-25 Wed (3)
        (local(2026, 2, 13, 16, 0), 3, local(2026, 2, 25, 16, 0)),
        # Tue 2-24: 2-25 (1), 2-26 (2), 2-27 (3), Saturday 2-28 works (4), 3-2 Mon (5)
        (local(2026, 2, 24, 8, 30), 4, local(2026, 2, 28, 8, 30)),
        (local(2026, 2, 24, 8, 30), 5, local(2026, 3, 2, 8, 30)),
        # The 四级七天 rule as working days from New Year's Eve: 1-1..1-3 off, Sunday 1-4 works (1),
        # 1-5..1-9 (2..6), 1-12 (7)
        (local(2025, 12, 31, 17, 0), 7, local(2026, 1, 12, 17, 0)),
    ],
)
def test_working_days_across_spring_festival_and_new_year(start, days, expected):
    assert add_duration(start, days, "working") == expected


@pytest.mark.django_db
def test_days_are_counted_on_shanghai_dates_not_utc_dates():
    # 2026-09-30 20:00 UTC is 2026-10-01 04:00 in Shanghai, inside the holiday: the first working
    # day after it is 10-08, at 04:00 Shanghai = 10-07 20:00 UTC (counting UTC dates would say 10-08 20:00).
    start = datetime(2026, 9, 30, 20, 0, tzinfo=UTC)
    assert add_duration(start, 1, "working") == datetime(2026, 10, 7, 20, 0, tzinfo=UTC)
    # the same moment given in another zone comes back in that zone
    in_shanghai = start.astimezone(LOCAL)
    due = add_duration(in_shanghai, 1, "working")
    assert due.tzinfo is LOCAL and due == datetime(2026, 10, 8, 4, 0, tzinfo=LOCAL)
    assert is_working_day(datetime(2026, 9, 30, 15, 59, tzinfo=UTC))  # 23:59 on the 30th locally
    assert not is_working_day(datetime(2026, 9, 30, 16, 0, tzinfo=UTC))  # 00:00 on 10-01 locally


@pytest.mark.django_db
def test_natural_days_and_hours_ignore_holidays():
    start = local(2026, 9, 30, 10, 15)
    assert add_duration(start, 7, "calendar") == local(2026, 10, 7, 10, 15)
    assert add_duration(start, 24, "hours") == local(2026, 10, 1, 10, 15)
    assert add_duration(start, 36, "hours") == local(2026, 10, 1, 22, 15)
    for unit in ("calendar", "hours", "working"):
        assert add_duration(start, 3, unit).tzinfo is UTC
    # beyond the library's years natural counting still works: it needs no calendar
    late = local(BEYOND - 1, 12, 30, 9, 0)
    assert add_duration(late, 10, "calendar") == late + timedelta(days=10)
    assert add_duration(late, 72, "hours") == late + timedelta(hours=72)
    assert not CalendarWarning.objects.exists()


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        add_duration(datetime(2026, 9, 30, 10), 1, "working")  # naive
    with pytest.raises(ValueError):
        add_duration(local(2026, 9, 30, 10), 1, "fortnights")
    with pytest.raises(ValueError):
        add_duration(local(2026, 9, 30, 10), -1, "working")


@pytest.mark.django_db
def test_an_admin_override_moves_a_deadline():
    start = local(2026, 9, 30, 10, 0)
    assert add_duration(start, 5, "working") == local(2026, 10, 13, 10, 0)  # now cached
    DayOverride.objects.create(date=date(2026, 10, 12), is_working_day=False, name="防汛停工")
    assert add_duration(start, 5, "working") == local(2026, 10, 14, 10, 0)
    DayOverride.objects.create(date=date(2026, 10, 11), is_working_day=True, name="补班")
    assert add_duration(start, 5, "working") == local(2026, 10, 13, 10, 0)
    DayOverride.objects.filter(date=date(2026, 10, 11)).delete()
    assert add_duration(start, 5, "working") == local(2026, 10, 14, 10, 0)
    # a library day can be overridden too: 10-07 made a working day
    override = DayOverride.objects.get(date=date(2026, 10, 12))
    override.is_working_day = True
    override.save()
    DayOverride.objects.create(date=date(2026, 10, 7), is_working_day=True, name="更正")
    assert add_duration(start, 1, "working") == local(2026, 10, 7, 10, 0)


@pytest.mark.django_db
def test_a_year_beyond_the_library_raises_and_warns_once():
    start = local(BEYOND - 1, 12, 28, 10, 0)
    with pytest.raises(CalendarUnknown) as raised:
        add_duration(start, 10, "working")
    assert raised.value.year == BEYOND
    assert str(BEYOND) in str(raised.value)
    with pytest.raises(CalendarUnknown):
        deadlines.add_days(start, 10, "working")
    with pytest.raises(CalendarUnknown):
        working_days_between(start, local(BEYOND, 1, 20, 10, 0))
    with pytest.raises(CalendarUnknown):
        is_working_day(date(BEYOND, 3, 3))
    warning = CalendarWarning.objects.get()
    assert (warning.year, warning.resolved_at) == (BEYOND, None)
    # is_working_day alone is a question, not a computation: it records nothing more
    assert CalendarWarning.objects.count() == 1


@pytest.mark.django_db
def test_an_override_alone_does_not_make_a_year_known():
    DayOverride.objects.create(date=date(BEYOND, 1, 1), is_working_day=False, name="元旦")
    assert not is_working_day(date(BEYOND, 1, 1))  # the admin's day answers
    with pytest.raises(CalendarUnknown):
        is_working_day(date(BEYOND, 1, 5))  # but the rest of the year is unknown
    CalendarYear.objects.create(year=BEYOND, complete=False)
    with pytest.raises(CalendarUnknown):
        is_working_day(date(BEYOND, 1, 5))


@pytest.mark.django_db
def test_a_year_marked_complete_with_admin_days_is_usable():
    # 2099: Thu 1-1 and Fri 1-2 off, Sunday 1-4 works
    start = local(2098, 12, 31, 10, 0)
    with pytest.raises(CalendarUnknown):
        add_duration(start, 2, "working")
    assert CalendarWarning.objects.filter(year=2099, resolved_at=None).exists()
    DayOverride.objects.create(date=date(2099, 1, 1), is_working_day=False, name="元旦")
    DayOverride.objects.create(date=date(2099, 1, 2), is_working_day=False, name="元旦")
    DayOverride.objects.create(date=date(2099, 1, 4), is_working_day=True, name="元旦调休")
    CalendarYear.objects.create(year=2099, complete=True, note="测试")
    # 1-3 Sat off, 1-4 Sun works (1), 1-5 Mon (2)
    assert add_duration(start, 2, "working") == local(2099, 1, 5, 10, 0)
    assert add_duration(start, 1, "working") == local(2099, 1, 4, 10, 0)
    assert is_working_day(date(2099, 1, 6)) and not is_working_day(date(2099, 1, 10))
    assert CalendarWarning.objects.get(year=2099).resolved_at is not None
    # un-marking makes it unknown again, and the warning reopens
    CalendarYear.objects.filter(year=2099).update(complete=False)
    calendar.invalidate()
    with pytest.raises(CalendarUnknown):
        add_duration(start, 2, "working")
    assert CalendarWarning.objects.get(year=2099).resolved_at is None


@pytest.mark.django_db
def test_deadlines_delegate_to_the_calendar():
    assert deadlines.CalendarUnknown is CalendarUnknown
    start = local(2026, 9, 30, 10, 0)
    assert deadlines.add_days(start, 5, "working") == local(2026, 10, 13, 10, 0)
    assert deadlines.add_days(start, 5) == local(2026, 10, 5, 10, 0)
    assert deadlines.is_working_day(date(2026, 10, 10))
    assert deadlines.advance(start, 5, "working") == local(2026, 10, 13, 10, 0)
    assert deadlines.advance(start, 5, "hours") == local(2026, 9, 30, 15, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "counting, amount, yellow_after, yellow, due",
    [
        ("calendar", 7, 5, local(2026, 10, 5, 10, 0), local(2026, 10, 7, 10, 0)),
        # 10-8 (1), 10-9 (2), 10-10 Sat make-up (3), 10-12 (4), 10-13 (5), 10-14 (6), 10-15 (7)
        ("working", 7, 5, local(2026, 10, 13, 10, 0), local(2026, 10, 15, 10, 0)),
        ("hours", 24, 16, local(2026, 10, 1, 2, 0), local(2026, 10, 1, 10, 0)),
    ],
)
def test_yellow_and_red_thresholds_in_each_counting(counting, amount, yellow_after, yellow, due):
    limit = deadlines.Limit(amount, counting, yellow_after, "test")
    start = local(2026, 9, 30, 10, 0)
    assert (limit.yellow(start), limit.due(start)) == (yellow, due)


@pytest.mark.django_db
def test_working_days_between():
    assert working_days_between(date(2026, 9, 30), date(2026, 10, 13)) == 5
    assert working_days_between(date(2026, 10, 13), date(2026, 9, 30)) == -5
    assert working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert working_days_between(local(2026, 9, 30, 23, 0), local(2026, 10, 1, 1, 0)) == 0
    start = local(2026, 1, 1, 9, 0)
    for n in range(0, 40, 3):
        assert working_days_between(start, add_duration(start, n, "working")) == n


@pytest.mark.django_db
def test_a_change_in_another_process_arrives_within_the_refresh_interval(monkeypatch):
    start = local(2026, 9, 30, 10, 0)
    assert add_duration(start, 5, "working") == local(2026, 10, 13, 10, 0)
    # as if another process wrote the row: no signal here
    DayOverride.objects.bulk_create([DayOverride(date=date(2026, 10, 12), is_working_day=False)])
    assert add_duration(start, 5, "working") == local(2026, 10, 13, 10, 0)  # still cached
    real = calendar.time.monotonic
    monkeypatch.setattr(calendar.time, "monotonic", lambda: real() + calendar.REFRESH_SECONDS + 1)
    assert add_duration(start, 5, "working") == local(2026, 10, 14, 10, 0)


@pytest.mark.django_db
def test_record_unknown_year_is_idempotent():
    first = calendar.record_unknown_year(2101)
    again = calendar.record_unknown_year(2101)
    assert first.pk == again.pk and CalendarWarning.objects.filter(year=2101).count() == 1
    with clock.at(datetime(2026, 1, 1, tzinfo=UTC)):
        calendar.record_unknown_year(2102)
    assert CalendarWarning.objects.get(year=2102).first_seen_at == datetime(2026, 1, 1, tzinfo=UTC)
