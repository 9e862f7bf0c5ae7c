"""The figures of a region and period, read from the same rows the closed loop writes."""

from datetime import datetime

from django.db.models import Count, Q

from fengqiao.regions import codes as region_codes

from .codes import SETTLED_STATUSES
from .models import Card, FollowUp


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def case_stats(cases, region_code: str, start: datetime | None, end: datetime | None) -> dict:
    """Cases received in the period (merged duplicates count once) and what became of them."""
    cases = cases.filter(region_codes.subtree_q("region_id", region_code), merged_into__isnull=True)
    if start:
        cases = cases.filter(reported_at__gte=start)
    if end:
        cases = cases.filter(reported_at__lte=end)
    settled = Q(status__in=SETTLED_STATUSES)
    totals = cases.aggregate(
        received=Count("pk"),
        resolved=Count("pk", filter=settled),
        on_time=Count("pk", filter=settled & Q(overdue=False)),
        overdue=Count("pk", filter=Q(overdue=True)),
    )

    def breakdown(field, only=None):
        rows = cases.filter(only or Q()).values(field).annotate(n=Count("pk")).order_by(field)
        return {row[field]: row["n"] for row in rows}

    cards = Card.objects.filter(case__in=cases).aggregate(
        yellow=Count("pk", filter=Q(colour=Card.Colour.YELLOW)),
        red=Count("pk", filter=Q(colour=Card.Colour.RED)),
    )
    return {
        "region": region_code,
        "from": start.date().isoformat() if start else None,
        "to": end.date().isoformat() if end else None,
        "received": totals["received"],
        "resolved": totals["resolved"],
        "overdue": totals["overdue"],
        "resolution_rate": _ratio(totals["resolved"], totals["received"]),
        "on_time_rate": _ratio(totals["on_time"], totals["resolved"]),
        "by_category": breakdown("category"),
        "by_level": breakdown("level", settled),
        "by_status": breakdown("status"),
        "by_channel": breakdown("channel"),
        "cards": cards,
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
