"""Page forms: the window and grid-report forms post flat fields; they are validated by the same
schema as the API (`CaseIn`), and its errors are mapped back to the form's fields."""

import uuid

from pydantic import ValidationError

from .schemas import CaseIn

PARTY_SLOTS = (("applicant", "applicant"), ("respondent", "respondent"))


def _error_field(location: list) -> str:
    if location[:1] == ["location"]:
        return "location"
    return str(location[0]) if location else "description"


def case_in_from_post(post, channel: str) -> tuple[CaseIn | None, dict[str, str]]:
    """(validated submission, {}) or (None, {form field: reason})."""
    parties = []
    slots = []
    for prefix, role in PARTY_SLOTS:
        name = post.get(f"{prefix}_name", "").strip()
        phone = post.get(f"{prefix}_phone", "").strip()
        id_number = post.get(f"{prefix}_id_number", "").strip()
        if name or phone or id_number:
            parties.append({"name": name, "role": role, "phone": phone, "id_number": id_number})
            slots.append(prefix)
    data = {
        "channel": post.get("channel") or channel,
        "description": post.get("description", ""),
        "title": post.get("title", ""),
        "address": post.get("address", ""),
        "region_code": post.get("region_code") or None,
        "category": post.get("category") or None,
        "parties": parties,
        "client_id": post.get("client_id") or str(uuid.uuid4()),
    }
    if post.get("occurred_at"):
        data["occurred_at"] = post["occurred_at"]
    if post.get("lat") and post.get("lng"):
        data["location"] = {"lat": post["lat"], "lng": post["lng"]}
    try:
        return CaseIn.model_validate(data), {}
    except ValidationError as error:
        errors = {}
        for item in error.errors():
            location = list(item["loc"])
            if location[:1] == ["parties"] and len(location) >= 3:
                field = f"{slots[int(location[1])]}_{location[2]}"
            else:
                field = _error_field(location)
            errors.setdefault(field, _reason(item))
        return None, errors


REASONS = {
    "missing": "必填",
    "string_too_short": "必填",
    "enum": "不在可选范围内",
    "uuid_parsing": "格式不正确",
    "datetime_from_date_parsing": "时间格式不正确",
    "datetime_parsing": "时间格式不正确",
    "float_parsing": "须为数字",
    "less_than_equal": "超出范围",
    "greater_than_equal": "超出范围",
    "string_too_long": "过长",
}
MESSAGES = {
    "required": "必填",
    "invalid ID-card checksum": "身份证号码校验位不正确",
}


def _reason(item) -> str:
    message = str(item.get("ctx", {}).get("error", "")) or item.get("msg", "")
    if item.get("type") == "value_error":
        text = message.removeprefix("Value error, ")
        if text in MESSAGES:
            return MESSAGES[text]
        # By the field that failed: the messages' own words mislead ("invalid" contains "id").
        field = str((item.get("loc") or ("",))[-1])
        if field == "id_number":
            return "身份证号码不正确"
        if field == "phone":
            return "电话号码不正确"
        if field.startswith("region") or field == "grid_code":
            return "区划代码不正确"
        return text
    return REASONS.get(item.get("type"), "格式不正确")
