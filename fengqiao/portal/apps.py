from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "fengqiao.portal"
    verbose_name = "群众端"

    def ready(self):
        from fengqiao.cases.sweep import register_sweeper

        from .ratelimit import purge

        register_sweeper("portal_rate_limit", purge)
