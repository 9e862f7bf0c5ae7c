"""The events a notice can be about: a code, its Chinese name and the default templates of the
inbox title, the inbox body and the text message.

Templates are Django template language, rendered with autoescape off (all three are plain text;
the inbox escapes on display). Their context (see templating.build_context):

    case    number, title, category (label), category_code, level, status, deadline
            ("YYYY-MM-DD HH:MM", local time), address, urgent — all empty without a case
    unit    the unit concerned (given by the caller, else the case's handling unit), a name
    actor   who caused the notice, a name
    event   the event's Chinese name
    sign    settings.SMS_SIGNATURE (e.g. 【枫桥】)
    title, body   in the text-message template only: the rendered inbox title and body
    …       whatever the caller passes (note, stage, due_at, risk, reasons, days, granted, task…)

Admins override these per event (MessageTemplate, in the admin); an override that fails to render
falls back to the default here. Notice.Kind names the twelve core events; later apps add theirs with
`register` from their AppConfig.ready() (warnings, care visits, crises...), and the kind, template and
outbox fields take their choices from this registry.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    code: str
    name: str
    title: str
    body: str
    sms: str
    send_sms: bool = True
    urgent: bool = False  # shown in red in the inbox


_CASE_LINE = "{{ case.title }}"
_DEADLINE = "{% if case.deadline %}\n办理时限:{{ case.deadline }}{% endif %}"
_NOTE = "{% if note %}\n{{ note }}{% endif %}"

EVENTS: dict[str, Event] = {
    event.code: event
    for event in [
        Event(
            "new_work",
            "新任务交办",
            "新任务交办:{{ case.number }}",
            _CASE_LINE + "{% if note %}\n交办意见:{{ note }}{% endif %}" + _DEADLINE,
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请及时登录平台签收办理。",
        ),
        Event(
            "returned",
            "事项退回",
            "事项被退回:{{ case.number }}",
            _CASE_LINE + "{% if note %}\n退回理由:{{ note }}{% endif %}",
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请登录平台重新研判交办。",
        ),
        Event(
            "yellow_card",
            "黄牌预警",
            "黄牌预警:{{ case.number }}",
            "{{ stage|default:'办理' }}即将到期{% if due_at %},截止 {{ due_at }}{% endif %}。" + _CASE_LINE,
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请抓紧办理。",
        ),
        Event(
            "red_card",
            "红牌超时",
            "红牌超时:{{ case.number }}",
            "{{ stage|default:'办理' }}已超时{% if due_at %}(截止 {{ due_at }}){% endif %}。" + _CASE_LINE,
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请立即办理并说明情况。",
        ),
        Event(
            "instruction",
            "领导批示",
            "领导批示:{{ case.number }}",
            "{% if actor %}{{ actor }}批示:{% endif %}{{ note|default:case.title }}",
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }}",
        ),
        Event(
            "warning",
            "风险预警",
            "高风险事项 {{ case.number }}{% if risk %}(风险 {{ risk }}){% endif %}",
            "{% if reasons %}{{ reasons|join:';' }}{% else %}{{ case.title }}{% endif %}",
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请关注并及时化解。",
        ),
        Event(
            "overdue",
            "超期提醒",
            "超期提醒:{{ case.number }}",
            "{{ what|default:case.title }}已超过办理时限{% if due_at %}(时限 {{ due_at }}){% endif %}。",
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }}",
        ),
        Event(
            "skip_level",
            "越级上报",
            "越级上报:{{ case.number }}",
            "{% if rule %}{{ rule }}:{% endif %}" + _CASE_LINE,
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请关注。",
        ),
        Event(
            "extension_decided",
            "延期审批结果",
            "延期申请{% if granted %}已批准{% else %}未批准{% endif %}:{{ case.number }}",
            "{% if granted %}延期 {{ days }} 天{% if case.deadline %},新时限 {{ case.deadline }}{% endif %}。"
            "{% endif %}{{ note }}",
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }}",
        ),
        Event(
            "follow_up",
            "回访",
            "回访:{{ case.number }}",
            "请回访申请人:{{ case.title }}" + _NOTE,
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }}",
        ),
        Event(
            "emergency",
            "突发事件",
            "突发事件:{% if case.number %}{{ case.number }}{% else %}{{ subject }}{% endif %}",
            "{% if case.title %}{{ case.title }}{% else %}{{ subject }}{% endif %}"
            "{% if case.address %}\n地点:{{ case.address }}{% endif %}" + _NOTE,
            "{{ sign }}{{ title }}。{{ body|truncatechars:80 }} 请立即响应处置。",
        ),
        Event(
            "meeting_task",
            "联席会议任务",
            "联席会议任务:{{ case.number }}",
            "{{ task|default:case.title }}{% if due_at %}(限 {{ due_at }} 前完成){% endif %}",
            "{{ sign }}{{ title }}。{{ body|truncatechars:60 }}",
        ),
    ]
}


def register(event: Event) -> None:
    existing = EVENTS.get(event.code)
    if existing is not None and existing != event:
        raise ValueError(f"notice event {event.code!r} is already registered differently")
    EVENTS[event.code] = event


def choices() -> list[tuple[str, str]]:
    """The field choices of every notice kind: a callable, so that registering an event needs no
    migration."""
    return [(code, event.name) for code, event in EVENTS.items()]


def get(code: str) -> Event:
    try:
        return EVENTS[code]
    except KeyError:
        raise ValueError(f"unknown notice event {code!r}; known: {', '.join(EVENTS)}") from None
