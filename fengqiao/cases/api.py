from datetime import date, datetime, time

import ninja
from django.core.paginator import Paginator
from django.http import Http404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from fengqiao.accounts.scoping import access_case, can_see_region, visible_cases
from fengqiao.errors import FieldError

from . import actions, selectors
from .codes import Category, Level, Status
from .deadlines import LOCAL
from .presenters import case_brief, case_dict
from .schemas import CaseIn
from .stats import case_stats
from .workflow import ACTIONS, ActionRefused

router = Router(tags=["cases"])
PAGE_SIZE = 50


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


class ActionIn(Schema):
    action: str = Field(..., description=" | ".join(ACTIONS))
    note: str = Field("", max_length=5000)
    units: list[str] = Field(default_factory=list, max_length=20, description="dispatch: unit codes")
    lead: str | None = Field(None, description="dispatch: the lead unit's code")
    satisfaction: int | None = Field(None, ge=1, le=5, description="close: the applicant's rating")
    days: int | None = Field(None, ge=1, le=366, description="extend: days to add")
    category: str | None = Field(None, description="reclassify: the category code staff settle on")
    target: str | None = Field(None, description="merge: the number of the case this one repeats")
    decision: str | None = Field(None, description="decide_extension: grant | refuse")
    settled: bool | None = Field(None, description="record_follow_up: the applicant says it is settled")


class CaseFilters(Schema):
    region: str | None = None
    status: Status | None = None
    category: Category | None = None
    level: Level | None = None
    channel: str | None = None
    overdue: bool | None = None
    q: str | None = Field(None, max_length=100)
    cursor: str | None = Field(None, max_length=200, description="the next or previous cursor of a page")
    page: int | None = Field(None, ge=1, le=100000, description="deprecated: offset pages with a count")


def _refused(error: ActionRefused):
    raise HttpError(error.status, error.message)


@router.post("/cases", response={200: dict, 201: dict}, summary="Submit a case (idempotent on client_id)")
def create_case(request, payload: CaseIn):
    case, created, written = actions.create_case_written(
        payload.to_intake(), actor=request.user, ip=client_ip(request)
    )
    if not created and not visible_cases(request.user).filter(pk=case.pk).exists():
        raise Http404  # a client_id someone else used elsewhere reveals nothing
    # A new case's answer is built from what intake wrote (no read back): the same as a GET of it.
    return ninja.Status(201 if created else 200, case_dict(case, request.user, written=written))


@router.get(
    "/cases", response=dict, summary="Cases the caller may see, newest first, 50 a page (keyset cursors)"
)
def list_cases(request, filters: Query[CaseFilters]):
    if filters.region:
        if not can_see_region(request.user, filters.region):
            raise Http404
        cases = selectors.visible_in_region(request.user, filters.region)
    else:
        cases = selectors.visible_to(request.user)
    enum = {name: getattr(filters, name) for name in ("status", "category", "level")}
    cases = selectors.narrowed(
        cases,
        **{name: value.value for name, value in enum.items() if value is not None},
        channel=filters.channel or None,
        overdue=filters.overdue,
        # a blank q matched every case (icontains ''): no filter, the same rows
        text=(filters.q or "").strip(),
    )
    cases = cases.select_related("handling_unit").prefetch_related("clocks")
    if filters.page is not None and not filters.cursor:
        # The old offset pages, kept for clients that ask for them: each costs a COUNT and the
        # rows skipped, so a deep page or a province-wide list is slow. Use the cursors.
        paginator = Paginator(cases.order_by(*selectors.KEYSET_ORDER), PAGE_SIZE)
        page = paginator.get_page(filters.page)
        return {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "results": [case_brief(case) for case in page.object_list],
        }
    try:
        page = selectors.keyset_page(cases, filters.cursor, PAGE_SIZE)
    except selectors.BadCursor:
        raise FieldError("cursor", "invalid", 400) from None
    return {
        "next": page.next,
        "previous": page.previous,
        "results": [case_brief(case) for case in page.object_list],
    }


@router.get(
    "/cases/{number}", response=dict, summary="One case with its timeline; reveal=true unmasks (audited)"
)
def get_case(request, number: str, reveal: bool = False):
    case = access_case(request.user, number)
    actions.mark_read(case, request.user)
    if reveal:
        try:
            actions.reveal_parties(case, request.user, ip=client_ip(request), purpose="api")
        except ActionRefused as error:
            _refused(error)
    return case_dict(case, request.user, revealed=reveal)


@router.post("/cases/{number}/actions", response=dict, summary="Take an action in the closed loop")
def case_action(request, number: str, payload: ActionIn):
    case = access_case(request.user, number)
    try:
        case = actions.take_action(
            case,
            request.user,
            payload.action,
            note=payload.note,
            ip=client_ip(request),
            units=payload.units,
            lead=payload.lead,
            satisfaction=payload.satisfaction,
            days=payload.days,
            category=payload.category,
            target=payload.target,
            decision=payload.decision,
            settled=payload.settled,
        )
    except ActionRefused as error:
        _refused(error)
    return case_dict(case, request.user)


class StatsFilters(Schema):
    region: str | None = None
    from_: date | None = Field(None, alias="from")
    to: date | None = None


@router.get(
    "/stats", response=dict, summary="Received, resolved, rates and breakdowns for a region and period"
)
def stats(request, filters: Query[StatsFilters]):
    region = filters.region or request.user.region_id
    if not region or not can_see_region(request.user, region):
        raise Http404
    start = datetime.combine(filters.from_, time.min, LOCAL) if filters.from_ else None
    end = datetime.combine(filters.to, time.max, LOCAL) if filters.to else None
    if start and end and start > end:
        raise FieldError("from", "after to")
    return case_stats(visible_cases(request.user), region, start, end)
