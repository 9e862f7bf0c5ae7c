from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fengqiao.portal"
    verbose_name = "群众端"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.web import panels

        from .panels import home_panel
        from .ratelimit import purge

        register_sweeper("portal_rate_limit", purge)
        readers = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
        panels.register(
            panels.Panel("群众评价", "portal/panels/ratings.html", readers, order=60, context=home_panel)
        )
