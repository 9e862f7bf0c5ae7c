"""A case as the API returns it (and as pages show it): masked personal data unless revealed."""

from .actions import available_actions
from .codes import Category, Level, Status
from .models import Case, CaseLink

TIMELINE_LABELS = {
    "reported": "登记",
    "accept": "受理",
    "reject": "不予受理",
    "dispatch": "交办",
    "start": "签收办理",
    "return": "退回",
    "escalate": "升级",
    "resolve": "办结",
    "redo": "核查不通过",
    "verify": "核查通过",
    "close": "评价结案",
    "reopen": "重新办理",
    "extend": "延期",
    "overdue": "超期",
    "personal_data_viewed": "查看个人信息",
    "note": "备注",
    "linked": "关联",
    "merged": "合并重复事项",
    "merge": "并入其他事项",
    "reclassify": "研判分类",
    "risk_warning": "风险预警",
    "yellow_card": "黄牌预警",
    "red_card": "红牌超时",
    "request_extension": "申请延期",
    "decide_extension": "审批延期",
    "instruct": "领导批示",
    "urge": "加急",
    "pin": "置顶",
    "unpin": "取消置顶",
    "read": "已阅",
    "skip_level": "越级上报",
    "follow_up_asked": "回访",
    "record_follow_up": "登记回访",
    "meeting": "联席会议",
    "meeting_task_done": "会议任务完成",
    "meeting_task_overdue": "会议任务超期",
    "meeting_task_cancelled": "会议任务取消",
    "emergency": "启动应急预案",
    "emergency_step_done": "应急步骤完成",
    "emergency_step_overdue": "应急步骤超时",
    "emergency_step_skipped": "应急步骤不适用",
    "emergency_completed": "应急处置完毕",
}


def party_dicts(case: Case, revealed: bool) -> list[dict]:
    parties = []
    for party in case.parties.select_related("person"):
        person = party.person
        parties.append(
            {
                "name": person.name,
                "role": party.role,
                "phone": (person.phone if revealed else person.masked_phone) or None,
                "id_number": (person.id_number if revealed else person.masked_id_number) or None,
                "masked": not revealed,
            }
        )
    return parties


def timeline_dicts(case: Case) -> list[dict]:
    """The case's entries, and those of the duplicates merged into it (一事一档)."""
    from .models import TimelineEntry

    # Two index lookups. One query with `case = X OR case.merged_into = X` over a join cannot use
    # an index: PostgreSQL scanned the whole timeline and case tables for every case shown.
    numbers = {case.pk: case.number, **dict(case.merged_cases.order_by().values_list("pk", "number"))}
    entries = TimelineEntry.objects.filter(case_id__in=list(numbers)).select_related("actor")
    return [
        {
            "at": entry.at,
            "kind": entry.kind,
            "label": TIMELINE_LABELS.get(entry.kind, entry.kind),
            "actor": (entry.actor.display_name or entry.actor.username) if entry.actor else "系统",
            "note": entry.note,
            "data": entry.data,
            "to_level_label": Level(entry.data["to_level"]).label if entry.data.get("to_level") else "",
            "case": numbers[entry.case_id],
        }
        for entry in entries.order_by("at", "id")
    ]


def related_numbers(case: Case) -> list[str]:
    outgoing = CaseLink.objects.filter(case=case).values_list("other__number", flat=True)
    incoming = CaseLink.objects.filter(other=case).values_list("case__number", flat=True)
    return sorted(set(outgoing) | set(incoming))


def running_clock(case: Case) -> dict | None:
    """The most pressing running clock and its colour, for lists and queues."""
    clock = case.pressing_clock
    return {"stage": clock.stage, "due_at": clock.due_at, "colour": clock.current_colour} if clock else None


def case_brief(case: Case) -> dict:
    return {
        "number": case.number,
        "title": case.title,
        "channel": case.channel,
        "category": case.category,
        "category_label": Category(case.category).label,
        "track": case.track,
        "level": case.level,
        "level_label": Level(case.level).label,
        "status": case.status,
        "status_label": Status(case.status).label,
        "region_code": case.region_id,
        "grid_code": case.grid_code,
        "handling_unit": {"code": case.handling_unit.code, "name": case.handling_unit.name}
        if case.handling_unit_id
        else None,
        "reported_at": case.reported_at,
        "deadline_at": case.deadline_at,
        "overdue": case.overdue,
        "risk": case.risk,
        "urgent": case.urgent,
        "pinned": case.pinned,
        "clock": running_clock(case),
    }


def case_dict(case: Case, user, revealed: bool = False) -> dict:
    from django.utils import timezone

    now = timezone.now()
    return {
        **case_brief(case),
        "description": case.description,
        "address": case.address,
        "location": {"lat": case.lat, "lng": case.lng} if case.lat is not None else None,
        "occurred_at": case.occurred_at,
        "risk_reasons": case.risk_reasons,
        "classification": {
            "category": case.classification.get("category", case.category),
            "confidence": case.classification.get("confidence", 1.0),
            "reasons": case.classification.get("reasons", []),
        },
        "satisfaction": case.satisfaction,
        "needs_triage": case.needs_triage,
        "urgent": case.urgent,
        "pinned": case.pinned,
        "returns": case.returns,
        "instructions": [
            {"at": i.at, "author": str(i.author), "text": i.text}
            for i in case.instructions.select_related("author")
        ],
        "extension_requests": [
            {
                "days": r.days,
                "reason": r.reason,
                "state": r.state,
                "granted_days": r.granted_days,
                "requested_by": str(r.requested_by),
                "decision_note": r.decision_note,
            }
            for r in case.extension_requests.select_related("requested_by")
        ],
        "read_by": [
            {"unit": a.unit.name, "read_at": a.read_at}
            for a in case.assignments.select_related("unit")
            if a.read_at
        ],
        "merged_into": case.merged_into.number if case.merged_into_id else None,
        "routing": case.classification.get("routing"),
        "escalations": case.escalations,
        "clocks": [
            {
                "stage": clock.stage,
                "level": clock.level,
                "level_label": Level(clock.level).label,
                "started_at": clock.started_at,
                "due_at": clock.due_at,
                "outcome": clock.outcome,
                "colour": clock.colour(now),
                "yellow_at": clock.yellow_at,
                "unit": clock.unit.name if clock.unit_id else None,
                "rule": clock.rule,
            }
            for clock in case.clocks.select_related("unit").order_by("started_at", "id")
        ],
        "cards": [
            {
                "colour": card.colour,
                "stage": card.stage,
                "unit": card.unit.name if card.unit_id else None,
                "at": card.at,
            }
            for card in case.cards.select_related("unit").order_by("at", "id")
        ],
        "follow_ups": [
            {
                "due_at": follow_up.due_at,
                "asked_at": follow_up.asked_at,
                "answered_at": follow_up.answered_at,
                "settled": follow_up.settled,
                "unit": follow_up.unit.name if follow_up.unit_id else None,
            }
            for follow_up in case.follow_ups.select_related("unit").order_by("due_at", "id")
        ],
        "related": related_numbers(case),
        "parties": party_dicts(case, revealed),
        "timeline": timeline_dicts(case),
        "actions": available_actions(case, user),
    }
