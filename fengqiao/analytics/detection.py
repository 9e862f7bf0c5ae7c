"""Analysis (日分析、周研判、月调度、季评估): what stands out in a region's cases for one period.

Four detectors, each returning `Finding`s (plain data; `actions.raise_warnings` turns them into
warnings):

- Rising categories and places, against their own history. The count in the period (x) is compared
  with the count over the `HISTORY` periods before it (h) by the conditional test for two Poisson
  rates: if the rate did not change, x given x + h is Binomial(x + h, 1 / (m + 1)) for m history
  periods, and the p-value is its upper tail. A finding needs p below ALPHA divided by the number of
  tests in its family (Bonferroni), so a flat history raises nothing however many categories and
  grids there are. The history is shortened to the periods since the region's first case, so a new
  installation does not see everything "rise" from an empty past.
- Repeat incidents at one place: cases of one category within REPEAT_RADIUS_M of each other (linked
  in a chain), at least REPEAT_PLACE_MIN of them within the look-back, one of them in the period.
- Repeat disputes between the same people: two people who are parties together in at least two
  cases within the look-back, one of them in the period.
- Clusters in space and time: for each case of the last CLUSTER_DAYS, the cases within
  CLUSTER_RADIUS_M in those days, against the same disc's own rate over the CLUSTER_BASELINE_DAYS
  before (one pseudo-case added, so that a quiet place is not infinitely surprising): a Poisson tail
  test, Bonferroni over the cases tested.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import combinations

from django.db.models import Count, Min, Q
from django.db.models.functions import Substr

from fengqiao.cases.codes import Category
from fengqiao.cases.models import Case, Party
from fengqiao.regions import codes as region_codes
from fengqiao.regions.models import Region

from . import periods
from .models import Cycle, Warning

ALPHA = 0.01
HISTORY = {Cycle.DAILY: 28, Cycle.WEEKLY: 8, Cycle.MONTHLY: 6, Cycle.QUARTERLY: 4}
MIN_HISTORY = 2
REPEAT_LOOKBACK_DAYS = {Cycle.DAILY: 30, Cycle.WEEKLY: 30, Cycle.MONTHLY: 90, Cycle.QUARTERLY: 90}
PEOPLE_LOOKBACK_DAYS = 180
REPEAT_RADIUS_M = 100
REPEAT_PLACE_MIN = 3
REPEAT_PEOPLE_MIN = 2
CLUSTER_RADIUS_M = 500
CLUSTER_DAYS = 7
CLUSTER_BASELINE_DAYS = 90
CLUSTER_MIN = 4
CATEGORY_LABELS = dict(Category.choices)


@dataclass
class Finding:
    kind: str
    region_code: str
    title: str
    detail: str
    fingerprint: str
    severity: str = Warning.Severity.YELLOW
    category: str = ""
    grid_code: str | None = None
    case_ids: list[int] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------- statistics


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed exactly in log space."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_n = math.lgamma(n + 1)
    total = 0.0
    for i in range(k, n + 1):
        total += math.exp(log_n - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q)
    return min(1.0, total)


def poisson_upper_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    term = math.exp(-mean)
    below = term
    for i in range(1, k):
        term *= mean / i
        below += term
    return max(0.0, 1.0 - below) if below < 0.999999 else _poisson_tail_sum(k, mean)


def _poisson_tail_sum(k: int, mean: float) -> float:
    # The complement loses precision when the tail is tiny: sum the tail itself.
    term = math.exp(-mean + k * math.log(mean) - math.lgamma(k + 1))
    total, i = 0.0, k
    while term > 1e-300 and i < k + 1000:
        total += term
        i += 1
        term *= mean / i
    return total


def rise_test(current: int, history: int, periods_in_history: int) -> float:
    """The p-value of `current` in one period against `history` over `periods_in_history` periods."""
    return binomial_upper_tail(current, current + history, 1 / (periods_in_history + 1))


def _severity(p_value: float, ratio: float) -> str:
    if ratio >= 3 and p_value < 1e-6:
        return Warning.Severity.RED
    if ratio >= 2:
        return Warning.Severity.ORANGE
    return Warning.Severity.YELLOW


# ------------------------------------------------------------------------------------- the cases


def _cases(region: Region):
    return Case.objects.filter(region_codes.subtree_q("region_id", region.code), merged_into__isnull=True)


def _history_periods(region: Region, period: periods.Period) -> tuple[int, periods.Period | None]:
    """How many whole periods of history (up to HISTORY) lie between the region's first case and
    the period, and the earliest of them."""
    first = _cases(region).aggregate(first=Min("reported_at"))["first"]
    if first is None:
        return 0, None
    first_day = periods.today(first)
    count, earliest, cursor = 0, None, period
    while count < HISTORY[period.cycle]:
        cursor = cursor.previous()
        if cursor.start < first_day:
            break
        count += 1
        earliest = cursor
    return count, earliest


def _counts(queryset, field_name: str, period: periods.Period, earliest: periods.Period):
    """{value: (count in the period, count in the history before it)}."""
    rows = (
        queryset.filter(reported_at__gte=earliest.start_at, reported_at__lte=period.end_at)
        .values(field_name)
        .annotate(
            current=Count("pk", filter=Q(reported_at__gte=period.start_at)),
            history=Count("pk", filter=Q(reported_at__lt=period.start_at)),
        )
        .order_by()
    )
    return {row[field_name]: (row["current"], row["history"]) for row in rows if row[field_name]}


def _rises(counts: dict, m: int, families: int = 1):
    tests = max(1, len(counts)) * families
    for value, (current, history) in sorted(counts.items()):
        expected = history / m
        if current <= expected:
            continue
        p_value = rise_test(current, history, m)
        if p_value < ALPHA / tests:
            ratio = current / expected if expected else float("inf")
            yield value, current, expected, p_value, ratio


def _rise_detail(
    what: str, period: periods.Period, current: int, expected: float, m: int, p_value: float
) -> str:
    return (
        f"{what}{period.label()}受理 {current} 件,此前 {m} 个同类周期平均 {expected:.1f} 件"
        f"(双泊松率条件检验 p={p_value:.2g},已按检验次数校正)。"
    )


def rising(region: Region, period: periods.Period) -> list[Finding]:
    m, earliest = _history_periods(region, period)
    if m < MIN_HISTORY:
        return []
    cases = _cases(region)
    evidence_base = {"period": [period.start.isoformat(), period.end.isoformat()], "history_periods": m}
    findings = []
    for category, current, expected, p_value, ratio in _rises(
        _counts(cases, "category", period, earliest), m
    ):
        label = CATEGORY_LABELS.get(category, category)
        findings.append(
            Finding(
                kind=Warning.Kind.RISING_CATEGORY,
                region_code=region.code,
                category=category,
                title=f"{region.name}{label}明显上升",
                detail=_rise_detail(label, period, current, expected, m, p_value),
                fingerprint=f"rise:{region.code}:{category}:{period.cycle}:{period.start}",
                severity=_severity(p_value, ratio),
                case_ids=_ids(cases.filter(category=category), period),
                evidence={
                    **evidence_base,
                    "current": current,
                    "expected": round(expected, 2),
                    "p_value": p_value,
                },
            )
        )
    findings += _rising_places(region, period, m, earliest, evidence_base)
    return findings


def _rising_places(region, period, m, earliest, evidence_base) -> list[Finding]:
    cases = _cases(region)
    children = {child.prefix: child for child in region.children.all()}
    places: list[tuple[str, dict]] = []
    if children:
        width = len(next(iter(children)))
        by_child = _counts(cases.annotate(prefix=Substr("region_id", 1, width)), "prefix", period, earliest)
        places.append(("child", by_child))
    if region.kind not in (Region.Kind.GRID, Region.Kind.COMPOUND, Region.Kind.BUILDING):
        places.append(("grid", _counts(cases, "grid_code", period, earliest)))
    names = dict(
        Region.objects.filter(
            code__in=[code for _, counts in places for code in counts if len(code) > 12]
        ).values_list("code", "name")
    )
    findings = []
    for family, counts in places:
        for key, current, expected, p_value, ratio in _rises(counts, m):
            if family == "child":
                place = children[key]
                code, name, grid = place.code, place.name, None
                subset = cases.filter(region_codes.subtree_q("region_id", place.code))
            else:
                code, name, grid = key, names.get(key, key), key
                subset = cases.filter(grid_code=key)
            findings.append(
                Finding(
                    kind=Warning.Kind.RISING_PLACE,
                    region_code=code,
                    grid_code=grid,
                    title=f"{name}事项明显上升",
                    detail=_rise_detail(name, period, current, expected, m, p_value),
                    fingerprint=f"rise-place:{code}:{period.cycle}:{period.start}",
                    severity=_severity(p_value, ratio),
                    case_ids=_ids(subset, period),
                    evidence={
                        **evidence_base,
                        "current": current,
                        "expected": round(expected, 2),
                        "p_value": p_value,
                    },
                )
            )
    return findings


def _ids(queryset, period: periods.Period, limit: int = 50) -> list[int]:
    return list(
        queryset.filter(reported_at__gte=period.start_at, reported_at__lte=period.end_at)
        .order_by("-risk", "reported_at")
        .values_list("pk", flat=True)[:limit]
    )


# ------------------------------------------------------------------------------------- places


def _metres(lat0: float):
    scale_x = 111_320 * math.cos(math.radians(lat0))

    def project(lat, lng):
        return lng * scale_x, lat * 110_540

    return project


class _Neighbourhood:
    """Points within a radius of each other, by hashing into cells of the radius."""

    def __init__(self, points: list[tuple[float, float]], radius: float):
        self.points, self.radius = points, radius
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for index, (x, y) in enumerate(points):
            self.cells[(int(x // radius), int(y // radius))].append(index)

    def near(self, x: float, y: float) -> list[int]:
        cx, cy = int(x // self.radius), int(y // self.radius)
        found = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for index in self.cells.get((cx + dx, cy + dy), ()):
                    px, py = self.points[index]
                    if (px - x) ** 2 + (py - y) ** 2 <= self.radius**2:
                        found.append(index)
        return found


def _chains(points: list[tuple[float, float]], radius: float) -> list[list[int]]:
    """Groups of points linked by steps of at most `radius` (single linkage, union-find)."""
    index = _Neighbourhood(points, radius)
    parent = list(range(len(points)))

    def root(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, (x, y) in enumerate(points):
        for j in index.near(x, y):
            parent[root(i)] = root(j)
    groups = defaultdict(list)
    for i in range(len(points)):
        groups[root(i)].append(i)
    return list(groups.values())


def _located(queryset) -> list[dict]:
    return list(
        queryset.filter(lat__isnull=False, lng__isnull=False).values(
            "pk",
            "number",
            "category",
            "lat",
            "lng",
            "reported_at",
            "grid_code",
            "region_id",
            "address",
            "risk",
        )
    )


def repeat_places(region: Region, period: periods.Period) -> list[Finding]:
    start = period.end_at - timedelta(days=REPEAT_LOOKBACK_DAYS[period.cycle])
    rows = _located(_cases(region).filter(reported_at__gt=start, reported_at__lte=period.end_at))
    findings = []
    by_category = defaultdict(list)
    for row in rows:
        by_category[row["category"]].append(row)
    for category, group in sorted(by_category.items()):
        if len(group) < REPEAT_PLACE_MIN:
            continue
        project = _metres(group[0]["lat"])
        points = [project(row["lat"], row["lng"]) for row in group]
        components = [[group[i] for i in component] for component in _chains(points, REPEAT_RADIUS_M)]
        for members in components:
            if len(members) < REPEAT_PLACE_MIN:
                continue
            if not any(member["reported_at"] >= period.start_at for member in members):
                continue
            members.sort(key=lambda member: (member["reported_at"], member["pk"]))
            findings.append(_repeat_place_finding(region, period, category, members))
    return findings


def _repeat_place_finding(region, period, category, members) -> Finding:
    label = CATEGORY_LABELS.get(category, category)
    grids = [member["grid_code"] for member in members if member["grid_code"]]
    grid = max(set(grids), key=grids.count) if grids else None
    address = next((member["address"] for member in reversed(members) if member["address"]), "")
    where = address or (
        Region.objects.filter(code=grid).values_list("name", flat=True).first() if grid else ""
    )
    days = REPEAT_LOOKBACK_DAYS[period.cycle]
    numbers = [member["number"] for member in members]
    return Finding(
        kind=Warning.Kind.REPEAT_PLACE,
        region_code=grid or members[-1]["region_id"],
        grid_code=grid,
        category=category,
        title=f"{where or '同一地点'}{days}日内{len(members)}起{label}",
        detail=(
            f"{days} 日内同一地点(相距不超过 {REPEAT_RADIUS_M} 米)发生 {len(members)} 起{label}:"
            f"{'、'.join(numbers)}。请排查根源,防止矛盾反复、激化。"
        ),
        fingerprint=f"repeat-place:{category}:{members[0]['pk']}:{members[-1]['pk']}",
        severity=Warning.Severity.RED
        if len(members) >= 2 * REPEAT_PLACE_MIN
        else (Warning.Severity.ORANGE if len(members) > REPEAT_PLACE_MIN else Warning.Severity.YELLOW),
        case_ids=[member["pk"] for member in members],
        evidence={"cases": numbers, "radius_m": REPEAT_RADIUS_M, "days": days},
    )


# ------------------------------------------------------------------------------------- people


def repeat_people(region: Region, period: periods.Period) -> list[Finding]:
    start = period.end_at - timedelta(days=PEOPLE_LOOKBACK_DAYS)
    cases = {
        row["pk"]: row
        for row in _cases(region)
        .filter(reported_at__gt=start, reported_at__lte=period.end_at)
        .values("pk", "number", "category", "reported_at", "grid_code", "region_id", "risk")
    }
    people_of = defaultdict(set)
    names = {}
    for case_id, person_id, name in Party.objects.filter(case_id__in=list(cases)).values_list(
        "case_id", "person_id", "person__name"
    ):
        people_of[case_id].add(person_id)
        names[person_id] = name
    together = defaultdict(set)
    for case_id, people in people_of.items():
        for pair in combinations(sorted(people), 2):
            together[pair].add(case_id)
    findings = []
    for pair, case_ids in sorted(together.items()):
        if len(case_ids) < REPEAT_PEOPLE_MIN:
            continue
        members = sorted(
            (cases[case_id] for case_id in case_ids), key=lambda row: (row["reported_at"], row["pk"])
        )
        if members[-1]["reported_at"] < period.start_at:
            continue
        findings.append(_repeat_people_finding(region, members, [names[person] for person in pair], pair))
    return _merge_overlapping(findings)


def _repeat_people_finding(region, members, names, pair) -> Finding:
    numbers = [member["number"] for member in members]
    grids = [member["grid_code"] for member in members if member["grid_code"]]
    grid = grids[-1] if grids else None
    risky = max(member["risk"] for member in members)
    labels = "、".join(dict.fromkeys(CATEGORY_LABELS.get(m["category"], m["category"]) for m in members))
    severity = Warning.Severity.YELLOW
    if len(members) >= 4 or risky >= 70:
        severity = Warning.Severity.RED
    elif len(members) >= 3:
        severity = Warning.Severity.ORANGE
    masked = [name[:1] + "某" * max(1, len(name) - 1) for name in names]
    return Finding(
        kind=Warning.Kind.REPEAT_PEOPLE,
        region_code=grid or members[-1]["region_id"],
        grid_code=grid,
        category=members[-1]["category"],
        title=f"{'与'.join(masked)}之间{PEOPLE_LOOKBACK_DAYS}日内第{len(members)}次纠纷",
        detail=(
            f"同一当事人之间 {PEOPLE_LOOKBACK_DAYS} 日内 {len(members)} 次发生纠纷({labels}):"
            f"{'、'.join(numbers)}。反复纠纷有民转刑风险,请上门稳控、跟踪化解。"
        ),
        fingerprint=f"repeat-people:{pair[0]}:{pair[1]}:{members[-1]['pk']}",
        severity=severity,
        case_ids=[member["pk"] for member in members],
        evidence={"cases": numbers, "people": list(pair), "max_risk": risky},
    )


def _merge_overlapping(findings: list[Finding]) -> list[Finding]:
    """Three people in the same cases make three pairs: keep the first finding per set of cases."""
    seen, kept = set(), []
    for finding in findings:
        key = tuple(sorted(finding.case_ids))
        if key not in seen:
            seen.add(key)
            kept.append(finding)
    return kept


# ------------------------------------------------------------------------------------- clusters


def clusters(region: Region, period: periods.Period) -> list[Finding]:
    days = min(CLUSTER_DAYS, period.days)
    recent_start = period.end_at - timedelta(days=days)
    baseline_start = recent_start - timedelta(days=CLUSTER_BASELINE_DAYS)
    rows = _located(_cases(region).filter(reported_at__gt=baseline_start, reported_at__lte=period.end_at))
    if not rows:
        return []
    project = _metres(rows[0]["lat"])
    recent = [row for row in rows if row["reported_at"] > recent_start]
    before = [row for row in rows if row["reported_at"] <= recent_start]
    recent_index = _Neighbourhood([project(r["lat"], r["lng"]) for r in recent], CLUSTER_RADIUS_M)
    before_index = _Neighbourhood([project(r["lat"], r["lng"]) for r in before], CLUSTER_RADIUS_M)
    candidates = []
    tests = max(1, len(recent))
    for row in recent:
        x, y = project(row["lat"], row["lng"])
        members = recent_index.near(x, y)
        if len(members) < CLUSTER_MIN:
            continue
        expected = (len(before_index.near(x, y)) + 1) * days / CLUSTER_BASELINE_DAYS
        p_value = poisson_upper_tail(len(members), expected)
        if p_value < ALPHA / tests:
            candidates.append((p_value, -len(members), row["pk"], members, expected))
    candidates.sort()
    taken: set[int] = set()
    findings = []
    for p_value, _, _, members, expected in candidates:
        members = [index for index in members if index not in taken]
        if len(members) < CLUSTER_MIN:
            continue
        taken.update(members)
        chosen = sorted((recent[i] for i in members), key=lambda row: (row["reported_at"], row["pk"]))
        findings.append(_cluster_finding(chosen, days, expected, p_value))
    return findings


def _cluster_finding(members, days, expected, p_value) -> Finding:
    grids = [member["grid_code"] for member in members if member["grid_code"]]
    grid = max(set(grids), key=grids.count) if grids else None
    where = Region.objects.filter(code=grid).values_list("name", flat=True).first() if grid else ""
    numbers = [member["number"] for member in members]
    labels = "、".join(dict.fromkeys(CATEGORY_LABELS.get(m["category"], m["category"]) for m in members))
    ratio = len(members) / expected if expected else float("inf")
    return Finding(
        kind=Warning.Kind.CLUSTER,
        region_code=grid or members[-1]["region_id"],
        grid_code=grid,
        title=f"{where or '同一区域'}{days}日内聚集发生{len(members)}起事项",
        detail=(
            f"{days} 日内半径 {CLUSTER_RADIUS_M} 米范围内发生 {len(members)} 起事项({labels}),"
            f"按该处此前 {CLUSTER_BASELINE_DAYS} 日的水平预期 {expected:.2f} 起"
            f"(泊松检验 p={p_value:.2g},已按检验次数校正):{'、'.join(numbers)}。"
        ),
        # A cluster that grows keeps its first case: one warning, not one per new member.
        fingerprint=f"cluster:{grid}:{members[0]['pk']}",
        severity=_severity(p_value, ratio),
        case_ids=[member["pk"] for member in members],
        evidence={
            "cases": numbers,
            "expected": round(expected, 3),
            "p_value": p_value,
            "radius_m": CLUSTER_RADIUS_M,
        },
    )


DETECTORS = [rising, repeat_places, repeat_people, clusters]


def analyse(region: Region, period: periods.Period) -> list[Finding]:
    findings = []
    for detector in DETECTORS:
        findings.extend(detector(region, period))
    return findings
