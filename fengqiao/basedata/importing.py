"""Excel in and out, one register at a time.

Import: the first sheet's first row names the columns, in any order, under the names villages
use (网格编码 or 所属网格, 身份证号 or 公民身份号码, …) plus the register's own field labels.
Every row is validated through validation.validate_entry; if any row fails, nothing is written
and the report lists row, column and reason. Export: restricted (access.may_export) and logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from fengqiao.people import crypto
from fengqiao.people.models import AccessLog
from fengqiao.web.spreadsheets import (
    SpreadsheetRejected,
    build_workbook,
    open_workbook,
    sheet_rows,
    workbook_bytes,
)

from .access import visible_entries
from .actions import DuplicateEntry, create_entry
from .models import Entry, ExportLog, Register
from .validation import validate_entry

MAX_ROWS = 5000
BASE_COLUMNS = {
    "region_code": ("网格编码", "所属网格", "网格代码", "网格"),
    "name": ("姓名",),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "证件号码"),
    "phone": ("联系电话", "手机号码", "联系方式", "电话"),
    "title": ("名称", "单位名称", "场所名称", "房屋名称"),
    "address": ("地址", "住址", "现住址", "详细地址"),
    "grade": ("风险等级", "危险性等级", "管控等级"),
}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def columns_for(register: Register) -> list[tuple[str, str]]:
    """(key, header) of the template: base columns, then the register's own fields."""
    keys = ["region_code"]
    keys += ["name", "id_number", "phone"] if register.is_person else ["title"]
    keys.append("address")
    if register.frequencies.exists():
        keys.append("grade")
    columns = [(key, BASE_COLUMNS[key][0]) for key in keys]
    columns += [(f"data.{spec.key}", spec.label) for spec in register.fields.all()]
    return columns


def _header_map(register: Register, header: list[str]) -> dict[str, int]:
    positions = {}
    wanted = dict(BASE_COLUMNS) | {f"data.{spec.key}": (spec.label,) for spec in register.fields.all()}
    for key, names in wanted.items():
        for name in names:
            if name in header:
                positions[key] = header.index(name)
                break
    return positions


def import_entries(source, register: Register, user) -> ImportResult:
    try:
        workbook = open_workbook(source)
        try:
            return _import_sheet(workbook.worksheets[0], register, user)
        finally:
            workbook.close()
    except SpreadsheetRejected as refused:
        return ImportResult(errors=[RowError(1, "文件", refused.reason)])


def _import_sheet(sheet, register: Register, user) -> ImportResult:
    result = ImportResult()
    labels = dict(columns_for(register)) | {key: names[0] for key, names in BASE_COLUMNS.items()}
    rows = sheet_rows(sheet)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, ())]
    positions = _header_map(register, header)
    required = ["region_code", "name" if register.is_person else "title"]
    missing = [labels[key] for key in required if key not in positions]
    if missing:
        result.errors.append(RowError(1, "表头", f"缺少列:{'、'.join(missing)}"))
        return result
    cleaned: list[tuple[int, dict]] = []
    seen_ids: dict[str, int] = {}
    cache: dict = {}
    for number, cells in enumerate(rows, start=2):
        values: dict = {"data": {}}
        for key, index in positions.items():
            value = cells[index] if index < len(cells) else None
            if key.startswith("data."):
                values["data"][key[5:]] = value
            else:
                values[key] = value
        if all(v in (None, "") for k, v in values.items() if k != "data") and not any(
            v not in (None, "") for v in values["data"].values()
        ):
            continue
        result.rows += 1
        if result.rows > MAX_ROWS:
            result.errors = [RowError(number, "文件", f"一次最多导入 {MAX_ROWS} 行")]
            return result
        clean, problems = validate_entry(register, user, values, cache)
        for problem in problems:
            result.errors.append(
                RowError(number, labels.get(problem.field, problem.field), problem.reason_zh)
            )
        if register.is_person and clean.get("id_number"):
            first = seen_ids.setdefault(clean["id_number"], number)
            if first != number:
                result.errors.append(RowError(number, labels["id_number"], f"与第 {first} 行重复"))
        cleaned.append((number, clean))
    registered = _already_registered(register, list(seen_ids))
    for number, clean in cleaned:
        if clean.get("id_number") in registered:
            result.errors.append(RowError(number, labels["id_number"], "此人已在本登记表中"))
    result.errors.sort(key=lambda error: error.row)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for number, clean in cleaned:
                try:
                    create_entry(user, register, clean)
                except DuplicateEntry:
                    result.errors.append(RowError(number, labels["name"], "此人已在本登记表中"))
                    raise
                result.created += 1
    except DuplicateEntry:
        result.created = 0
    return result


def _already_registered(register: Register, id_numbers: list[str]) -> set[str]:
    """Which of these ID numbers are already on the register (by their lookup hashes)."""
    by_hash = {crypto.lookup_hash("id", number): number for number in id_numbers}
    found = set()
    hashes = list(by_hash)
    for start in range(0, len(hashes), 500):
        found.update(
            Entry.objects.filter(
                register=register, person__id_number_hash__in=hashes[start : start + 500]
            ).values_list("person__id_number_hash", flat=True)
        )
    return {by_hash[value] for value in found}


def template_workbook(register: Register) -> bytes:
    header = [header for _, header in columns_for(register)]
    return workbook_bytes(build_workbook({register.name[:30]: (header, [])}))


def export_workbook(register: Register, user, region_code: str, ip: str | None = None) -> tuple[bytes, int]:
    """Every active entry of the register in the region, unmasked, as .xlsx; written to ExportLog
    and, per person, to the access log. Callers check access.may_export first."""
    from fengqiao.regions import codes

    entries = list(
        visible_entries(user)
        .filter(codes.subtree_q("region_id", region_code), register=register, active=True)
        .select_related("person")
        .order_by("region_id", "pk")
    )
    columns = columns_for(register)
    rows = []
    for entry in entries:
        row = []
        for key, _ in columns:
            if key == "region_code":
                row.append(entry.region_id)
            elif key in ("name", "id_number", "phone"):
                row.append(getattr(entry.person, key) if entry.person_id else "")
            elif key == "grade":
                row.append(entry.grade)
            elif key.startswith("data."):
                row.append(entry.data.get(key[5:]))
            else:
                row.append(getattr(entry, key))
        rows.append(row)
    # Names, addresses and the register's own fields are typed by people: build_workbook writes
    # every cell through safe_cell (a phone in E.164 gets the apostrophe too; it imports back).
    content = workbook_bytes(build_workbook({register.name[:30]: ([header for _, header in columns], rows)}))
    with transaction.atomic():
        ExportLog.objects.create(
            user=user, register=register, region_code=region_code, rows=len(entries), ip=ip
        )
        AccessLog.objects.bulk_create(
            AccessLog(
                user=user,
                person_id=entry.person_id,
                object_type="basedata.export",
                object_id=str(entry.pk),
                fields=["id_number", "phone"],
                purpose=f"导出{register.name}",
                ip=ip or None,
            )
            for entry in entries
            if entry.person_id
        )
    return content, len(entries)
