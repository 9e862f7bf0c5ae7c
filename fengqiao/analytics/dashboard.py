"""The dashboard of a region: key figures for today, this week, this month and this quarter against
the same span of the period before, and tables (each drawn as a chart, shown as a table, exported as
CSV) by category, channel, level settled, township and day, with the top risks.

Every figure comes from `cases.stats.case_stats` over `visible_cases(user)`, so the dashboard and
GET /api/v1/stats cannot disagree; the extra breakdowns here (by child region, by day) use the same
filter.
"""

from datetime import timedelta

from django.db.models import Count, Q
from django.db.models.functions import Substr, TruncDate

from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases.codes import OPEN_STATUSES, SETTLED_STATUSES, Category, Channel, Level, Status
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.stats import case_stats
from fengqiao.regions import codes as region_codes
from fengqiao.regions.models import Region

from . import periods
from .models import Cycle

PERIODS = [
    ("today", "今日", Cycle.DAILY),
    ("week", "本周", Cycle.WEEKLY),
    ("month", "本月", Cycle.MONTHLY),
    ("quarter", "本季度", Cycle.QUARTERLY),
]
PERIOD_CYCLES = {key: cycle for key, _, cycle in PERIODS}
TREND_DAYS = 30
TOP_RISKS = 10
FIGURES = ("received", "resolved", "overdue", "resolution_rate", "on_time_rate")


def _change(now, before):
    if now is None or before is None:
        return None
    return round(now - before, 4)


def _stats(cases, region: Region, period: periods.Period) -> dict:
    return case_stats(cases, region.code, period.start_at, period.end_at)


def key_figures(cases, region: Region, at=None) -> list[dict]:
    """Received, resolved, overdue and the two rates for each period so far, with the same span of
    the period before and the change."""
    rows = []
    for key, label, cycle in PERIODS:
        period = periods.to_date(periods.current(cycle, at), at)
        before = periods.same_span_before(period)
        now_stats = _stats(cases, region, period)
        before_stats = _stats(cases, region, before)
        rows.append(
            {
                "key": key,
                "label": label,
                "from": period.start.isoformat(),
                "to": period.end.isoformat(),
                **{name: now_stats[name] for name in FIGURES},
                "previous": {name: before_stats[name] for name in FIGURES},
                "change": {name: _change(now_stats[name], before_stats[name]) for name in FIGURES},
            }
        )
    return rows


def _table(key, title, chart, columns, rows) -> dict:
    return {"key": key, "title": title, "chart": chart, "columns": columns, "rows": rows}


def _breakdown_table(key, title, chart, labels, now: dict, before: dict) -> dict:
    codes = [code for code in labels if now.get(code) or before.get(code)]
    codes.sort(key=lambda code: (-now.get(code, 0), -before.get(code, 0)))
    rows = [
        [labels[code], now.get(code, 0), before.get(code, 0), now.get(code, 0) - before.get(code, 0)]
        for code in codes
    ]
    return _table(key, title, chart, ["", "本期", "上期同期", "增减"], rows)


def child_regions(region: Region):
    """The next level down that has regions (townships of a county, villages of a township…)."""
    return region.children.order_by("code")


def by_child(cases, region: Region, period: periods.Period) -> list[dict]:
    """Received, resolved and overdue per child region, in one grouped query."""
    children = list(child_regions(region))
    if not children:
        return []
    width = len(children[0].prefix)
    scoped = cases.filter(
        region_codes.subtree_q("region_id", region.code),
        merged_into__isnull=True,
        reported_at__gte=period.start_at,
        reported_at__lte=period.end_at,
    )
    grouped = {
        row["prefix"]: row
        for row in scoped.annotate(prefix=Substr("region_id", 1, width))
        .values("prefix")
        .annotate(
            received=Count("pk"),
            resolved=Count("pk", filter=Q(status__in=SETTLED_STATUSES)),
            overdue=Count("pk", filter=Q(overdue=True)),
        )
        .order_by()
    }
    rows = []
    for child in children:
        row = grouped.get(child.prefix, {})
        received = row.get("received", 0)
        resolved = row.get("resolved", 0)
        rows.append(
            {
                "code": child.code,
                "name": child.name,
                "received": received,
                "resolved": resolved,
                "overdue": row.get("overdue", 0),
                "resolution_rate": round(resolved / received, 4) if received else None,
            }
        )
    return rows


def daily_trend(cases, region: Region, end_day, days: int = TREND_DAYS) -> list[list]:
    """[day, received, resolved] for each of the last `days` days up to `end_day`."""
    start_day = end_day - timedelta(days=days - 1)
    start = periods.Period(Cycle.DAILY, start_day, end_day)
    scoped = cases.filter(region_codes.subtree_q("region_id", region.code), merged_into__isnull=True)
    received = dict(
        scoped.filter(reported_at__gte=start.start_at, reported_at__lte=start.end_at)
        .annotate(day=TruncDate("reported_at", tzinfo=LOCAL))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    resolved = dict(
        scoped.filter(resolved_at__gte=start.start_at, resolved_at__lte=start.end_at)
        .annotate(day=TruncDate("resolved_at", tzinfo=LOCAL))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    rows = []
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        rows.append([day.isoformat(), received.get(day, 0), resolved.get(day, 0)])
    return rows


def top_risks(cases, region: Region, limit: int = TOP_RISKS):
    return list(
        cases.filter(
            region_codes.subtree_q("region_id", region.code),
            merged_into__isnull=True,
            status__in=OPEN_STATUSES,
            risk__gt=0,
        )
        .select_related("region")
        .order_by("-risk", "-reported_at")[:limit]
    )


def _rate(value):
    return "" if value is None else f"{value * 100:.1f}%"


def build(user, region: Region, period_key: str = "month", at=None) -> dict:
    """Everything the dashboard page shows, as plain data (the page, the API and CSV use this)."""
    cases = visible_cases(user)
    cycle = PERIOD_CYCLES.get(period_key, Cycle.MONTHLY)
    period = periods.to_date(periods.current(cycle, at), at)
    before = periods.same_span_before(period)
    now_stats = _stats(cases, region, period)
    before_stats = _stats(cases, region, before)
    tables = [
        _table(
            "trend",
            f"近{TREND_DAYS}日受理与办结",
            "line",
            ["日期", "受理", "办结"],
            daily_trend(cases, region, periods.today(at)),
        ),
        _breakdown_table(
            "by_category",
            "按类别",
            "bar",
            dict(Category.choices),
            now_stats["by_category"],
            before_stats["by_category"],
        ),
        _breakdown_table(
            "by_channel",
            "按来源渠道",
            "pie",
            dict(Channel.choices),
            now_stats["by_channel"],
            before_stats["by_channel"],
        ),
        _breakdown_table(
            "by_level",
            "按化解层级",
            "bar",
            dict(Level.choices),
            now_stats["by_level"],
            before_stats["by_level"],
        ),
        _breakdown_table(
            "by_status",
            "按办理状态",
            "pie",
            dict(Status.choices),
            now_stats["by_status"],
            before_stats["by_status"],
        ),
    ]
    children = by_child(cases, region, period)
    if children:
        tables.append(
            _table(
                "by_region",
                "按下级区划",
                "bar",
                ["区划", "受理", "办结", "超期", "化解率"],
                [
                    [
                        row["name"],
                        row["received"],
                        row["resolved"],
                        row["overdue"],
                        _rate(row["resolution_rate"]),
                    ]
                    for row in children
                ],
            )
        )
    risks = top_risks(cases, region)
    tables.append(
        _table(
            "top_risks",
            "重点风险事项",
            "",
            ["事项编号", "标题", "类别", "风险分", "风险因素", "状态"],
            [
                [
                    case.number,
                    case.title,
                    case.get_category_display(),
                    case.risk,
                    ";".join(case.risk_reasons),
                    case.get_status_display(),
                ]
                for case in risks
            ],
        )
    )
    return {
        "region": {"code": region.code, "name": region.name, "kind": region.kind},
        "period": {"key": period_key, "from": period.start.isoformat(), "to": period.end.isoformat()},
        "previous": {"from": before.start.isoformat(), "to": before.end.isoformat()},
        "figures": key_figures(cases, region, at),
        "stats": now_stats,
        "tables": tables,
    }
