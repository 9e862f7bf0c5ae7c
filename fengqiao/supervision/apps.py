from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "fengqiao.supervision"
    verbose_name = "督查督办与风险评估"
