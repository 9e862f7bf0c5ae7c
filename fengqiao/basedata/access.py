"""Who sees which base data, and how much of it.

Rows are scoped like everything else: the user's region subtree (accounts.scoping). On top of
that, the sensitive registers (special groups, key youth) are seen in full only by the roles whose
work needs them: the responsible grid worker (a grid worker's home region is the grid), police and
the justice bureau (department staff of a unit whose department is public_security or justice;
mediation committees fall under justice but are not the bureau), the centre, and admins. Everyone
else sees that an entry exists, with the name masked and nothing else. Every full view of a
sensitive entry writes a people.AccessLog row.
"""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from fengqiao.accounts.models import Unit
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import region_scope_q, visible_cases
from fengqiao.people.models import AccessLog, Person

from .models import CarePlan, Entry, Register

SENSITIVE_DEPARTMENTS = frozenset({Unit.Department.PUBLIC_SECURITY, Unit.Department.JUSTICE})
WRITER_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_WORKER})
EXPORT_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
STAFF = frozenset(Role) - {Role.CITIZEN}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_police_or_justice(user) -> bool:
    unit = user.unit if user.unit_id else None
    return (
        user.role == Role.DEPARTMENT_STAFF
        and unit is not None
        and unit.department in SENSITIVE_DEPARTMENTS
        and unit.kind != Unit.Kind.MEDIATION
    )


def may_see_sensitive(user) -> bool:
    """May this user see sensitive registers unmasked (within their region)?"""
    if not _active(user):
        return False
    if user.is_superuser or user.role in (Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_WORKER):
        return True
    return is_police_or_justice(user)


def sees_details(user, register: Register) -> bool:
    return not register.sensitive or may_see_sensitive(user)


def may_use(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in STAFF)


def may_write(user, register: Register) -> bool:
    """Add entries, import, log visits, change grades."""
    if not _active(user):
        return False
    if user.is_superuser or user.role in WRITER_ROLES:
        return True
    return register.sensitive and is_police_or_justice(user)


def may_export(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in EXPORT_ROLES)


def visible_entries(user):
    return Entry.objects.filter(region_scope_q(user, "region_id"))


def access_entry(user, pk) -> Entry:
    """The entry, or the same 404 whether it does not exist or lies outside the user's scope."""
    try:
        return visible_entries(user).select_related("register", "person", "region").get(pk=int(pk))
    except (Entry.DoesNotExist, ValueError, TypeError):
        raise Http404("no such entry") from None


def visible_plans(user):
    return CarePlan.objects.filter(region_scope_q(user, "region_id"), entry__active=True)


def access_plan(user, pk) -> CarePlan:
    try:
        return visible_plans(user).select_related("entry__register", "entry__person").get(pk=int(pk))
    except (CarePlan.DoesNotExist, ValueError, TypeError):
        raise Http404("no such care plan") from None


def visible_people(user):
    """People whose file the user may open: living in their region, on a register entry in it, or a
    party to a case they can see."""
    from fengqiao.cases.models import Party

    if not may_use(user):
        return Person.objects.none()
    if user.is_superuser:
        return Person.objects.all()
    entries = visible_entries(user).filter(person=OuterRef("pk"))
    parties = Party.objects.filter(person=OuterRef("pk"), case__in=visible_cases(user))
    return Person.objects.filter(region_scope_q(user, "region_id") | Q(Exists(entries)) | Q(Exists(parties)))


def access_person(user, pk) -> Person:
    try:
        return visible_people(user).get(pk=int(pk))
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("no such person") from None


def audit_entry_view(user, entry: Entry, purpose: str, ip: str | None = None) -> None:
    """The audit row of one full view of a sensitive entry (nothing for ordinary registers)."""
    if entry.register.sensitive:
        AccessLog.objects.create(
            user=user,
            person=entry.person,
            object_type="basedata.entry",
            object_id=str(entry.pk),
            fields=["register:" + entry.register.code],
            purpose=purpose[:200],
            ip=ip or None,
        )
