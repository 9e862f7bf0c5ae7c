"""The notice events of petition reviews (registered from PetitionsConfig.ready); admins edit their
words in 消息模板 like those of the core events."""

from fengqiao.notices.events import Event

REVIEW_REQUESTED = "petition_review_requested"
REVIEW_DUE_SOON = "petition_review_due_soon"
REVIEW_OVERDUE = "petition_review_overdue"

EVENTS = [
    Event(
        REVIEW_REQUESTED,
        "信访复查复核申请",
        "信访事项{{ stage }}申请:{{ case.number }}",
        "{{ note }}\n{{ case.title }}\n答复期限:{{ due_at }}",
        "{{ sign }}{{ title }}。请于 {{ due_at }} 前答复,请登录平台办理。",
    ),
    Event(
        REVIEW_DUE_SOON,
        "信访复查复核将超期",
        "{{ stage }}将超期:{{ case.number }}",
        "{{ stage }}答复期限:{{ due_at }}\n{{ case.title }}",
        "{{ sign }}{{ title }},答复期限 {{ due_at }},请抓紧办理。",
    ),
    Event(
        REVIEW_OVERDUE,
        "信访复查复核超期",
        "{{ stage }}超期:{{ case.number }}",
        "{{ stage }}超过30日未答复(期限 {{ due_at }})\n{{ case.title }}",
        "{{ sign }}{{ title }},已超过30日答复期限,请立即办理。",
        urgent=True,
    ),
]


def register() -> None:
    from fengqiao.notices import events

    for event in EVENTS:
        events.register(event)
