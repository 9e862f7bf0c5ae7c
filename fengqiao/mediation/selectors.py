"""Reads, always scoped to the user: the mediators serving their area, referrals in their region
or to/from their unit, the mediation of a case they may see."""

from django.db.models import Q
from django.http import Http404

from fengqiao.accounts.scoping import access_case, region_scope_q

from .actions import ancestor_codes, with_load
from .models import Mediation, Mediator, Referral


def visible_mediators(user):
    """Mediators in the user's subtree and those above it who serve it (a county mediator serves
    every township)."""
    condition = region_scope_q(user, "region_id")
    if user.is_authenticated and user.region_id:
        condition |= Q(region_id__in=ancestor_codes(user.region_id))
    return with_load(Mediator.objects.filter(condition)).select_related("body", "region", "user")


def access_mediator(user, pk: int) -> Mediator:
    mediator = visible_mediators(user).filter(pk=pk).first()
    if mediator is None:
        raise Http404("no such mediator")
    return mediator


def visible_referrals(user):
    condition = region_scope_q(user, "region_id")
    if user.is_authenticated and user.unit_id:
        condition |= Q(sender_id=user.unit_id) | Q(receiver_id=user.unit_id)
    return Referral.objects.filter(condition).select_related("sender", "receiver", "case")


def access_mediation(user, number: str):
    """The case (404 outside the user's scope) and its mediation, or 404 when it has none."""
    case = access_case(user, number)
    mediation = getattr(case, "mediation", None)
    return case, mediation


def visible_mediations(user):
    """Mediations of cases in the user's region subtree."""
    return Mediation.objects.filter(region_scope_q(user, "case__region_id"))


def referral_units(user):
    """The units a user may name as sender or receiver of a referral: those in their subtree and
    those above it (a township refers to the county court)."""
    from fengqiao.accounts.models import Unit

    condition = region_scope_q(user, "region_id")
    if user.is_authenticated and user.region_id:
        condition |= Q(region_id__in=ancestor_codes(user.region_id))
    return list(Unit.objects.filter(condition, active=True).order_by("region_id", "kind", "name"))
