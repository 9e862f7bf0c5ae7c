"""Importing the mediator directory and the mediation bodies from Excel (the ledger format county
offices keep). Every row is checked first; one bad row means nothing is written and the report names
each row and column."""

import functools
from dataclasses import dataclass

from django.db import transaction

from fengqiao.accounts.models import Unit, User
from fengqiao.cases.codes import Category
from fengqiao.regions.models import Region
from fengqiao.web.spreadsheets import SpreadsheetRejected, build_workbook, open_workbook, sheet_rows

from .models import MediationBody, Mediator

COLUMNS = ["姓名", "类型", "调解组织", "区划代码", "擅长类别", "可接案", "同时承办上限", "平台账号", "简介"]
REQUIRED = {"姓名", "类型", "区划代码"}
YES = {"是", "y", "yes", "true", "1", "可"}
NO = {"否", "n", "no", "false", "0", "不可"}


@dataclass
class RowError:
    row: int
    column: str
    reason: str


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


def _lookup(choices, text: str):
    """A choice by its code or its Chinese label."""
    for value, label in choices:
        if text in (value, label):
            return value
    return None


def template_workbook():
    example = ["李调解", "人民调解员", "", "990102001000", "邻里纠纷、婚姻家庭纠纷", "是", 10, "", ""]
    return build_workbook({"调解员": (COLUMNS, [example])})


def _firstsheet_rows(file):
    """The value rows of the upload's first sheet, opened by web.spreadsheets.open_workbook."""
    return sheet_rows(open_workbook(file).worksheets[0])


def _file_refused(importer):
    """The importer, with a file that web.spreadsheets refuses (when opened or while its rows
    are read) reported as ImportRejected naming the file."""

    @functools.wraps(importer)
    def checked(*args, **kwargs):
        try:
            return importer(*args, **kwargs)
        except SpreadsheetRejected as refused:
            raise ImportRejected([RowError(0, "文件", refused.reason)]) from None

    return checked


@_file_refused
def import_mediators(file) -> list[Mediator]:
    """Read the first sheet (header row: COLUMNS, any order) and file every row, or raise
    ImportRejected with every problem found and write nothing."""
    rows = _firstsheet_rows(file)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, [])]
    errors = [RowError(1, column, "缺少此列") for column in REQUIRED if column not in header]
    if errors:
        raise ImportRejected(errors)
    index = {name: position for position, name in enumerate(header)}
    bodies = {(body.name, body.region_id): body for body in MediationBody.objects.all()}
    regions = set()
    found, seen = [], set()
    for number, values in enumerate(rows, start=2):
        cell = {
            name: ("" if values[position] is None else str(values[position]).strip())
            if position < len(values)
            else ""
            for name, position in index.items()
        }
        if not any(cell.values()):
            continue

        def fail(column, reason, number=number):
            errors.append(RowError(number, column, reason))

        for column in REQUIRED:
            if not cell.get(column):
                fail(column, "必填")
        kind = _lookup(Mediator.Kind.choices, cell.get("类型", ""))
        if cell.get("类型") and kind is None:
            fail("类型", "未知类型:" + "、".join(label for _, label in Mediator.Kind.choices))
        region = cell.get("区划代码", "")
        if region and region not in regions:
            if Region.objects.filter(code=region).exists():
                regions.add(region)
            else:
                fail("区划代码", "未知区划")
        specialities = []
        for word in cell.get("擅长类别", "").replace(",", "、").replace(",", "、").split("、"):
            if word.strip():
                code = _lookup(Category.choices, word.strip())
                if code is None:
                    fail("擅长类别", f"未知类别:{word.strip()}")
                specialities.append(code)
        available = cell.get("可接案", "是").lower() or "是"
        if available not in YES | NO:
            fail("可接案", "填“是”或“否”")
        max_load = cell.get("同时承办上限", "") or "10"
        try:
            max_load = int(float(max_load))
            if not 1 <= max_load <= 999:
                raise ValueError
        except ValueError:
            fail("同时承办上限", "1 至 999 的整数")
        body = None
        if cell.get("调解组织"):
            body = bodies.get((cell["调解组织"], region)) or next(
                (b for (name, _), b in bodies.items() if name == cell["调解组织"]), None
            )
            if body is None:
                fail("调解组织", "未登记的调解组织(请先在系统管理中登记)")
        user = None
        if cell.get("平台账号"):
            user = User.objects.filter(username=cell["平台账号"]).first()
            if user is None:
                fail("平台账号", "没有此账号")
            elif Mediator.objects.filter(user=user).exists() or user.pk in seen:
                fail("平台账号", "此账号已对应一名调解员")
            else:
                seen.add(user.pk)
        found.append(
            Mediator(
                name=cell.get("姓名", ""),
                kind=kind or Mediator.Kind.PEOPLES,
                body=body,
                user=user,
                region_id=region,
                specialities=specialities,
                available=available in YES,
                max_load=max_load if isinstance(max_load, int) else 10,
                introduction=cell.get("简介", ""),
            )
        )
    if not found and not errors:
        errors.append(RowError(2, "姓名", "表中没有数据"))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        for mediator in found:
            mediator.save()
    return found


BODY_COLUMNS = ["名称", "类型", "区划代码", "对应机构编码", "地址"]
BODY_REQUIRED = {"名称", "类型", "区划代码"}


def body_template_workbook():
    example = ["一号村人民调解委员会", "人民调解", "990102001001", "", "村委会二楼"]
    return build_workbook({"调解组织": (BODY_COLUMNS, [example])})


@_file_refused
def _rows(file, required):
    """(header index, [(row number, {column: text})]) of the first sheet, or ImportRejected."""
    rows = _firstsheet_rows(file)
    header = [str(cell).strip() if cell is not None else "" for cell in next(rows, [])]
    missing = [RowError(1, column, "缺少此列") for column in sorted(required) if column not in header]
    if missing:
        raise ImportRejected(missing)
    index = {name: position for position, name in enumerate(header) if name}
    found = []
    for number, values in enumerate(rows, start=2):
        cell = {
            name: (
                "" if position >= len(values) or values[position] is None else str(values[position]).strip()
            )
            for name, position in index.items()
        }
        if any(cell.values()):
            found.append((number, cell))
    return found


def import_bodies(file) -> list[MediationBody]:
    """Mediation bodies (调解组织) from the first sheet (header: BODY_COLUMNS, any order). A body
    already registered under the same name and region is updated; every row is checked first and
    one bad row means nothing is written."""
    errors, found, seen = [], [], set()
    existing = {(body.name, body.region_id): body for body in MediationBody.objects.all()}
    known_regions = set()
    for number, cell in _rows(file, BODY_REQUIRED):

        def fail(column, reason, number=number):
            errors.append(RowError(number, column, reason))

        for column in sorted(BODY_REQUIRED):
            if not cell.get(column):
                fail(column, "必填")
        name, region = cell.get("名称", ""), cell.get("区划代码", "")
        if len(name) > 100:
            fail("名称", "不超过 100 字")
        kind = _lookup(MediationBody.Kind.choices, cell.get("类型", ""))
        if cell.get("类型") and kind is None:
            fail("类型", "未知类型:" + "、".join(label for _, label in MediationBody.Kind.choices))
        if region and region not in known_regions:
            if Region.objects.filter(code=region).exists():
                known_regions.add(region)
            else:
                fail("区划代码", "未知区划")
        unit = None
        if cell.get("对应机构编码"):
            unit = Unit.objects.filter(code=cell["对应机构编码"], kind=Unit.Kind.MEDIATION).first()
            if unit is None:
                fail("对应机构编码", "没有此调解组织机构")
        if (name, region) in seen:
            fail("名称", "与表中前面的行重复")
        seen.add((name, region))
        body = existing.get((name, region)) or MediationBody(name=name, region_id=region)
        body.kind, body.unit, body.address = kind, unit, cell.get("地址", "")[:200]
        found.append(body)
    if not found and not errors:
        errors.append(RowError(2, "名称", "表中没有数据"))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        for body in found:
            body.save()
    return found
