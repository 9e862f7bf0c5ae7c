from django.apps import AppConfig


class GridConfig(AppConfig):
    name = "fengqiao.grid"
    verbose_name = "网格工作"

    def ready(self):
        from fengqiao.accounts.roles import Role
        from fengqiao.web import navigation

        workers = frozenset({Role.GRID_WORKER})
        centre = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER})
        navigation.register(navigation.MenuItem("网格通", "grid-app", workers, order=21))
        navigation.register(
            navigation.MenuItem(
                "户籍人口", "grid-households", workers | {Role.ADMIN, Role.CENTRE_STAFF}, order=60
            )
        )
        navigation.register(navigation.MenuItem("网格履职", "grid-coverage", centre, order=62))
        navigation.register(navigation.MenuItem("网格力量", "grid-staffing", centre, order=61))
