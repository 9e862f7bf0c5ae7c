"""Dashboards, the map, warnings and briefings over the API (under /api/v1/analytics/)."""

import datetime

from django.http import Http404
from ninja import Field, Path, Query, Router, Schema, Status

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_region
from fengqiao.errors import FieldError

from . import actions, dashboard, mapdata, periods, selectors
from .models import Briefing, Cycle

router = Router(tags=["analytics"])
MAX_ID = 2**31 - 1
ID = Path(..., ge=1, le=MAX_ID)
ANALYSE_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
BRIEF_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})


def _region(request, code: str | None):
    return access_region(request.user, code or request.user.region_id or "")


def _period(cycle, day, region_code) -> periods.Period:
    try:
        return periods.chosen(cycle, day, region_code)
    except periods.OutOfRange as problem:
        raise FieldError("date", str(problem)) from None


class DashboardQuery(Schema):
    region: str | None = None
    period: str = Field("month", pattern="^(today|week|month|quarter)$")


@router.get(
    "/analytics/dashboard", response=dict, summary="Key figures, breakdowns and top risks of a region"
)
def get_dashboard(request, query: Query[DashboardQuery]):
    selectors.require_dashboard(request.user)
    return dashboard.build(request.user, _region(request, query.region), query.period)


class MapQuery(Schema):
    region: str | None = None
    days: int = Field(90, ge=1, le=366)


@router.get(
    "/analytics/map",
    response=dict,
    summary="Grids with counts and hot spots, cases, heat, patrol zones, video points",
)
def get_map(request, query: Query[MapQuery]):
    selectors.require_dashboard(request.user)
    return mapdata.build(request.user, _region(request, query.region), query.days)


class WarningQuery(Schema):
    state: str | None = Field(None, pattern="^(open|acknowledged|closed)$")
    page: int = Field(1, ge=1, le=10_000)


@router.get("/analytics/warnings", response=dict, summary="Warnings the caller can see, newest first")
def list_warnings(request, query: Query[WarningQuery]):
    warnings = selectors.visible_warnings(request.user)
    if query.state:
        warnings = warnings.filter(state=query.state)
    total = warnings.count()
    page = warnings.select_related("region", "unit")[(query.page - 1) * 50 : query.page * 50]
    return {"count": total, "results": [selectors.warning_dict(w, request.user) for w in page]}


@router.get(
    "/analytics/warnings/{warning_id}", response=dict, summary="One warning with its cases and follow-ups"
)
def get_warning(request, warning_id: int = ID):
    warning = selectors.access_warning(request.user, warning_id)
    return selectors.warning_dict(warning, request.user, full=True)


@router.post("/analytics/warnings/{warning_id}/acknowledge", response=dict, summary="Acknowledge a warning")
def acknowledge_warning(request, warning_id: int = ID):
    warning = selectors.access_warning(request.user, warning_id)
    try:
        warning = actions.acknowledge(warning, request.user)
    except actions.WarningRefused as refusal:
        raise FieldError("warning", str(refusal), refusal.status) from None
    return selectors.warning_dict(warning, request.user, full=True)


class FollowUpIn(Schema):
    note: str = Field(..., min_length=1, max_length=5000)
    closes: bool = False


@router.post(
    "/analytics/warnings/{warning_id}/follow-ups", response={201: dict}, summary="Report what was done"
)
def add_follow_up(request, body: FollowUpIn, warning_id: int = ID):
    warning = selectors.access_warning(request.user, warning_id)
    try:
        actions.follow_up(warning, request.user, body.note, body.closes)
    except actions.WarningRefused as refusal:
        raise FieldError("note", str(refusal), refusal.status) from None
    warning.refresh_from_db()
    return Status(201, selectors.warning_dict(warning, request.user, full=True))


class AnalysisIn(Schema):
    region: str | None = None
    cycle: Cycle = Cycle.WEEKLY
    date: datetime.date | None = Field(
        None, description="a day in the period to analyse (default: the last completed one)"
    )


@router.post("/analytics/analyses", response=dict, summary="Analyse a region now for one period")
def analyse_now(request, body: AnalysisIn):
    if request.user.role not in ANALYSE_ROLES and not request.user.is_superuser:
        raise FieldError("region", "只有综治中心和管理员可以发起研判", 403)
    region = _region(request, body.region)
    period = _period(body.cycle, body.date, region.code)
    warnings = actions.run_analysis(region, body.cycle, period, record=False)
    return {
        "region": region.code,
        "cycle": body.cycle,
        "period": [period.start.isoformat(), period.end.isoformat()],
        "raised": [selectors.warning_dict(w, request.user) for w in warnings],
    }


class BriefingIn(Schema):
    region: str | None = None
    cycle: Cycle = Cycle.WEEKLY
    date: datetime.date | None = Field(
        None, description="a day in the period (default: the last completed one)"
    )


def _briefing_dict(briefing: Briefing) -> dict:
    return {
        "id": briefing.pk,
        "title": briefing.title,
        "cycle": briefing.cycle,
        "region_code": briefing.region_id,
        "period": [briefing.period_start.isoformat(), briefing.period_end.isoformat()],
        "generated_at": briefing.generated_at.isoformat(),
        "figures": briefing.figures,
        "docx": f"/api/v1/analytics/briefings/{briefing.pk}/docx",
        "pdf": f"/api/v1/analytics/briefings/{briefing.pk}/pdf",
    }


@router.get("/analytics/briefings", response=dict, summary="Briefings of the caller's regions")
def list_briefings(request, region: str | None = None):
    selectors.require_briefings(request.user)
    briefings = selectors.visible_briefings(request.user)
    if region:
        briefings = briefings.filter(region_id=_region(request, region).code)
    return {"results": [_briefing_dict(b) for b in briefings.defer("docx", "pdf")[:100]]}


@router.post("/analytics/briefings", response={201: dict}, summary="Generate a briefing now (Word and PDF)")
def create_briefing(request, body: BriefingIn):
    selectors.require_briefings(request.user)
    region = _region(request, body.region)
    period = _period(body.cycle, body.date, region.code)
    from .briefings import generate

    return Status(201, _briefing_dict(generate(region, body.cycle, period, request.user)))


@router.get("/analytics/briefings/{briefing_id}/{fmt}", summary="Download a briefing as docx or pdf")
def download_briefing(request, fmt: str, briefing_id: int = ID):
    if fmt not in ("docx", "pdf"):
        raise Http404
    return selectors.briefing_file(request.user, briefing_id, fmt)
