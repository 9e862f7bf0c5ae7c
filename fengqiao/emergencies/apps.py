from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "fengqiao.emergencies"
    verbose_name = "突发事件"
