from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fengqiao.analytics"
    verbose_name = "研判预警"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step
        from fengqiao.notices import events
        from fengqiao.web import navigation, panels

        from . import demo, sweep
        from .actions import NOTICE_EVENT, REMINDER_EVENT
        from .panels import warnings_panel

        viewers = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
        navigation.register(navigation.MenuItem("数据驾驶舱", "analytics-dashboard", viewers, order=70))
        navigation.register(navigation.MenuItem("综治地图", "analytics-map", viewers, order=71))
        navigation.register(
            navigation.MenuItem("研判预警", "analytics-warnings", viewers | {Role.GRID_WORKER}, order=72)
        )
        navigation.register(navigation.MenuItem("分析简报", "analytics-briefings", viewers, order=73))
        panels.register(
            panels.Panel(
                "研判预警",
                "analytics/panel.html",
                viewers | {Role.GRID_WORKER},
                order=15,
                context=warnings_panel,
            )
        )
        events.register(
            events.Event(
                NOTICE_EVENT,
                "研判预警",
                "研判预警({{ severity }}):{{ subject }}",
                "{{ kind }}。{{ detail }}\n请及时签收,落实处置并反馈。",
                "{{ sign }}{{ title }}。请登录平台签收处置。",
                send_sms=True,
                urgent=True,
            )
        )
        events.register(
            events.Event(
                REMINDER_EVENT,
                "预警未签收提醒",
                "预警未签收({{ severity }}):{{ subject }}",
                "该预警已发出 {{ hours }} 小时仍未签收,请立即签收并落实处置。",
                "{{ sign }}{{ title }}。请尽快登录平台签收处置。",
                send_sms=True,
                urgent=True,
            )
        )
        register_step("analytics", demo.load)
        register_sweeper("analytics", sweep.run)
