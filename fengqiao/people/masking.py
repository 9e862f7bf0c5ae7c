"""Who may see a person's full ID-card and phone numbers (PIPL: show masked unless the role needs them).

Everyone sees masked values (110105********002X, 138****5678). On request, and only through
actions.reveal(), which writes an AccessLog row, the full values are shown to the roles whose work
needs them: system administrators, centre staff (intake and dispatch), department staff (police,
courts, petitions… who must contact the parties), mediators (who call the parties and write the
agreement) and grid workers (who collect these data in their own grid and visit the households).
Leaders (dashboards, read-only) and citizens never see anyone's full numbers. Where a user may
look at all (which cases, which region) is the scoping rule's business, not this module's.
"""

from fengqiao.accounts.roles import Role

UNMASK_ROLES = frozenset(
    {Role.ADMIN, Role.CENTRE_STAFF, Role.DEPARTMENT_STAFF, Role.MEDIATOR, Role.GRID_WORKER}
)


def may_unmask(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.role in UNMASK_ROLES
