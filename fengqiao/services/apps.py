from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "fengqiao.services"
    verbose_name = "法律与心理服务"

    def ready(self):
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step
        from fengqiao.notices import events
        from fengqiao.web import navigation, panels

        from . import actions, demo, views
        from .events import EVENTS
        from .selectors import STAFF_ROLES

        for event in EVENTS:
            events.register(event)
        actions.connect_signals()
        register_sweeper("crisis_follow_ups", actions.sweep_follow_ups)
        register_sweeper("legal_aid_limits", actions.sweep_legal_aid)
        register_step("services", demo.create_demo_services)
        navigation.register(navigation.MenuItem("法律与心理服务", "services-home", STAFF_ROLES, order=60))
        panels.register(
            panels.Panel(
                "心理危机干预", "services/panel.html", STAFF_ROLES, order=40, context=views.panel_context
            )
        )
