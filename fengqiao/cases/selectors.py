"""Reads of cases for pages and queues, all through the one scoping function."""

from datetime import timedelta

from django.db.models import Q

from fengqiao import clock as wallclock
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import can_see_region, visible_cases
from fengqiao.regions import codes as region_codes

from .codes import OPEN_STATUSES, Status
from .models import Assignment

LIST_FILTERS = ("region", "status", "category", "level", "channel", "overdue", "q")


def filtered_cases(user, params) -> tuple:
    """(queryset, cleaned filters) for the list page; unknown filter values are ignored."""
    from .codes import Category, Channel, Level

    cases = (
        visible_cases(user)
        .filter(merged_into__isnull=True)
        .select_related("handling_unit", "region")
        .prefetch_related("clocks", "instructions")
    )
    cleaned = {}
    region = (params.get("region") or "").strip()
    if region and can_see_region(user, region):
        cases = cases.filter(region_codes.subtree_q("region_id", region))
        cleaned["region"] = region
    for name, choices in (("status", Status), ("category", Category), ("level", Level), ("channel", Channel)):
        value = params.get(name)
        if value in choices.values:
            cases = cases.filter(**{name: value})
            cleaned[name] = value
    if params.get("overdue") in ("1", "true"):
        cases = cases.filter(overdue=True)
        cleaned["overdue"] = "1"
    text = (params.get("q") or "").strip()[:100]
    if text:
        cases = cases.filter(Q(number=text) | Q(title__icontains=text) | Q(description__icontains=text))
        cleaned["q"] = text
    return cases.order_by("-pinned", "-reported_at", "-id"), cleaned


def my_work(user):
    """The open cases waiting on the user's unit: held by it, or assigned to it and not yet done."""
    cases = (
        visible_cases(user)
        .filter(merged_into__isnull=True)
        .select_related("handling_unit", "region")
        .prefetch_related("clocks", "instructions")
    )
    if user.role == Role.LEADER or not user.unit_id:
        return cases.filter(status__in=OPEN_STATUSES).order_by("-pinned", "deadline_at")
    assigned = Assignment.objects.filter(
        unit_id=user.unit_id, state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED]
    ).values("case_id")
    waiting = Q(handling_unit_id=user.unit_id, status__in=OPEN_STATUSES | {Status.RESOLVED, Status.VERIFIED})
    waiting |= Q(pk__in=assigned, status__in=OPEN_STATUSES)
    return cases.filter(waiting).order_by("-pinned", "-urgent", "deadline_at")


def triage_queue(user):
    return (
        visible_cases(user)
        .filter(needs_triage=True, merged_into__isnull=True, status__in=OPEN_STATUSES)
        .select_related("handling_unit", "region")
        .prefetch_related("clocks", "instructions")
        .order_by("-pinned", "reported_at")
    )


def overdue_board(user):
    """Open cases past their limit or within a day of it, most urgent first."""
    soon = wallclock.now() + timedelta(days=1)
    return (
        visible_cases(user)
        .filter(merged_into__isnull=True, status__in=OPEN_STATUSES)
        .filter(Q(overdue=True) | Q(deadline_at__lte=soon))
        .select_related("handling_unit", "region")
        .prefetch_related("clocks", "instructions")
        .order_by("-pinned", "deadline_at")
    )


def home_summary(user) -> dict:
    from django.db.models import Count
    from django.db.models import Q as Where

    from .codes import SETTLED_STATUSES
    from .deadlines import LOCAL

    month_start = wallclock.now().astimezone(LOCAL).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    month = (
        visible_cases(user)
        .filter(merged_into__isnull=True, reported_at__gte=month_start)
        .aggregate(received=Count("pk"), resolved=Count("pk", filter=Where(status__in=SETTLED_STATUSES)))
    )
    return {
        "case_summary": {
            "my_work": my_work(user).count(),
            "overdue": overdue_board(user).count(),
            "month_received": month["received"],
            "month_resolved": month["resolved"],
        }
    }
