"""Excel ledgers over the API: export any ledger, import the importable ones (multipart upload)."""

from datetime import date

from django.http import Http404, HttpResponse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fengqiao.errors import FieldError

from . import service
from .access import may_export, may_import
from .bulk import BULK_UPLOAD_BYTES
from .imports import LAYOUTS, ImportRejected, import_ledger
from .layouts import LEDGERS
from .views import MAX_UPLOAD_BYTES, _xlsx

router = Router(tags=["ledgers"])


class ExportFilters(Schema):
    region: str | None = Field(None, max_length=21)
    from_: date | None = Field(None, alias="from")
    to: date | None = None


@router.get(
    "/ledgers/{kind}.xlsx",
    response={200: None},
    summary="Export a ledger (cases, mediations, petitions, supervision) as .xlsx",
)
def export_ledger(request, kind: str, filters: Query[ExportFilters]):
    if not may_export(request.user):
        raise FieldError("role", "your role may not export ledgers", status=403)
    if kind not in LEDGERS:
        raise Http404
    made = service.export(request.user, kind, filters.region, filters.from_, filters.to)
    response: HttpResponse = _xlsx(made.content, made.filename)
    response["X-Ledger-Rows"] = str(made.rows)
    return response


@router.post(
    "/ledgers/{kind}/import",
    response={200: dict, 422: dict},
    summary="Import a ledger (cases, mediations, petitions): every row or none",
    description=(
        "With bulk=true (cases ledger only) the rows are written set-based, up to 200,000 rows and "
        "48 MB, and may be historical: 登记时间, 办理状态 (待受理, 已办结待核查, 已结案), 办结时间, 结案时间."
    ),
)
def import_ledger_api(request, kind: str, file: File[UploadedFile], bulk: bool = False):
    if not may_import(request.user):
        raise FieldError("role", "your role may not import ledgers", status=403)
    if kind not in LAYOUTS:
        raise Http404
    bulk = bulk and kind == "cases"
    limit = BULK_UPLOAD_BYTES if bulk else MAX_UPLOAD_BYTES
    if file.size > limit:
        raise FieldError("file", f"larger than {limit} bytes", status=413)
    try:
        result = import_ledger(kind, file, request.user, ip=request.META.get("REMOTE_ADDR"), bulk=bulk)
    except ImportRejected as rejected:
        return Status(
            422,
            {
                "detail": "invalid input",
                "errors": [
                    {
                        "field": f"row {e.row}: {e.column}",
                        "reason": e.reason,
                        "row": e.row,
                        "column": e.column,
                    }
                    for e in rejected.errors
                ],
            },
        )
    return Status(200, {"created": result.created, "existing": result.existing})
