from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "fengqiao.accounts"
    verbose_name = "机构与账号"

    def ready(self):
        from django.db.models.signals import post_migrate

        from .roles import sync_role_groups

        # After every app's migrations, not only ours: a role's permissions on a later app exist
        # only once that app has migrated.
        post_migrate.connect(sync_role_groups, dispatch_uid="fengqiao.sync_role_groups")

        from fengqiao.web.navigation import ALL_STAFF, MenuItem, register

        register(MenuItem("两步验证", "two-factor", ALL_STAFF, order=990))
