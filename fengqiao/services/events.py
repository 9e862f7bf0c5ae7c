"""The notice events of the services (registered from ServicesConfig.ready)."""

from fengqiao.notices.events import Event

EVENTS = [
    Event(
        "crisis",
        "心理危机干预",
        "心理危机预警:{{ subject }}",
        "{% if who %}当事人:{{ who }}\n{% endif %}{% if place %}区域:{{ place }}\n{% endif %}"
        "{{ reasons|join:';' }}{% if case.number %}\n关联事项:{{ case.number }}{% endif %}"
        "\n请立即联系当事人开展危机干预,并按计划随访。",
        # No health details in a text message: only that there is something to act on.
        "{{ sign }}{{ title }},请立即登录平台查看并开展危机干预。",
        urgent=True,
    ),
    Event(
        "crisis_follow_up",
        "危机干预随访",
        "危机随访到期:{{ subject }}",
        "{% if who %}当事人:{{ who }},{% endif %}应于 {{ due_at }} 前完成随访。",
        "{{ sign }}{{ title }},请登录平台记录随访情况。",
    ),
    Event(
        "legal_aid_assigned",
        "法律援助指派",
        "法律援助指派:{{ subject }}",
        "{% if actor %}{{ actor }}{% endif %}指派您承办{{ subject }}({{ topic }}),请及时联系受援人。",
        "{{ sign }}{{ title }},请登录平台查看。",
    ),
    Event(
        "legal_aid_overdue",
        "法律援助超期",
        "法律援助超期:{{ subject }}",
        "{{ subject }}的{{ step }}已超过法定时限({{ due_at }})。",
        "{{ sign }}{{ title }},请尽快办理。",
    ),
]
