"""The meeting page's form: flat fields with up to TASK_ROWS task rows, validated by the API's
schema (`MeetingIn`); its errors, and the action's, are mapped back to the form's fields."""

from pydantic import ValidationError

from .schemas import MeetingIn

TASK_ROWS = 5
TASK_FIELDS = ("unit", "description", "due_at")

# One plain sentence per field, whatever the reason the schema or the action gave.
EXPLANATIONS = {
    "held_at": "请填写会议时间(不晚于现在,不早于事项登记前一天)",
    "place": "会议地点不超过200字",
    "units": "请选择参会单位(须为本事项可交办的单位)",
    "minutes": "请填写议定事项",
    "tasks": "任务过多",
    "unit": "请选择承办单位",
    "description": "请填写任务内容",
    "due_at": "请填写完成时限,须晚于会议时间且在一年以内",
}


def task_rows(post=None, errors=None) -> list[dict]:
    """The form's task rows with what was typed in them and their errors."""
    errors = errors or {}
    rows = []
    for slot in range(TASK_ROWS):
        row = {"slot": slot}
        for name in TASK_FIELDS:
            row[name] = post.get(f"task-{slot}-{name}", "").strip() if post is not None else ""
            row[f"{name}_error"] = errors.get(f"task-{slot}-{name}", "")
        rows.append(row)
    return rows


def page_field(location, slots: list[int]) -> str:
    """("tasks", 1, "due_at") or "tasks.1.due_at" -> the form field "task-<row>-due_at"."""
    parts = location.split(".") if isinstance(location, str) else [str(part) for part in location]
    if parts[:1] == ["tasks"] and len(parts) >= 3 and parts[1].isdigit() and int(parts[1]) < len(slots):
        return f"task-{slots[int(parts[1])]}-{parts[2]}"
    return parts[0] if parts else "minutes"


def explain(field: str) -> str:
    return EXPLANATIONS.get(field.rsplit("-", 1)[-1], "格式不正确")


def meeting_in_from_post(post) -> tuple[MeetingIn | None, dict[str, str], list[int]]:
    """(validated submission, {}, slots) or (None, {form field: reason}, slots); `slots` are the
    rows that were filled in, in order (the submission's tasks[i] is row slots[i])."""
    tasks, slots = [], []
    for row in task_rows(post):
        if any(row[name] for name in TASK_FIELDS):
            tasks.append({name: row[name] for name in TASK_FIELDS})
            slots.append(row["slot"])
    data = {
        "held_at": post.get("held_at", "").strip() or None,
        "place": post.get("place", "").strip(),
        "units": [code for code in post.getlist("units") if code],
        "minutes": post.get("minutes", ""),
        "tasks": tasks,
    }
    try:
        return MeetingIn.model_validate(data), {}, slots
    except ValidationError as error:
        errors = {}
        for item in error.errors():
            field = page_field(item["loc"], slots)
            errors.setdefault(field, explain(field))
        return None, errors, slots
