"""Evaluation (督查考核) of townships and departments for a period.

Per subject, over the cases reported in the period (merged duplicates once) — a township's are
the cases in its region subtree, a department's those it handles (lead unit):

    received, resolved (resolved, verified or closed), resolution_rate = resolved / received,
    on_time_rate = resolved never overdue / resolved, satisfaction = mean 1–5 of closed cases rated,
    follow_up_rate = closed cases with an answered follow-up (回访) / closed cases,
    grassroots_share = resolved at village or town level / resolved, overdue (ever overdue),
    notices = supervision letters issued in the period (township: on its cases; department: to it),
    yellow_cards, red_cards = stage-clock cards given in the period (township: on its cases;
    department: to it as the unit holding the clock).

The score: the weighted mean (admin-set `ScoringWeights`) of the rates as percentages
(satisfaction as satisfaction / 5), over the rates that exist (a rate with no denominator is left
out and the weights of the others renormalised), minus `overdue_penalty` per overdue case,
`notice_penalty` per letter, `yellow_card_penalty` and `red_card_penalty` per card, and the points of every checklist entry of the period not passed;
never below 0. A subject with no case in the period has no rates and no score; it ranks last.
Rank 1 is the best score; equal scores share a rank.
"""

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Exists, OuterRef, Q

from fengqiao.accounts.models import Unit
from fengqiao.cases.codes import SETTLED_STATUSES, Level, Status
from fengqiao.cases.models import Card, Case, FollowUp
from fengqiao.regions import codes
from fengqiao.regions.models import Region
from fengqiao.supervision.models import SupervisionNotice

from . import periods
from .models import ChecklistEntry, ChecklistItem, ScoringWeights

TOWNSHIP, DEPARTMENT = "township", "department"
DEPARTMENT_KINDS = (Unit.Kind.DEPARTMENT, Unit.Kind.JUDICIAL)  # 职能部门 and 政法机关 alike
RATES = ("resolution_rate", "on_time_rate", "satisfaction", "follow_up_rate", "grassroots_share")
HUNDRED = Decimal(100)


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _figures(cases) -> dict:
    settled = Q(status__in=SETTLED_STATUSES)
    closed = Q(status=Status.CLOSED)
    answered = FollowUp.objects.filter(case=OuterRef("pk"), answered_at__isnull=False)
    totals = cases.aggregate(
        received=Count("pk"),
        resolved=Count("pk", filter=settled),
        on_time=Count("pk", filter=settled & Q(overdue=False)),
        grassroots=Count("pk", filter=settled & Q(level__in=[Level.VILLAGE, Level.TOWN])),
        closed=Count("pk", filter=closed),
        overdue=Count("pk", filter=Q(overdue=True)),
        satisfaction=Avg("satisfaction", filter=closed & Q(satisfaction__isnull=False)),
    )
    totals["followed"] = cases.filter(closed, Exists(answered)).count()
    return totals


def _shape(raw: dict, notices: int) -> dict:
    satisfaction = raw["satisfaction"]
    return {
        "received": raw["received"],
        "resolved": raw["resolved"],
        "resolution_rate": _ratio(raw["resolved"], raw["received"]),
        "on_time_rate": _ratio(raw["on_time"], raw["resolved"]),
        "satisfaction": round(float(satisfaction), 2) if satisfaction is not None else None,
        "follow_up_rate": _ratio(raw["followed"], raw["closed"]),
        "grassroots_share": _ratio(raw["grassroots"], raw["resolved"]),
        "overdue": raw["overdue"],
        "notices": notices,
        "yellow_cards": raw["yellow_cards"],
        "red_cards": raw["red_cards"],
        # kept for the totals row
        "_raw": {**raw, "satisfaction_sum": (satisfaction or 0) * _rated(raw)},
    }


def _card_counts(cards) -> dict:
    counts = dict(cards.values_list("colour").annotate(n=Count("pk")).order_by())
    return {
        "yellow_cards": counts.get(Card.Colour.YELLOW, 0),
        "red_cards": counts.get(Card.Colour.RED, 0),
    }


def _rated(raw) -> int:
    return raw.get("rated", 0)


def score(row: dict, weights: ScoringWeights, deductions: Decimal) -> Decimal | None:
    parts = []
    for name in RATES:
        value = row[name]
        if value is None:
            continue
        percent = Decimal(str(value)) * (Decimal(20) if name == "satisfaction" else HUNDRED)
        parts.append((Decimal(getattr(weights, name)), percent))
    total_weight = sum(weight for weight, _ in parts)
    if not parts or not total_weight:
        return None
    base = sum(weight * percent for weight, percent in parts) / total_weight
    penalty = (
        row["overdue"] * Decimal(weights.overdue_penalty)
        + row["notices"] * Decimal(weights.notice_penalty)
        + row["yellow_cards"] * Decimal(weights.yellow_card_penalty)
        + row["red_cards"] * Decimal(weights.red_card_penalty)
        + deductions
    )
    return max(Decimal(0), base - penalty).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _deductions(kind: str, start: date, end: date) -> tuple[dict, dict]:
    """Failed checklist entries of periods inside [start, end]: points and names per subject."""
    applies = [ChecklistItem.AppliesTo.BOTH, kind]
    entries = ChecklistEntry.objects.filter(
        passed=False,
        item__active=True,
        item__applies_to__in=applies,
        period_start__gte=start,
        period_end__lte=end,
    ).select_related("item")
    entries = entries.filter(region__isnull=False) if kind == TOWNSHIP else entries.filter(unit__isnull=False)
    points: dict = defaultdict(Decimal)
    names: dict = defaultdict(list)
    for entry in entries:
        key = entry.region_id if kind == TOWNSHIP else entry.unit_id
        points[key] += entry.item.points
        names[key].append(entry.item.name)
    return points, names


def subjects(kind: str, scope_q_region, scope_q_unit):
    if kind == TOWNSHIP:
        return list(Region.objects.filter(scope_q_region, kind=Region.Kind.TOWNSHIP).order_by("code"))
    return list(
        Unit.objects.filter(scope_q_unit, kind__in=DEPARTMENT_KINDS, active=True)
        .select_related("region")
        .order_by("code")
    )


def evaluate(kind: str, subject_list: list, start: date, end: date) -> dict:
    """The figures, score and rank of every subject, and the totals over them."""
    weights = ScoringWeights.current()
    low, high = periods.bounds(start, end)
    in_period = Case.objects.filter(reported_at__gte=low, reported_at__lt=high, merged_into__isnull=True)
    letters = SupervisionNotice.objects.filter(issued_at__gte=low, issued_at__lt=high)
    cards_given = Card.objects.filter(at__gte=low, at__lt=high)
    points, names = _deductions(kind, start, end)
    rows = []
    for subject in subject_list:
        if kind == TOWNSHIP:
            cases = in_period.filter(codes.subtree_q("region_id", subject.code))
            notices = letters.filter(codes.subtree_q("case__region_id", subject.code)).count()
            cards = cards_given.filter(codes.subtree_q("case__region_id", subject.code))
            key, ident = subject.code, {"code": subject.code, "name": subject.name}
        else:
            cases = in_period.filter(handling_unit=subject)
            notices = letters.filter(unit=subject).count()
            cards = cards_given.filter(unit=subject)
            key, ident = subject.pk, {"code": subject.code, "name": subject.name}
        raw = _figures(cases)
        raw.update(_card_counts(cards))
        raw["rated"] = cases.filter(status=Status.CLOSED, satisfaction__isnull=False).count()
        row = {**ident, **_shape(raw, notices)}
        deduction = points.get(key, Decimal(0))
        row["checklist_deduction"] = float(deduction)
        row["checklist_failed"] = names.get(key, [])
        value = score(row, weights, deduction)
        row["score"] = float(value) if value is not None else None
        rows.append(row)
    rows.sort(key=lambda row: (row["score"] is None, -(row["score"] or 0), row["code"]))
    rank, previous = 0, object()
    for position, row in enumerate(rows, start=1):
        if row["score"] is None:
            row["rank"] = None
            continue
        if row["score"] != previous:
            rank, previous = position, row["score"]
        row["rank"] = rank
    totals = _totals(rows)
    for row in rows:
        row.pop("_raw")
    return {
        "kind": kind,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "weights": {
            name: float(getattr(weights, name))
            for name in (
                *RATES,
                "overdue_penalty",
                "notice_penalty",
                "yellow_card_penalty",
                "red_card_penalty",
            )
        },
        "rows": rows,
        "totals": totals,
    }


def _totals(rows: list[dict]) -> dict:
    raw = defaultdict(float)
    for row in rows:
        for name, value in row["_raw"].items():
            raw[name] += value or 0
    notices = sum(row["notices"] for row in rows)
    rated = int(raw["rated"])
    return {
        "received": int(raw["received"]),
        "resolved": int(raw["resolved"]),
        "resolution_rate": _ratio(int(raw["resolved"]), int(raw["received"])),
        "on_time_rate": _ratio(int(raw["on_time"]), int(raw["resolved"])),
        "satisfaction": round(raw["satisfaction_sum"] / rated, 2) if rated else None,
        "follow_up_rate": _ratio(int(raw["followed"]), int(raw["closed"])),
        "grassroots_share": _ratio(int(raw["grassroots"]), int(raw["resolved"])),
        "overdue": int(raw["overdue"]),
        "notices": notices,
        "yellow_cards": int(raw["yellow_cards"]),
        "red_cards": int(raw["red_cards"]),
    }
