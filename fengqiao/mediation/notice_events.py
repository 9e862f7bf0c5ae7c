"""The notice events of mediation and linkage (registered from MediationConfig.ready); admins edit
their words in 消息模板 like those of the core events."""

from fengqiao.notices.events import Event

MEDIATOR_CHOSEN = "mediator_chosen"
MEDIATOR_ANSWERED = "mediator_answered"
CONFIRMATION_DUE = "judicial_confirmation_due"
REFERRAL_RECEIVED = "referral_received"

EVENTS = [
    Event(
        MEDIATOR_CHOSEN,
        "调解员被选定",
        "请确认是否接受调解:{{ case.number }}",
        "{{ case.title }}{% if chooser %}\n选定方式:{{ chooser }}{% endif %}",
        "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请登录平台确认是否接受。",
    ),
    Event(
        MEDIATOR_ANSWERED,
        "调解员答复",
        "{% if accepted %}调解员{{ mediator }}已接受调解,请交办至{{ unit }}"
        "{% else %}调解员{{ mediator }}未接受调解,请重新选择{% endif %}:{{ case.number }}",
        "{% if note %}{{ note }}{% else %}{{ case.title }}{% endif %}",
        "{{ sign }}{{ title }}。请登录平台处理。",
    ),
    Event(
        CONFIRMATION_DUE,
        "司法确认期限将至",
        "司法确认申请期限将至:{{ case.number }}",
        "请于 {{ due_at }} 前申请司法确认\n{{ case.title }}",
        "{{ sign }}{{ title }},请于 {{ due_at }} 前申请司法确认。",
    ),
    Event(
        REFERRAL_RECEIVED,
        "收到移送",
        "{{ kind }}:{{ sender }}移送",
        "{{ summary }}",
        "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请登录平台接收。",
    ),
]


def register() -> None:
    from fengqiao.notices import events

    for event in EVENTS:
        events.register(event)
