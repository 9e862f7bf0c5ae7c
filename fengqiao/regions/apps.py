from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "fengqiao.regions"
    verbose_name = "行政区划与网格"

    def ready(self):
        from . import signals  # noqa: F401
