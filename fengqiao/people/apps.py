from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "fengqiao.people"
    verbose_name = "人员档案"

    def ready(self):
        from fengqiao.cases.sweep import register_sweeper

        from . import retention

        register_sweeper("retention", retention.sweep)
