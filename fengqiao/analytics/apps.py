from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "fengqiao.analytics"
    verbose_name = "研判预警"
