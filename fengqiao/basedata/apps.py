from django.apps import AppConfig


class BasedataConfig(AppConfig):
    name = "fengqiao.basedata"
    verbose_name = "基础数据"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step
        from fengqiao.notices import events
        from fengqiao.triage.risk import register_party_signal
        from fengqiao.web import navigation, panels

        from . import actions, demo, signals

        staff = frozenset(Role) - {Role.CITIZEN}
        carers = frozenset({Role.GRID_WORKER, Role.CENTRE_STAFF, Role.ADMIN, Role.DEPARTMENT_STAFF})
        navigation.register(navigation.MenuItem("基础数据", "basedata-home", staff, order=64))
        # The menu is crowded: person search and statistics are reached from the 基础数据 page.
        navigation.register(
            navigation.MenuItem("关爱走访", "basedata-care", frozenset({Role.GRID_WORKER}), order=22)
        )
        panels.register(
            panels.Panel(
                "关爱帮扶走访", "basedata/panel.html", carers, order=30, context=signals.panel_context
            )
        )
        events.register(
            events.Event(
                actions.OVERDUE_EVENT,
                "帮扶走访逾期",
                "帮扶走访逾期:{{ register }} {{ person }}",
                "{{ grid }}的{{ register }}{{ person }}应于 {{ due }} 前走访(每 {{ days }} 天一次),已逾期。",
                "{{ sign }}{{ title }}。请尽快走访并在平台登记。",
                urgent=True,
            )
        )
        register_sweeper("basedata-care-overdue", actions.sweep_overdue_visits)
        register_step("基础数据登记与帮扶计划", demo.load_basedata)
        register_party_signal("basedata-special-groups", signals.special_group_signal)
