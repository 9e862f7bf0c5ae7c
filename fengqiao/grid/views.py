"""Grid pages: the grid worker app (shell, manifest, service worker), coverage for centre staff,
households with masked residents (reveal is audited), and the Excel import."""

import hashlib
import json
import uuid
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import (
    access_case,
    access_region,
    region_scope_q,
    visible_cases,
    visible_regions,
)
from fengqiao.cases.codes import Category
from fengqiao.errors import FieldError

from . import actions, coverage, staffing
from .api import access_resident
from .forms import StaffingForm
from .imports import COLUMNS, import_households
from .models import Attachment, FieldVisit, GridAssignment, Household, ServiceItem, StaffRole

APP_ROLES = {Role.GRID_WORKER, Role.CENTRE_STAFF, Role.ADMIN}
CENTRE_ROLES = {Role.CENTRE_STAFF, Role.ADMIN, Role.LEADER}
IMPORT_ROLES = {Role.GRID_WORKER, Role.CENTRE_STAFF, Role.ADMIN}
TIE_ROLES = {Role.GRID_WORKER, Role.CENTRE_STAFF, Role.ADMIN}
STAFFING_ROLES = {Role.CENTRE_STAFF, Role.ADMIN}
SHELL_STATIC = [
    "grid/app.js",
    "grid/queue.js",
    "grid/sync.js",
    "grid/grid.css",
    "grid/icon-192.png",
    "fengqiao/app.css",
    "vendor/htmx-2.0.11.min.js",
]
MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _require(user, roles):
    if not (user.is_superuser or user.role in roles):
        raise PermissionDenied


def _client_ip(request):
    return request.META.get("REMOTE_ADDR")


@login_required
def app(request):
    """The app shell: served from the service worker's cache when the phone is offline."""
    _require(request.user, APP_ROLES)
    households = Household.objects.filter(region_scope_q(request.user, "grid_id")).order_by(
        "grid_id", "building", "address"
    )[:500]
    return render(
        request,
        "grid/app.html",
        {
            "categories": Category.choices,
            "households": households,
            "visit_kinds": FieldVisit.Kind.choices,
            "csrf": get_token(request),
        },
    )


@require_GET
def app_token(request):
    """A fresh CSRF token for the app's sync (never cached): 401 when the session is gone."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "authentication required"}, status=401)
    response = JsonResponse({"csrf_token": get_token(request), "username": request.user.username})
    response["Cache-Control"] = "no-store"
    return response


def _shell_version(urls) -> str:
    digest = hashlib.sha256("\n".join(urls).encode())
    for name in SHELL_STATIC:
        path = finders.find(name) or ""
        if path:
            digest.update(Path(path).read_bytes())
    digest.update((Path(__file__).parent / "templates" / "grid" / "sw.js").read_bytes())
    return "fq-grid-" + digest.hexdigest()[:12]


@login_required
@require_GET
def service_worker(request):
    """The service worker, served under /grid/ so that its scope covers the app pages. Behind the
    login like every page (the browser sends the session cookie when it fetches the script)."""
    urls = [static(name) for name in SHELL_STATIC] + [reverse("grid-manifest")]
    source = render_to_string(
        "grid/sw.js",
        {
            "version": _shell_version(urls),
            "shell": json.dumps(urls),
            "app_url": json.dumps(reverse("grid-app")),
            "scripts": json.dumps([static("grid/queue.js"), static("grid/sync.js")]),
            "sync_urls": json.dumps(
                {
                    "tokenUrl": reverse("grid-app-token"),
                    "casesUrl": "/api/v1/cases",
                    "visitsUrl": "/api/v1/grid/visits",
                    "attachmentsUrl": "/api/v1/grid/attachments",
                }
            ),
        },
    )
    response = HttpResponse(source, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/grid/"
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_GET
def manifest(request):
    """The web app manifest; the page links it with crossorigin="use-credentials" so that the
    browser sends the session cookie."""
    data = {
        "name": "枫桥网格通",
        "short_name": "网格通",
        "lang": "zh-CN",
        "start_url": reverse("grid-app"),
        "scope": "/grid/",
        "display": "standalone",
        "background_color": "#f4f6f8",
        "theme_color": "#b4282d",
        "icons": [
            {"src": static("grid/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("grid/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    return JsonResponse(
        data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False}
    )


@login_required
def coverage_page(request):
    _require(request.user, CENTRE_ROLES)
    code = request.GET.get("region") or request.user.region_id
    if not code:
        raise Http404
    region = access_region(request.user, code)
    try:
        days = min(max(int(request.GET.get("days", coverage.UNWALKED_DAYS)), 1), 365)
    except ValueError:
        days = coverage.UNWALKED_DAYS
    report = coverage.coverage_report(region.code, days=days)
    weeks = [week["week"] for week in report["workers"][0]["field_days"]] if report["workers"] else []
    return render(request, "grid/coverage.html", {"region": region, "report": report, "weeks": weeks})


@login_required
@require_http_methods(["GET", "POST"])
def households_page(request):
    """Households of one grid; residents masked, and a reveal button that writes the audit row."""
    _require(request.user, APP_ROLES | CENTRE_ROLES)
    grids = visible_regions(request.user).filter(kind="grid").order_by("code")
    code = request.GET.get("grid") or (request.user.region_id if request.user.region_id else "")
    if code and len(code) != 15:
        code = ""
    grid = access_region(request.user, code) if code else grids.first()
    revealed = {}
    if request.method == "POST" and request.POST.get("op") == "tie":
        _tie(request)
        return redirect(f"{reverse('grid-households')}?grid={grid.code if grid else ''}")
    if request.method == "POST":
        resident = access_resident(request.user, int(request.POST.get("resident", 0) or 0))
        try:
            revealed[resident.pk] = actions.reveal_resident(
                resident, request.user, ip=_client_ip(request), purpose="page"
            )
        except PermissionDenied:
            messages.error(request, "您的角色无权查看完整的身份证号和电话。")
    households = (
        Household.objects.filter(grid=grid)
        .select_related("volunteer__user")
        .prefetch_related("residents__person")
        .order_by("building", "address")
        if grid
        else Household.objects.none()
    )
    from fengqiao.people.masking import may_unmask

    rows = [
        {
            "household": household,
            "residents": [
                {"resident": resident, "revealed": revealed.get(resident.pk)}
                for resident in household.residents.all()
            ],
        }
        for household in households
    ]
    volunteers = (
        GridAssignment.objects.current().filter(grid=grid, role=StaffRole.VOLUNTEER).select_related("user")
        if grid
        else []
    )
    return render(
        request,
        "grid/households.html",
        {
            "grid": grid,
            "grids": grids[:300],
            "rows": rows,
            "may_reveal": may_unmask(request.user),
            "volunteers": volunteers,
            "may_tie": request.user.is_superuser or request.user.role in TIE_ROLES,
        },
    )


def _tie(request):
    """Put a household in a volunteer's care, or free it."""
    _require(request.user, TIE_ROLES)
    household = (
        Household.objects.filter(
            region_scope_q(request.user, "grid_id"), pk=_int(request.POST.get("household"))
        )
        .select_related("grid")
        .first()
    )
    if household is None:
        raise Http404
    volunteer = None
    if request.POST.get("volunteer"):
        volunteer = GridAssignment.objects.filter(
            pk=_int(request.POST.get("volunteer")), grid_id=household.grid_id
        ).first()
        if volunteer is None:
            raise Http404
    try:
        actions.tie_household(household, volunteer, request.user)
        messages.success(
            request, f"{household.address} 已由 {volunteer.display_name} 联系" if volunteer else "已解除联户"
        )
    except FieldError as error:
        messages.error(request, f"未能设置联户:{error.reason}")


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# ------------------------------------------------------------------------------------ staffing


@login_required
@require_http_methods(["GET", "POST"])
def staffing_page(request):
    """Posts per grid below a region, full- and part-time workers, vacancies; centre staff post
    people and end posts here."""
    _require(request.user, APP_ROLES | CENTRE_ROLES)
    code = request.GET.get("region") or request.user.region_id
    if not code:
        raise Http404
    region = access_region(request.user, code)
    may_edit = request.user.is_superuser or request.user.role in STAFFING_ROLES
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        try:
            _staffing_post(request)
        except FieldError as error:
            messages.error(request, f"输入有误({error.field}):{error.reason}")
        return redirect(f"{reverse('grid-staffing')}?region={region.code}")
    report = staffing.staffing_report(region.code)
    return render(
        request,
        "grid/staffing.html",
        {
            "region": region,
            "report": report,
            "may_edit": may_edit,
            "form": StaffingForm(grids=[row["grid"] for row in report["grids"]]) if may_edit else None,
            "service_items": ServiceItem.objects.filter(active=True)
            .filter(Q(region__isnull=True) | Q(region_id__in=_ancestors(region.code)))
            .order_by("kind", "order", "pk"),
        },
    )


def _ancestors(code: str) -> list[str]:
    from fengqiao.mediation.actions import ancestor_codes

    return ancestor_codes(code)


def _staffing_post(request):
    user = request.user
    if request.POST.get("op") == "end":
        assignment = GridAssignment.objects.filter(
            region_scope_q(user, "grid_id"), pk=_int(request.POST.get("assignment"))
        ).first()
        if assignment is None:
            raise Http404
        actions.end_post(assignment, user)
        messages.success(request, f"{assignment.display_name} 已离岗")
        return
    grids = visible_regions(user).filter(kind="grid")
    form = StaffingForm(request.POST, grids=grids.filter(code=request.POST.get("grid", "")))
    if not form.is_valid():
        field, problems = next(iter(form.errors.items()))
        raise FieldError(field, "; ".join(problems))
    data = form.cleaned_data
    person = None
    if data["username"]:
        from fengqiao.accounts.models import User

        person = User.objects.filter(username=data["username"], is_active=True).first()
        if person is None:
            raise FieldError("username", "no such account")
    actions.assign_post(
        user,
        grid=grids.get(code=data["grid"]),
        role=data["role"],
        person=person,
        name=data["name"],
        organisation=data["organisation"],
        starts_on=data["starts_on"],
        households_responsible=data["households_responsible"],
    )
    messages.success(request, "已配备")


# ------------------------------------------------------------------------------------ photos


@login_required
def case_photos(request, number):
    """The photos filed with a case, for whoever may see the case."""
    _require(request.user, APP_ROLES | CENTRE_ROLES | {Role.MEDIATOR, Role.DEPARTMENT_STAFF})
    case = access_case(request.user, number)
    photos = case.photos.select_related("uploaded_by").order_by("uploaded_at", "pk")
    return render(request, "grid/photos.html", {"case": case, "photos": photos})


@login_required
@require_GET
def photo(request, client_id):
    """One photo's bytes, only to a user who may see its case: the same 404 for a photo that does
    not exist and one outside the user's scope, so that guessing URLs finds nothing."""
    try:
        client_id = uuid.UUID(client_id)
    except ValueError:
        raise Http404 from None
    attachment = Attachment.objects.filter(client_id=client_id).select_related("case").first()
    if attachment is None or request.user.role == Role.CITIZEN and not request.user.is_superuser:
        raise Http404
    if not visible_cases(request.user).filter(pk=attachment.case_id).exists():
        raise Http404
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f"inline; filename={attachment.client_id}{attachment.extension}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    _require(request.user, IMPORT_ROLES)
    result = None
    if request.method == "POST":
        upload = request.FILES.get("sheet")
        if upload is None:
            messages.error(request, "请选择 Excel 文件。")
        elif upload.size > MAX_IMPORT_BYTES:
            messages.error(request, "文件过大(上限 5 MB)。")
        else:
            result = import_households(upload, request.user)
            if result.ok:
                messages.success(request, f"已导入 {result.households} 户新户、{result.residents} 名居民。")
                return redirect("grid-households")
    return render(request, "grid/import.html", {"result": result, "columns": COLUMNS.values()})
