from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "fengqiao.services"
    verbose_name = "法律与心理服务"
