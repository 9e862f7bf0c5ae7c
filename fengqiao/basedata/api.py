"""Base data under /api/v1/basedata/: registers and their entries, person search and the one file
per person, care plans and visits, risk grades, Excel import/export and statistics. Scoped by
region; sensitive registers masked by role (access.py); full views and reveals audited."""

from uuid import UUID

import ninja
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import Field

from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_region, visible_cases
from fengqiao.errors import FieldError
from fengqiao.people.actions import reveal as reveal_person
from fengqiao.regions import codes
from fengqiao.schemas import Moment

from . import access, actions, importing
from .access import access_entry, access_person, access_plan, may_write, sees_details
from .models import CarePlan, CareVisit, Register
from .presenters import entry_dict, plan_dict, register_dict
from .search import match_reason, search_people
from .stats import basedata_stats
from .validation import validate_entry

router = Router(tags=["basedata"])
PAGE = 50
MAX_IMPORT_BYTES = 5 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class EntryIn(Schema):
    region_code: str = Field(max_length=21)
    name: str = Field("", max_length=50)
    id_number: str = Field("", max_length=30)
    phone: str = Field("", max_length=30)
    title: str = Field("", max_length=100)
    address: str = Field("", max_length=200)
    grade: int | None = Field(None, ge=0, le=9)
    data: dict = {}


class GradeIn(Schema):
    grade: int = Field(ge=0, le=9)
    reason: str = Field(min_length=1, max_length=500)


class EndIn(Schema):
    reason: str = Field(min_length=1, max_length=200)


class VisitIn(Schema):
    visited_at: Moment | None = None
    kind: CareVisit.Kind = CareVisit.Kind.HOME
    condition: CareVisit.Condition = CareVisit.Condition.STABLE
    note: str = Field("", max_length=2000)
    client_id: UUID | None = None


class CarersIn(Schema):
    carers: list[str] = Field(max_length=20)
    group_note: str | None = Field(None, max_length=200)


class RevealIn(Schema):
    fields: list[str] = ["id_number", "phone"]
    purpose: str = Field("", max_length=200)


def _ip(request):
    return request.META.get("REMOTE_ADDR")


def _require_use(user):
    if not access.may_use(user):
        raise HttpError(403, "base data is for staff")


def _register(code: str) -> Register:
    return get_object_or_404(
        Register.objects.prefetch_related("fields", "frequencies"), code=code, active=True
    )


def _first_problem(problems):
    problem = problems[0]
    raise FieldError(problem.field, problem.reason)


@router.get(
    "/basedata/registers", response=list[dict], summary="The registers (standard and local) and their fields"
)
def list_registers(request):
    _require_use(request.user)
    registers = Register.objects.filter(active=True).prefetch_related("fields", "frequencies")
    return [register_dict(register) for register in registers]


@router.get("/basedata/registers/{code}/entries", response=dict, summary="Entries of a register in my region")
def list_entries(request, code: str, region: str | None = None, q: str = "", page: int = 1):
    _require_use(request.user)
    register = _register(code)
    entries = access.visible_entries(request.user).filter(register=register, active=True)
    if region:
        access_region(request.user, region)
        entries = entries.filter(codes.subtree_q("region_id", region))
    if q and register.is_person:
        entries = entries.filter(person__name__contains=q)
    elif q:
        entries = entries.filter(title__contains=q)
    total = entries.count()
    page = max(page, 1)
    rows = entries.select_related("person", "register", "care_plan").order_by("region_id", "pk")[
        (page - 1) * PAGE : page * PAGE
    ]
    return {"count": total, "page": page, "results": [entry_dict(entry, request.user) for entry in rows]}


@router.post("/basedata/registers/{code}/entries", response={201: dict}, summary="Add an entry")
def create_entry(request, code: str, payload: EntryIn):
    _require_use(request.user)
    register = _register(code)
    if not may_write(request.user, register):
        raise HttpError(403, "this role may not add entries to this register")
    clean, problems = validate_entry(register, request.user, payload.dict())
    if problems:
        _first_problem(problems)
    entry = actions.create_entry(request.user, register, clean)
    return ninja.Status(201, entry_dict(entry, request.user, full=True))


@router.get(
    "/basedata/entries/{entry_id}",
    response=dict,
    summary="One entry (full views of sensitive ones are audited)",
)
def get_entry(request, entry_id: int):
    _require_use(request.user)
    entry = access_entry(request.user, entry_id)
    if sees_details(request.user, entry.register):
        access.audit_entry_view(request.user, entry, "api", ip=_ip(request))
    data = entry_dict(entry, request.user, full=True)
    if sees_details(request.user, entry.register):
        data["grade_changes"] = [
            {
                "from": c.from_grade,
                "to": c.to_grade,
                "by": c.changed_by.username,
                "reason": c.reason,
                "at": c.at,
            }
            for c in entry.grade_changes.select_related("changed_by")
        ]
    return data


@router.post("/basedata/entries/{entry_id}/reveal", response=dict, summary="Unmasked ID/phone, audited")
def reveal_entry(request, entry_id: int, payload: RevealIn):
    entry = access_entry(request.user, entry_id)
    if entry.person is None:
        raise FieldError("entry", "not a person entry", status=409)
    if not sees_details(request.user, entry.register):
        raise HttpError(403, "this role may not see this register unmasked")
    unknown = set(payload.fields) - {"id_number", "phone"}
    if unknown or not payload.fields:
        raise FieldError("fields", "id_number and/or phone")
    try:
        return reveal_person(
            request.user, entry.person, payload.fields, object_type="basedata.entry", object_id=entry.pk,
            purpose=payload.purpose or "api", ip=_ip(request),
        )  # fmt: skip
    except PermissionDenied:
        raise HttpError(403, "this role may not see unmasked personal data") from None


@router.post(
    "/basedata/entries/{entry_id}/grade",
    response=dict,
    summary="Change the risk grade (who and why recorded)",
)
def change_grade(request, entry_id: int, payload: GradeIn):
    entry = access_entry(request.user, entry_id)
    if not (may_write(request.user, entry.register) and sees_details(request.user, entry.register)):
        raise HttpError(403, "this role may not change risk grades")
    change = actions.change_grade(request.user, entry, payload.grade, payload.reason)
    entry.refresh_from_db()
    return {"entry": entry_dict(entry, request.user, full=True), "change_id": change.pk}


@router.post(
    "/basedata/entries/{entry_id}/end", response=dict, summary="Take an entry off its register (why recorded)"
)
def end_entry(request, entry_id: int, payload: EndIn):
    entry = access_entry(request.user, entry_id)
    if not (may_write(request.user, entry.register) and sees_details(request.user, entry.register)):
        raise HttpError(403, "this role may not take entries off registers")
    entry = actions.end_entry(request.user, entry, payload.reason)
    return {"entry": entry_dict(entry, request.user, full=True)}


@router.get("/basedata/people", response=dict, summary="Find people by ID number, phone, name or its sound")
def find_people(request, q: str):
    _require_use(request.user)
    if len(q) > 50:
        raise FieldError("q", "at most 50 characters")
    result = search_people(request.user, q)
    if result.problem:
        raise FieldError("q", result.problem)
    return {
        "kind": result.kind,
        "results": [
            {
                "id": person.pk,
                "name": person.masked_name,
                "id_number": person.masked_id_number,
                "phone": person.masked_phone,
                "region_code": person.region_id,
                "matched_by": match_reason(person, result, q),
            }
            for person in result.people
        ],
    }


@router.get(
    "/basedata/people/{person_id}", response=dict, summary="One file per person: register entries and cases"
)
def person_file(request, person_id: int):
    _require_use(request.user)
    person = access_person(request.user, person_id)
    entries = (
        access.visible_entries(request.user).filter(person=person).select_related("register", "care_plan")
    )
    shown = []
    for entry in entries:
        if sees_details(request.user, entry.register):
            access.audit_entry_view(request.user, entry, "person file", ip=_ip(request))
            shown.append(entry_dict(entry, request.user))
        else:
            shown.append({"id": entry.pk, "masked": True, "register": None, "register_name": "敏感登记"})
    cases = visible_cases(request.user).filter(parties__person=person).distinct().order_by("-reported_at")
    return {
        "id": person.pk,
        "name": person.masked_name,
        "id_number": person.masked_id_number,
        "phone": person.masked_phone,
        "region_code": person.region_id,
        "entries": shown,
        "cases": [
            {"number": case.number, "title": case.title, "status": case.status, "category": case.category}
            for case in cases[:200]
        ],
    }


@router.get("/basedata/care/plans", response=list[dict], summary="Care plans in my region (overdue first)")
def list_plans(request, overdue: bool | None = None, mine: bool = False):
    _require_use(request.user)
    plans = access.visible_plans(request.user).select_related("entry__register", "entry__person")
    if not access.may_see_sensitive(request.user):
        plans = plans.filter(entry__register__sensitive=False)
    if overdue is not None:
        plans = (
            actions.overdue_plans().filter(pk__in=plans.values("pk"))
            if overdue
            else plans.exclude(pk__in=actions.overdue_plans().values("pk"))
        )
    if mine:
        plans = plans.filter(carers=request.user)
    rows = []
    for plan in plans.prefetch_related("carers").order_by("next_due_at")[:500]:
        data = plan_dict(plan)
        data["entry"] = entry_dict(plan.entry, request.user)
        rows.append(data)
    return rows


def _plan_for_writing(request, plan_id: int) -> CarePlan:
    plan = access_plan(request.user, plan_id)
    register = plan.entry.register
    if not (may_write(request.user, register) and sees_details(request.user, register)):
        raise HttpError(403, "this role may not log care visits")
    return plan


@router.post(
    "/basedata/care/plans/{plan_id}/visits",
    response={200: dict, 201: dict},
    summary="Log a care visit (idempotent on client_id)",
)
def create_visit(request, plan_id: int, payload: VisitIn):
    plan = _plan_for_writing(request, plan_id)
    visit, created = actions.log_visit(
        request.user, plan, visited_at=payload.visited_at, kind=payload.kind, condition=payload.condition,
        note=payload.note, client_id=payload.client_id,
    )  # fmt: skip
    plan.refresh_from_db()
    return ninja.Status(201 if created else 200, {"visit_id": visit.pk, "plan": plan_dict(plan)})


@router.put("/basedata/care/plans/{plan_id}/carers", response=dict, summary="Set the care group")
def set_carers(request, plan_id: int, payload: CarersIn):
    plan = _plan_for_writing(request, plan_id)
    if request.user.role == Role.GRID_WORKER and not request.user.is_superuser:
        raise HttpError(403, "the centre sets the care group")
    users = list(User.objects.filter(username__in=payload.carers, is_active=True))
    found = {user.username for user in users}
    for username in payload.carers:
        if username not in found:
            raise FieldError("carers", f"no such user: {username}")
    actions.set_carers(plan, users, payload.group_note)
    return plan_dict(plan)


@router.get(
    "/basedata/stats", response=dict, summary="Entries per register per region, care coverage, overdue visits"
)
def stats(request, region: str | None = None, days: int = 30):
    _require_use(request.user)
    code = region or request.user.region_id
    if not code:
        raise Http404
    if not 1 <= days <= 365:
        raise FieldError("days", "between 1 and 365")
    return basedata_stats(access_region(request.user, code), days=days)


@router.post(
    "/basedata/registers/{code}/import",
    response={200: dict, 422: dict},
    summary="Import an Excel sheet: all rows or none",
)
def import_sheet(request, code: str, file: File[UploadedFile]):
    register = _register(code)
    if not may_write(request.user, register):
        raise HttpError(403, "this role may not import into this register")
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise FieldError("file", f"larger than {MAX_IMPORT_BYTES} bytes", status=413)
    result = importing.import_entries(file, register, request.user)
    body = {
        "created": result.created,
        "rows": result.rows,
        "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in result.errors],
    }
    if not result.ok:
        body["detail"] = "nothing imported"
        return ninja.Status(422, body)
    return ninja.Status(200, body)


@router.get("/basedata/registers/{code}/export", summary="Export as .xlsx (centre staff and admins; logged)")
def export_sheet(request, code: str, region: str | None = None):
    register = _register(code)
    if not access.may_export(request.user):
        raise HttpError(403, "exports are for centre staff and admins")
    region_code = region or request.user.region_id
    if not region_code:
        raise FieldError("region", "required")
    access_region(request.user, region_code)
    content, _rows = importing.export_workbook(register, request.user, region_code, ip=_ip(request))
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{register.code}-{region_code}.xlsx"'
    return response
