"""Figures for dashboards and briefings: entries per register per child region, and the care of
special groups (plans, visit coverage, overdue visits). Counts only: no personal data."""

from datetime import timedelta

from django.db.models import Count, Q

from fengqiao import clock
from fengqiao.regions import codes
from fengqiao.regions.models import Region

from .models import CarePlan, CareVisit, Entry, Register

CHILD_DIGITS = {"province": 4, "city": 6, "county": 9, "township": 12, "village": 15}


def _child_code(prefix: str) -> str:
    return prefix if len(prefix) > 12 else prefix.ljust(12, "0")


def basedata_stats(region: Region, days: int = 30) -> dict:
    now = clock.now()
    subtree = codes.subtree_q("region_id", region.code)
    width = CHILD_DIGITS.get(region.kind)
    children = {}
    if width:
        children = {
            child.code: child.name
            for child in Region.objects.filter(parent=region).only("code", "name").order_by("code")
        }
    # One grouped pass on the (register, region) index; children are folded in here, since the
    # pairs are few (registers x grids) however many entries there are.
    totals: dict = {}
    by_child: dict = {}
    pairs = (
        Entry.objects.filter(subtree, active=True)
        .order_by()
        .values_list("register_id", "region_id")
        .annotate(n=Count("pk"))
        .values_list("register_id", "region_id", "n")
    )
    for register_id, code, n in pairs:
        totals[register_id] = totals.get(register_id, 0) + n
        if width:
            child = _child_code(code[:width])
            counts = by_child.setdefault(register_id, {})
            counts[child] = counts.get(child, 0) + n
    registers = [
        {
            "code": register.code,
            "name": register.name,
            "category": register.category,
            "total": totals.get(register.pk, 0),
            "by_region": by_child.get(register.pk, {}),
        }
        for register in Register.objects.filter(active=True)
    ]
    plans = CarePlan.objects.filter(codes.subtree_q("region_id", region.code), entry__active=True)
    due = Q(next_due_at__lte=now)
    by_register = (
        plans.order_by()
        .values_list("entry__register__code")
        .annotate(n=Count("pk"), late=Count("pk", filter=due))
        .values_list("entry__register__code", "n", "late")
    )
    total_plans = overdue = 0
    overdue_by_register = {}
    for code, n, late in by_register:
        total_plans += n
        overdue += late
        if late:
            overdue_by_register[code] = late
    visits = CareVisit.objects.filter(
        codes.subtree_q("plan__region_id", region.code), visited_at__gte=now - timedelta(days=days)
    )
    return {
        "region_code": region.code,
        "region_name": region.name,
        "children": [{"code": code, "name": name} for code, name in children.items()],
        "registers": registers,
        "care": {
            "plans": total_plans,
            "on_schedule": total_plans - overdue,
            "overdue": overdue,
            "coverage": round((total_plans - overdue) / total_plans, 4) if total_plans else None,
            "visits_last_days": visits.count(),
            "days": days,
            "overdue_by_register": overdue_by_register,
        },
    }
