"""Import households and residents from the Excel sheets villages already keep.

One row per resident; rows with the same grid code and address are one household. Every row is
validated first; if any row fails, nothing is written and the report names row, column and reason.

Columns (first row, in any order; extra columns are ignored):
网格编码 · 地址 · 楼栋 · 姓名 · 身份证号 · 联系电话 · 与户主关系 · 标签 (独居、高龄老人… separated by 、 , or ;)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from fengqiao.accounts.scoping import can_see_region
from fengqiao.people.actions import find_or_create_person
from fengqiao.people.validation import InvalidPersonalData, normalise_id_number, normalise_phone
from fengqiao.regions.models import Region
from fengqiao.web.spreadsheets import SpreadsheetRejected, open_workbook, sheet_rows

from .models import Household, Resident, ResidentTag

COLUMNS = {
    "grid_code": "网格编码",
    "address": "地址",
    "building": "楼栋",
    "name": "姓名",
    "id_number": "身份证号",
    "phone": "联系电话",
    "relation": "与户主关系",
    "tags": "标签",
}
REQUIRED = ("grid_code", "address", "name")
MAX_ROWS = 5000
TAG_BY_LABEL = {label: value for value, label in ResidentTag.choices} | {v: v for v in ResidentTag.values}
REASONS_ZH = {
    "an ID-card number has 18 characters": "身份证号应为18位",
    "invalid ID-card format": "身份证号格式错误",
    "invalid ID-card checksum": "身份证号校验位错误",
    "invalid ID-card region code": "身份证号地区码错误",
    "invalid ID-card birth date": "身份证号出生日期错误",
    "not a phone number": "不是电话号码",
    "only mainland China numbers are accepted": "仅接受大陆号码",
    "invalid phone number": "电话号码无效",
    "not a mobile or landline number": "不是手机或固话号码",
    "a landline needs its area code and a 7- or 8-digit number": "固话需带区号",
}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    households: int = 0
    residents: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_rows(source) -> tuple[list[tuple[int, dict]], list[RowError]]:
    """(row number, {field: text}) for each non-empty data row of the first sheet."""
    try:
        workbook = open_workbook(source)
        try:
            return _read_sheet(workbook.worksheets[0])
        finally:
            workbook.close()
    except SpreadsheetRejected as refused:
        return [], [RowError(1, "文件", refused.reason)]


def _read_sheet(sheet) -> tuple[list[tuple[int, dict]], list[RowError]]:
    rows = sheet_rows(sheet)
    header = [_text(cell) for cell in next(rows, ())]
    positions = {name: header.index(label) for name, label in COLUMNS.items() if label in header}
    missing = [COLUMNS[name] for name in REQUIRED if name not in positions]
    if missing:
        return [], [RowError(1, "表头", f"缺少列:{'、'.join(missing)}")]
    out = []
    for number, cells in enumerate(rows, start=2):
        values = {
            name: _text(cells[index]) if index < len(cells) else "" for name, index in positions.items()
        }
        if any(values.values()):
            out.append((number, values))
        if len(out) > MAX_ROWS:
            return [], [RowError(number, "文件", f"一次最多导入 {MAX_ROWS} 行")]
    return out, []


def validate_rows(rows, user) -> tuple[list[dict], list[RowError]]:
    errors: list[RowError] = []
    clean = []
    grids: dict[str, bool] = {}
    seen_ids: dict[str, int] = {}
    for number, values in rows:
        row_errors = []
        for name in REQUIRED:
            if not values.get(name):
                row_errors.append(RowError(number, COLUMNS[name], "必填"))
        code = values.get("grid_code", "")
        if code:
            if code not in grids:
                grids[code] = Region.objects.filter(
                    code=code, kind=Region.Kind.GRID
                ).exists() and can_see_region(user, code)
            if not grids[code]:
                row_errors.append(RowError(number, COLUMNS["grid_code"], "不是您辖区内的网格"))
        row = dict(values)
        for name, normalise in (("id_number", normalise_id_number), ("phone", normalise_phone)):
            if row.get(name):
                try:
                    row[name] = normalise(row[name])
                except InvalidPersonalData as error:
                    row_errors.append(
                        RowError(number, COLUMNS[name], REASONS_ZH.get(error.reason, error.reason))
                    )
        if row.get("id_number"):
            first = seen_ids.setdefault(row["id_number"], number)
            if first != number:
                row_errors.append(RowError(number, COLUMNS["id_number"], f"与第 {first} 行重复"))
        tags = []
        for label in filter(None, re.split(r"[、,,;;\s]+", row.get("tags", ""))):
            if label in TAG_BY_LABEL:
                tags.append(TAG_BY_LABEL[label])
            else:
                row_errors.append(RowError(number, COLUMNS["tags"], f"未知标签“{label}”"))
        row["tags"] = list(dict.fromkeys(tags))
        for name, limit in (("address", 200), ("building", 50), ("name", 50), ("relation", 20)):
            if len(row.get(name, "")) > limit:
                row_errors.append(RowError(number, COLUMNS[name], f"超过 {limit} 字"))
        errors.extend(row_errors)
        clean.append(row)
    return clean, errors


def import_households(source, user) -> ImportResult:
    """Validate the whole sheet, then write it in one transaction (or nothing at all)."""
    rows, errors = read_rows(source)
    if errors:
        return ImportResult(errors=errors)
    if not rows:
        return ImportResult(errors=[RowError(2, "文件", "没有数据行")])
    clean, errors = validate_rows(rows, user)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    with transaction.atomic():
        households: dict[tuple[str, str], Household] = {}
        for row in clean:
            key = (row["grid_code"], row["address"])
            if key not in households:
                household, created = Household.objects.get_or_create(
                    grid_id=row["grid_code"],
                    address=row["address"],
                    defaults={"building": row.get("building", "")},
                )
                households[key] = household
                result.households += created
            person = find_or_create_person(
                row["name"],
                phone=row.get("phone", ""),
                id_number=row.get("id_number", ""),
                region_code=row["grid_code"],
            )
            resident, created = Resident.objects.get_or_create(
                household=households[key],
                person=person,
                defaults={"relation": row.get("relation", ""), "tags": row["tags"]},
            )
            if not created:
                resident.relation = row.get("relation", "") or resident.relation
                resident.tags = row["tags"]
                resident.save(update_fields=["relation", "tags"])
            result.residents += 1
    return result
