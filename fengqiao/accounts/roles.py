"""Roles and what each may do. Each role is a Django group; its permissions are kept in step with
ROLE_PERMISSIONS after every migrate, so the table here is the one place that says who may do what."""

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "系统管理员"
    CENTRE_STAFF = "centre_staff", "综治中心工作人员"
    GRID_WORKER = "grid_worker", "网格员"
    MEDIATOR = "mediator", "调解员"
    DEPARTMENT_STAFF = "department_staff", "部门工作人员"
    LEADER = "leader", "领导"
    CITIZEN = "citizen", "群众"


STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}
READ_ONLY_ROLES = frozenset({Role.LEADER})

# "app_label.codename" per role; "*" means every permission of the project's apps.
ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {"*"},
    Role.CENTRE_STAFF: {"regions.view_region", "accounts.view_unit"},
    Role.GRID_WORKER: {"regions.view_region"},
    Role.MEDIATOR: {"regions.view_region", "accounts.view_unit"},
    Role.DEPARTMENT_STAFF: {"regions.view_region", "accounts.view_unit"},
    Role.LEADER: {"regions.view_region", "accounts.view_unit"},
    Role.CITIZEN: set(),
}


def extend_role_permissions(role: str, *permissions: str) -> None:
    """Let a later app add its own permissions to a role (called from its AppConfig.ready)."""
    ROLE_PERMISSIONS[role].update(permissions)


def sync_role_groups(**kwargs):
    from django.contrib.auth.models import Group, Permission

    everything = Permission.objects.filter(content_type__app_label__in=_project_apps())
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        wanted = ROLE_PERMISSIONS[role]
        if "*" in wanted:
            group.permissions.set(everything)
            continue
        permissions = []
        for name in wanted:
            app_label, codename = name.split(".")
            permissions.extend(everything.filter(content_type__app_label=app_label, codename=codename))
        group.permissions.set(permissions)


def _project_apps():
    from django.apps import apps

    return [config.label for config in apps.get_app_configs() if config.name.startswith("fengqiao.")]
