from django.apps import AppConfig


class PetitionsConfig(AppConfig):
    name = "fengqiao.petitions"
    verbose_name = "信访事项办理"

    def ready(self):
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step

        from . import notice_events
        from .actions import sweep_reviews
        from .demo import load_demo_petitions

        notice_events.register()
        register_sweeper("petition_reviews", sweep_reviews)
        register_step("petitions", load_demo_petitions)
