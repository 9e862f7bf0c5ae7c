from django.apps import AppConfig

TIMELINE_KINDS = {
    "supervision_notice": "督办函",
    "supervision_acknowledged": "督办函签收",
    "supervision_answered": "督办函回复",
    "ledger_listed": "列入挂账督办",
    "ledger_closed": "挂账销账",
}


class SupervisionConfig(AppConfig):
    name = "fengqiao.supervision"
    verbose_name = "督查督办与风险评估"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step
        from fengqiao.notices import events
        from fengqiao.web import navigation, panels

        from .demo import load_demo_supervision
        from .letters import EVENT, issue_due_letters
        from .selectors import home_panel

        events.register(
            events.Event(
                EVENT,
                "督办函",
                "{{ letter }}:{{ case.number }}",
                "{{ number }}:{{ reason }}。请签收并于 {{ reply_due }} 前回复办理情况。\n{{ case.title }}",
                "{{ sign }}{{ title }}。{{ reason }},请于{{ reply_due }}前登录平台签收并回复。",
                urgent=True,
            )
        )
        register_sweeper("supervision_letters", issue_due_letters)
        staff = frozenset(Role) - {Role.CITIZEN}
        managers = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
        navigation.register(navigation.MenuItem("督办函", "supervision-notices", staff, order=42))
        navigation.register(navigation.MenuItem("挂账督办", "supervision-ledger", managers, order=43))
        navigation.register(navigation.MenuItem("稳评台账", "risk-decisions", managers, order=44))
        panels.register(
            panels.Panel("督查督办", "supervision/panels/summary.html", staff, order=30, context=home_panel)
        )
        register_step("supervision", load_demo_supervision)

        # How the case timeline names this app's entries (the cases app keeps the labels in a dict).
        from fengqiao.cases.presenters import TIMELINE_LABELS

        for kind, label in TIMELINE_KINDS.items():
            TIMELINE_LABELS.setdefault(kind, label)
