"""The one write path of evaluation: enrol three-zero units, report events against them, fill
checklists. Each validates and writes in one transaction; scope is checked on every region."""

from datetime import date

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit
from fengqiao.accounts.roles import STAFF_ROLES, Role
from fengqiao.accounts.scoping import access_region, region_scope_q
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.regions.models import Region

from .models import ChecklistEntry, ChecklistItem, ThreeZeroEvent, ThreeZeroUnit

REPORTERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF, Role.GRID_WORKER})
MANAGERS = frozenset({Role.ADMIN, Role.CENTRE_STAFF})


def is_staff(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or user.role in STAFF_ROLES)


def _role(user) -> str:
    return Role.ADMIN if user.is_superuser else user.role


def may_manage(user) -> bool:
    return _role(user) in MANAGERS


def may_report(user) -> bool:
    return _role(user) in REPORTERS


def visible_units(user):
    """Units in the user's region subtree; a grid worker's also those of the village around the grid."""
    if not is_staff(user):
        return ThreeZeroUnit.objects.none()
    condition = region_scope_q(user, "region_id")
    if not user.is_superuser and user.region_id and len(user.region_id) > 12:
        condition |= Q(region_id=user.region_id[:12])
    return ThreeZeroUnit.objects.filter(condition)


def access_unit(user, pk: int) -> ThreeZeroUnit:
    unit = visible_units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404("no such unit")
    return unit


def _text(value, field: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise FieldError(field, "required")
    if len(value) > limit:
        raise FieldError(field, f"at most {limit} characters")
    return value


@transaction.atomic
def enrol(user, *, kind: str, name: str, region_code: str) -> ThreeZeroUnit:
    """Add a village, community or enterprise to the campaign."""
    if not may_manage(user):
        raise ActionRefused(f"role '{user.role}' may not enrol three-zero units", 403)
    if kind not in ThreeZeroUnit.Kind.values:
        raise FieldError("kind", f"one of {', '.join(ThreeZeroUnit.Kind.values)}")
    try:
        region = access_region(user, region_code)
    except Http404:
        raise FieldError("region_code", "unknown region") from None
    name = _text(name, "name", 100)
    if ThreeZeroUnit.objects.filter(region=region, kind=kind, name=name).exists():
        raise FieldError("name", "already enrolled")
    return ThreeZeroUnit.objects.create(kind=kind, name=name, region=region)


def enrol_villages(region_code: str) -> int:
    """Every village (村/社区) under a region takes part; the number newly enrolled (idempotent)."""
    from fengqiao.regions import codes

    villages = Region.objects.filter(codes.subtree_q("code", region_code), kind=Region.Kind.VILLAGE)
    existing = set(ThreeZeroUnit.objects.filter(region__in=villages).values_list("region_id", flat=True))
    fresh = [
        ThreeZeroUnit(
            kind=ThreeZeroUnit.Kind.COMMUNITY if "社区" in village.name else ThreeZeroUnit.Kind.VILLAGE,
            name=village.name,
            region=village,
        )
        for village in villages.order_by("code")
        if village.code not in existing
    ]
    ThreeZeroUnit.objects.bulk_create(fresh)
    return len(fresh)


@transaction.atomic
def report_event(
    user, unit: ThreeZeroUnit, *, kind: str, occurred_on: date, description: str
) -> ThreeZeroEvent:
    if not may_report(user):
        raise ActionRefused(f"role '{user.role}' may not report three-zero events", 403)
    if kind not in ThreeZeroEvent.Kind.values:
        raise FieldError("kind", f"one of {', '.join(ThreeZeroEvent.Kind.values)}")
    now = wallclock.now()
    if occurred_on > timezone.localdate(now):
        raise FieldError("occurred_on", "in the future")
    return ThreeZeroEvent.objects.create(
        unit=unit,
        kind=kind,
        occurred_on=occurred_on,
        description=_text(description, "description", 500),
        reported_at=now,
        reported_by=user,
    )


@transaction.atomic
def fill_checklist(
    user,
    *,
    item_id: int,
    period_start: date,
    period_end: date,
    passed: bool,
    note: str = "",
    region_code: str | None = None,
    unit_code: str | None = None,
) -> ChecklistEntry:
    """Fill (or correct) one checklist item for a township or a department and a period."""
    if not may_manage(user):
        raise ActionRefused(f"role '{user.role}' may not fill evaluation checklists", 403)
    item = ChecklistItem.objects.filter(pk=item_id, active=True).first()
    if item is None:
        raise FieldError("item", "unknown checklist item")
    if period_end < period_start:
        raise FieldError("period_end", "before period_start")
    if bool(region_code) == bool(unit_code):
        raise FieldError("region_code", "give a township's region_code or a department's unit, not both")
    subject = {}
    if region_code:
        try:
            region = access_region(user, region_code)
        except Http404:
            raise FieldError("region_code", "unknown region") from None
        if region.kind != Region.Kind.TOWNSHIP:
            raise FieldError("region_code", "not a township")
        if item.applies_to == ChecklistItem.AppliesTo.DEPARTMENT:
            raise FieldError("item", "applies to departments")
        subject = {"region": region}
    else:
        unit = (
            Unit.objects.filter(code=unit_code, kind__in=[Unit.Kind.DEPARTMENT, Unit.Kind.JUDICIAL])
            .filter(region_scope_q(user))
            .first()
        )
        if unit is None:
            raise FieldError("unit", "unknown department")
        if item.applies_to == ChecklistItem.AppliesTo.TOWNSHIP:
            raise FieldError("item", "applies to townships")
        subject = {"unit": unit}
    entry, _ = ChecklistEntry.objects.update_or_create(
        item=item,
        period_start=period_start,
        period_end=period_end,
        **subject,
        defaults={
            "passed": passed,
            "note": (note or "").strip()[:500],
            "recorded_at": wallclock.now(),
            "recorded_by": user,
        },
    )
    return entry
