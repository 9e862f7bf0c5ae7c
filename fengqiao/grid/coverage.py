"""Coverage figures of grid work: households each worker visited in the last 30 days, days in the
field per ISO week against the four-day norm, and the grids nobody has walked lately."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Max, Q
from django.utils import timezone

from fengqiao import clock
from fengqiao.accounts.models import User
from fengqiao.accounts.roles import Role
from fengqiao.regions import codes
from fengqiao.regions.models import Region

from .models import FieldVisit, GridAssignment, StaffRole

VISIT_WINDOW_DAYS = 30
FIELD_DAYS_NORM = 4  # days in the field a week expected of a full-time grid worker
WEEKS_SHOWN = 4
UNWALKED_DAYS = 14


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def workers_in(region_code: str):
    """Grid workers whose home grid lies in the region, and anyone holding a current worker,
    chief or assistant post in one of its grids."""
    in_region = codes.subtree_q("region_id", region_code)
    posted = GridAssignment.objects.current(timezone.localdate(clock.now())).filter(
        codes.subtree_q("grid_id", region_code),
        role__in=[StaffRole.WORKER, StaffRole.CHIEF, StaffRole.ASSISTANT],
        user__isnull=False,
    )
    return (
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.GRID_WORKER) & in_region | Q(pk__in=posted.values("user_id")))
        .select_related("region")
        .order_by("username")
    )


def worker_coverage(workers, *, now=None, weeks: int = WEEKS_SHOWN) -> list[dict]:
    """One row per worker: households visited in the last 30 days, and field days per ISO week
    for the last `weeks` weeks (the current one included), each against the norm."""
    now = now or clock.now()
    today = timezone.localdate(now)
    first_monday = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    week_keys = [iso_week(first_monday + timedelta(weeks=i)) for i in range(weeks)]
    workers = list(workers)
    since_visits = now - timedelta(days=VISIT_WINDOW_DAYS)
    visits = FieldVisit.objects.filter(worker__in=workers)

    households = defaultdict(set)
    for worker_id, household_id in visits.filter(
        occurred_at__gt=since_visits, occurred_at__lte=now, household__isnull=False
    ).values_list("worker_id", "household_id"):
        households[worker_id].add(household_id)

    days = defaultdict(set)
    start = timezone.make_aware(
        timezone.datetime.combine(first_monday, timezone.datetime.min.time()), timezone.get_current_timezone()
    )
    for worker_id, moment in visits.filter(occurred_at__gte=start, occurred_at__lte=now).values_list(
        "worker_id", "occurred_at"
    ):
        days[worker_id].add(timezone.localdate(moment))

    rows = []
    for worker in workers:
        per_week = dict.fromkeys(week_keys, 0)
        for day in days[worker.pk]:
            per_week[iso_week(day)] = per_week.get(iso_week(day), 0) + 1
        rows.append(
            {
                "username": worker.username,
                "name": str(worker),
                "grid_code": worker.region_id,
                "households_visited_30d": len(households[worker.pk]),
                "field_days": [
                    {"week": week, "days": count, "meets_norm": count >= FIELD_DAYS_NORM}
                    for week, count in per_week.items()
                ],
            }
        )
    return rows


def unwalked_grids(region_code: str, *, days: int = UNWALKED_DAYS, now=None) -> list[dict]:
    """Grids in the region with no patrol or visit in the last `days` days, least recent first."""
    now = now or clock.now()
    since = now - timedelta(days=days)
    grids = Region.objects.filter(codes.subtree_q("code", region_code), kind=Region.Kind.GRID).annotate(
        last_walked=Max("field_visits__occurred_at", filter=Q(field_visits__occurred_at__lte=now))
    )
    stale = grids.filter(Q(last_walked__isnull=True) | Q(last_walked__lt=since))
    rows = [
        {"code": grid.code, "name": grid.name, "last_walked": grid.last_walked}
        for grid in stale.order_by("code")
    ]
    rows.sort(key=lambda row: (row["last_walked"] is not None, row["last_walked"] or now))
    return rows


def coverage_report(region_code: str, *, days: int = UNWALKED_DAYS, now=None) -> dict:
    now = now or clock.now()
    return {
        "region_code": region_code,
        "as_of": now,
        "norm_days_per_week": FIELD_DAYS_NORM,
        "workers": worker_coverage(workers_in(region_code), now=now),
        "unwalked_days": days,
        "unwalked_grids": unwalked_grids(region_code, days=days, now=now),
    }
