"""Pages: the dashboard (charts, tables, CSV), the map, the warnings inbox with acknowledgement and
follow-up, and the briefings with on-demand generation and download."""

import csv
from datetime import date

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from fengqiao.accounts.scoping import access_region, can_see_region, visible_cases
from fengqiao.web.spreadsheets import safe_row

from . import actions, dashboard, periods, selectors
from .api import ANALYSE_ROLES
from .models import BRIEFING_NAMES, Cycle, Warning

PERIOD_CHOICES = [(key, label) for key, label, _ in dashboard.PERIODS]
DAY_CHOICES = [(7, "近7日"), (30, "近30日"), (90, "近90日"), (365, "近一年")]


def _region(request):
    return access_region(request.user, request.GET.get("region") or request.user.region_id or "")


def _period_key(request) -> str:
    key = request.GET.get("period", "month")
    return key if key in dashboard.PERIOD_CYCLES else "month"


def _region_choices(user, region):
    """Where the user can go from here: up the chain within their scope, and one level down."""
    chain = [r for r in [*region.ancestors(), region] if can_see_region(user, r.code)]
    return chain, list(dashboard.child_regions(region))


@login_required
def dashboard_page(request):
    selectors.require_dashboard(request.user)
    region = _region(request)
    key = _period_key(request)
    data = dashboard.build(request.user, region, key)
    chain, children = _region_choices(request.user, region)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "region": region,
            "data": data,
            "chart_tables": [t for t in data["tables"] if t["chart"]],
            "risks": next(t for t in data["tables"] if t["key"] == "top_risks"),
            "period_key": key,
            "keep": f"&period={key}",
            "period_choices": PERIOD_CHOICES,
            "chain": chain,
            "children": children,
        },
    )


@login_required
def dashboard_csv(request):
    selectors.require_dashboard(request.user)
    region = _region(request)
    data = dashboard.build(request.user, region, _period_key(request))
    wanted = request.GET.get("table", "figures")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{region.code}-{wanted}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 CSV correctly only with the byte-order mark
    # Excel runs a CSV cell that starts like a formula just as it would in a workbook, and case
    # titles and region names are typed by people: every row goes through safe_row.
    if wanted == "figures":
        header = [
            "期间",
            "起",
            "止",
            "受理",
            "办结",
            "超期",
            "化解率",
            "按期办结率",
            "上期同期受理",
            "上期同期办结",
        ]
        rows = [
            [
                row["label"],
                row["from"],
                row["to"],
                row["received"],
                row["resolved"],
                row["overdue"],
                row["resolution_rate"] if row["resolution_rate"] is not None else "",
                row["on_time_rate"] if row["on_time_rate"] is not None else "",
                row["previous"]["received"],
                row["previous"]["resolved"],
            ]
            for row in data["figures"]
        ]
    else:
        table = next((t for t in data["tables"] if t["key"] == wanted), None)
        if table is None:
            raise Http404
        header, rows = table["columns"], table["rows"]
    writer = csv.writer(response)
    writer.writerow(safe_row(header))
    writer.writerows(safe_row(row) for row in rows)
    return response


@login_required
def map_page(request):
    selectors.require_dashboard(request.user)
    region = _region(request)
    try:
        days = int(request.GET.get("days", 90))
    except ValueError:
        days = 90
    days = days if days in dict(DAY_CHOICES) else 90
    chain, children = _region_choices(request.user, region)
    return render(
        request,
        "analytics/map.html",
        {
            "region": region,
            "days": days,
            "keep": f"&days={days}",
            "day_choices": DAY_CHOICES,
            "tiles": settings.MAP_TILE_URL,
            "chain": chain,
            "children": children,
        },
    )


@login_required
def warning_inbox(request):
    if request.user.role not in selectors.WARNING_ROLES and not request.user.is_superuser:
        raise Http404
    warnings = selectors.visible_warnings(request.user).select_related("region", "unit")
    state = request.GET.get("state", "")
    if state in Warning.State.values:
        warnings = warnings.filter(state=state)
    page = Paginator(warnings, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "analytics/warnings.html",
        {
            "page": page,
            "state": state,
            "states": Warning.State.choices,
            "may_analyse": request.user.role in ANALYSE_ROLES or request.user.is_superuser,
            "cycles": Cycle.choices,
        },
    )


@login_required
@require_POST
def analyse_now(request):
    if request.user.role not in ANALYSE_ROLES and not request.user.is_superuser:
        raise Http404
    region = access_region(request.user, request.user.region_id or "")
    cycle = request.POST.get("cycle", Cycle.WEEKLY)
    if cycle not in Cycle.values:
        cycle = Cycle.WEEKLY
    period = periods.last_completed(cycle)
    raised = actions.run_analysis(region, cycle, period, record=False)
    messages.success(
        request,
        f"已完成{Cycle(cycle).label}({period.label()}),新发现预警 {len(raised)} 条。",
    )
    return redirect("analytics-warnings")


@login_required
@require_http_methods(["GET", "POST"])
def warning_detail(request, warning_id: int):
    warning = selectors.access_warning(request.user, warning_id)
    if request.method == "POST":
        try:
            if request.POST.get("do") == "acknowledge":
                actions.acknowledge(warning, request.user)
                messages.success(request, "已签收。")
            else:
                actions.follow_up(
                    warning, request.user, request.POST.get("note", ""), request.POST.get("closes") == "1"
                )
                messages.success(request, "处置情况已记录。")
        except actions.WarningRefused as refusal:
            messages.error(request, str(refusal))
        return redirect("analytics-warning", warning_id=warning.pk)
    cases = visible_cases(request.user).filter(pk__in=warning.cases.values("pk")).order_by("reported_at")
    return render(
        request,
        "analytics/warning.html",
        {
            "warning": warning,
            "cases": cases,
            "hidden_cases": warning.cases.count() - cases.count(),
            "follow_ups": warning.follow_ups.select_related("by"),
            "may_handle": actions.may_handle(request.user, warning),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def briefings_page(request):
    selectors.require_briefings(request.user)
    region = (
        _region(request)
        if request.method == "GET"
        else access_region(request.user, request.POST.get("region") or request.user.region_id or "")
    )
    if request.method == "POST":
        cycle = request.POST.get("cycle", "")
        try:
            day = date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            day = None
        if cycle not in Cycle.values:
            messages.error(request, "请选择简报类型。")
        else:
            try:
                period = periods.chosen(cycle, day, region.code)
            except periods.OutOfRange:
                messages.error(request, "所选期间尚未到来或没有数据。")
            else:
                from .briefings import generate

                briefing = generate(region, cycle, period, request.user)
                messages.success(request, f"已生成《{briefing.title}》。")
        return redirect(f"{request.path}?region={region.code}")
    chain, children = _region_choices(request.user, region)
    return render(
        request,
        "analytics/briefings.html",
        {
            "region": region,
            "briefings": selectors.visible_briefings(request.user)
            .filter(region=region)
            .defer("docx", "pdf")[:60],
            "cycles": [(value, BRIEFING_NAMES[value]) for value in Cycle.values],
            "today": periods.today().isoformat(),
            "chain": chain,
            "children": children,
        },
    )


@login_required
def briefing_download(request, briefing_id: int, fmt: str):
    selectors.require_briefings(request.user)
    if fmt not in selectors.CONTENT_TYPES:
        raise Http404
    return selectors.briefing_file(request.user, briefing_id, fmt)
