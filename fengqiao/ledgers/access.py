"""Who may export and import ledgers."""

from django.core.exceptions import PermissionDenied

from fengqiao.accounts.roles import Role

EXPORT_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.LEADER, Role.DEPARTMENT_STAFF, Role.MEDIATOR})
IMPORT_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})


def may_export(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in EXPORT_ROLES)


def may_import(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role in IMPORT_ROLES)


def require_export(user) -> None:
    if not may_export(user):
        raise PermissionDenied


def require_import(user) -> None:
    if not may_import(user):
        raise PermissionDenied
