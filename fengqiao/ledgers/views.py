"""Pages: the ledger list with export and import forms, the import report, and the templates."""

import io
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from fengqiao.accounts.scoping import visible_regions
from fengqiao.errors import FieldError

from . import service
from .access import may_import, require_export, require_import
from .bulk import BULK_UPLOAD_BYTES
from .exports import XLSX_TYPE
from .imports import LAYOUTS, ImportRejected, RowError, import_ledger, template_workbook
from .layouts import LEDGERS

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
IMPORT_HINTS = {
    "cases": "填写了“事项编号”的行视为系统中已有的事项,不重复导入。",
    "mediations": "填写了“事项编号”的行视为系统中已有的事项;“调解员”填写在册调解员姓名,导入后请其确认接受。",
    "petitions": "填写了“事项编号”的行视为系统中已有的事项;每行登记为一件信访事项。",
    "supervision": "同一区划、同一督办事项尚未销账的,不重复挂账;“责任单位”填写单位名称或代码。",
}


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def _regions(user):
    return visible_regions(user).filter(kind__in=["city", "county", "township"]).order_by("code")[:300]


def _page(request, **extra):
    context = {
        "ledgers": [
            {
                "code": code,
                "title": ledger.title,
                "importable": code in LAYOUTS,
                "columns": list(LAYOUTS[code].columns) if code in LAYOUTS else [],
                "hint": IMPORT_HINTS.get(code, ""),
            }
            for code, ledger in LEDGERS.items()
        ],
        "regions": _regions(request.user),
        "may_import": may_import(request.user),
        **extra,
    }
    return render(request, "ledgers/index.html", context)


@login_required
def index(request):
    require_export(request.user)
    return _page(request)


@login_required
def export(request, kind):
    require_export(request.user)
    if kind not in LEDGERS:
        raise Http404
    try:
        made = service.export(
            request.user, kind, request.GET.get("region"), request.GET.get("from"), request.GET.get("to")
        )
    except FieldError as error:
        if error.status == 404:
            raise Http404 from None
        return _page(request, export_error=f"{error.field}:{error.reason}")
    return _xlsx(made.content, made.filename)


@login_required
def template(request, kind):
    require_import(request.user)
    if kind not in LAYOUTS:
        raise Http404
    out = io.BytesIO()
    template_workbook(kind).save(out)
    return _xlsx(out.getvalue(), f"{LEDGERS[kind].title}导入模板.xlsx")


@login_required
@require_http_methods(["POST"])
def import_view(request, kind):
    require_import(request.user)
    if kind not in LAYOUTS:
        raise Http404
    upload = request.FILES.get("file")
    bulk = kind == "cases" and request.POST.get("bulk") == "1"
    limit = BULK_UPLOAD_BYTES if bulk else MAX_UPLOAD_BYTES
    context = {"imported_kind": kind, "imported_title": LEDGERS[kind].title}
    if upload is None:
        errors = [RowError(0, "文件", "请选择 Excel 文件")]
    elif upload.size > limit:
        errors = [RowError(0, "文件", f"文件超过 {limit // (1024 * 1024)} MB,请分批导入")]
    else:
        try:
            result = import_ledger(kind, upload, request.user, ip=request.META.get("REMOTE_ADDR"), bulk=bulk)
        except ImportRejected as rejected:
            errors = rejected.errors
        else:
            return _page(request, result=result, **context)
    response = _page(request, import_errors=errors, **context)
    response.status_code = 422
    return response
