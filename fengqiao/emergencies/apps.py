from django.apps import AppConfig


class EmergenciesConfig(AppConfig):
    name = "fengqiao.emergencies"
    verbose_name = "突发事件"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.actions import CLOSE_GATES
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.demo.load import register_step
        from fengqiao.web import navigation

        from .actions import open_steps_gate
        from .demo import load_demo_plans
        from .sweep import flag_overdue_steps

        if open_steps_gate not in CLOSE_GATES:
            CLOSE_GATES.append(open_steps_gate)
        register_sweeper("emergency_steps", flag_overdue_steps)
        register_step("emergency plans", load_demo_plans)
        navigation.register(
            navigation.MenuItem("突发事件", "emergency-list", frozenset(Role) - {Role.CITIZEN}, order=45)
        )
