from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "fengqiao.workdays"
    verbose_name = "工作日历"

    def ready(self):
        from . import checks, signals  # noqa: F401
