"""Reads of cases for pages and queues, all through the one scoping function."""

import base64
import binascii
import heapq
import itertools
import json
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, transaction
from django.db.models import Exists, IntegerField, OuterRef, Q, prefetch_related_objects
from django.db.models.functions import Cast, Left
from django.db.models.lookups import Exact
from django.db.models.sql.where import AND

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
    is read in order from its index. The same rows; anyone else gets visible_cases(user), and for
    a user with a unit it carries a UnitScope mark so that keyset_page reads it in parts."""
    if user.is_authenticated and not user.is_superuser and user.region_id and not user.unit_id:
        return visible_in_region(user, user.region_id)
    cases = visible_cases(user)
    if user.is_authenticated and not user.is_superuser and user.unit_id:
        # visible_cases: the region's subtree (an active user with a region) OR handled by the
        # unit OR assigned to it, as the queryset's one condition; kept on the query (which every
        # filter, select_related and the like copy) beside that condition, so keyset_page can check
        # the condition is still the first one ANDed and replace it by the parts.
        cases.query.unit_scope = UnitScope(
            region=user.region_id if user.is_active and user.region_id else None,
            unit_id=user.unit_id,
            condition=cases.query.where.children[0],
        )
    return cases


@dataclass(frozen=True)
class UnitScope:
    """The scope of a user with a unit: `region`'s subtree (None: no region part) OR handled by
    `unit_id` OR assigned to it. No index returns that OR in the list's order; its disjoint parts
    (unit_scope_parts) each are, or are few."""

    region: str | None
    unit_id: int
    condition: object  # the WhereNode visible_cases made of it


def unit_scope_parts(cases) -> list[tuple] | None:
    """`cases` (visible_to(user) of a user with a unit, then narrowed: any conditions ANDed to it)
    as disjoint querysets whose union is `cases`, each with every condition but the scope, and
    whether it is one of the unit's parts (read from the unit's own rows, see _first_rows):

    - the region's subtree through in_region (the region's list index, in order);
    - the unit's cases (handled or assigned) outside that subtree, by id, when they are few
      (_unit_cases_outside; none: no part); else two parts:
    - handled by the unit, outside that subtree;
    - assigned to the unit, not handled by it, outside that subtree.

    None when `cases` is not such a queryset (no mark, or its scope is no longer the first
    condition of a plain AND: combined with |, sliced, ...): then it is read as it is."""
    scope = getattr(cases.query, "unit_scope", None)
    query = cases.query
    if scope is None or query.combinator or query.is_sliced or query.distinct:
        return None
    where = query.where
    if where.connector != AND or where.negated or not where.children or where.children[0] != scope.condition:
        return None
    rest = cases.all()  # a copy: its WHERE is its own
    del rest.query.unit_scope
    rest.query.where.children.pop(0)
    parts, outside = [], Q()
    if scope.region:
        parts.append((in_region(rest, scope.region), False))
        outside = ~region_codes.subtree_q("region_id", scope.region)
    few = _unit_cases_outside(scope, outside, rest.db)
    if few is not None:
        if few or not parts:
            parts.append((rest.filter(pk__in=few), True))
        return parts
    handled = Q(handling_unit_id=scope.unit_id)
    assigned = Exists(Assignment.objects.filter(case=OuterRef("pk"), unit_id=scope.unit_id))
    parts.append((rest.filter(handled, outside), True))
    parts.append((rest.filter(assigned, ~handled, outside), True))
    return parts


# A unit's cases outside its own region are few (a case dispatched across a boundary); up to this
# many are listed by id, more are read as two parts (handled, assigned) with the page's filters.
UNIT_OUTSIDE_BY_ID = 500


def _unit_cases_outside(scope: UnitScope, outside: Q, using: str) -> list[int] | None:
    """The ids of the cases handled by or assigned to the unit outside its region, found with the
    scope alone (the handling unit's index, the unit's assignments), or None if more than
    UNIT_OUTSIDE_BY_ID. With the page's filters beside it, the planner may instead AND the unit's
    index with another (the text search's GIN: 767,541 rows read for a county centre's 16,776
    cases, 180 ms at 10,000,000 cases), as it cannot know that a unit's cases lie in its region."""
    from .models import Case

    cases = Case.objects.using(using).filter(outside).order_by()
    limit = UNIT_OUTSIDE_BY_ID + 1
    handled = cases.filter(handling_unit_id=scope.unit_id)
    # Usually there are none: asked first from case_unit_status alone (it holds the unit and the
    # region: an index-only scan, ~2.6 ms for a county centre's 16,776 cases at 10,000,000, against
    # 35 ms reading each case for its id; cases/0015).
    handled_ids = handled.values_list("pk", flat=True)[:limit] if handled.exists() else []
    assigned = Assignment.objects.using(using).filter(unit_id=scope.unit_id).values("case_id")
    found = set(handled_ids) | set(cases.filter(pk__in=assigned).values_list("pk", flat=True)[:limit])
    return sorted(found) if len(found) <= UNIT_OUTSIDE_BY_ID else None


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


def _after(cases, key: tuple, backwards: bool, by_unit: bool = False):
    """`cases` after the key (pinned, reported_at, id) in the list's order (before it, backwards).
    `by_unit`: in the form of _UNIT_ORDER (see there)."""
    pinned, reported_at, pk = key
    operator = ">" if backwards else "<"
    connection = connections[cases.db]
    field = cases.model._meta.get_field("reported_at")
    moment = field.get_db_prep_value(reported_at, connection)
    if by_unit:
        row = '(CAST("cases_case"."pinned" AS integer), "cases_case"."reported_at", "cases_case"."id")'
        return cases.extra(where=[f"{row} {operator} (%s, %s, %s)"], params=[int(pinned), moment, pk])
    prefix = _region_prefix(cases)
    if prefix is None:
        return cases.extra(where=[f"{_ROW} {operator} (%s, %s, %s)"], params=[pinned, moment, pk])
    # A county's or township's list (in_region): the same comparison led by the prefix,
    # equal on every row of the region, so only that region's list index can bound the
    # scan. Without it, near the oldest rows (few rows left after the cursor in the whole
    # province) the planner may scan the province's index and discard the other regions.
    function = "SUBSTR(%s, 1, %d)" if connection.vendor == "sqlite" else "LEFT(%s, %d)"
    lead = function % ('"cases_case"."region_code"', len(prefix))
    return cases.extra(
        where=[f"({lead}, {_ROW[1:-1]}) {operator} (%s, %s, %s, %s)"],
        params=[prefix, pinned, moment, pk],
    )


# The unit's parts of a user's list (unit_scope_parts) are few rows, found through the unit's own
# rows (the handling unit's index, the unit's assignments), then sorted. They are ordered and
# bounded by the cursor with `pinned` cast to an integer (the same order) so that no index of the
# list's order applies: the planner cannot know that a unit's cases lie in its own region, so it
# would otherwise walk the province's list index looking for the unit's rows outside it, and a
# cursor (pinned, …) < (false, …) is estimated at ~no rows, which made it do so at every cursor
# of the unpinned rows (8,149 rows read for 0 found on a 2M-case province).
_UNIT_ORDER = Cast("pinned", IntegerField())


def _first_rows(cases, key: tuple | None, backwards: bool, limit: int) -> list:
    """The first `limit` rows of `cases` after `key` in the list's order (reversed, backwards).

    A user's own list with a unit (unit_scope_parts) is read as its parts, each ordered and
    limited on its own, and merged: on PostgreSQL in one statement, (part ORDER BY … LIMIT n)
    UNION ALL (…) ORDER BY … LIMIT n; SQLite cannot order inside a compound statement, so there
    one query a part, merged here. The parts are disjoint, so the first n of their union are the
    first n of the merged first n of each: the same rows as the scope's OR, in the same order."""
    order = [name.lstrip("-") for name in KEYSET_ORDER] if backwards else list(KEYSET_ORDER)
    unit_order = [_UNIT_ORDER.asc() if backwards else _UNIT_ORDER.desc(), *order[1:]]
    parts = [
        (_after(part, key, backwards, by_unit) if key else part).order_by(
            *(unit_order if by_unit else order)
        )[:limit]
        for part, by_unit in unit_scope_parts(cases) or [(cases, False)]
    ]
    with _no_parallel_workers(cases.db):
        if len(parts) == 1:
            return list(parts[0])
        if connections[cases.db].vendor == "postgresql":
            return list(parts[0].union(*parts[1:], all=True).order_by(*order)[:limit])
    lookups = cases._prefetch_related_lookups
    merged = heapq.merge(
        *(list(part.prefetch_related(None)) for part in parts),
        key=lambda case: (case.pinned, case.reported_at, case.pk),
        reverse=not backwards,
    )
    rows = list(itertools.islice(merged, limit))
    prefetch_related_objects(rows, *lookups)
    return rows


@contextmanager
def _no_parallel_workers(using: str):
    """On PostgreSQL, the statements within run without parallel workers (SET LOCAL, in a
    transaction or savepoint of their own). A page is at most a page and a few hundred rows from
    an ordered index walk or a small bitmap, but for a rare word the planner may expect a long walk
    and plan two workers: starting them took ~23 ms of a 29 ms page at 10,000,000 cases (the walk
    itself ~3 ms; docs/PERFORMANCE.md, the case list)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:  # SET LOCAL, keeping the value it replaces
            cursor.execute(
                "SELECT current_setting('max_parallel_workers_per_gather'),"
                " set_config('max_parallel_workers_per_gather', '0', true)"
            )
            previous = cursor.fetchone()[0]
        yield
        if connection.savepoint_ids:
            # A savepoint: the caller's transaction goes on, with the value it had (its own, if
            # it set one) — a released savepoint keeps a SET LOCAL made in it.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('max_parallel_workers_per_gather', %s, true)", [previous])


def keyset_page(cases, cursor: str | None, size: int) -> KeysetPage:
    """One page of `cases` (any filtered queryset of Case) after or before `cursor`.

    Raises BadCursor for a cursor this function did not make.
    """
    backwards, key = False, None
    if cursor:
        direction, pinned, reported_at, pk = decode_cursor(cursor)
        backwards, key = direction == "p", (pinned, reported_at, pk)
    rows = _first_rows(cases, key, backwards, size + 1)
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
