from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "fengqiao.mediation"
    verbose_name = "多元调解与对接联动"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step
        from fengqiao.web import navigation, panels

        from . import notice_events
        from .actions import sweep_confirmations
        from .demo import load_demo_mediation
        from .panels import mediator_panel

        staff = frozenset(Role) - {Role.CITIZEN}
        navigation.register(navigation.MenuItem("调解员名录", "mediator-directory", staff, order=50))
        navigation.register(navigation.MenuItem("对接联动", "linkage-stats", staff, order=55))
        navigation.register(navigation.MenuItem("履行情况", "mediation-fulfilment", staff, order=56))
        panels.register(
            panels.Panel(
                "我的调解",
                "mediation/panel.html",
                frozenset({Role.MEDIATOR}),
                order=20,
                context=mediator_panel,
            )
        )
        notice_events.register()
        register_sweeper("judicial_confirmation", sweep_confirmations)
        register_step("mediation", load_demo_mediation)
