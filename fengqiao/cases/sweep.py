"""The deadline sweep: every running clock whose time is up is closed as breached, the case is
flagged overdue and, at every level but the last, escalated to the next level's centre with a new
clock that starts when the old one ran out (so a late sweep escalates as a timely one would have).

Idempotent: a clock is only picked while it is running, and it stops in the same transaction that
escalates. Safe in several processes at once: each batch locks its cases with SKIP LOCKED on
PostgreSQL (SQLite has a single writer) and re-reads the clocks under the lock.

Set-based: a batch's running clocks are read in one query, and the common cases — one yellow
threshold passed, or one handling limit run out on a non-petition that rises a level (with its new
clocks not already due) — go through the same functions as the per-case path (clocks.card,
clocks.breach, actions.escalate, actions._log) with a `Batch` that holds their rows and notices and
writes them with one statement per table. Anything else (petitions, several things due on one case,
the top level, urgent cases) takes the per-case path, one event at a time.
"""

import gc
import json
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace

from django.db import connection, transaction
from django.db.models import Q
from django.db.models.base import ModelState
from django.utils import timezone

from fengqiao import clock as wallclock

from . import clocks, deadlines, timeline_rows
from .actions import centre_for, escalate, region_code_at
from .codes import OPEN_STATUSES, Category, next_level
from .models import Assignment, Card, Case, Clock, DeadlineRule, TimelineEntry

BATCH = 500
# What the batch path reads of a case (the events, escalation, the limits, the notices' case
# context): the lock query loads only these. A case that takes the per-case path is read again in
# full; a notice template that reads another field loads it on first use (Django's deferred fields).
CASE_COLUMNS = (
    "id",
    "number",
    "title",
    "address",
    "category",
    "status",
    "level",
    "region",
    "risk",
    "urgent",
    "overdue",
    "escalations",
    "handling_unit",
    "deadline_at",
)  # not updated_at: the batch only ever sets it
# What it reads of a running clock (plain rows, see _ClockRow).
CLOCK_COLUMNS = (
    "id",
    "case_id",
    "stage",
    "level",
    "unit_id",
    "yellow_at",
    "due_at",
    "stopped_at",
    "outcome",
    "yellow_carded_at",
    "red_carded_at",
)

# Other apps' timed work (meeting tasks, emergency steps, follow-ups…) runs in the same sweep:
# each registers (name, function(at) -> number of things it changed), idempotent like the rest.
SWEEPERS: list[tuple[str, object]] = []


def register_sweeper(name: str, function) -> None:
    if name not in {registered for registered, _ in SWEEPERS}:
        SWEEPERS.append((name, function))


def flag_overdue_once(model, at: datetime, on_flagged, related=(), batch: int = 500) -> int:
    """For timed items hung on a case (meeting tasks, emergency steps: `status`, `overdue`,
    `due_at`): flag each open one due by `at` overdue once and call `on_flagged(item)` in the same
    transaction. Idempotent and safe in several processes: an item is claimed by a conditional
    update (overdue false -> true), and only the process whose update changed the row goes on.
    The number flagged."""
    open_status = model.Status.OPEN
    due = model.objects.filter(status=open_status, overdue=False, due_at__lte=at)
    flagged = 0
    while ids := list(due.order_by("due_at", "id").values_list("pk", flat=True)[:batch]):
        for pk in ids:
            with transaction.atomic():
                claimed = model.objects.filter(pk=pk, status=open_status, overdue=False).update(overdue=True)
                if not claimed:
                    continue  # done, cancelled or flagged by another process meanwhile
                on_flagged(model.objects.select_related("case", *related).get(pk=pk))
                flagged += 1
    return flagged


@dataclass
class SweepResult:
    escalated: int = 0
    flagged_overdue: int = 0
    cards: int = 0
    cases: int = 0
    others: dict = field(default_factory=dict)


def sweep(
    at: datetime | None = None, part: tuple[int, int] | None = None, others: bool = True
) -> SweepResult:
    """Sweep as of `at` (default now). `part=(k, n)`: only the cases whose id is k modulo n, so that
    n processes (`fengqiao sweep --workers n`) share the work without waiting on each other's locks;
    `others=False` leaves out the other apps' SWEEPERS (the command runs them once, not per worker)."""
    with _old_objects_frozen():
        return _sweep(at, part, others)


@contextmanager
def _old_objects_frozen():
    """The objects that exist before the sweep (Django, the app registry, templates…) are left out
    of the garbage collector's full passes while it runs (gc.freeze), and handed back after: the
    sweep allocates many short-lived rows, and each full pass re-scanned every long-lived object
    (~12% of the sweep's Python CPU, measured). Garbage made during the sweep is collected as
    usual."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _sweep(at: datetime | None, part: tuple[int, int] | None, others: bool) -> SweepResult:
    at = at or wallclock.now()
    result = SweepResult()
    cache: dict = {}  # limits and centres, for the whole sweep
    running = Clock.objects.filter(outcome=Clock.Outcome.RUNNING)
    # A worker's share is picked from the rows read, not in SQL: a `case_id % n` filter made
    # PostgreSQL expect too few rows for the LIMIT and sort every due clock left at each batch
    # (measured at 10M) instead of walking the index in order.
    k, n = part if part is not None else (0, 1)
    limit = BATCH * n
    # Each query walks its partial index (clock_running_due, clock_yellow_pending) from where its
    # previous batch ended: a cursor on (time, id). A clock the sweep has dealt with is no longer
    # running (or no longer waiting for its yellow card) and drops out of its query anyway; the
    # cursor steps past the ones whose cases another process holds locked, so each batch query
    # costs the same however many batches came before it.
    due_after = yellow_after = None
    while True:
        due = running.filter(due_at__lte=at)
        if due_after is not None:
            # (time >= cursor: the index scan starts there; the OR then steps past the ties)
            due = due.filter(due_at__gte=due_after[0]).filter(
                Q(due_at__gt=due_after[0]) | Q(due_at=due_after[0], id__gt=due_after[1])
            )
        yellow = running.filter(yellow_carded_at__isnull=True, yellow_at__lte=at)
        if yellow_after is not None:
            yellow = yellow.filter(yellow_at__gte=yellow_after[0]).filter(
                Q(yellow_at__gt=yellow_after[0]) | Q(yellow_at=yellow_after[0], id__gt=yellow_after[1])
            )
        due_rows = _fetch(due.order_by("due_at", "id").values_list("due_at", "id", "case_id")[:limit])
        yellow_rows = _fetch(
            yellow.order_by("yellow_at", "id").values_list("yellow_at", "id", "case_id")[:limit]
        )
        if not due_rows and not yellow_rows:
            if others:
                for name, function in SWEEPERS:
                    result.others[name] = function(at)
            return result
        if due_rows:
            due_after = due_rows[-1][:2]
        if yellow_rows:
            yellow_after = yellow_rows[-1][:2]
        batch = list(dict.fromkeys(row[2] for row in [*due_rows, *yellow_rows] if row[2] % n == k))
        if not batch:
            continue  # none of this worker's share in these rows
        with transaction.atomic():
            locked = _among(Case.objects.all(), "id", batch)
            if connection.features.has_select_for_update_skip_locked:
                locked = locked.select_for_update(skip_locked=True)
            _sweep_batch(_partial_cases(locked), at, result, cache)


def _partial_cases(queryset) -> list[Case]:
    """The cases of `queryset` with only CASE_COLUMNS loaded, as `queryset.only(*CASE_COLUMNS)`
    would give them (the other fields deferred: read on first use), built from plain rows: the
    model's __init__ for each (its loop over all 36 fields, the deferred ones included) was most of
    the Python time of the lock query. Same query, same order, same values (the fields'
    from_db_value converters apply to values_list too)."""
    attnames = [Case._meta.get_field(name).attname for name in CASE_COLUMNS]
    cases = []
    for values in _fetch(queryset.values_list(*CASE_COLUMNS)):
        case = Case.__new__(Case)
        case.__dict__.update(zip(attnames, values, strict=True))
        case._state = ModelState()
        case._state.adding = False
        case._state.db = queryset.db
        cases.append(case)
    return cases


def _fetch(rows) -> list[tuple]:
    """The tuples of a values_list queryset of the sweep's own columns (integers, texts, flags,
    times: none with a from_db_value converter), with the times read by psycopg's own loader
    rather than Django's, which gives the same aware datetimes in UTC through a Python subclass of
    psycopg's pure-Python loader: ~4 µs a value against ~0.4 µs, and the sweep reads ~6 times per
    due event (measured: ~15% of its Python CPU at 10M). Elsewhere, or for any other column, the
    queryset itself."""
    if connection.vendor != "postgresql" or any(
        rows.model._meta.get_field(name).get_internal_type() not in _PLAIN_TYPES
        for name in rows.query.values_select
    ):
        return list(rows)
    from psycopg import adapters
    from psycopg.pq import Format

    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        psycopg_cursor = cursor.cursor
        timestamptz = psycopg_cursor.adapters.types["timestamptz"].oid
        psycopg_cursor.adapters.register_loader(timestamptz, adapters.get_loader(timestamptz, Format.TEXT))
        cursor.execute(sql, params)
        return cursor.fetchall()


_INTEGER_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
}
# Column types without a from_db_value converter: _fetch reads them as psycopg gives them.
_PLAIN_TYPES = _INTEGER_TYPES | {"ForeignKey", "BooleanField", "CharField", "TextField", "DateTimeField"}


def sweep_parallel(at: datetime | None = None, workers: int = 2) -> SweepResult:
    """The sweep in `workers` processes at once (PostgreSQL): each forked worker sweeps its own
    share of the cases (case id modulo workers, see sweep(part=…)) in its own connection, then the
    other apps' SWEEPERS run once here. The same rows as one sweep: every batch still locks its
    cases with SKIP LOCKED, so this also stays safe beside other sweeps. With one worker, or on a
    database without SKIP LOCKED (SQLite has a single writer), it is sweep(at)."""
    import multiprocessing

    from django.db import connections

    at = at or wallclock.now()
    if workers <= 1 or not connection.features.has_select_for_update_skip_locked:
        return sweep(at)
    connections.close_all()  # the children must not share this process's sockets
    pool = multiprocessing.get_context("fork").Pool(workers)
    try:
        parts = pool.starmap(_sweep_part, [(at, (k, workers)) for k in range(workers)])
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
    result = SweepResult()
    for part in parts:
        for name in ("escalated", "flagged_overdue", "cards", "cases"):
            setattr(result, name, getattr(result, name) + part[name])
    for name, function in SWEEPERS:
        result.others[name] = function(at)
    return result


def _sweep_part(at: datetime, part: tuple[int, int]) -> dict:
    from django.db import connections

    try:
        result = sweep(at, part=part, others=False)
    finally:
        connections.close_all()
    return {name: getattr(result, name) for name in ("escalated", "flagged_overdue", "cards", "cases")}


def _next_event(case: Case, at: datetime) -> tuple[str, Clock] | None:
    """The earliest thing due on the case's running clocks: a yellow threshold or a limit."""
    running = case.clocks.filter(outcome=Clock.Outcome.RUNNING)
    yellow = (
        running.filter(yellow_carded_at__isnull=True, yellow_at__lte=at).order_by("yellow_at", "id").first()
    )
    due = running.filter(due_at__lte=at).order_by("due_at", "id").first()
    if yellow is not None and (due is None or yellow.yellow_at <= due.due_at):
        return "yellow", yellow
    return ("red", due) if due is not None else None


def _can_rise(case: Case, clock: Clock) -> bool:
    """Whether a run-out clock raises the case a level: handling limits of open non-petitions
    below the city level."""
    return (
        clock.stage == Clock.Stage.HANDLE
        and case.category != Category.PETITION
        and case.status in OPEN_STATUSES
        and next_level(case.level) is not None
    )


def _apply(case: Case, kind: str, clock: Clock, at: datetime, result: SweepResult, batch=None) -> None:
    """One event on a locked case: a yellow card, or a run-out limit (red card, overdue flag and,
    when it may rise, escalation from the moment the limit ran out)."""
    if kind == "yellow":
        clocks.card(case, clock, Card.Colour.YELLOW, clock.yellow_at, batch)
        result.cards += 1
        return
    clock.outcome = Clock.Outcome.BREACHED
    clock.stopped_at = clock.due_at
    if batch is not None:
        batch.changed_clocks[clock.pk] = clock
    else:
        clock.save(update_fields=["outcome", "stopped_at"])
    result.cards += 1
    if clocks.breach(case, clock, clock.due_at, batch):
        result.flagged_overdue += 1
        timeline_rows.log(
            case,
            "overdue",
            at=clock.due_at,
            data={"stage": clock.stage, "level": clock.level, "due_at": clock.due_at.isoformat()},
            batch=batch,
        )
    if _can_rise(case, clock):
        before = case.status
        data = escalate(case, None, at=clock.due_at, automatic=True, batch=batch)
        result.escalated += 1
        timeline_rows.log(
            case,
            "escalate",
            note="超过办理时限,自动升级",
            at=clock.due_at,
            data={**data, "from": before, "to": case.status},
            batch=batch,
        )


def _sweep_case(case: Case, at: datetime, result: SweepResult) -> None:
    touched = False
    while (event := _next_event(case, at)) is not None:
        kind, clock = event
        touched = True
        _apply(case, kind, clock, at, result)
    if touched:
        result.cases += 1
        case.save()


_ROW_DEFAULTS: dict = {}


class Batch:
    """The rows and notices of one sweep batch, written with one statement per table by flush().
    Also the batch's lookups: the running clocks read at the start, the limits and the centres
    (cached for the whole sweep through `cache`)."""

    def __init__(self, running: dict[int, list], cache: dict, light: bool = False):
        self._running = running
        self._cache = cache
        self.light = light  # see row()
        self.changed_clocks: dict[int, object] = {}
        self.new_clocks: list = []
        self.cards: list = []
        self.entries: list = []
        self.notices: list[tuple] = []
        self.withdrawn: dict[int, datetime] = {}
        self.cases: list[Case] = []  # changed cases: every changed field is written
        self.touched: list[Case] = []  # cases where only updated_at changes (a yellow card)
        self._times: dict = {}

    def row(self, model, **values):
        """A new row for this batch to insert (`values` as for the model's constructor, related
        objects by name). A model instance, unless the batch was made `light` (the sweep's own):
        then a plain object with the model's attnames, its defaults and `values`, which only
        _insert_rows reads (building a model instance cost more than writing the row)."""
        if not self.light:
            return model(**values)
        if model not in _ROW_DEFAULTS:
            _ROW_DEFAULTS[model] = (
                {
                    field.attname: field.get_default()
                    for field in model._meta.concrete_fields
                    if not field.primary_key
                },
                {field.name: field.attname for field in model._meta.concrete_fields if field.is_relation},
            )
        defaults, related = _ROW_DEFAULTS[model]
        row = dict(defaults)
        for name, value in values.items():
            if name in related:
                row[related[name]] = value.pk if value is not None else None
            else:
                row[name] = value
        return SimpleNamespace(**row)

    def unit(self, unit_id):
        """The unit (cached for the whole sweep: a clock's holder is one of a few centres)."""
        if unit_id is None:
            return None
        units = self._cache.setdefault("units", {})
        if unit_id not in units:
            from fengqiao.accounts.models import Unit

            units[unit_id] = Unit.objects.get(pk=unit_id)
        return units[unit_id]

    def running(self, case: Case, *stages: str) -> list:
        return [
            clock
            for clock in self._running.get(case.pk, ())
            if clock.outcome == Clock.Outcome.RUNNING and (not stages or clock.stage in stages)
        ]

    def limit_for(self, stage, category, level, unit_id):
        if "units with rules" not in self._cache:
            with_rules = DeadlineRule.objects.filter(unit__isnull=False).values_list("unit_id", flat=True)
            self._cache["units with rules"] = set(with_rules)
        if unit_id not in self._cache["units with rules"]:
            unit_id = None  # the same rules apply as to no unit at all: one lookup for all of them
        key = ("limit", stage, category, level, unit_id)
        if key not in self._cache:
            self._cache[key] = deadlines.limit_for(stage, category, level, unit_id)
        return self._cache[key]

    def times(self, limit, start: datetime) -> tuple[datetime, datetime]:
        """(limit.yellow(start), limit.due(start)), worked out once per batch: _rises_into_due
        and then clocks.start ask for the very same ones for an escalated case."""
        key = (limit, start)
        if key not in self._times:
            self._times[key] = (limit.yellow(start), limit.due(start))
        return self._times[key]

    def centre_for(self, region_code, level):
        key = ("centre", region_code_at(region_code, level))
        if key not in self._cache:
            self._cache[key] = centre_for(region_code, level)
        return self._cache[key]

    def flush(self) -> None:
        from fengqiao.accounts.models import User
        from fengqiao.notices.actions import notify_event_many

        if self.changed_clocks:
            _update_rows(
                Clock,
                list(self.changed_clocks.values()),
                ["outcome", "stopped_at", "yellow_carded_at", "red_carded_at"],
            )
        if self.new_clocks:
            _insert_rows(Clock, self.new_clocks)
        if self.cards:
            _insert_rows(Card, self.cards)
        if self.withdrawn:
            held = list(
                Assignment.objects.filter(
                    case_id__in=list(self.withdrawn),
                    state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED],
                )
            )
            for assignment in held:
                assignment.state = Assignment.State.WITHDRAWN
                assignment.responded_at = self.withdrawn[assignment.case_id]
            if held:
                _update_rows(Assignment, held, ["state", "responded_at"])
        if self.cases or self.touched:
            now = timezone.now()  # what case.save() would stamp (auto_now)
            for case in (*self.cases, *self.touched):
                case.updated_at = now
        if self.cases:
            _update_rows(
                Case,
                self.cases,
                ["level", "handling_unit", "escalations", "status", "overdue", "deadline_at", "updated_at"],
            )
        if self.touched:
            # Nothing but the time stamp changed: one narrow UPDATE by ids, no arrays to join.
            _among(Case.objects.all(), "id", [case.pk for case in self.touched]).update(updated_at=now)
        if self.entries:
            _insert_rows(TimelineEntry, self.entries)
        if self.notices:
            units = {unit_id for _, unit_id, _, _ in self.notices}
            members = defaultdict(list)
            for user in User.objects.filter(unit_id__in=units, is_active=True):
                members[user.unit_id].append(user)
            by_event = defaultdict(list)
            for event, unit_id, case, context in self.notices:
                by_event[event].append((members[unit_id], case, context))
            for event, items in by_event.items():
                notify_event_many(event, items)


def _among(queryset, column: str, ids: list[int]):
    """`queryset` filtered to rows whose integer `column` is one of `ids`: on PostgreSQL one array
    parameter (`= ANY(…)`, a text literal) instead of `IN` with a placeholder per id, which cost
    the ORM and psycopg more than the query (hundreds of ids per batch)."""
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{column}__in": ids})
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    literal = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    return queryset.extra(
        where=[f"{table}.{connection.ops.quote_name(column)} = ANY(%s::bigint[])"], params=[literal]
    )


def _update_rows(model, rows, names: list[str]) -> None:
    """UPDATE each row's `names` columns with one prepared statement run for all of them (what
    bulk_update does, without building a CASE expression per row and column in Python)."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        # One statement for all the rows: the new values as arrays, joined on the primary key.
        pk = model._meta.pk
        columns = [pk, *fields]
        sql = "UPDATE {table} SET {sets} FROM unnest({arrays}) AS new({names}) WHERE {table}.{pk} = new.{pk}".format(
            table=quote(model._meta.db_table),
            sets=", ".join(f"{quote(field.column)} = new.{quote(field.column)}" for field in fields),
            arrays=", ".join(f"%s::{_array_type(field)}[]" for field in columns),
            names=", ".join(quote(field.column) for field in columns),
            pk=quote(pk.column),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [_array(field, rows) for field in columns])
        return
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        quote(model._meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),
        quote(model._meta.pk.column),
    )
    params = [
        [*(field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields), row.pk]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def _insert_rows(model, rows) -> None:
    """INSERT new rows (no primary key yet; the sweep never reads them back) — model instances or
    Batch.row's plain rows — with one statement: on PostgreSQL an INSERT … SELECT FROM unnest of
    one array literal per column, built here with a plain formatter per column type instead of the
    ORM's per-value preparation; elsewhere one executemany of the ORM's prepared values. A model
    with an auto_now field (whose value the ORM stamps) goes through bulk_create."""
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if any(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False) for field in fields):
        model.objects.bulk_create([row if isinstance(row, model) else model(**vars(row)) for row in rows])
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    if connection.vendor != "postgresql":
        sql = "INSERT INTO {table} ({names}) VALUES ({marks})".format(
            table=quote(model._meta.db_table), names=names, marks=", ".join(["%s"] * len(fields))
        )
        params = [
            [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
            for row in rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
        return
    sql = "INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})".format(
        table=quote(model._meta.db_table),
        names=names,
        arrays=", ".join(f"%s::{_array_type(field)}[]" for field in fields),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_array(field, rows) for field in fields])


def _array_type(field) -> str:
    return field.rel_db_type(connection) if field.primary_key else field.db_type(connection)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _array(field, rows):
    """The column `field` of `rows` as one PostgreSQL array parameter: a text literal for the
    column types the sweep writes (integers and keys, times, short texts, JSON), each value as
    the ORM would store it; any other type as a list of the ORM's own prepared values."""
    values = [getattr(row, field.attname) for row in rows]
    if all(value is None for value in values):
        return "{" + ",".join(["NULL"] * len(values)) + "}"
    kind = field.get_internal_type()
    if kind in _INTEGER_TYPES or kind == "ForeignKey":
        if kind == "ForeignKey" and field.target_field.get_internal_type() not in (
            "AutoField",
            "BigAutoField",
            "IntegerField",
            "BigIntegerField",
        ):
            return _prepared(field, values)
        return "{" + ",".join("NULL" if value is None else str(int(value)) for value in values) + "}"
    if kind == "DateTimeField" and all(value is None or value.tzinfo is not None for value in values):
        return "{" + ",".join("NULL" if value is None else value.isoformat() for value in values) + "}"
    if kind == "BooleanField":
        return "{" + ",".join("NULL" if value is None else ("t" if value else "f") for value in values) + "}"
    if kind in ("CharField", "TextField"):
        # Each distinct text quoted once: a column holds a few (stages, levels, kinds, notes, rules).
        quoted = {value: "NULL" if value is None else _quoted(str(value)) for value in set(values)}
        return "{" + ",".join([quoted[value] for value in values]) + "}"
    if kind == "JSONField" and field.encoder is None:
        return (
            "{"
            + ",".join(
                "NULL" if value is None else _quoted(json.dumps(value, ensure_ascii=False))
                for value in values
            )
            + "}"
        )
    return _prepared(field, values)


def _prepared(field, values) -> list:
    return [field.get_db_prep_save(value, connection) for value in values]


def _events(case: Case, running: list[Clock], at: datetime) -> list[tuple[str, Clock]]:
    """Everything due now on the case's running clocks (as read at the start of the batch)."""
    found = []
    for clock in running:
        if clock.yellow_carded_at is None and clock.yellow_at is not None and clock.yellow_at <= at:
            found.append(("yellow", clock))
        if clock.due_at <= at:
            found.append(("red", clock))
    return found


def _simple(case: Case, events: list[tuple[str, Clock]]) -> bool:
    """Whether the batch path takes the case: exactly one thing due, a yellow threshold or a
    run-out handling limit that raises a non-urgent case a level."""
    if len(events) != 1:
        return False
    kind, clock = events[0]
    return kind == "yellow" or (_can_rise(case, clock) and not case.urgent)


def _rises_into_due(case: Case, clock: Clock, at: datetime, batch: Batch) -> bool:
    """Whether escalating the case from the moment `clock` ran out would start a clock that is
    already due or past its yellow threshold at `at` (a late sweep), which the per-case path would
    go on to. The same limits escalate() -> clocks.start() would use, from the cached rules: a
    handle and an accept clock at the next level, held by its centre (the batch path takes only
    non-urgent non-petitions, whose new clocks are exactly these two)."""
    level = next_level(case.level)
    centre = batch.centre_for(case.region_id, level)
    risen = _Risen(case.category, level, case.risk)
    start = clock.due_at
    for stage in (Clock.Stage.HANDLE, Clock.Stage.ACCEPT):
        limit = clocks._limit(risen, stage, centre.pk if centre else None, start, batch)
        if min(batch.times(limit, start)) <= at:
            return True
    return False


@dataclass(frozen=True)
class _Risen:
    """What clocks._limit reads of a case, as it will be one level up."""

    category: str
    level: str
    risk: int


class _ClockRow:
    """A running clock as the batch path reads and changes it: CLOCK_COLUMNS and the holder `unit`
    (from the sweep's cache), as a plain object — the functions of the per-case path read and set
    the same attributes on it as on a Clock, and _update_rows writes the changed ones."""

    __slots__ = (*CLOCK_COLUMNS, "unit")

    def __init__(self, values, unit):
        for name, value in zip(CLOCK_COLUMNS, values, strict=True):
            setattr(self, name, value)
        self.unit = unit

    @property
    def pk(self):
        return self.id


def _sweep_batch(cases: list[Case], at: datetime, result: SweepResult, cache: dict | None = None) -> None:
    """Sweep the locked `cases`: the simple ones set-based, the rest one by one."""
    cache = {} if cache is None else cache
    running = defaultdict(list)
    batch = Batch(running, cache, light=True)
    clocks_read = _among(
        Clock.objects.filter(outcome=Clock.Outcome.RUNNING), "case_id", [case.pk for case in cases]
    )
    for values in _fetch(clocks_read.order_by("id").values_list(*CLOCK_COLUMNS)):
        clock = _ClockRow(values, batch.unit(values[4]))
        running[clock.case_id].append(clock)
    slow = []
    for case in cases:
        events = _events(case, running[case.pk], at)
        if not events:
            continue  # settled or stopped since it was picked
        if not _simple(case, events):
            slow.append(case.pk)
            continue
        kind, clock = events[0]
        if kind == "red" and _rises_into_due(case, clock, at, batch):
            slow.append(case.pk)  # a late sweep: the per-case path goes on to the new clocks
            continue
        _apply(case, kind, clock, at, result, batch)
        result.cases += 1
        (batch.cases if kind == "red" else batch.touched).append(case)
    batch.flush()
    if slow:
        # The per-case path on whole cases (the batch read only CASE_COLUMNS), locked already.
        whole = Case.objects.in_bulk(slow)
        for pk in slow:
            _sweep_case(whole[pk], at, result)
