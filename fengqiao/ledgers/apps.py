from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "fengqiao.ledgers"
    verbose_name = "台账"
