"""The notice events the case loop adds to notices.events (registered from CasesConfig.ready);
admins edit their words in 消息模板 like those of the core events."""

from fengqiao.notices.events import Event

FOLLOW_UP_APPLICANT = "follow_up_applicant"
EXTENSION_REQUESTED = "extension_requested"
URGED = "urged"

EVENTS = [
    # The applicant's text message: they have no account, so only the text is ever used. It names
    # the case by number only (the title may name the other party).
    Event(
        FOLLOW_UP_APPLICANT,
        "回访短信(申请人)",
        "回访:{{ case.number }}",
        "您反映的事项已办结,问题是否真正解决?{{ link }}",
        "{{ sign }}您好,您反映的事项(编号 {{ case.number }})已办结。问题是否真正解决?"
        "请打开 {{ link }} 告诉我们。",
    ),
    Event(
        EXTENSION_REQUESTED,
        "延期申请待审批",
        "延期申请待审批:{{ case.number }}",
        "{% if unit %}{{ unit }}{% endif %}申请延期 {{ days }} 天{% if note %}:{{ note }}{% endif %}\n"
        "{{ case.title }}",
        "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请登录平台审批。",
    ),
    Event(
        URGED,
        "加急办理",
        "加急:{{ case.number }}",
        "{% if actor %}{{ actor }}要求加急办理{% else %}事项已加急{% endif %}"
        "{% if note %}:{{ note }}{% endif %}\n{{ case.title }}"
        "{% if case.deadline %}\n新办理时限:{{ case.deadline }}{% endif %}",
        "{{ sign }}{{ title }}。{{ body|truncatechars:60 }} 请加快办理。",
        urgent=True,
    ),
]


def register() -> None:
    from fengqiao.notices import events

    for event in EVENTS:
        events.register(event)
