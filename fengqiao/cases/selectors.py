"""Reads of cases for pages and queues, all through the one scoping function."""

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections
from django.db.models import Q
from django.db.models.functions import Left
from django.db.models.lookups import Exact

from fengqiao import clock as wallclock
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import can_see_region, visible_cases
from fengqiao.regions import codes as region_codes

from .codes import OPEN_STATUSES, Status
from .models import LIST_PREFIX_LENGTHS, Assignment
from .search import text_q

LIST_FILTERS = ("region", "status", "category", "level", "channel", "overdue", "q")


def filtered_cases(user, params) -> tuple:
    """(queryset, cleaned filters) for the list page; unknown filter values are ignored."""
    from .codes import Category, Channel, Level

    cleaned = {}
    region = (params.get("region") or "").strip()
    if region and can_see_region(user, region):
        cases = visible_in_region(user, region)
        cleaned["region"] = region
    else:
        cases = visible_to(user)
    for name, choices in (("status", Status), ("category", Category), ("level", Level), ("channel", Channel)):
        value = params.get(name)
        if value in choices.values:
            cleaned[name] = value
    if params.get("overdue") in ("1", "true"):
        cleaned["overdue"] = "1"
    text = (params.get("q") or "").strip()[:100]
    if text:
        cleaned["q"] = text
    cases = narrowed(
        cases,
        **{name: cleaned.get(name) for name in ("status", "category", "level", "channel")},
        overdue=True if "overdue" in cleaned else None,
        text=text,
    )
    cases = cases.select_related("handling_unit", "region").prefetch_related("clocks", "instructions")
    return cases.order_by("-pinned", "-reported_at", "-id"), cleaned


def narrowed(cases, *, status=None, category=None, level=None, channel=None, overdue=None, text=""):
    """`cases` without those merged into another, narrowed by the list's filters as the list page
    and GET /api/v1/cases both apply them; None (or no text) leaves a filter off."""
    cases = cases.filter(merged_into__isnull=True)
    equal = {"status": status, "category": category, "level": level, "channel": channel, "overdue": overdue}
    cases = cases.filter(**{name: value for name, value in equal.items() if value is not None})
    if text:
        cases = cases.filter(text_search(text, cases.db))
    return cases


def text_search(text: str, using: str) -> Q:
    """The list's `q`: the number, or a substring of the title or the description (icontains), with
    PostgreSQL's index-usable prefilter beside it (fengqiao/cases/search.py): the same rows."""
    return text_q(text, using)


def in_region(cases, code: str):
    """`cases` (a queryset of Case) in the region `code` and below it.

    For a county or a township the condition is an equality on the code's prefix,
    `left(region_code, n) = prefix`, which the list indexes case_list_county / case_list_township
    are keyed by (region codes are digit strings of 12 or more digits, so it selects exactly the
    rows of the code range); for any other region, the code range. The rows are the same either
    way; only the plan changes: that region's page is read in order from its index. The range is
    not kept beside the equality: the planner would multiply the two selectivities as if
    independent, expect a handful of rows and sort them instead of reading the index in order."""
    prefix = region_codes.significant_prefix(code)
    if len(prefix) in LIST_PREFIX_LENGTHS:
        return cases.alias(_region_prefix=Left("region_id", len(prefix))).filter(_region_prefix=prefix)
    return cases.filter(region_codes.subtree_q("region_id", code))


def visible_in_region(user, code: str):
    """The cases `user` may see in the region `code` (the caller checked can_see_region). When the
    user's scope holds every case of the region (rollups.covers_subtree: the scope's region range
    contains it), the region alone: the same rows without the per-row scope test (an OR with
    "dispatched to my unit" that no index answers)."""
    from .models import Case
    from .rollups import covers_subtree

    scope = visible_cases(user)
    if covers_subtree(scope, region_codes.significant_prefix(code)):
        return in_region(Case.objects.all(), code)
    return in_region(scope, code)


def visible_to(user):
    """visible_cases(user), for a list: a user without a unit (whose scope is exactly their
    region's subtree) gets it as in_region of their region, so their county's or township's list
    is read in order from its index. The same rows; anyone else gets visible_cases(user)."""
    if user.is_authenticated and not user.is_superuser and user.region_id and not user.unit_id:
        return visible_in_region(user, user.region_id)
    return visible_cases(user)


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


# Keyset pagination of the case list. The list is ordered by (pinned, reported_at, id), all
# descending, and a page is the rows after (or before) the key of the row at its edge: with the
# index case_list_keyset on those columns, page 1,000 costs what page 1 costs, and no COUNT is
# needed to draw the pager. The cursor is opaque to clients (urlsafe base64 of a small JSON list).
KEYSET_ORDER = ("-pinned", "-reported_at", "-id")
_ROW = '("cases_case"."pinned", "cases_case"."reported_at", "cases_case"."id")'


class BadCursor(ValueError):
    pass


@dataclass
class KeysetPage:
    object_list: list
    next: str | None
    previous: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next or self.previous)


def encode_cursor(case, direction: str) -> str:
    key = [direction, int(case.pinned), case.reported_at.isoformat(), case.pk]
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[str, bool, datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        direction, pinned, reported_at, pk = json.loads(raw)
        moment = datetime.fromisoformat(reported_at)
        if (
            direction not in ("n", "p")
            or pinned not in (0, 1)
            or not isinstance(pk, int)
            or moment.tzinfo is None
        ):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as error:
        raise BadCursor(text) from error
    return direction, bool(pinned), moment, pk


def _region_prefix(cases) -> str | None:
    """The code prefix `in_region` put on `cases` as `left(region_code, n) = prefix`, if any."""
    where = cases.query.where
    if where.connector != "AND" or where.negated:
        return None
    for child in where.children:
        lhs = getattr(child, "lhs", None)
        if isinstance(child, Exact) and isinstance(lhs, Left) and isinstance(child.rhs, str):
            return child.rhs
    return None


def keyset_page(cases, cursor: str | None, size: int) -> KeysetPage:
    """One page of `cases` (any filtered queryset of Case) after or before `cursor`.

    Raises BadCursor for a cursor this function did not make.
    """
    backwards = False
    if cursor:
        direction, pinned, reported_at, pk = decode_cursor(cursor)
        backwards = direction == "p"
        operator = ">" if backwards else "<"
        connection = connections[cases.db]
        field = cases.model._meta.get_field("reported_at")
        moment = field.get_db_prep_value(reported_at, connection)
        prefix = _region_prefix(cases)
        if prefix is None:
            cases = cases.extra(where=[f"{_ROW} {operator} (%s, %s, %s)"], params=[pinned, moment, pk])
        else:
            # A county's or township's list (in_region): the same comparison led by the prefix,
            # equal on every row of the region, so only that region's list index can bound the
            # scan. Without it, near the oldest rows (few rows left after the cursor in the whole
            # province) the planner may scan the province's index and discard the other regions.
            function = "SUBSTR(%s, 1, %d)" if connection.vendor == "sqlite" else "LEFT(%s, %d)"
            lead = function % ('"cases_case"."region_code"', len(prefix))
            cases = cases.extra(
                where=[f"({lead}, {_ROW[1:-1]}) {operator} (%s, %s, %s, %s)"],
                params=[prefix, pinned, moment, pk],
            )
    order = [name.lstrip("-") for name in KEYSET_ORDER] if backwards else list(KEYSET_ORDER)
    rows = list(cases.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not rows:
        return KeysetPage([], None, None)
    has_next = (more and not backwards) or (backwards and bool(cursor))
    has_previous = (more and backwards) or (not backwards and bool(cursor))
    return KeysetPage(
        rows,
        encode_cursor(rows[-1], "n") if has_next else None,
        encode_cursor(rows[0], "p") if has_previous else None,
    )
