from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "fengqiao.cases"
    verbose_name = "事项受理与办理"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.web import navigation, panels

        staff = frozenset(Role) - {Role.CITIZEN}
        centre = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
        navigation.register(navigation.MenuItem("我的待办", "my-work", staff - {Role.LEADER}, order=10))
        navigation.register(navigation.MenuItem("窗口登记", "window-intake", centre, order=20))
        navigation.register(
            navigation.MenuItem("网格上报", "grid-report", frozenset({Role.GRID_WORKER}), order=20)
        )
        navigation.register(navigation.MenuItem("事项列表", "case-list", staff, order=30))
        navigation.register(navigation.MenuItem("待研判", "triage-queue", centre, order=35))
        navigation.register(
            navigation.MenuItem(
                "超期预警", "overdue-board", centre | {Role.LEADER, Role.DEPARTMENT_STAFF}, order=40
            )
        )
        from . import followups
        from .selectors import home_summary
        from .sweep import register_sweeper

        register_sweeper("follow_ups", followups.ask_due)
        from . import notice_events

        notice_events.register()

        panels.register(
            panels.Panel("事项概况", "cases/panels/summary.html", staff, order=10, context=home_summary)
        )
