"""/api/v1/evaluation/… (scores and rankings, checklists, the Excel export) and
/api/v1/threezero/… (the three zeros) over the API."""

from datetime import date

import ninja
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from fengqiao import clock as wallclock
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError

from . import actions, selectors
from .export import XLSX, evaluation_xlsx
from .models import ChecklistItem

router = Router(tags=["evaluation"])


def _refused(error: ActionRefused):
    raise HttpError(error.status, error.message) from None


class PeriodFilters(Schema):
    kind: str = "township"
    region: str | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class UnitIn(Schema):
    kind: str
    name: str = Field(..., max_length=100)
    region_code: str


class EventIn(Schema):
    kind: str
    occurred_on: date
    description: str = Field(..., max_length=500)


class ChecklistIn(Schema):
    item: int
    period_start: date
    period_end: date
    passed: bool
    note: str = Field("", max_length=500)
    region_code: str | None = None
    unit: str | None = None


def _period(start: date | None, end: date | None) -> tuple[date, date]:
    today = timezone.localdate(wallclock.now())
    end = end or today
    start = start or end.replace(day=1)
    if end < start:
        raise FieldError("to", "before from")
    if (end - start).days > 3660:
        raise FieldError("from", "a period of at most ten years")
    return start, end


def _staff(request):
    if not actions.is_staff(request.user):
        raise HttpError(403, "staff only")


@router.get(
    "/evaluation", response=dict, summary="Scores and ranking of townships or departments for a period"
)
def evaluation(
    request,
    filters: Query[PeriodFilters],
):
    _staff(request)
    kind, region = filters.kind, filters.region
    start, end = _period(filters.from_, filters.to)
    return selectors.evaluation(request.user, kind, region, start, end)


@router.get("/evaluation.xlsx", summary="The same table as an Excel workbook")
def evaluation_export(
    request,
    filters: Query[PeriodFilters],
):
    _staff(request)
    kind, region = filters.kind, filters.region
    start, end = _period(filters.from_, filters.to)
    result = selectors.evaluation(request.user, kind, region, start, end)
    response = HttpResponse(evaluation_xlsx(result), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="evaluation-{kind}-{start}-{end}.xlsx"'
    return response


@router.get(
    "/evaluation/checklist-items",
    response=dict,
    summary="The checklist of required results and forbidden events",
)
def checklist_items(request):
    _staff(request)
    items = ChecklistItem.objects.filter(active=True)
    return {
        "items": [
            {
                "id": item.pk,
                "kind": item.kind,
                "name": item.name,
                "points": float(item.points),
                "applies_to": item.applies_to,
            }
            for item in items
        ]
    }


@router.post(
    "/evaluation/checklist", response={201: dict}, summary="Fill a checklist item for a subject and period"
)
def fill_checklist(request, payload: ChecklistIn):
    try:
        entry = actions.fill_checklist(
            request.user,
            item_id=payload.item,
            period_start=payload.period_start,
            period_end=payload.period_end,
            passed=payload.passed,
            note=payload.note,
            region_code=payload.region_code,
            unit_code=payload.unit,
        )
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(
        201,
        {
            "id": entry.pk,
            "item": entry.item_id,
            "region_code": entry.region_id,
            "unit": entry.unit.code if entry.unit_id else None,
            "period_start": entry.period_start.isoformat(),
            "period_end": entry.period_end.isoformat(),
            "passed": entry.passed,
        },
    )


@router.get(
    "/threezero", response=dict, summary="Three-zero figures, ratings, warning ledger and compliance per area"
)
def threezero(
    request,
    filters: Query[PeriodFilters],
):
    _staff(request)
    region = filters.region
    start, end = _period(filters.from_, filters.to)
    return selectors.threezero_report(request.user, region, start, end)


@router.post("/threezero/units", response={201: dict}, summary="Enrol a village, community or enterprise")
def enrol_unit(request, payload: UnitIn):
    try:
        unit = actions.enrol(
            request.user, kind=payload.kind, name=payload.name, region_code=payload.region_code
        )
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(
        201, {"id": unit.pk, "kind": unit.kind, "name": unit.name, "region_code": unit.region_id}
    )


@router.post(
    "/threezero/units/{unit_id}/events",
    response={201: dict},
    summary="Report a petition, accident or criminal case",
)
def report_event(request, unit_id: int, payload: EventIn):
    unit = actions.access_unit(request.user, unit_id)
    try:
        event = actions.report_event(
            request.user,
            unit,
            kind=payload.kind,
            occurred_on=payload.occurred_on,
            description=payload.description,
        )
    except ActionRefused as error:
        _refused(error)
    return ninja.Status(
        201,
        {"id": event.pk, "unit": unit.pk, "kind": event.kind, "occurred_on": event.occurred_on.isoformat()},
    )
