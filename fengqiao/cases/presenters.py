"""A case as the API returns it (and as pages show it): masked personal data unless revealed."""

import enum
import json
from dataclasses import dataclass, field
from datetime import UTC

from .actions import available_actions
from .codes import Category, Level, Status
from .models import Assignment, Case, CaseLink, Clock

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


def party_dicts(case: Case, revealed: bool, parties=None) -> list[dict]:
    """`parties`: the case's Party rows with their person (default: read them)."""
    rows = []
    for party in case.parties.select_related("person") if parties is None else parties:
        person = party.person
        rows.append(
            {
                "name": person.name,
                "role": party.role,
                "phone": (person.phone if revealed else person.masked_phone) or None,
                "id_number": (person.id_number if revealed else person.masked_id_number) or None,
                "masked": not revealed,
            }
        )
    return rows


def timeline_dicts(case: Case, entries=None) -> list[dict]:
    """The case's entries, and those of the duplicates merged into it (一事一档). `entries`: the
    entries of a case with nothing merged into it, as stored (default: read them)."""
    from .models import TimelineEntry

    if entries is None:
        # Two index lookups. One query with `case = X OR case.merged_into = X` over a join cannot
        # use an index: PostgreSQL scanned the whole timeline and case tables for every case shown.
        numbers = {case.pk: case.number, **dict(case.merged_cases.order_by().values_list("pk", "number"))}
        entries = (
            TimelineEntry.objects.filter(case_id__in=list(numbers))
            .select_related("actor")
            .order_by("at", "id")
        )
    else:
        numbers = {case.pk: case.number}
        entries = sorted(entries, key=lambda entry: (entry.at, entry.pk))
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
        for entry in entries
    ]


def related_numbers(case: Case) -> list[str]:
    outgoing = CaseLink.objects.filter(case=case).values_list("other__number", flat=True)
    incoming = CaseLink.objects.filter(other=case).values_list("case__number", flat=True)
    return sorted(set(outgoing) | set(incoming))


def running_clock(case: Case, clocks=None) -> dict | None:
    """The most pressing running clock and its colour, for lists and queues. `clocks`: the case's
    clocks in their stored order (default: case.pressing_clock, from prefetched clocks)."""
    if clocks is None:
        clock = case.pressing_clock
    else:
        from django.utils import timezone

        running = [clock for clock in clocks if clock.outcome == Clock.Outcome.RUNNING]
        clock = min(running, key=lambda c: c.due_at) if running else None
        if clock is not None:
            clock.current_colour = clock.colour(timezone.now())
    return {"stage": clock.stage, "due_at": clock.due_at, "colour": clock.current_colour} if clock else None


def case_brief(case: Case, clocks=None) -> dict:
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
        "clock": running_clock(case, clocks),
    }


@dataclass
class Written:
    """What intake wrote for a new case, as stored (see as_stored): everything case_dict reads of a
    case that nothing else has touched yet. A new case has no instructions, extension requests,
    cards, follow-ups, merged cases or links to it."""

    parties: list = field(default_factory=list)  # Party rows, in the order inserted, with .person
    clocks: list = field(default_factory=list)  # Clock rows, in the order inserted
    assignments: list = field(default_factory=list)  # Assignment rows
    timeline: list = field(default_factory=list)  # TimelineEntry rows saved for the case
    related: list = field(default_factory=list)  # the numbers of the cases it links to


def case_dict(case: Case, user, revealed: bool = False, written: Written | None = None) -> dict:
    """The case as the API and pages show it. `written`: a case just created and what was written
    with it (intake's answer without reading the case back); its fields must be as stored."""
    from django.utils import timezone

    now = timezone.now()
    if written is None:
        instructions = case.instructions.select_related("author")
        extension_requests = case.extension_requests.select_related("requested_by")
        assignments = case.assignments.select_related("unit")
        clocks = case.clocks.select_related("unit").order_by("started_at", "id")
        cards = case.cards.select_related("unit").order_by("at", "id")
        follow_ups = case.follow_ups.select_related("unit").order_by("due_at", "id")
        brief = case_brief(case)
        related = related_numbers(case)
        parties = party_dicts(case, revealed)
        timeline = timeline_dicts(case)
        actions = available_actions(case, user)
    else:
        instructions, extension_requests, cards, follow_ups = [], [], [], []
        assignments = written.assignments
        clocks = sorted(written.clocks, key=lambda clock: (clock.started_at, clock.pk))
        brief = case_brief(case, written.clocks)
        related = sorted(set(written.related))
        parties = party_dicts(case, revealed, written.parties)
        timeline = timeline_dicts(case, written.timeline)
        held = {
            a.unit_id for a in assignments if a.state in (Assignment.State.PENDING, Assignment.State.ACCEPTED)
        }
        if case.handling_unit_id:
            held.add(case.handling_unit_id)
        actions = available_actions(case, user, holders=held)
    return {
        **brief,
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
        "instructions": [{"at": i.at, "author": str(i.author), "text": i.text} for i in instructions],
        "extension_requests": [
            {
                "days": r.days,
                "reason": r.reason,
                "state": r.state,
                "granted_days": r.granted_days,
                "requested_by": str(r.requested_by),
                "decision_note": r.decision_note,
            }
            for r in extension_requests
        ],
        "read_by": [{"unit": a.unit.name, "read_at": a.read_at} for a in assignments if a.read_at],
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
            for clock in clocks
        ],
        "cards": [
            {
                "colour": card.colour,
                "stage": card.stage,
                "unit": card.unit.name if card.unit_id else None,
                "at": card.at,
            }
            for card in cards
        ],
        "follow_ups": [
            {
                "due_at": follow_up.due_at,
                "asked_at": follow_up.asked_at,
                "answered_at": follow_up.answered_at,
                "settled": follow_up.settled,
                "unit": follow_up.unit.name if follow_up.unit_id else None,
            }
            for follow_up in follow_ups
        ],
        "related": related,
        "parties": parties,
        "timeline": timeline,
        "actions": actions,
    }


def as_stored(instance):
    """Give a just-saved model instance the values a read of its row would give: datetimes in UTC,
    JSON as the database gives it back (on PostgreSQL jsonb reorders object keys), choices as plain
    strings. Returns the instance."""
    from django.db import connection

    for attname, kind, model_field in _stored_kinds(type(instance)):
        value = getattr(instance, attname)
        if value is None:
            continue
        if kind == "datetime":
            value = value.astimezone(UTC)
        elif kind == "json":
            value = stored_json(value, connection.vendor, model_field.encoder)
        elif isinstance(value, enum.Enum):
            value = value.value
        else:
            continue
        setattr(instance, attname, value)
    return instance


_KINDS: dict = {}


def _stored_kinds(model) -> list[tuple[str, str, object]]:
    """The fields of `model` whose value in memory may differ from what a read gives back."""
    if model not in _KINDS:
        from django.db import models

        kinds = []
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, models.DateTimeField):
                kinds.append((model_field.attname, "datetime", model_field))
            elif isinstance(model_field, models.JSONField):
                kinds.append((model_field.attname, "json", model_field))
            elif isinstance(model_field, models.CharField) or model_field.choices:  # an enum member
                kinds.append((model_field.attname, "choice", model_field))
        _KINDS[model] = kinds
    return _KINDS[model]


def stored_json(value, vendor: str, encoder=None):
    """A JSON value as the database returns it: through json (tuples become lists…) and, on
    PostgreSQL, jsonb's key order (shorter keys first, then by their bytes)."""
    value = json.loads(json.dumps(value, cls=encoder))
    return _jsonb_order(value) if vendor == "postgresql" else value


def _jsonb_order(value):
    if isinstance(value, dict):
        keys = sorted(value, key=lambda key: (len(key.encode()), key.encode()))
        return {key: _jsonb_order(value[key]) for key in keys}
    if isinstance(value, list):
        return [_jsonb_order(item) for item in value]
    return value
