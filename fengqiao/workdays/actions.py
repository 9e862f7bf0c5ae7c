"""Writes to the calendar: a year copied from chinese-calendar, or entered from a table."""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from . import calendar
from .models import CalendarYear, DayOverride


class YearNotInLibrary(Exception):
    pass


@dataclass
class LoadResult:
    year: int
    written: int = 0  # rows created or changed
    unchanged: int = 0
    removed: int = 0  # library rows the library no longer lists
    kept_admin: list[date] = field(default_factory=list)  # admin rows left as the admin set them


def library_days(year: int) -> dict[date, tuple[bool, str]]:
    """chinese-calendar's holidays and make-up working days of `year`: date -> (working, name)."""
    import chinese_calendar

    if year not in calendar.library_years():
        raise YearNotInLibrary(
            f"chinese-calendar {_library_version()} covers {calendar.library_years()[0]}–"
            f"{calendar.library_years()[-1]}, not {year}"
        )

    def chinese(english: str) -> str:
        try:
            return chinese_calendar.Holiday(english).chinese
        except ValueError:
            return english

    days = {
        day: (False, chinese(name)) for day, name in chinese_calendar.holidays.items() if day.year == year
    }
    days.update(
        {
            day: (True, f"{chinese(name)}调休")
            for day, name in chinese_calendar.workdays.items()
            if day.year == year
        }
    )
    return days


def _library_version() -> str:
    try:
        return importlib.metadata.version("chinesecalendar")
    except importlib.metadata.PackageNotFoundError:
        return "?"


@transaction.atomic
def load_days(
    year: int,
    days: dict[date, tuple[bool, str]],
    source: str,
    complete: bool,
    note: str = "",
    replace_admin: bool = False,
) -> LoadResult:
    """Write `days` (date -> (working, name)) of one year as DayOverride rows of `source`. Rows an
    admin entered are kept unless `replace_admin` (or the source is admin). Library rows of that
    year the new data no longer lists are removed. `complete` marks the year complete."""
    if any(day.year != year for day in days):
        raise ValueError(f"every date must be in {year}")
    result = LoadResult(year)
    existing = {row.date: row for row in DayOverride.objects.filter(date__year=year)}
    for day, (working, name) in sorted(days.items()):
        row = existing.get(day)
        if row is None:
            DayOverride.objects.create(date=day, is_working_day=working, name=name, source=source)
            result.written += 1
        elif row.source == DayOverride.Source.ADMIN and source != row.source and not replace_admin:
            result.kept_admin.append(day)
        elif (row.is_working_day, row.name, row.source) == (working, name, source):
            result.unchanged += 1
        else:
            row.is_working_day, row.name, row.source = working, name, source
            row.save()
            result.written += 1
    if source == DayOverride.Source.LIBRARY:
        for day, row in existing.items():
            if row.source == DayOverride.Source.LIBRARY and day not in days:
                row.delete()
                result.removed += 1
    if complete:
        CalendarYear.objects.update_or_create(year=year, defaults={"complete": True, "note": note[:200]})
    calendar.invalidate()
    transaction.on_commit(calendar.invalidate)
    calendar.resolve_known_warnings()
    return result


def load_library_year(year: int, replace_admin: bool = False) -> LoadResult:
    """Copy the library's arrangement of `year` into DayOverride (source "library") and mark the
    year complete, so it stays known whatever library version is installed later."""
    return load_days(
        year,
        library_days(year),
        DayOverride.Source.LIBRARY,
        complete=True,
        note=f"由 chinese-calendar {_library_version()} 导入",
        replace_admin=replace_admin,
    )
