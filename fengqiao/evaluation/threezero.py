"""The "three zeros" (三零创建: 零上访、零事故、零案件) of villages, communities and enterprises.

For a unit and a period the counts are
    petitions  cases of the platform in the unit's region with category `petition` or arriving
               through the petition bureau, plus reported petition events;
    accidents  cases with category `traffic` (交通事故纠纷), plus reported accidents;
    criminal   cases with category `public_security` (治安刑事警情), plus reported criminal cases.
Enterprises have no region of their own, so only their reported events count. Merged duplicates
count once. A unit is compliant (达标) when all three are zero. Its rating weighs the counts with
the admin-set `ThreeZeroRule`: points below `yellow_from` are blue, then yellow, orange and red.
The warning ledger lists units rated orange or red, or rated worse than in the period before.
"""

from collections import defaultdict
from datetime import date

from django.db.models import Count, Q

from fengqiao.cases.codes import Category, Channel
from fengqiao.cases.models import Case
from fengqiao.regions import codes
from fengqiao.regions.models import Region

from . import periods
from .models import ThreeZeroEvent, ThreeZeroRule, ThreeZeroUnit

KINDS = ("petition", "accident", "criminal")
RATINGS = ("blue", "yellow", "orange", "red")
RATING_LABELS = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
CASE_KINDS = {
    "petition": Q(category=Category.PETITION) | Q(channel=Channel.PETITION_BUREAU),
    "accident": Q(category=Category.TRAFFIC),
    "criminal": Q(category=Category.PUBLIC_SECURITY),
}


def rating(points: int, rule: ThreeZeroRule) -> str:
    if points >= rule.red_from:
        return "red"
    if points >= rule.orange_from:
        return "orange"
    if points >= rule.yellow_from:
        return "yellow"
    return "blue"


def points(counts: dict, rule: ThreeZeroRule) -> int:
    return (
        counts["petition"] * rule.petition_weight
        + counts["accident"] * rule.accident_weight
        + counts["criminal"] * rule.criminal_weight
    )


def _case_counts(units: list[ThreeZeroUnit], start: date, end: date) -> dict[int, dict]:
    """Platform cases per village/community unit, by kind."""
    counted = [unit for unit in units if unit.kind != ThreeZeroUnit.Kind.ENTERPRISE]
    result: dict[int, dict] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    if not counted:
        return result
    low, high = periods.bounds(start, end)
    scope = Q()
    for prefix in {codes.significant_prefix(unit.region_id)[:9] for unit in counted}:
        scope |= codes.prefix_q("region_id", prefix)
    cases = Case.objects.filter(scope, reported_at__gte=low, reported_at__lt=high, merged_into__isnull=True)
    rows = cases.values("region_id").annotate(
        **{kind: Count("pk", filter=condition) for kind, condition in CASE_KINDS.items()}
    )
    by_region = {row["region_id"]: row for row in rows if any(row[kind] for kind in KINDS)}
    for unit in counted:
        for code, row in by_region.items():
            if codes.in_subtree(code, unit.region_id):
                for kind in KINDS:
                    result[unit.pk][kind] += row[kind]
    return result


def _event_counts(units: list[ThreeZeroUnit], start: date, end: date) -> dict[int, dict]:
    result: dict[int, dict] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    rows = (
        ThreeZeroEvent.objects.filter(unit__in=units, occurred_on__gte=start, occurred_on__lte=end)
        .values("unit_id", "kind")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        result[row["unit_id"]][row["kind"]] += row["n"]
    return result


def unit_figures(units: list[ThreeZeroUnit], start: date, end: date, rule: ThreeZeroRule) -> list[dict]:
    from_cases = _case_counts(units, start, end)
    from_events = _event_counts(units, start, end)
    figures = []
    for unit in units:
        counts = {kind: from_cases[unit.pk][kind] + from_events[unit.pk][kind] for kind in KINDS}
        score = points(counts, rule)
        figures.append(
            {
                "id": unit.pk,
                "name": unit.name,
                "kind": unit.kind,
                "region_code": unit.region_id,
                **counts,
                "points": score,
                "rating": rating(score, rule),
                "compliant": not any(counts.values()),
            }
        )
    return figures


def township_of(code: str) -> str:
    return code[:9].ljust(12, "0")


def report(units_qs, start: date, end: date) -> dict:
    """Every unit's figures, the warning ledger and the compliance rate per township."""
    rule = ThreeZeroRule.current()
    units = list(units_qs.filter(active=True).order_by("region_id", "kind", "name"))
    figures = unit_figures(units, start, end, rule)
    before = {row["id"]: row for row in unit_figures(units, *periods.previous(start, end), rule)}
    warnings = []
    for row in figures:
        previous = before[row["id"]]["rating"]
        worse = RATINGS.index(row["rating"]) > RATINGS.index(previous)
        if row["rating"] in ("orange", "red") or worse:
            warnings.append({**row, "previous_rating": previous, "worsened": worse})
    areas: dict[str, dict] = {}
    for row in figures:
        area = areas.setdefault(township_of(row["region_code"]), {"units": 0, "compliant": 0, "by_kind": {}})
        area["units"] += 1
        area["compliant"] += row["compliant"]
        kind = area["by_kind"].setdefault(row["kind"], {"units": 0, "compliant": 0})
        kind["units"] += 1
        kind["compliant"] += row["compliant"]
    names = dict(Region.objects.filter(code__in=list(areas)).values_list("code", "name"))
    area_rows = [
        {
            "region_code": code,
            "name": names.get(code, code),
            **area,
            "compliance_rate": round(area["compliant"] / area["units"], 4),
        }
        for code, area in sorted(areas.items())
    ]
    total = len(figures)
    compliant = sum(row["compliant"] for row in figures)
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "rule": {
            "petition_weight": rule.petition_weight,
            "accident_weight": rule.accident_weight,
            "criminal_weight": rule.criminal_weight,
            "yellow_from": rule.yellow_from,
            "orange_from": rule.orange_from,
            "red_from": rule.red_from,
        },
        "units": figures,
        "warnings": warnings,
        "areas": area_rows,
        "totals": {
            "units": total,
            "compliant": compliant,
            "compliance_rate": round(compliant / total, 4) if total else None,
            "by_rating": {name: sum(row["rating"] == name for row in figures) for name in RATINGS},
        },
    }
