from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "fengqiao.ledgers"
    verbose_name = "台账"

    def ready(self):
        from fengqiao.web import navigation

        from .access import EXPORT_ROLES

        navigation.register(navigation.MenuItem("台账", "ledgers", EXPORT_ROLES, order=70))
