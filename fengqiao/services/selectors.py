"""Who sees what in the services, always inside the user's region subtree:

- legal records (consultations, legal-aid applications): admins, centre staff, department staff
  (the justice bureau, courts, police who take referrals), mediators, and any lawyer or legal
  worker with a provider profile;
- psychological records (sessions without their notes, screenings, crises): admins, centre staff
  and counsellors;
- session notes: counsellors only (an active counsellor profile), and each read is logged;
- the directory of providers, the duty roster, the "three officials and one lawyer" and the
  figures: every staff role, leaders included.

Rows outside the subtree, and rows a role may not see, answer 404 like rows that do not exist.
"""

from django.db.models import Q
from django.http import Http404

from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import NOTHING, region_scope_q
from fengqiao.regions import codes

from .models import (
    Consultation,
    CounsellingSession,
    Crisis,
    DutyShift,
    LegalAidApplication,
    Provider,
    Screening,
    VillageAdviser,
)

LEGAL_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.DEPARTMENT_STAFF, Role.MEDIATOR})
AID_DECIDER_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.DEPARTMENT_STAFF})
PSYCH_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})
STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}
# Who may keep the roster and the village advisers.
MANAGER_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def provider_of(user) -> Provider | None:
    if not _active(user):
        return None
    provider = getattr(user, "service_provider", None)
    return provider if provider is not None and provider.active else None


def is_counsellor(user) -> bool:
    provider = provider_of(user)
    return provider is not None and provider.kind == Provider.Kind.COUNSELLOR


def is_lawyer(user) -> bool:
    provider = provider_of(user)
    return provider is not None and provider.kind in Provider.LEGAL_KINDS


def may_see_legal(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in LEGAL_ROLES or is_lawyer(user))


def may_decide_aid(user) -> bool:
    """The legal-aid agency's work: the justice bureau (department staff), the centre, admins."""
    return _active(user) and (user.is_superuser or user.role in AID_DECIDER_ROLES)


def may_see_psych(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in PSYCH_ROLES or is_counsellor(user))


def may_read_notes(user) -> bool:
    """Only counsellors read session notes: not even an administrator."""
    return is_counsellor(user)


def may_manage(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in MANAGER_ROLES)


def may_see_services(user) -> bool:
    return _active(user) and (user.is_superuser or user.role in STAFF_ROLES)


def _scoped(model, user, allowed: bool):
    return model.objects.filter(region_scope_q(user) if allowed else NOTHING)


def ancestor_codes(code: str) -> list[str]:
    """The code itself and the codes of every region above it (a county provider serves its towns)."""
    found = []
    for digits in (2, 4, 6, 9, 12, 15, 18, 21):
        if digits > len(code):
            break
        prefix = code[:digits]
        candidate = prefix.ljust(12, "0") if digits <= 12 else prefix
        if codes.is_valid(candidate) and candidate not in found:
            found.append(candidate)
    return found


def serving_q(code: str, field: str = "region_id") -> Q:
    """Rows whose region covers `code` (it or one of its ancestors)."""
    return Q(**{f"{field}__in": ancestor_codes(code)})


def visible_providers(user):
    """Providers in the user's subtree and those above it who serve it."""
    if not may_see_services(user):
        return Provider.objects.none()
    condition = region_scope_q(user)
    if user.region_id:
        condition |= serving_q(user.region_id)
    return Provider.objects.filter(condition).select_related("region", "user")


def visible_shifts(user):
    if not may_see_services(user):
        return DutyShift.objects.none()
    condition = region_scope_q(user)
    if user.region_id:
        condition |= serving_q(user.region_id)
    return DutyShift.objects.filter(condition).select_related("provider__user", "region")


def visible_village_advisers(user):
    return _scoped(VillageAdviser, user, may_see_services(user)).select_related("region", "provider__user")


def visible_consultations(user):
    return _scoped(Consultation, user, may_see_legal(user)).select_related(
        "person", "provider__user", "region", "case", "aid_application"
    )


def visible_aid_applications(user):
    return _scoped(LegalAidApplication, user, may_see_legal(user)).select_related(
        "applicant", "lawyer__user", "region", "case"
    )


def visible_sessions(user):
    return _scoped(CounsellingSession, user, may_see_psych(user)).select_related(
        "person", "counsellor__user", "region", "case"
    )


def visible_screenings(user):
    return _scoped(Screening, user, may_see_psych(user)).select_related("person", "region", "crisis", "case")


def visible_crises(user):
    return _scoped(Crisis, user, may_see_psych(user)).select_related(
        "person", "counsellor__user", "region", "case"
    )


def get_or_404(queryset, pk):
    try:
        return queryset.get(pk=pk)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404("not found") from None
