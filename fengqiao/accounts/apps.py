from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fengqiao.accounts"
    verbose_name = "机构与账号"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)
