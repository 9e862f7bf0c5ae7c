from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "fengqiao.notices"
    verbose_name = "消息通知"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.web import navigation

        navigation.register(
            navigation.MenuItem("消息", "notice-inbox", frozenset(Role) - {Role.CITIZEN}, order=70)
        )
