"""What the portal shows an applicant about their case: the status and dated milestones, and nothing
about the staff (no names, units' members, notes, assessments or other parties)."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from fengqiao.cases.codes import OPEN_STATUSES, Status
from fengqiao.cases.models import Case
from fengqiao.people import crypto
from fengqiao.people.validation import InvalidPersonalData, normalise_phone

# Timeline kinds an applicant is told about, in words meant for them.
MILESTONES = {
    "reported": "事项已提交",
    "accept": "已受理",
    "reject": "不予受理",
    "dispatch": "已交承办单位办理",
    "start": "正在办理",
    "return": "重新分派承办单位",
    "escalate": "已提交上级综治中心办理",
    "resolve": "已办结,待核查",
    "redo": "核查后继续办理",
    "verify": "已核查",
    "close": "已结案",
    "reopen": "重新办理",
}
STATUS_HINTS = {
    Status.REPORTED: "工作人员将尽快受理您的事项。",
    Status.ACCEPTED: "事项已受理,正在安排办理。",
    Status.DISPATCHED: "事项已交承办单位办理。",
    Status.IN_PROGRESS: "承办单位正在办理。",
    Status.RESOLVED: "已办结,综治中心正在核查办理结果。",
    Status.VERIFIED: "办理结果已核查,即将结案。",
    Status.CLOSED: "事项已结案。",
    Status.REJECTED: "事项未予受理,如有疑问请到综治中心窗口咨询。",
}


@dataclass
class Milestone:
    at: datetime
    label: str


def find_case(number: str, phone: str) -> Case | None:
    """The case only when `phone` is its applicant's; a wrong number, a wrong phone and a malformed
    phone all answer None alike."""
    number = (number or "").strip()
    if not number or len(number) > 32:
        return None
    try:
        digest = crypto.lookup_hash("phone", normalise_phone(phone or ""))
    except InvalidPersonalData:
        return None
    return (
        Case.objects.filter(number=number, parties__role="applicant", parties__person__phone_hash=digest)
        .select_related("region")
        .first()
    )


def milestones(case: Case) -> list[Milestone]:
    entries = case.timeline.filter(kind__in=MILESTONES).order_by("at", "pk").values_list("at", "kind")
    shown, last = [], None
    for at, kind in entries:
        if kind == last and kind != "reported":
            continue  # the same step twice in a row (joint units, re-dispatch) reads as one
        shown.append(Milestone(timezone.localtime(at), MILESTONES[kind]))
        last = kind
    return shown


def summary(case: Case) -> dict:
    return {
        "number": case.number,
        "title": case.title,
        "category": case.get_category_display(),
        "status": case.get_status_display(),
        "status_code": case.status,
        "hint": STATUS_HINTS.get(case.status, ""),
        "open": case.status in OPEN_STATUSES,
        "level": case.get_level_display(),
        "reported_at": timezone.localtime(case.reported_at),
        "closed_at": timezone.localtime(case.closed_at) if case.closed_at else None,
        "place": case.region.name,
        "milestones": milestones(case),
    }
