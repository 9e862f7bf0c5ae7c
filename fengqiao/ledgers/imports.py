"""Importing a ledger from Excel. Every row is read and validated first by the same schema as the
API and the window form (cases.schemas.CaseIn); then every case is created through the one intake
path (cases.actions.create_case) inside one transaction. One bad row, at either stage, means
nothing is written, and the report names each row, column and reason.

A row whose 事项编号 is already in the system is counted as present and skipped, so an exported
ledger imports again without duplicates; a new row gets a client id derived from its content, so
importing the same sheet twice creates its cases once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from pydantic import ValidationError

from fengqiao import clock as wallclock
from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases import actions as case_actions
from fengqiao.cases.codes import Category, Channel, Status
from fengqiao.cases.models import Case, TimelineEntry
from fengqiao.cases.schemas import CaseIn
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.web.spreadsheets import SpreadsheetRejected, build_workbook, open_workbook, sheet_rows

MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10  # the header row may follow a title and a scope line
NAMESPACE = uuid.UUID("0b7c6a1e-6f0c-4a57-9b7e-4c3c1f1d2a90")


@dataclass
class RowError:
    row: int
    column: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "reason": self.reason}


class ImportRejected(Exception):
    def __init__(self, errors: list[RowError]):
        shown = "; ".join(f"row {e.row} {e.column}: {e.reason}" for e in errors[:5])
        super().__init__(f"{len(errors)} errors ({shown})")
        self.errors = errors


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportLayout:
    """Which header feeds which field of a case submission; `after` does the ledger's own step on
    each new case (it may raise FieldError naming a field of this layout)."""

    columns: dict[str, str]
    required: tuple[str, ...]
    channel: str = Channel.WINDOW
    category: str | None = None
    after: Callable | None = None
    # A ledger of something other than cases writes its rows itself: (rows, user, ip) -> result.
    importer: Callable | None = None

    def column_of(self, key: str) -> str:
        return next((header for header, name in self.columns.items() if name == key), key)


def _open_mediation(case: Case, fields: dict, user) -> None:
    """The mediation ledger: open the case's mediation and propose the named mediator."""
    from fengqiao.mediation import actions as mediation
    from fengqiao.mediation.models import MediatorChoice

    mediation.mediation_of(case)
    name = fields.get("mediator")
    if not name:
        return
    chosen = [m for m in mediation.suitable_mediators(case) if m.name == name]
    if not chosen:
        raise FieldError("mediator", "不是适合此事项类别和地点的在册调解员(或已满额)")
    mediation.choose_mediator(case, chosen[0], by=MediatorChoice.By.STAFF, user=user)


def _open_petition(case: Case, fields: dict, user) -> None:
    from fengqiao.petitions import actions as petitions

    petitions.register(case, user)


# Columns of a historical ledger (cases only): read by the bulk path (ledgers.bulk), which can
# store a matter registered in the past and already settled.
HISTORY = {
    "登记时间": "reported_at",
    "办理状态": "status",
    "办结时间": "resolved_at",
    "结案时间": "closed_at",
}

COMMON = {
    "事项编号": "number",
    "区划代码": "region_code",
    "发生地点": "address",
    "申请人": "applicant_name",
    "申请人电话": "applicant_phone",
    "申请人身份证号": "applicant_id_number",
    "被申请人": "respondent_name",
    "被申请人电话": "respondent_phone",
}
LAYOUTS = {
    "cases": ImportLayout(
        columns={
            **COMMON,
            "来源渠道": "channel",
            "事项类别": "category",
            "标题": "title",
            "事项描述": "description",
            "发生时间": "occurred_at",
            **HISTORY,
        },
        required=("事项描述", "区划代码"),
    ),
    "mediations": ImportLayout(
        columns={**COMMON, "纠纷类别": "category", "纠纷简要情况": "description", "调解员": "mediator"},
        required=("纠纷类别", "纠纷简要情况", "区划代码"),
        after=_open_mediation,
    ),
    "petitions": ImportLayout(
        columns={
            "事项编号": "number",
            "信访人": "applicant_name",
            "联系电话": "applicant_phone",
            "身份证号": "applicant_id_number",
            "信访事项": "description",
            "区划代码": "region_code",
            "地址": "address",
        },
        required=("信访人", "信访事项", "区划代码"),
        channel=Channel.PETITION_BUREAU,
        category=Category.PETITION,
        after=_open_petition,
    ),
}


# ------------------------------------------------------------------------------------ reading


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a region code or phone typed as a number
    return str(value).strip()


def _read(file, layout: ImportLayout, limit: int = MAX_ROWS, **sizes) -> list[tuple[int, dict]]:
    """(row number in the sheet, {field key: cell value}) for every non-empty row. `sizes`:
    open_workbook's max_bytes / max_uncompressed when they are not the ordinary upload's."""
    try:
        book = open_workbook(file, **sizes)
        try:
            return _read_sheet(book.worksheets[0], layout, limit)
        finally:
            book.close()
    except SpreadsheetRejected as refused:
        raise ImportRejected([RowError(0, "文件", refused.reason)]) from None


def _read_sheet(sheet, layout: ImportLayout, limit: int = MAX_ROWS) -> list[tuple[int, dict]]:
    rows = sheet_rows(sheet)
    header, header_row = None, 0
    for number, values in enumerate(rows, start=1):
        cells = [_text(value) for value in values]
        if any(name in cells for name in layout.required):
            header, header_row = cells, number
            break
        if number >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        raise ImportRejected([RowError(1, "表头", "找不到表头行(须含:" + "、".join(layout.required) + ")")])
    missing = [RowError(header_row, name, "缺少此列") for name in layout.required if name not in header]
    if missing:
        raise ImportRejected(missing)
    index = {layout.columns[name]: position for position, name in enumerate(header) if name in layout.columns}
    found = []
    for number, values in enumerate(rows, start=header_row + 1):
        cells = {key: values[position] if position < len(values) else None for key, position in index.items()}
        if all(_text(value) == "" for value in cells.values()):
            continue
        found.append((number, cells))
        if len(found) > limit:
            raise ImportRejected([RowError(number, "文件", f"一次最多导入 {limit} 行,请分批导入")])
    if not found:
        raise ImportRejected([RowError(header_row + 1, layout.required[0], "表中没有数据")])
    return found


def _choice(choices, text: str):
    """A choice by its code or its Chinese label."""
    for value, label in choices:
        if text in (value, label):
            return value
    return None


def _datetime(value):
    if isinstance(value, datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    if isinstance(value, date):
        return timezone.make_aware(datetime.combine(value, time(12)))
    text = _text(value).replace("/", "-").replace(".", "-")
    if not text:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return timezone.make_aware(datetime.strptime(text, pattern))
        except ValueError:
            continue
    raise ValueError("日期格式应为 2026-01-31 或 2026-01-31 09:30")


REASONS = {
    "missing": "必填",
    "string_too_short": "必填",
    "string_too_long": "内容过长",
    "enum": "不在可选范围内",
    "too_long": "当事人过多",
}
VALUE_REASONS = {
    "required": "必填",
    "invalid ID-card checksum": "身份证号码校验位不正确",
    "an ID-card number has 18 characters": "身份证号码应为18位",
    "invalid ID-card format": "身份证号码格式不正确",
    "invalid ID-card region code": "身份证号码地区码不正确",
    "invalid ID-card birth date": "身份证号码出生日期不正确",
    "only mainland China numbers are accepted": "只接受中国大陆电话号码",
    "a landline needs its area code and a 7- or 8-digit number": "固定电话须带区号",
}


def _reason(item: dict) -> str:
    if item.get("type") == "value_error":
        text = str(item.get("msg", "")).removeprefix("Value error, ")
        if text in VALUE_REASONS:
            return VALUE_REASONS[text]
        if "region code" in text:
            return "区划代码不正确(12位统计用区划代码)"
        if "phone" in text:
            return "电话号码不正确"
        return text
    return REASONS.get(item.get("type"), "格式不正确")


def _submission(cells: dict, layout: ImportLayout) -> tuple[CaseIn | None, dict, list[tuple[str, str]]]:
    """(validated submission, the row's own fields, [(field key, reason)])."""
    text = {key: _text(value) for key, value in cells.items()}
    problems: list[tuple[str, str]] = []
    channel = layout.channel
    if text.get("channel"):
        channel = _choice(Channel.choices, text["channel"])
        if channel is None:
            problems.append(("channel", "未知渠道:" + "、".join(label for _, label in Channel.choices)))
    category = layout.category
    if text.get("category"):
        category = _choice(Category.choices, text["category"])
        if category is None:
            problems.append(("category", "未知类别(填写类别名称,如“邻里纠纷”)"))
    occurred_at = None
    try:
        occurred_at = _datetime(cells.get("occurred_at"))
    except ValueError as error:
        problems.append(("occurred_at", str(error)))
    parties, slots = [], []
    for role in ("applicant", "respondent"):
        name, phone, id_number = (text.get(f"{role}_{part}", "") for part in ("name", "phone", "id_number"))
        if name or phone or id_number:
            parties.append({"name": name, "role": role, "phone": phone, "id_number": id_number})
            slots.append(role)
    data = {
        "channel": channel,
        "description": text.get("description", ""),
        "title": text.get("title", ""),
        "address": text.get("address", ""),
        "region_code": text.get("region_code") or None,
        "category": category,
        "parties": parties,
        "occurred_at": occurred_at,
    }
    if problems:
        data.update(channel=Channel.WINDOW, category=None)
    try:
        submission = CaseIn.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            location = list(item["loc"])
            if location[:1] == ["parties"] and len(location) >= 3:
                key = f"{slots[int(location[1])]}_{location[2]}"
            else:
                key = str(location[0]) if location else "description"
            problems.append((key, _reason(item)))
        submission = None
    if not text.get("region_code"):
        problems.append(("region_code", "必填"))
    return (None if problems else submission), text, problems


def _client_id(ledger: str, submission: CaseIn) -> uuid.UUID:
    """The same row (same content) always gets the same client id: a second import finds the case."""
    content = submission.model_dump_json(exclude={"client_id"})
    return uuid.uuid5(NAMESPACE, f"{ledger}:{content}")


# ------------------------------------------------------------------------------------ importing


def import_ledger(ledger: str, file, user, ip: str | None = None, bulk: bool = False) -> ImportResult:
    """Import every row of the sheet or none; ImportRejected lists every problem found. With
    `bulk` (the cases ledger only) the rows are written set-based by ledgers.bulk: up to
    bulk.BULK_MAX_ROWS rows, historical ones included, the same checks and the same result."""
    layout = LAYOUTS[ledger]
    if bulk and ledger == "cases":
        from .bulk import import_ledger_bulk

        return import_ledger_bulk(ledger, file, user, ip)
    rows = _read(file, layout)
    if layout.importer is not None:
        return layout.importer(rows, user, ip)
    errors: list[RowError] = []
    result = ImportResult()
    pending = []
    visible = visible_cases(user)
    for number, cells in rows:
        known = _text(cells.get("number"))
        if known:
            if visible.filter(number=known).exists():
                result.existing.append(known)
            else:
                errors.append(RowError(number, layout.column_of("number"), "系统中没有此编号(新事项请留空)"))
            continue
        submission, fields, problems = _submission(cells, layout)
        problems += [
            (key, "历史事项(登记时间、办理状态、办结/结案时间)请选择“批量导入历史台账”")
            for key in HISTORY.values()
            if _text(cells.get(key))
        ]
        seen = set()
        for key, reason in problems:
            if key not in seen:
                errors.append(RowError(number, layout.column_of(key), reason))
                seen.add(key)
        if submission is not None:
            submission.client_id = _client_id(ledger, submission)
            pending.append((number, submission, fields))
    if errors:
        raise ImportRejected(errors)
    with transaction.atomic():
        for number, submission, fields in pending:
            _create(ledger, number, submission, fields, layout, user, ip, result, errors)
        if errors:
            raise ImportRejected(errors)  # leaving the block rolls back every row written so far
    return result


def _create(ledger, number, submission, fields, layout, user, ip, result, errors) -> None:
    try:
        with transaction.atomic():
            case, created = case_actions.create_case(submission.to_intake(), actor=user, ip=ip)
            if not created:
                result.existing.append(case.number)
                return
            if layout.after is not None:
                layout.after(case, fields, user)
            imported_entry(case, user, ledger, number, ip=ip).save(force_insert=True)
    except FieldError as error:
        errors.append(RowError(number, layout.column_of(error.field), _intake_reason(error.reason)))
        return
    except ActionRefused as error:
        errors.append(RowError(number, "—", f"不能办理:{error}"))
        return
    except IntegrityError:
        # Another writer took the same number or key at that moment: the whole sheet is rolled
        # back and reported, rather than answered with a server error.
        errors.append(RowError(number, "—", "保存时与其他操作冲突,请重新导入"))
        return
    result.created.append(case.number)


def imported_entry(case: Case, user, ledger: str, sheet_row: int, at=None, ip=None) -> TimelineEntry:
    """The timeline entry saying which ledger row a case came from (both import paths write it)."""
    from .layouts import LEDGERS

    settled = "" if case.status == Status.REPORTED else f",台账记载:{Status(case.status).label}"
    return TimelineEntry(
        case=case,
        at=at or wallclock.now(),
        actor=user if user is not None and getattr(user, "is_authenticated", False) else None,
        kind="imported",
        note=f"由《{LEDGERS[ledger].title}》第 {sheet_row} 行导入{settled}",
        data={"ledger": ledger, "row": sheet_row},
        ip=ip,
    )


def _intake_reason(reason: str) -> str:
    return {
        # The same words for both: a region outside one's own is answered as if it did not exist.
        "outside your region": "没有此区划或不在您的管辖区划内",
        "unknown region": "没有此区划或不在您的管辖区划内",
        "not a region code": "区划代码不正确",
    }.get(reason, reason)


# ------------------------------------------------------------------------------------ supervision

SUPERVISION_FIELDS = {
    "region_code": "区划代码",
    "title": "督办事项",
    "case": "关联事项编号",
    "responsible_leader": "包案领导",
    "responsible_unit": "责任单位",
    "due_date": "办结时限",
}


def _date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("日期格式应为 2026-01-31") from None


def _supervision_reason(field_name: str, reason: str) -> str:
    return {
        ("region_code", "unknown region"): "没有此区划或不在您的管辖区划内",
        ("region_code", "a ledger is kept by a township, county or city"): "挂账区划须为乡镇、县或市",
        ("due_date", "in the past"): "办结时限已过",
        ("case", "unknown case"): "没有此事项或不在您的管辖范围内",
        ("responsible_unit", "unknown unit"): "没有此单位",
    }.get((field_name, reason), "必填" if reason == "required" else reason)


def _import_supervision(rows, user, ip=None) -> ImportResult:
    """The supervision ledger (挂账督办): each row is listed through supervision.actions, all or
    none. A row already on the ledger (same region and matter, not yet closed) is counted as present."""
    from fengqiao.accounts.models import Unit
    from fengqiao.supervision import actions as supervision
    from fengqiao.supervision.models import LedgerItem

    if not supervision.may_manage_ledger(user):
        raise ImportRejected([RowError(0, "—", "您的角色不能挂账督办")])
    errors: list[RowError] = []
    pending = []
    for number, cells in rows:
        text = {key: _text(value) for key, value in cells.items()}
        for key in ("region_code", "title", "responsible_leader", "due_date"):
            if not text.get(key):
                errors.append(RowError(number, SUPERVISION_FIELDS[key], "必填"))
        due = None
        if text.get("due_date"):
            try:
                due = _date(cells["due_date"])
            except ValueError as error:
                errors.append(RowError(number, "办结时限", str(error)))
        unit_code = None
        if text.get("responsible_unit"):
            unit = Unit.objects.filter(active=True).filter(code=text["responsible_unit"]).first() or (
                Unit.objects.filter(active=True, name=text["responsible_unit"]).first()
            )
            if unit is None:
                errors.append(RowError(number, "责任单位", "没有此单位(填写单位名称或代码)"))
            else:
                unit_code = unit.code
        pending.append((number, text, due, unit_code))
    if errors:
        raise ImportRejected(errors)
    result = ImportResult()
    with transaction.atomic():
        for number, text, due, unit_code in pending:
            listed = LedgerItem.objects.filter(
                region_id=text["region_code"], title=text["title"][:200], closed_at__isnull=True
            ).filter(pk__in=supervision.visible_ledger(user).values("pk"))
            if listed.exists():
                result.existing.append(text["title"])
                continue
            try:
                with transaction.atomic():
                    item = supervision.list_on_ledger(
                        user,
                        region_code=text["region_code"],
                        title=text["title"],
                        responsible_leader=text["responsible_leader"],
                        due_date=due,
                        case_number=text.get("case") or None,
                        unit_code=unit_code,
                    )
            except FieldError as error:
                column = SUPERVISION_FIELDS.get(error.field, error.field)
                errors.append(RowError(number, column, _supervision_reason(error.field, error.reason)))
                continue
            except ActionRefused as error:
                errors.append(RowError(number, "—", f"不能挂账:{error}"))
                continue
            result.created.append(item.title)
        if errors:
            raise ImportRejected(errors)
    return result


LAYOUTS["supervision"] = ImportLayout(
    columns={header: key for key, header in SUPERVISION_FIELDS.items()},
    required=("区划代码", "督办事项", "包案领导", "办结时限"),
    importer=_import_supervision,
)


# ------------------------------------------------------------------------------------ templates


def template_workbook(ledger: str):
    """An empty sheet with the importable columns and one example row."""
    from .layouts import LEDGERS

    layout = LAYOUTS[ledger]
    headers = list(layout.columns)
    example = {
        "来源渠道": "窗口受理",
        "事项类别": "邻里纠纷",
        "纠纷类别": "邻里纠纷",
        "标题": "楼道堆放杂物",
        "事项描述": "邻居在楼道堆放杂物影响通行,协商未果",
        "纠纷简要情况": "邻居在楼道堆放杂物影响通行,协商未果",
        "信访事项": "反映小区外道路多年未修",
        "发生时间": "2026-01-31 09:30",
        "发生地点": "城关镇XX小区3栋",
        "地址": "城关镇XX小区",
        "区划代码": "990102001000",
        "申请人": "张三",
        "信访人": "张三",
        "申请人电话": "13800138000",
        "联系电话": "13800138000",
        "被申请人": "李四",
        "督办事项": "某小区业主集体维权",
        "包案领导": "王副县长",
        "责任单位": "",
        "办结时限": (timezone.localdate() + timedelta(days=30)).isoformat(),
        "关联事项编号": "",
    }
    book = build_workbook(
        {LEDGERS[ledger].title: (headers, [[example.get(header, "") for header in headers]])}
    )
    sheet = book.worksheets[0]
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 16
    return book
