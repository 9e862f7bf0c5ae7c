"""Base-data pages: the registers and their entries (add, import, export), an entry with its care
plan and grade history, finding people and the one file per person, the grid worker's mobile care
list and visit form, and the statistics. Thin: the work is in actions, access, search, stats."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from fengqiao import clock
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import access_region, visible_cases, visible_regions
from fengqiao.errors import FieldError
from fengqiao.people.actions import reveal as reveal_person
from fengqiao.regions import codes

from . import access, actions, importing
from .access import may_write, sees_details
from .models import CareVisit, Register
from .search import match_reason, search_people
from .stats import basedata_stats
from .validation import grade_choices, validate_entry

PAGE = 50
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _ip(request):
    return request.META.get("REMOTE_ADDR")


def _staff(request):
    if not access.may_use(request.user):
        raise PermissionDenied


def _register(code) -> Register:
    return get_object_or_404(
        Register.objects.prefetch_related("fields", "frequencies"), code=code, active=True
    )


@login_required
def home(request):
    _staff(request)
    region = access_region(request.user, request.user.region_id) if request.user.region_id else None
    figures = basedata_stats(region) if region else None
    totals = {row["code"]: row["total"] for row in figures["registers"]} if figures else {}
    registers = [
        {"register": register, "total": totals.get(register.code, 0)}
        for register in Register.objects.filter(active=True)
    ]
    return render(
        request, "basedata/home.html", {"registers": registers, "figures": figures, "region": region}
    )


@login_required
def register_page(request, code):
    _staff(request)
    register = _register(code)
    entries = access.visible_entries(request.user).filter(register=register, active=True)
    query = (request.GET.get("q") or "").strip()[:50]
    if query:
        entries = (
            entries.filter(person__name__contains=query)
            if register.is_person
            else entries.filter(title__contains=query)
        )
    try:
        page = max(int(request.GET.get("page", 1)), 1)
    except ValueError:
        page = 1
    total = entries.count()
    rows = entries.select_related("person", "region", "care_plan").order_by("region_id", "pk")[
        (page - 1) * PAGE : page * PAGE
    ]
    return render(
        request,
        "basedata/register.html",
        {
            "register": register,
            "rows": rows,
            "total": total,
            "page": page,
            "has_next": page * PAGE < total,
            "query": query,
            "details": sees_details(request.user, register),
            "may_write": may_write(request.user, register),
            "may_export": access.may_export(request.user),
            "fields": list(register.fields.all()),
            "now": clock.now(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new_entry(request, code):
    _staff(request)
    register = _register(code)
    if not may_write(request.user, register):
        raise PermissionDenied
    grids = visible_regions(request.user).filter(kind="grid").order_by("code")[:500]
    values = {"data": {}}
    problems = []
    if request.method == "POST":
        values = {
            key: request.POST.get(key, "")
            for key in ("region_code", "name", "id_number", "phone", "title", "address", "grade")
        }
        values["data"] = {
            spec.key: request.POST.get(f"data.{spec.key}", "") for spec in register.fields.all()
        }
        clean, problems = validate_entry(register, request.user, values)
        if not problems:
            try:
                entry = actions.create_entry(request.user, register, clean)
            except FieldError as error:
                messages.error(request, "此人已在本登记表中。" if error.status == 409 else error.reason)
            else:
                messages.success(request, f"已登记到{register.name}。")
                return redirect("basedata-entry", entry_id=entry.pk)
    return render(
        request,
        "basedata/new_entry.html",
        {
            "register": register,
            "grids": grids,
            "values": values,
            "problems": {problem.field: problem.reason_zh for problem in problems},
            "fields": list(register.fields.all()),
            "grades": grade_choices(register),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_page(request, entry_id):
    _staff(request)
    entry = access.access_entry(request.user, entry_id)
    register = entry.register
    details = sees_details(request.user, register)
    writer = details and may_write(request.user, register)
    revealed = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "reveal" and details and entry.person_id:
            try:
                revealed = reveal_person(
                    request.user, entry.person, ["id_number", "phone"], object_type="basedata.entry",
                    object_id=entry.pk, purpose="page", ip=_ip(request),
                )  # fmt: skip
            except PermissionDenied:
                messages.error(request, "您的角色无权查看完整的身份证号和电话。")
        elif action == "grade" and writer:
            try:
                actions.change_grade(
                    request.user,
                    entry,
                    int(request.POST.get("grade", "-1") or -1),
                    request.POST.get("reason", ""),
                )
                messages.success(request, "风险等级已调整,走访频次随之更新。")
                return redirect("basedata-entry", entry_id=entry.pk)
            except (FieldError, ValueError) as error:
                messages.error(
                    request, "请选择新的等级并填写调整理由。" if isinstance(error, ValueError) else _zh(error)
                )
        elif action == "end" and writer and entry.active:
            try:
                actions.end_entry(request.user, entry, request.POST.get("end_reason", ""))
                messages.success(request, "已移出登记表,不再计入名单、统计和走访计划。")
                return redirect("basedata-entry", entry_id=entry.pk)
            except FieldError as error:
                messages.error(request, "请填写移出原因。" if error.field == "reason" else _zh(error))
        elif (
            action == "carers"
            and writer
            and _sets_care_group(request.user)
            and getattr(entry, "care_plan", None)
        ):
            chosen = set(request.POST.getlist("carers"))
            people = [user for user in _carer_candidates(entry) if str(user.pk) in chosen]
            actions.set_carers(entry.care_plan, people, request.POST.get("group_note", ""))
            messages.success(request, "帮扶小组已更新。")
            return redirect("basedata-entry", entry_id=entry.pk)
        else:
            raise PermissionDenied
    if details:
        access.audit_entry_view(request.user, entry, "page", ip=_ip(request))
    plan = getattr(entry, "care_plan", None) if register.care and details else None
    labels = {spec.key: spec.label for spec in register.fields.all()}
    return render(
        request,
        "basedata/entry.html",
        {
            "entry": entry,
            "register": register,
            "details": details,
            "writer": writer,
            "revealed": revealed,
            "data": [(labels.get(key, key), value) for key, value in entry.data.items()] if details else [],
            "grades": grade_choices(register),
            "plan": plan,
            "visits": plan.visits.select_related("visitor")[:20] if plan else [],
            "changes": entry.grade_changes.select_related("changed_by") if details else [],
            "candidates": _carer_candidates(entry)
            if plan and writer and _sets_care_group(request.user)
            else [],
            "carer_ids": {user.pk for user in plan.carers.all()} if plan else set(),
            "now": clock.now(),
        },
    )


def _sets_care_group(user) -> bool:
    return user.is_superuser or user.role in (Role.ADMIN, Role.CENTRE_STAFF)


def _carer_candidates(entry) -> list:
    """Staff who can be on the care group: accounts whose home region holds the entry's grid."""
    codes_up = [region.code for region in entry.region.ancestors()] + [entry.region_id[:15]]
    return list(
        User.objects.filter(
            is_active=True,
            region_id__in=codes_up,
            role__in=[Role.GRID_WORKER, Role.CENTRE_STAFF, Role.DEPARTMENT_STAFF],
        )
        .select_related("unit")
        .order_by("role", "username")[:100]
    )


def _zh(error: FieldError) -> str:
    return {
        "say why the grade changes": "请填写调整理由。",
        "not a risk grade of this register": "不是本登记表的风险等级。",
        "the entry already has this grade": "已经是这个等级。",
    }.get(error.reason, error.reason)


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request, code):
    _staff(request)
    register = _register(code)
    if not may_write(request.user, register):
        raise PermissionDenied
    result = None
    if request.method == "POST":
        upload = request.FILES.get("sheet")
        if upload is None:
            messages.error(request, "请选择 Excel 文件。")
        elif upload.size > MAX_IMPORT_BYTES:
            messages.error(request, "文件过大(上限 5 MB)。")
        else:
            result = importing.import_entries(upload, register, request.user)
            if result.ok:
                messages.success(request, f"已导入 {result.created} 条{register.name}记录。")
                return redirect("basedata-register", code=register.code)
    return render(
        request,
        "basedata/import.html",
        {
            "register": register,
            "result": result,
            "columns": [header for _, header in importing.columns_for(register)],
        },
    )


@login_required
def template_download(request, code):
    _staff(request)
    register = _register(code)
    response = HttpResponse(importing.template_workbook(register), content_type=importing_xlsx())
    response["Content-Disposition"] = f'attachment; filename="{register.code}-template.xlsx"'
    return response


def importing_xlsx():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
@require_http_methods(["POST"])
def export_download(request, code):
    register = _register(code)
    if not access.may_export(request.user):
        raise PermissionDenied
    region_code = request.POST.get("region") or request.user.region_id
    if not region_code:
        raise Http404
    access_region(request.user, region_code)
    content, _rows = importing.export_workbook(register, request.user, region_code, ip=_ip(request))
    response = HttpResponse(content, content_type=importing_xlsx())
    response["Content-Disposition"] = f'attachment; filename="{register.code}-{region_code}.xlsx"'
    return response


@login_required
def people_page(request):
    _staff(request)
    query = (request.GET.get("q") or "").strip()[:50]
    result = search_people(request.user, query) if query else None
    rows = (
        [{"person": person, "matched_by": match_reason(person, result, query)} for person in result.people]
        if result
        else []
    )
    problem = ""
    if result and result.problem:
        from .validation import PERSONAL_ZH

        problem = PERSONAL_ZH.get(result.problem, result.problem)
    return render(
        request, "basedata/people.html", {"query": query, "rows": rows, "result": result, "problem": problem}
    )


@login_required
def person_page(request, person_id):
    _staff(request)
    person = access.access_person(request.user, person_id)
    entries = []
    for entry in (
        access.visible_entries(request.user)
        .filter(person=person)
        .select_related("register", "region", "care_plan")
    ):
        details = sees_details(request.user, entry.register)
        if details:
            access.audit_entry_view(request.user, entry, "person file", ip=_ip(request))
        entries.append({"entry": entry, "details": details})
    cases = (
        visible_cases(request.user).filter(parties__person=person).distinct().order_by("-reported_at")[:200]
    )
    return render(request, "basedata/person.html", {"person": person, "entries": entries, "cases": cases})


@login_required
def care_page(request):
    """The grid worker's care list (mobile first): overdue first, each with a visit button."""
    _staff(request)
    plans = access.visible_plans(request.user).select_related(
        "entry__register", "entry__person", "entry__region"
    )
    if not access.may_see_sensitive(request.user):
        plans = plans.filter(entry__register__sensitive=False)
    now = clock.now()
    rows = [
        {"plan": plan, "overdue": plan.next_due_at <= now} for plan in plans.order_by("next_due_at")[:300]
    ]
    return render(
        request, "basedata/care.html", {"rows": rows, "overdue": sum(row["overdue"] for row in rows)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_page(request, plan_id):
    _staff(request)
    plan = access.access_plan(request.user, plan_id)
    register = plan.entry.register
    if not (may_write(request.user, register) and sees_details(request.user, register)):
        raise PermissionDenied
    if request.method == "POST":
        try:
            client_id = uuid.UUID(request.POST.get("client_id", ""))
        except ValueError:
            client_id = None
        kind = request.POST.get("kind", CareVisit.Kind.HOME)
        condition = request.POST.get("condition", CareVisit.Condition.STABLE)
        try:
            actions.log_visit(
                request.user,
                plan,
                kind=kind,
                condition=condition,
                note=request.POST.get("note", ""),
                client_id=client_id,
            )
        except FieldError:
            messages.error(request, "走访信息有误,请检查后重试。")
        else:
            messages.success(request, "走访已登记。")
            return redirect("basedata-care")
    access.audit_entry_view(request.user, plan.entry, "care visit", ip=_ip(request))
    return render(
        request,
        "basedata/visit.html",
        {
            "plan": plan,
            "entry": plan.entry,
            "kinds": CareVisit.Kind.choices,
            "conditions": CareVisit.Condition.choices,
            "client_id": uuid.uuid4(),
            "overdue": plan.next_due_at <= clock.now(),
        },
    )


@login_required
def stats_page(request):
    _staff(request)
    code = request.GET.get("region") or request.user.region_id
    if not code:
        raise Http404
    region = access_region(request.user, code)
    figures = basedata_stats(region)
    children = figures["children"]
    table = [
        {"register": row, "cells": [row["by_region"].get(child["code"], 0) for child in children]}
        for row in figures["registers"]
    ]
    parent = region.parent_id if region.parent_id and codes.is_valid(region.parent_id) else None
    if parent and not access_region_ok(request.user, parent):
        parent = None
    return render(
        request,
        "basedata/stats.html",
        {"region": region, "figures": figures, "table": table, "children": children, "parent": parent},
    )


def access_region_ok(user, code) -> bool:
    from fengqiao.accounts.scoping import can_see_region

    return can_see_region(user, code)
