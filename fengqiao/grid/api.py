"""The grid API under /api/v1/grid/: check-ins and photos from the app (idempotent on client_id),
my tasks, coverage figures, households with masked residents, and the audited reveal."""

from uuid import UUID

import ninja
from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fengqiao import clock
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_region, region_scope_q, visible_cases
from fengqiao.cases.presenters import case_brief
from fengqiao.errors import FieldError

from . import actions, coverage
from .models import Household, Resident
from .presenters import attachment_dict, resident_dict, visit_dict
from .schemas import VisitIn

router = Router(tags=["grid"])
OPEN_STATUSES = ("reported", "accepted", "dispatched", "in_progress", "resolved")
COVERAGE_ROLES = {Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER}


def _ip(request):
    return request.META.get("REMOTE_ADDR")


@router.post("/visits", response={200: dict, 201: dict}, summary="Check in a patrol or visit (idempotent)")
def create_visit(request, payload: VisitIn):
    visit, created = actions.record_visit(payload.to_check_in(), request.user)
    return ninja.Status(201 if created else 200, visit_dict(visit))


@router.post(
    "/attachments", response={200: dict, 201: dict}, summary="A photo for a case, by the case's client_id"
)
def create_attachment(request, client_id: Form[UUID], case_client_id: Form[UUID], file: File[UploadedFile]):
    if file.size is not None and file.size > actions.MAX_PHOTO_BYTES:
        raise FieldError("file", f"larger than {actions.MAX_PHOTO_BYTES} bytes", status=413)
    data = file.read(actions.MAX_PHOTO_BYTES + 1)
    attachment, created = actions.store_attachment(client_id, case_client_id, data, request.user)
    return ninja.Status(201 if created else 200, attachment_dict(attachment))


@router.get("/tasks", response=dict, summary="My open cases in my region and the warnings on them")
def my_tasks(request):
    cases = (
        visible_cases(request.user)
        .filter(status__in=OPEN_STATUSES, merged_into__isnull=True)
        .select_related("handling_unit")
        .prefetch_related("clocks")
        .order_by("-overdue", "deadline_at", "-id")[:50]
    )
    briefs = [case_brief(case) for case in cases]
    warnings = [brief for brief in briefs if brief.get("overdue") or (brief.get("risk") or 0) >= 60]
    return {
        "as_of": clock.now(),
        "tasks": briefs,
        "warnings": warnings,
        "refused": refused_reports(request.user),
    }


REFUSED_DAYS = 30


def refused_reports(user) -> list[dict]:
    """My own reports the centre turned down in the last 30 days, with its reason, so that the app
    can offer to report again with what was missing."""
    from datetime import timedelta

    since = clock.now() - timedelta(days=REFUSED_DAYS)
    cases = (
        visible_cases(user)
        .filter(created_by=user, status="rejected", reported_at__gte=since)
        .select_related("handling_unit")
        .order_by("-reported_at")[:20]
    )
    found = []
    for case in cases:
        rejection = case.timeline.filter(kind="reject").order_by("-at", "-pk").first()
        found.append(
            {
                **case_brief(case),
                "description": case.description,
                "address": case.address,
                "reason": rejection.note if rejection else "",
            }
        )
    return found


@router.get("/coverage", response=dict, summary="Visits, field days per week and unwalked grids")
def coverage_figures(request, region: str | None = None, days: int = coverage.UNWALKED_DAYS):
    if not (request.user.is_superuser or request.user.role in COVERAGE_ROLES):
        raise HttpError(403, "coverage is for centre staff and leaders")
    code = region or request.user.region_id
    if not code:
        raise Http404
    access_region(request.user, code)
    if not 1 <= days <= 365:
        raise FieldError("days", "between 1 and 365")
    return coverage.coverage_report(code, days=days)


@router.get("/households", response=dict, summary="Households in a grid with their residents, masked")
def households(request, grid: str):
    access_region(request.user, grid)
    rows = (
        Household.objects.filter(region_scope_q(request.user, "grid_id"), grid_id=grid)
        .prefetch_related("residents__person")
        .order_by("building", "address")
    )
    return {
        "grid": grid,
        "households": [
            {
                "id": household.pk,
                "address": household.address,
                "building": household.building,
                "residents": [resident_dict(resident) for resident in household.residents.all()],
            }
            for household in rows
        ],
    }


@router.post("/residents/{resident_id}/reveal", response=dict, summary="Unmask a resident (audited)")
def reveal_resident(request, resident_id: int):
    resident = access_resident(request.user, resident_id)
    try:
        revealed = actions.reveal_resident(resident, request.user, ip=_ip(request), purpose="api")
    except PermissionDenied as error:
        raise HttpError(403, str(error)) from None
    return resident_dict(resident, revealed)


def access_resident(user, resident_id: int) -> Resident:
    """The resident, or the same 404 whether absent or outside the user's region."""
    resident = (
        Resident.objects.select_related("person", "household")
        .filter(region_scope_q(user, "household__grid_id"), pk=resident_id)
        .first()
    )
    if resident is None:
        raise Http404
    return resident
