"""The figures of a region and period, read from the same rows the closed loop writes."""

from datetime import datetime, timedelta

from django.db.models import Count, Q

from fengqiao.regions import codes as region_codes

from . import rollups, selectors
from .codes import SETTLED_STATUSES
from .models import Card, Case, FollowUp

rollups.register()


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def case_stats(
    cases, region_code: str, start: datetime | None, end: datetime | None, use_rollup: bool | None = None
) -> dict:
    """Cases received in the period (merged duplicates count once) and what became of them.

    For a county or a larger region, when `cases` holds every case of the region (the caller's
    scope covers it), the whole UTC+8 days of the period are read from the rollup (rollups.py) and
    only the partial days at its ends from the case table; otherwise everything is read from the
    case table. Both give the same figures. `use_rollup=False` forces the case table."""
    prefix = rollups.county_prefix(region_code)
    try:
        days = rollups.whole_days(start, end)
        if days is not None and days[1] is not None:
            rollups.midnight(days[1] + timedelta(days=1))
    except OverflowError:  # a period ending at the end of year 9999
        days = None
    if (
        use_rollup is not False
        and prefix is not None
        and days is not None
        and rollups.covers_subtree(cases, prefix)
        and _has_rollup()
    ):
        first, last = days
        figures = rollups.figures(prefix, first, last)
        everything = Case.objects.all()
        if first is not None and start < rollups.midnight(first):
            _add(figures, _base_figures(everything, region_code, start, rollups.midnight(first), True))
        if last is not None:
            after = rollups.midnight(last + timedelta(days=1))
            if after <= end:
                _add(figures, _base_figures(everything, region_code, after, end))
    else:
        figures = _base_figures(cases, region_code, start, end)
    return _result(figures, region_code, start, end)


_ROLLUP_PRESENT: set = set()


def _has_rollup() -> bool:
    """The rollup's tables exist (cached once found: a database is migrated forwards)."""
    from django.db import connection

    key = (connection.vendor, connection.settings_dict.get("NAME"))
    if key not in _ROLLUP_PRESENT and rollups.available():
        _ROLLUP_PRESENT.add(key)
    return key in _ROLLUP_PRESENT


def _add(total: dict, more: dict) -> None:
    for key, n in more.items():
        total[key] = total.get(key, 0) + n


def _base_figures(cases, region_code: str, start, end, end_exclusive: bool = False) -> dict[str, int]:
    """The figures counted from the case and card tables, keyed as the rollup keys them."""
    if rollups.covers_subtree(cases, region_codes.significant_prefix(region_code)):
        # The caller sees every case of the region: count them without testing each row against
        # the caller's scope (an OR with "dispatched to my unit" needs every row's heap tuple), so
        # a township is read through its own list index (in_region), the rows alone.
        cases = Case.objects.all()
    cases = selectors.in_region(cases, region_code).filter(merged_into__isnull=True)
    if start:
        cases = cases.filter(reported_at__gte=start)
    if end:
        cases = cases.filter(reported_at__lt=end) if end_exclusive else cases.filter(reported_at__lte=end)
    # One pass over the rows (one GROUP BY over every dimension, summed here) rather than a
    # statement per figure: below a county the rows are scattered over the heap, and each
    # statement read all of them again.
    figures: dict[str, int] = {"received": 0, "resolved": 0, "on_time": 0, "overdue": 0}
    groups = cases.values_list("category", "status", "level", "channel", "overdue").annotate(n=Count("pk"))
    for category, status, level, channel, overdue, n in groups.order_by():
        settled = status in SETTLED_STATUSES
        figures["received"] += n
        for key in (f"category:{category}", f"status:{status}", f"channel:{channel}"):
            figures[key] = figures.get(key, 0) + n
        if settled:
            figures["resolved"] += n
            figures[f"level:{level}"] = figures.get(f"level:{level}", 0) + n
            if not overdue:
                figures["on_time"] += n
        if overdue:
            figures["overdue"] += n
    figures.update(
        Card.objects.filter(case__in=cases).aggregate(
            yellow=Count("pk", filter=Q(colour=Card.Colour.YELLOW)),
            red=Count("pk", filter=Q(colour=Card.Colour.RED)),
        )
    )
    return {key: n for key, n in figures.items() if n}


def _result(figures: dict[str, int], region_code: str, start, end) -> dict:
    def breakdown(field):
        prefix = field + ":"
        return {key[len(prefix) :]: n for key, n in sorted(figures.items()) if key.startswith(prefix) and n}

    received, resolved = figures.get("received", 0), figures.get("resolved", 0)
    return {
        "region": region_code,
        "from": start.date().isoformat() if start else None,
        "to": end.date().isoformat() if end else None,
        "received": received,
        "resolved": resolved,
        "overdue": figures.get("overdue", 0),
        "resolution_rate": _ratio(resolved, received),
        "on_time_rate": _ratio(figures.get("on_time", 0), resolved),
        "by_category": breakdown("category"),
        "by_level": breakdown("level"),
        "by_status": breakdown("status"),
        "by_channel": breakdown("channel"),
        "cards": {"yellow": figures.get("yellow", 0), "red": figures.get("red", 0)},
    }


def unit_cards(start: datetime | None = None, end: datetime | None = None, unit_ids=None) -> dict:
    """Yellow and red cards given to each unit in the period, by when they were given:
    {unit_id: {"yellow": n, "red": n}}, for the evaluation's points per card."""
    cards = Card.objects.filter(unit__isnull=False)
    if start:
        cards = cards.filter(at__gte=start)
    if end:
        cards = cards.filter(at__lte=end)
    if unit_ids is not None:
        cards = cards.filter(unit_id__in=list(unit_ids))
    counts: dict = {}
    for row in cards.values("unit_id", "colour").annotate(n=Count("pk")).order_by():
        counts.setdefault(row["unit_id"], {"yellow": 0, "red": 0})[row["colour"]] = row["n"]
    return counts


def unit_follow_up_failures(start: datetime | None = None, end: datetime | None = None) -> dict:
    """Follow-ups answered "not settled" in the period, per unit that closed the case:
    {unit_id: n} (the cases that unit closed too early)."""
    answers = FollowUp.objects.filter(settled=False, unit__isnull=False)
    if start:
        answers = answers.filter(answered_at__gte=start)
    if end:
        answers = answers.filter(answered_at__lte=end)
    rows = answers.values("unit_id").annotate(n=Count("pk")).order_by()
    return {row["unit_id"]: row["n"] for row in rows}
