"""Figures for dashboards and briefings: entries per register per child region, and the care of
special groups (plans, visit coverage, overdue visits). Counts only: no personal data."""

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import Substr

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
    rows = Entry.objects.filter(subtree, active=True)
    totals = dict(rows.values_list("register_id").annotate(n=Count("pk")).values_list("register_id", "n"))
    by_child: dict = {}
    if width:
        for register_id, prefix, n in (
            rows.annotate(prefix=Substr("region_id", 1, width))
            .values_list("register_id", "prefix")
            .annotate(n=Count("pk"))
            .values_list("register_id", "prefix", "n")
        ):
            by_child.setdefault(register_id, {})[_child_code(prefix)] = n
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
    plans = CarePlan.objects.filter(codes.subtree_q("entry__region_id", region.code), entry__active=True)
    total_plans = plans.count()
    overdue = plans.filter(next_due_at__lte=now).count()
    visits = CareVisit.objects.filter(
        codes.subtree_q("plan__entry__region_id", region.code), visited_at__gte=now - timedelta(days=days)
    )
    overdue_by_register = dict(
        plans.filter(next_due_at__lte=now)
        .values_list("entry__register__code")
        .annotate(n=Count("pk"))
        .values_list("entry__register__code", "n")
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
