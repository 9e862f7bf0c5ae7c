"""The shapes pages and the API show, masked by access.sees_details: for a sensitive register
and a role that does not need it, an entry shows only that it exists, with the name masked."""

from django.utils import timezone

from fengqiao import clock

from .access import sees_details
from .models import CarePlan, Entry, Register


def register_dict(register: Register, with_fields: bool = True) -> dict:
    data = {
        "code": register.code,
        "name": register.name,
        "category": register.category,
        "subject": register.subject,
        "sensitive": register.sensitive,
        "care": register.care,
        "special_group": register.special_group,
        "standard": register.standard,
    }
    if with_fields:
        data["fields"] = [
            {"key": f.key, "label": f.label, "kind": f.kind, "choices": f.choices, "required": f.required}
            for f in register.fields.all()
        ]
        data["grades"] = [
            {"grade": f.grade, "label": f.label, "interval_days": f.interval_days}
            for f in register.frequencies.all()
        ]
    return data


def plan_dict(plan: CarePlan, now=None) -> dict:
    now = now or clock.now()
    return {
        "id": plan.pk,
        "interval_days": plan.interval_days,
        "last_visit_at": plan.last_visit_at,
        "next_due_at": plan.next_due_at,
        "overdue": plan.next_due_at <= now,
        "carers": [user.username for user in plan.carers.all()],
        "group_note": plan.group_note,
    }


def entry_dict(entry: Entry, user, full: bool = False) -> dict:
    """full: the detail view (the full name; callers audit it for sensitive registers)."""
    register = entry.register
    details = sees_details(user, register)
    person = entry.person
    data = {
        "id": entry.pk,
        "register": register.code,
        "register_name": register.name,
        "region_code": entry.region_id,
        "masked": not details,
        "active": entry.active,
        "created_at": entry.created_at,
        "ended_at": entry.ended_at,
    }
    if person is not None:
        data["person_id"] = person.pk
        data["name"] = person.name if (full and details) else person.masked_name
        data["id_number"] = person.masked_id_number
        data["phone"] = person.masked_phone
    else:
        data["title"] = entry.title
    if details:
        data.update(address=entry.address, data=entry.data, grade=entry.grade, end_reason=entry.end_reason)
        plan = getattr(entry, "care_plan", None) if register.care else None
        data["care_plan"] = plan_dict(plan) if plan is not None else None
    return data


def local(value):
    return timezone.localtime(value) if value else None
