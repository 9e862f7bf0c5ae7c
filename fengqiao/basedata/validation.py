"""One validation of an entry, shared by the API, the pages and the Excel import: every problem of
the input is reported (field, reason in English for the API, in Chinese for people)."""

import datetime
from dataclasses import dataclass

from fengqiao.accounts.scoping import can_see_region
from fengqiao.people.validation import InvalidPersonalData, normalise_id_number, normalise_phone
from fengqiao.regions.models import Region

from .models import Register, RegisterField

ENTRY_REGION_KINDS = (Region.Kind.GRID, Region.Kind.COMPOUND, Region.Kind.BUILDING)
YES = {"是", "有", "y", "yes", "true", "1", "√"}
NO = {"否", "无", "n", "no", "false", "0", "×"}
PERSONAL_ZH = {
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


@dataclass(frozen=True)
class Problem:
    field: str
    reason: str
    reason_zh: str


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


def clean_field(spec: RegisterField, raw) -> tuple[object, Problem | None]:
    """The stored value of one admin-defined field (None when blank), or the problem with it."""
    field = f"data.{spec.key}"
    if isinstance(raw, bool) and spec.kind == RegisterField.Kind.YESNO:
        return raw, None
    if isinstance(raw, (datetime.date, datetime.datetime)) and spec.kind == RegisterField.Kind.DATE:
        day = raw.date() if isinstance(raw, datetime.datetime) else raw
        return day.isoformat(), None
    text = _text(raw)
    if not text:
        if spec.required:
            return None, Problem(field, "required", "必填")
        return None, None
    if spec.kind == RegisterField.Kind.NUMBER:
        try:
            number = float(text)
        except ValueError:
            return None, Problem(field, "not a number", "应为数字")
        return (int(number) if number.is_integer() else number), None
    if spec.kind == RegisterField.Kind.DATE:
        for pattern in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"):
            try:
                return datetime.datetime.strptime(text, pattern).date().isoformat(), None
            except ValueError:
                continue
        return None, Problem(field, "not a date (YYYY-MM-DD)", "日期格式应为 2024-01-31")
    if spec.kind == RegisterField.Kind.CHOICE:
        if spec.choices and text not in spec.choices:
            return None, Problem(field, "not one of the choices", f"应为:{'、'.join(spec.choices)}")
        return text, None
    if spec.kind == RegisterField.Kind.YESNO:
        if text.lower() in YES:
            return True, None
        if text.lower() in NO:
            return False, None
        return None, Problem(field, "yes or no", "应为“是”或“否”")
    if len(text) > 200:
        return None, Problem(field, "longer than 200 characters", "超过 200 字")
    return text, None


def grade_choices(register: Register) -> dict[int, str]:
    return {frequency.grade: frequency.label for frequency in register.frequencies.all()}


def _region_problem(user, code: str) -> Problem | None:
    region = Region.objects.filter(code=code).only("code", "kind").first()
    if region is None or not can_see_region(user, code):
        return Problem("region_code", "unknown region or outside your area", "不是您辖区内的区划")
    if region.kind not in ENTRY_REGION_KINDS:
        return Problem("region_code", "an entry belongs to a grid", "应填写网格编码")
    return None


def validate_entry(
    register: Register, user, values: dict, cache: dict | None = None
) -> tuple[dict, list[Problem]]:
    """(clean values, problems). values: region_code, name, id_number, phone (person registers),
    title (others), address, grade, data {field key: raw value}. An import passes one `cache`
    for all its rows, so regions, fields and grades are read once."""
    cache = {} if cache is None else cache
    problems: list[Problem] = []
    clean: dict = {"data": {}}
    code = _text(values.get("region_code"))
    if not code:
        problems.append(Problem("region_code", "required", "必填"))
    else:
        regions = cache.setdefault("regions", {})
        if code not in regions:
            regions[code] = _region_problem(user, code)
        if regions[code] is not None:
            problems.append(regions[code])
        clean["region_code"] = code
    if register.is_person:
        name = _text(values.get("name"))
        if not name:
            problems.append(Problem("name", "required", "必填"))
        elif len(name) > 50:
            problems.append(Problem("name", "longer than 50 characters", "超过 50 字"))
        clean["name"] = name
        for field, normalise in (("id_number", normalise_id_number), ("phone", normalise_phone)):
            raw = _text(values.get(field))
            clean[field] = ""
            if raw:
                try:
                    clean[field] = normalise(raw)
                except InvalidPersonalData as error:
                    problems.append(Problem(field, error.reason, PERSONAL_ZH.get(error.reason, error.reason)))
    else:
        title = _text(values.get("title"))
        if not title:
            problems.append(Problem("title", "required", "必填"))
        elif len(title) > 100:
            problems.append(Problem("title", "longer than 100 characters", "超过 100 字"))
        clean["title"] = title
    address = _text(values.get("address"))
    if len(address) > 200:
        problems.append(Problem("address", "longer than 200 characters", "超过 200 字"))
    clean["address"] = address
    clean["grade"] = None
    raw_grade = _text(values.get("grade"))
    if raw_grade:
        if "grades" not in cache:
            cache["grades"] = grade_choices(register)
        grades = cache["grades"]
        by_label = {label: grade for grade, label in grades.items()}
        grade = by_label.get(raw_grade)
        if grade is None and raw_grade.removesuffix("级").isdigit():
            grade = int(raw_grade.removesuffix("级"))
        if grade is None or (grades and grade not in grades) or grade > 9:
            allowed = "、".join(grades.values()) or "0-9"
            problems.append(Problem("grade", "not a risk grade of this register", f"应为:{allowed}"))
        clean["grade"] = grade
    raw_data = values.get("data") or {}
    if not isinstance(raw_data, dict):
        problems.append(Problem("data", "an object of field values", "格式错误"))
        raw_data = {}
    if "specs" not in cache:
        cache["specs"] = list(register.fields.all())
    specs = cache["specs"]
    unknown = set(raw_data) - {spec.key for spec in specs}
    for key in sorted(unknown):
        problems.append(Problem(f"data.{key}", "no such field on this register", "该登记表没有此字段"))
    for spec in specs:
        value, problem = clean_field(spec, raw_data.get(spec.key))
        if problem:
            problems.append(problem)
        elif value is not None:
            clean["data"][spec.key] = value
    return clean, problems
