from django.apps import AppConfig


class MediationConfig(AppConfig):
    name = "fengqiao.mediation"
    verbose_name = "多元调解与对接联动"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.cases.sweep import register_sweeper
        from fengqiao.web import navigation

        from .actions import sweep_confirmations

        staff = frozenset(Role) - {Role.CITIZEN}
        navigation.register(navigation.MenuItem("调解员名录", "mediator-directory", staff, order=50))
        navigation.register(navigation.MenuItem("对接联动", "linkage-stats", staff, order=55))
        register_sweeper("judicial_confirmation", sweep_confirmations)
