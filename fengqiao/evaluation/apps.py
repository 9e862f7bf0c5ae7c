from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "fengqiao.evaluation"
    verbose_name = "考核评价"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.demo.load import register_step
        from fengqiao.web import navigation

        from .demo import load_demo_evaluation

        managers = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
        navigation.register(navigation.MenuItem("督查考核", "evaluation", managers, order=45))
        navigation.register(
            navigation.MenuItem("三零创建", "threezero", managers | {Role.GRID_WORKER}, order=46)
        )
        register_step("evaluation", load_demo_evaluation)
