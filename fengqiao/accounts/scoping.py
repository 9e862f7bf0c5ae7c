"""The one rule of what a user may see: their home region's subtree (and, for cases, what is
dispatched to their unit). Every list, detail, export and chart goes through these functions."""

from django.db.models import Q
from django.http import Http404

from fengqiao.regions import codes
from fengqiao.regions.models import Region

NOTHING = Q(pk__in=[])
# Every row. Not an empty Q(): Q() | other is just `other`, so a superuser's scope OR-ed with
# "or dispatched to my unit" would shrink to the unit's cases.
EVERYTHING = ~Q(pk__in=[])


def region_scope_q(user, field: str = "region_id") -> Q:
    """A condition on a region-code column limiting rows to the user's subtree."""
    if not user.is_authenticated or not user.is_active:
        return NOTHING
    if user.is_superuser:
        return EVERYTHING
    if not user.region_id:
        return NOTHING
    return codes.subtree_q(field, user.region_id)


def can_see_region(user, code: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(user.region_id) and codes.is_valid(code) and codes.in_subtree(code, user.region_id)


def visible_regions(user):
    return Region.objects.filter(region_scope_q(user, "code"))


def access_region(user, code: str) -> Region:
    """The region, or the same 404 whether it does not exist or lies outside the user's scope."""
    if not can_see_region(user, code):
        raise Http404("no such region")
    try:
        return Region.objects.get(code=code)
    except Region.DoesNotExist:
        raise Http404("no such region") from None


def visible_cases(user):
    """Cases in the user's region subtree, plus those dispatched to or handled by the user's unit."""
    from django.db.models import Exists, OuterRef

    from fengqiao.cases.models import Assignment, Case

    condition = region_scope_q(user, "region_id")
    if user.is_authenticated and user.unit_id:
        condition |= Q(handling_unit_id=user.unit_id) | Q(
            Exists(Assignment.objects.filter(case=OuterRef("pk"), unit_id=user.unit_id))
        )
    return Case.objects.filter(condition)


def access_case(user, number: str):
    """The case, or the same 404 whether it does not exist or the user may not see it."""
    from fengqiao.cases.models import Case

    try:
        return visible_cases(user).get(number=number)
    except Case.DoesNotExist:
        raise Http404("no such case") from None
