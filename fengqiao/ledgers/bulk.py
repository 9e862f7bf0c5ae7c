"""Bulk import of a cases ledger, historical or current, written set-based.

Every row is validated exactly as imports.import_ledger validates it (imports._submission: the
API's cases.schemas.CaseIn, the ledger's own checks; cases.actions._resolve_place for the region
and the importer's scope; the same client id), all or nothing, with the errors by row and column.
Then the rows are written with one statement per table and chunk instead of one intake per row:

- case numbers: one INSERT … ON CONFLICT … RETURNING for every county/day the sheet touches, in
  its own short transaction (like intake: a failed import leaves a gap, never a duplicate);
- classification (cases.actions._classify); routing (triage.routing.route_many: route() once per
  distinct category and place, the routing version read once); the centres asked once per
  distinct input, not once per row;
- person files: matched and filled in memory with find_or_create_person's rules (ID number
  first, else name and phone), the hashes and ciphertexts computed once per value, written with
  bulk_create/bulk_update;
- related cases and the risk score: the same signals as triage.service.assess (shared parties,
  same place and category, near-duplicate text), read from the database with a few set queries
  and from the sheet's earlier rows in memory, then triage.risk.score;
- cases, parties, assisting units, clocks (open matters only), timeline entries, text
  signatures and LSH bands, links: bulk_create, post_save sent for open matters' rows when
  anything listens (the crisis path listens to timeline entries).

A historical row may carry 登记时间 (in the past), 办理状态 (待受理, 已办结待核查 or 已结案) and
办结时间/结案时间. A settled matter gets no clocks, no warnings and no queue entries; an open one
is taken over now, its limits running from the import.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.scoping import visible_cases
from fengqiao.cases import actions as case_actions
from fengqiao.cases import deadlines
from fengqiao.cases.codes import DEFAULT_TRACK, Category, Status
from fengqiao.cases.deadlines import LOCAL
from fengqiao.cases.models import (
    Assignment,
    Case,
    CaseLink,
    CaseSequence,
    Clock,
    Party,
    SkipLevelRule,
    TimelineEntry,
)
from fengqiao.cases.skiplevel import fire as fire_skip_level
from fengqiao.cases.skiplevel import matches as skip_level_matches
from fengqiao.errors import FieldError
from fengqiao.people import crypto
from fengqiao.people.models import Person, name_to_pinyin
from fengqiao.triage import related, risk, routing
from fengqiao.triage.models import TextBand, TextSignature

from . import imports, reading
from .checking import Checker
from .imports import HISTORY, NAMESPACE, ImportRejected, ImportResult, RowError

BULK_MAX_ROWS = 200_000
# A sheet of BULK_MAX_ROWS rows in the cases layout (16 columns) is ~29 MB as .xlsx and ~300 MB
# unpacked: the ordinary upload's limits (web.spreadsheets) would refuse it at ~130,000 rows.
BULK_UPLOAD_BYTES = 48 * 1024 * 1024
BULK_UNCOMPRESSED_BYTES = 640 * 1024 * 1024
CHUNK = 1000  # values per IN list / rows per INSERT
HISTORY_STATUSES = (Status.REPORTED, Status.RESOLVED, Status.CLOSED)


@dataclass
class _Row:
    sheet_row: int
    intake: case_actions.Intake
    client_id: uuid.UUID
    status: str = Status.REPORTED
    reported_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    region: object = None
    grid_code: str | None = None
    case: Case | None = None
    person_ids: list = field(default_factory=list)
    persons: list = field(default_factory=list)  # (Person, role) in the order of the parties
    birth_dates: list = field(default_factory=list)
    assisting: list = field(default_factory=list)
    hashvalues: np.ndarray | None = None
    bands: list = field(default_factory=list)
    related: list = field(default_factory=list)  # (("db", id) | ("row", index), reason, score)

    @property
    def open(self) -> bool:
        return self.status == Status.REPORTED


def _chunks(values, size=CHUNK):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


# ------------------------------------------------------------------------------------ checking


def _history(cells: dict, now: datetime, to_datetime=imports._datetime) -> tuple[dict, list[tuple[str, str]]]:
    """The historical columns of a row: ({reported_at, status, resolved_at, closed_at}, problems)."""
    values, problems = {}, []
    for key in ("reported_at", "resolved_at", "closed_at"):
        try:
            values[key] = to_datetime(cells.get(key))
        except ValueError as error:
            problems.append((key, str(error)))
            values[key] = None
        if values[key] is not None and values[key] > now:
            problems.append((key, "不能晚于当前时间"))
    status = Status.REPORTED
    text = imports._text(cells.get("status"))
    if text:
        status = imports._choice(Status.choices, text)
        if status not in HISTORY_STATUSES:
            labels = "、".join(Status(code).label for code in HISTORY_STATUSES)
            problems.append(("status", f"历史台账只能导入以下状态:{labels}"))
            status = Status.REPORTED
    reported = values["reported_at"]
    if status == Status.REPORTED and (values["resolved_at"] or values["closed_at"]):
        key = "resolved_at" if values["resolved_at"] else "closed_at"
        problems.append((key, "待受理的事项不能有办结或结案时间"))
    if status == Status.RESOLVED and values["resolved_at"] is None:
        problems.append(("resolved_at", "已办结的事项须填写办结时间"))
    if status == Status.RESOLVED and values["closed_at"] is not None:
        problems.append(("closed_at", "未结案的事项不能有结案时间"))
    if status == Status.CLOSED and values["closed_at"] is None:
        problems.append(("closed_at", "已结案的事项须填写结案时间"))
    if status == Status.CLOSED and values["resolved_at"] is None:
        values["resolved_at"] = values["closed_at"]
    for key in ("resolved_at", "closed_at"):
        if reported and values[key] and values[key] < reported:
            problems.append((key, "不能早于登记时间"))
    if values["resolved_at"] and values["closed_at"] and values["closed_at"] < values["resolved_at"]:
        problems.append(("closed_at", "不能早于办结时间"))
    values["status"] = status
    return values, problems


def _client_id(ledger: str, submission, history: dict) -> uuid.UUID:
    """imports._client_id for a row without history (so both paths find each other's cases);
    with history, its dates and status are part of the content."""
    if history["reported_at"] is None and history["status"] == Status.REPORTED:
        return imports._client_id(ledger, submission)
    content = submission.model_dump_json(exclude={"client_id"})
    stamp = "|".join(str(history[key]) for key in ("reported_at", "status", "resolved_at", "closed_at"))
    return uuid.uuid5(NAMESPACE, f"{ledger}:{content}:{stamp}")


def _check(ledger: str, layout, rows, user, now) -> tuple[list[_Row], ImportResult, dict]:
    """Stage one, as imports.import_ledger: every row validated, problems collected."""
    errors: list[RowError] = []
    result = ImportResult()
    checked: list[_Row] = []
    known = {imports._text(cells.get("number")) for _, cells in rows} - {""}
    visible = set()
    for chunk in _chunks(known):
        visible.update(visible_cases(user).filter(number__in=chunk).values_list("number", flat=True))
    checker = Checker(layout)
    for number, cells in rows:
        given = imports._text(cells.get("number"))
        if given:
            if given in visible:
                result.existing.append(given)
            else:
                errors.append(RowError(number, layout.column_of("number"), "系统中没有此编号(新事项请留空)"))
            continue
        submission, _fields, problems = checker.submission(cells)  # imports._submission's verdict
        history, more = _history(cells, now, checker.datetime)
        seen = set()
        for key, reason in [*problems, *more]:
            if key not in seen:
                errors.append(RowError(number, _column(layout, key), reason))
                seen.add(key)
        if submission is not None and not more:
            submission.client_id = _client_id(ledger, submission, history)
            checked.append(_Row(number, submission.to_intake(), submission.client_id, **history))
    if errors:
        raise ImportRejected(errors)
    return checked, result, {}


def _column(layout, key: str) -> str:
    for header, name in HISTORY.items():
        if name == key:
            return header
    return layout.column_of(key)


def _place(checked: list[_Row], user) -> None:
    """Stage two: each distinct region code resolved once by intake's own rule (scope included)."""
    errors: list[RowError] = []
    places: dict[str, tuple] = {}
    for row in checked:
        code = row.intake.region_code
        if code not in places:
            try:
                places[code] = case_actions._resolve_place(row.intake, user)
            except FieldError as error:
                places[code] = error
        place = places[code]
        if isinstance(place, FieldError):
            errors.append(
                RowError(
                    row.sheet_row,
                    imports.LAYOUTS["cases"].column_of(place.field),
                    imports._intake_reason(place.reason),
                )
            )
        else:
            row.region, row.grid_code = place
    if errors:
        raise ImportRejected(errors)


# ------------------------------------------------------------------------------------ people


class _People:
    """find_or_create_person for a whole sheet: the same matching and filling rules, applied in
    row order in memory, over the person files the database already holds."""

    def __init__(self, checked: list[_Row]):
        self.hashes: dict[tuple[str, str], str] = {}
        id_hashes, phone_hashes = set(), set()
        for row in checked:
            for party in row.intake.parties:
                if party.id_number:
                    id_hashes.add(self.hash("id", party.id_number))
                if party.phone:
                    phone_hashes.add(self.hash("phone", party.phone))
        self.by_id: dict[str, Person] = {}
        self.by_name_phone: dict[tuple[str, str], list[Person]] = defaultdict(list)
        found = {}
        for chunk in _chunks(id_hashes):
            found.update((p.pk, p) for p in Person.objects.filter(id_number_hash__in=chunk))
        for chunk in _chunks(phone_hashes):
            found.update((p.pk, p) for p in Person.objects.filter(phone_hash__in=chunk))
        for person in sorted(found.values(), key=lambda p: p.pk):
            self._index(person)
        self.new: list[Person] = []
        self.changed: dict[int, tuple[Person, set]] = {}

    def hash(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self.hashes:
            self.hashes[key] = crypto.lookup_hash(kind, value)
        return self.hashes[key]

    def _index(self, person: Person) -> None:
        if person.id_number_hash:
            self.by_id.setdefault(person.id_number_hash, person)
        if person.phone_hash:
            bucket = self.by_name_phone[(person.name, person.phone_hash)]
            if person not in bucket:
                bucket.append(person)

    def _match(self, name, id_hash, phone_hash) -> Person | None:
        if id_hash and id_hash in self.by_id:
            return self.by_id[id_hash]
        if phone_hash and name:
            for person in self.by_name_phone.get((name, phone_hash), ()):
                if id_hash is None or person.id_number_hash in (None, id_hash):
                    return person
        return None

    def find_or_file(self, name: str, phone: str, id_number: str, region_code: str) -> Person:
        name = (name or "").strip()
        id_hash = self.hash("id", id_number) if id_number else None
        phone_hash = self.hash("phone", phone) if phone else None
        person = self._match(name, id_hash, phone_hash)
        if person is None:
            person = Person(name=name, region_id=region_code, name_pinyin=name_to_pinyin(name))
            _set(person, "id", id_number, id_hash)
            _set(person, "phone", phone, phone_hash)
            self.new.append(person)
            self._index(person)
            return person
        changed = set()
        if id_number and not person.id_number_hash:
            _set(person, "id", id_number, id_hash)
            changed |= {"id_number_encrypted", "id_number_hash"}
        if phone and not person.phone_hash:
            _set(person, "phone", phone, phone_hash)
            changed |= {"phone_encrypted", "phone_hash"}
        if region_code and not person.region_id:
            person.region_id = region_code
            changed.add("region")
        if name and not person.name:
            person.name, person.name_pinyin = name, name_to_pinyin(name)
            changed |= {"name", "name_pinyin"}
        if changed:
            self._index(person)
            if person.pk is not None:
                held = self.changed.setdefault(person.pk, (person, set()))
                held[1].update(changed)
        return person

    def save(self) -> None:
        _insert(Person, self.new)
        now = wallclock.now()
        by_fields: dict[frozenset, list[Person]] = defaultdict(list)
        for person, fields in self.changed.values():
            person.updated_at = now
            by_fields[frozenset(fields)].append(person)
        for fields, people in by_fields.items():
            Person.objects.bulk_update(people, [*fields, "updated_at"], batch_size=CHUNK)


def _set(person: Person, kind: str, value: str, hashed: str | None) -> None:
    """Person.set_id_number/set_phone for an already normalised value and its known hash."""
    encrypted = crypto.encrypt(value) if value else ""
    if kind == "id":
        person.id_number_encrypted, person.id_number_hash = encrypted, hashed
    else:
        person.phone_encrypted, person.phone_hash = encrypted, hashed


# ------------------------------------------------------------------------------------ writing


def _insert(model, objects: list, signal: bool = True) -> None:
    """Write new model instances (their primary keys set afterwards). With `signal`, post_save is
    sent for each one when something listens, as save() would (the crisis path listens to
    timeline entries). On PostgreSQL, when nothing is to be told, by COPY with ids drawn from the
    table's sequence in one query; else bulk_create."""
    if not objects:
        return
    told = signal and post_save.has_listeners(model)
    if connection.vendor != "postgresql" or told:
        model.objects.bulk_create(objects, batch_size=CHUNK)
    else:
        _copy_instances(model, objects)
    if told:
        for instance in objects:
            post_save.send(
                sender=model,
                instance=instance,
                created=True,
                update_fields=None,
                raw=False,
                using=connection.alias,
            )


def _copy_instances(model, objects: list) -> None:
    from psycopg.types.json import Jsonb

    meta = model._meta
    now = wallclock.now()
    if meta.pk.attname == "id" and getattr(objects[0], "id", None) is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [meta.db_table, len(objects)],
            )
            for instance, (pk,) in zip(objects, cursor.fetchall(), strict=True):
                instance.id = pk
    fields = meta.concrete_fields
    stamped = [
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    json = {f.attname for f in fields if f.get_internal_type() == "JSONField"}
    related = [f for f in fields if f.is_relation]
    names = [f.attname for f in fields]
    rows, alias = [], connection.alias  # (the connection proxy costs a context lookup per use)
    for instance in objects:
        for (
            field_
        ) in related:  # a related object saved after it was assigned (Model._prepare_related_fields_for_save)
            if getattr(instance, field_.attname) is None and field_.is_cached(instance):
                target = field_.get_cached_value(instance)
                if target is not None:
                    setattr(instance, field_.attname, target.pk)
        for name in stamped:
            setattr(instance, name, now)
        rows.append(tuple(Jsonb(getattr(instance, n)) if n in json else getattr(instance, n) for n in names))
        instance._state.adding, instance._state.db = False, alias
    _copy(meta.db_table, [f.column for f in fields], rows)


def _copy_rows(model, attnames: list[str], rows: list[tuple]) -> None:
    """Rows of a table nothing reads back at once (no ids, no signals): COPY on PostgreSQL."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        meta = model._meta
        _copy(meta.db_table, [meta.get_field(n.removesuffix("_id")).column for n in attnames], rows)
    else:
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=CHUNK
        )


def _copy_text(model, attnames: list[str], lines) -> None:
    """COPY (PostgreSQL) of rows already in COPY's text format, one line each: for values that
    need no escaping (numbers, codes, times)."""
    meta = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(n.removesuffix("_id")).column) for n in attnames)
    statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        block: list[str] = []
        for line in lines:
            block.append(line)
            if len(block) == 8192:
                copy.write("".join(block).encode())
                block.clear()
        if block:
            copy.write("".join(block).encode())


def _copy(table: str, columns: list[str], rows) -> None:
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def _allocate_numbers(checked: list[_Row]) -> None:
    """cases.numbering.next_number for a whole sheet: one row per county/day, raised by the count
    of new cases it numbers, in one statement per chunk of keys."""
    per_key: dict[str, list[_Row]] = defaultdict(list)
    for row in checked:
        day = row.reported_at.astimezone(LOCAL).strftime("%Y%m%d")
        per_key[f"{row.region.code[:6]}-{day}"].append(row)
    table = connection.ops.quote_name(CaseSequence._meta.db_table)
    taken: dict[str, int] = {}
    with transaction.atomic():
        for keys in _chunks(sorted(per_key), 500):  # sorted: concurrent importers lock in one order
            values = ", ".join(["(%s, %s)"] * len(keys))
            params = [item for key in keys for item in (key, len(per_key[key]))]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {table} (key, value) VALUES {values} ON CONFLICT (key) DO UPDATE "
                    f"SET value = {table}.value + excluded.value RETURNING key, value",
                    params,
                )
                taken.update(cursor.fetchall())
    for key, rows in per_key.items():
        first = taken[key] - len(rows) + 1
        for offset, row in enumerate(rows):
            row.case.number = f"{key}-{first + offset:04d}"


class _Cached:
    """Lookups asked once per distinct input for the whole sheet."""

    def __init__(self):
        self.values: dict = {}

    def __call__(self, function, *args):
        key = (function.__name__, *(getattr(arg, "code", arg) for arg in args))
        if key not in self.values:
            self.values[key] = function(*args)
        return self.values[key]


def _build_cases(checked: list[_Row], user, now, cached: _Cached) -> None:
    """The Case of every row in memory: classification, routing, handler — as _create_case does."""
    actor = user if user is not None and user.is_authenticated else None
    classified = []
    for row in checked:
        classification = case_actions._classify(row.intake)
        category = row.intake.category or classification["category"]
        classified.append((classification, category, bool(classification.get("needs_review"))))
    # triage.service.routing_for for every row that is routed, the routing version read once (route_many)
    routes = iter(
        routing.route_many(
            (category, row.region.code, row.region.kind)
            for row, (_, category, needs_triage) in zip(checked, classified, strict=True)
            if not needs_triage
        )
    )
    for row, (classification, category, needs_triage) in zip(checked, classified, strict=True):
        intake = row.intake
        row.reported_at = row.reported_at or now
        region = row.region
        if needs_triage:
            level = cached(case_actions._initial_level, region, user)
            track = DEFAULT_TRACK[Category(category)]
            lead = cached(case_actions.centre_for, region.code, level)
            assisting = []
            classification["routing"] = {"rule": "人工研判", "reason": "分类置信度低,转人工研判后再分流"}
        else:
            route = next(routes)
            level, track, lead, assisting = route.level, route.track, route.lead_unit, route.assisting_units
            classification["routing"] = {"rule": route.rule, "reason": route.reason}
        handler = lead or cached(case_actions.centre_for, region.code, level)
        row.assisting = list(assisting) if row.open else []
        row.case = Case(
            client_id=row.client_id,
            channel=intake.channel,
            title=intake.title.strip() or case_actions._title_from(intake.description),
            description=intake.description.strip(),
            category=category,
            track=track,
            level=level,
            status=row.status,
            region=region,
            grid_code=row.grid_code,
            address=intake.address,
            lat=intake.lat,
            lng=intake.lng,
            occurred_at=intake.occurred_at,
            reported_at=row.reported_at,
            handling_unit=handler,
            created_by=actor,
            classification=classification,
            needs_triage=needs_triage and row.open,
            resolved_at=row.resolved_at,
            closed_at=row.closed_at,
        )


def _file_people(checked: list[_Row]) -> _People:
    people = _People(checked)
    for row in checked:
        for party in row.intake.parties:
            person = people.find_or_file(party.name, party.phone, party.id_number, row.region.code)
            row.persons.append((person, party.role))
            if party.id_number:
                row.birth_dates.append(case_actions._birth_date(party.id_number))
    people.save()
    for row in checked:
        row.person_ids = [person.pk for person, _ in row.persons]
    return people


# ------------------------------------------------------------------------------------ triage


class _Earlier:
    """What triage.related.find_related and triage.service.risk_signals read, for every row: the
    cases the database holds (a few set queries up front) and the sheet's earlier rows (indexes
    kept as the rows are taken in order, as if each had been registered before the next)."""

    def __init__(self, checked: list[_Row]):
        self.checked = checked
        # person -> [(case ref, reported_at, category)], one entry per party row
        self.parties: dict[int, list] = defaultdict(list)
        # (category, "grid"|"region", code) -> [(case ref, reported_at)]
        self.places: dict[tuple, list] = defaultdict(list)
        # (band, county) -> [(case ref, reported_at)]
        # (band, county) -> the cases holding that band, as (ref, reported_at) in the order seen
        self.bands: dict[tuple, _BandList] = defaultdict(_BandList)
        # Every signature the rows are compared with, one matrix row each: the sheet's rows first
        # (row i at position i), then the database's cases as they are read; ref -> position.
        rows_with_text = [row.hashvalues for row in checked if row.hashvalues is not None]
        width = len(rows_with_text[0]) if rows_with_text else related.NUM_PERM
        self.matrix = np.zeros((len(checked) + 64, width), dtype=np.uint64)
        self.size = len(checked)
        self.position: dict[tuple, int] = {}
        for index, row in enumerate(checked):
            if row.hashvalues is not None:
                self.matrix[index] = row.hashvalues
                self.position[("row", index)] = index
        self.asked: set[int] = set()  # database cases whose signature was read (or is missing)
        self._load()

    def _load(self) -> None:
        person_ids = {pid for row in self.checked for pid in row.person_ids}
        for chunk in _chunks(person_ids):
            for case_id, person_id, reported_at, category in Party.objects.filter(
                person_id__in=chunk
            ).values_list("case_id", "person_id", "case__reported_at", "case__category"):
                self.parties[person_id].append((("db", case_id), reported_at, category))
        categories = {row.case.category for row in self.checked}
        grids = {row.grid_code for row in self.checked if row.grid_code}
        regions = {row.region.code for row in self.checked if not row.grid_code}
        for key, codes in (("grid_code", grids), ("region_id", regions)):
            for chunk in _chunks(codes):
                for pk, category, grid, region, reported_at in Case.objects.filter(
                    category__in=categories, **{f"{key}__in": chunk}
                ).values_list("pk", "category", "grid_code", "region_id", "reported_at"):
                    self._place(("db", pk), category, grid, region, reported_at, key)
        counties = {row.region.code[:6] for row in self.checked}
        all_bands = {band for row in self.checked for band in row.bands}
        for chunk in _chunks(all_bands):
            for band, county, reported_at, case_id in TextBand.objects.filter(
                band__in=chunk, county__in=counties
            ).values_list("band", "county", "reported_at", "case_id"):
                self.bands[(band, county)].append(("db", case_id), reported_at)

    def _place(self, ref, category, grid, region, reported_at, only=None) -> None:
        if grid and only in (None, "grid_code"):
            self.places[(category, "grid", grid)].append((ref, reported_at))
        if only in (None, "region_id"):
            self.places[(category, "region", region)].append((ref, reported_at))

    def load_signatures(self, refs) -> None:
        wanted = {ref[1] for ref in refs if ref[0] == "db" and ref[1] not in self.asked}
        self.asked.update(wanted)
        for chunk in _chunks(wanted):
            for case_id, stored in TextSignature.objects.filter(case_id__in=chunk).values_list(
                "case_id", "hashvalues"
            ):
                if self.size == len(self.matrix):
                    self.matrix = np.concatenate([self.matrix, np.zeros_like(self.matrix)])
                self.matrix[self.size] = np.frombuffer(bytes(stored), dtype=np.uint64)
                self.position[("db", case_id)] = self.size
                self.size += 1

    def add(self, index: int, row: _Row) -> None:
        ref, case = ("row", index), row.case
        for person_id in row.person_ids:
            self.parties[person_id].append((ref, case.reported_at, case.category))
        self._place(ref, case.category, case.grid_code, case.region_id, case.reported_at)
        county = case.region_id[:6]
        at = (case.reported_at - _EPOCH) // _MICROSECOND  # once for the row's 16 bands
        for band in row.bands:
            self.bands[(band, county)].append_code(index, at)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class _BandList:
    """The cases holding one LSH band, in the order they were seen: numpy columns (a case as one
    integer: sheet row i as i, database case id as -1 - id; its registration time in integer
    microseconds), so that picking the recent ones is one vectorised comparison."""

    __slots__ = ("refs", "ats", "size")
    SLICE = 512  # cases of one list read at a time by first_distinct

    def __init__(self):
        self.refs = np.empty(8, dtype=np.int64)
        self.ats = np.empty(8, dtype=np.int64)
        self.size = 0

    def append(self, ref: tuple, at: datetime) -> None:
        self.append_code(ref[1] if ref[0] == "row" else -1 - ref[1], (at - _EPOCH) // _MICROSECOND)

    def append_code(self, code: int, at: int) -> None:
        """append() of a case already as its code, its time in integer microseconds."""
        if self.size == len(self.refs):
            self.refs = np.concatenate([self.refs, np.empty_like(self.refs)])
            self.ats = np.concatenate([self.ats, np.empty_like(self.ats)])
        self.refs[self.size] = code
        self.ats[self.size] = at
        self.size += 1

    @staticmethod
    def first_distinct(lists: list[_BandList], since: datetime, limit: int) -> np.ndarray:
        """The first `limit` distinct cases (as codes) registered at or after `since`, going
        through the lists in order: what dict.fromkeys over every (ref, at) with at >= since keeps."""
        floor = (since - _EPOCH) // _MICROSECOND
        # The lists of a common band run to thousands of cases, of which the first few hundred
        # decide: they are read a slice at a time until the slices read hold `limit` distinct cases
        # (the first `limit` distinct of a prefix are those of the whole).
        parts, held, enough = [], 0, 4 * limit
        for item in lists:
            for start in range(0, item.size, _BandList.SLICE):
                stop = min(item.size, start + _BandList.SLICE)
                part = item.refs[start:stop][item.ats[start:stop] >= floor]
                parts.append(part)
                held += len(part)
                if held >= enough:
                    chosen = _BandList._first(parts, limit)
                    if len(chosen) >= limit:
                        return chosen
                    enough *= 2
        return _BandList._first(parts, limit)

    @staticmethod
    def _first(parts: list[np.ndarray], limit: int) -> np.ndarray:
        """The first `limit` distinct values of the parts, in order."""
        if not parts:
            return np.empty(0, dtype=np.int64)
        chosen = np.concatenate(parts)
        if not len(chosen):
            return chosen
        _, first = np.unique(chosen, return_index=True)
        first.sort()
        return chosen[first[:limit]]


def _ref(code: int) -> tuple:
    return ("row", code) if code >= 0 else ("db", -1 - code)


def _relate(row: _Row, earlier: _Earlier) -> risk.RiskSignals:
    """triage.related.find_related and triage.service.risk_signals for one row."""
    case, person_ids = row.case, row.person_ids
    found: dict[tuple, float] = {}
    shared = [item for pid in person_ids for item in earlier.parties.get(pid, ())]
    if person_ids:
        for ref, _, _ in sorted(shared, key=lambda item: item[1], reverse=True)[: related.MAX_LINKS]:
            found[(ref, CaseLink.Reason.SAME_PARTIES)] = 1.0
    place_key = ("grid", case.grid_code) if case.grid_code else ("region", case.region_id)
    at_place = earlier.places.get((case.category, *place_key), [])
    since = case.reported_at - timedelta(days=related.PLACE_WINDOW_DAYS)
    recent = sorted((item for item in at_place if item[1] >= since), key=lambda item: item[1], reverse=True)
    for ref, _ in recent[: related.MAX_LINKS]:
        found[(ref, CaseLink.Reason.SAME_PLACE)] = 1.0
    if row.hashvalues is not None:
        since = case.reported_at - timedelta(days=related.TEXT_WINDOW_DAYS)
        county = case.region_id[:6]
        # The first 200 distinct cases sharing a band, in band order (then in the order seen).
        lists = [held for band in row.bands if (held := earlier.bands.get((band, county)))]
        codes = _BandList.first_distinct(lists, since, 200)
        # Where each candidate's signature is in earlier.matrix: a sheet row at its own index, a
        # database case where it was read (-1: it has none).
        positions = codes.copy()
        stored = np.flatnonzero(codes < 0)
        if len(stored):
            earlier.load_signatures([_ref(code) for code in codes[stored].tolist()])
            for index in stored.tolist():
                positions[index] = earlier.position.get(_ref(int(codes[index])), -1)
            kept = positions >= 0
            codes, positions = codes[kept], positions[kept]
        if len(codes):
            # related.similarity for every candidate at once: the share of equal hash values
            scores = np.count_nonzero(earlier.matrix[positions] == row.hashvalues, axis=1) / len(
                row.hashvalues
            )
            for index in np.flatnonzero(scores >= related.SIMILARITY).tolist():
                found[(_ref(int(codes[index])), CaseLink.Reason.SAME_MATTER)] = round(float(scores[index]), 3)
    ranked = sorted(found.items(), key=lambda item: -item[1])
    row.related = [(ref, reason, score) for (ref, reason), score in ranked[: related.MAX_LINKS * 3]]

    people_per_case: dict = defaultdict(set)
    petitions = set()
    for pid in person_ids:
        for ref, _, category in earlier.parties.get(pid, ()):
            people_per_case[ref].add(pid)
            if category == Category.PETITION:
                petitions.add(ref)
    needed = 2 if len(set(person_ids)) >= 2 else 1
    return risk.RiskSignals(
        earlier_between_parties=sum(1 for people in people_per_case.values() if len(people) >= needed),
        earlier_at_place=len(at_place),
        earlier_petitions=len(petitions),
        party_birth_dates=[born for born in row.birth_dates if born],
        party_ids=person_ids,
        today=timezone.localdate(case.reported_at),
    )


def _signatures(texts: list[str], chunk: int = 2000) -> list[np.ndarray | None]:
    """related.signature of every text, computed as MinHash.update_batch computes it, but with each
    distinct 3-gram hashed and permuted once for the whole sheet (a ledger's texts share most of
    their 3-grams) and the minimum per text taken by one numpy reduction per chunk of texts."""
    from datasketch import minhash as datasketch

    template = related._TEMPLATE
    if template.scheme not in datasketch._SCHEME_WIDTHS:  # the legacy scheme: row by row
        return [related.signature(text) for text in texts]
    grams_of = [related.shingles(text) for text in texts]
    index: dict[bytes, int] = {}
    for grams in grams_of:
        for gram in grams:
            if gram not in index:
                index[gram] = len(index)
    if not index:
        return [None] * len(texts)
    a, b = template.permutations
    hv = template._hash_input_array([template.hashfunc(gram) for gram in index]).reshape(-1, 1)
    permuted = datasketch._fmix(hv, datasketch._SCHEME_WIDTHS[template.scheme]) * a + b
    start = template._init_hashvalues(related.NUM_PERM)
    result: list[np.ndarray | None] = []
    for first in range(0, len(texts), chunk):
        part = grams_of[first : first + chunk]
        sizes = np.fromiter((len(grams) for grams in part), dtype=np.int64, count=len(part))
        positions = np.fromiter((index[gram] for grams in part for gram in grams), dtype=np.int64)
        if not len(positions):
            result.extend([None] * len(part))
            continue
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        present = sizes > 0
        minima = np.minimum.reduceat(permuted[positions], offsets[present], axis=0)
        minima = np.minimum(start, minima).astype(np.uint64)
        rows = iter(minima)
        result.extend(next(rows) if size else None for size in sizes.tolist())
    return result


def _assess(checked: list[_Row]) -> None:
    """Signatures, related cases and risk for every row, in row order."""
    for row, hashvalues in zip(checked, _signatures([row.case.description for row in checked]), strict=True):
        row.hashvalues = hashvalues
        row.bands = related.bands(hashvalues) if hashvalues is not None else []
    earlier = _Earlier(checked)
    everyone = sorted({pid for row in checked for pid in row.person_ids})
    # A registered party signal says whether any of the people is on a register: asked once for
    # the whole sheet, and row by row only when that answer is not empty.
    any_party_signal = bool(risk.party_signals(everyone))
    for index, row in enumerate(checked):
        signals = _relate(row, earlier)
        if not any_party_signal:
            signals.party_ids = []
        scored = risk.score(row.case.description, signals)
        row.case.risk, row.case.risk_reasons = scored.score, scored.reasons
        earlier.add(index, row)


# ------------------------------------------------------------------------------------ importing


class _Stopwatch:
    """Seconds per stage, when the caller asks for them (bench/bench_ledger_import.py)."""

    def __init__(self, into: dict | None):
        self.into, self.last, self.last_cpu = into, time.perf_counter(), time.process_time()

    def __call__(self, stage: str) -> None:
        if self.into is not None:
            now, cpu = time.perf_counter(), time.process_time()
            self.into[stage] = self.into.get(stage, 0.0) + now - self.last
            key = f"CPU: {stage}"  # this process's CPU seconds (the wall time above waits on others)
            self.into[key] = self.into.get(key, 0.0) + cpu - self.last_cpu
            self.last, self.last_cpu = now, cpu


def import_rows(ledger: str, rows, user, ip: str | None = None, timings: dict | None = None) -> ImportResult:
    """Import the rows (as imports._read gives them) of a cases ledger, every one or none.
    `timings`, if given, receives the seconds spent in each stage."""
    lap = _Stopwatch(timings)
    layout = imports.LAYOUTS[ledger]
    now = wallclock.now()
    checked, result, _ = _check(ledger, layout, rows, user, now)
    lap("validate rows (CaseIn)")
    # The same sheet again, or the same row twice: a client id already used is that case.
    first_of: dict[uuid.UUID, _Row] = {}
    unique = []
    for row in checked:
        if row.client_id in first_of:
            unique.append((row, first_of[row.client_id]))
        else:
            first_of[row.client_id] = row
            unique.append((row, None))
    stored = {}
    for chunk in _chunks(first_of):
        stored.update(Case.objects.filter(client_id__in=chunk).values_list("client_id", "number"))
    new = [row for row, twin in unique if twin is None and row.client_id not in stored]
    lap("client ids already stored")
    _place(new, user)
    lap("places and scope")
    cached = _Cached()
    _build_cases(new, user, now, cached)
    lap("classification and routing")
    if new:
        _allocate_numbers(new)
    lap("case numbers")
    try:
        with transaction.atomic():
            _write(ledger, new, user, ip, now, lap)
    except IntegrityError:
        # Another writer stored one of these client ids or ID numbers at that moment (the same
        # sheet imported twice at once): nothing of this import is kept, and it says so.
        raise ImportRejected([RowError(0, "—", "保存时与其他操作冲突,请重新导入")]) from None
    lap("commit")
    for row, twin in unique:
        if row.client_id in stored:
            result.existing.append(stored[row.client_id])
        elif twin is not None:
            result.existing.append(twin.case.number)
        else:
            result.created.append(row.case.number)
    return result


def _write(ledger: str, new: list[_Row], user, ip, now, lap) -> None:
    _file_people(new)
    lap("person files (hashes, encryption, writes)")
    _assess(new)
    lap("MinHash, related cases, risk")
    sweep_batch = _NewClocks()
    for row in new:
        if row.open:
            case = row.case
            if case.category != Category.PETITION:
                _start_clock(case, Clock.Stage.HANDLE, now, sweep_batch)
            _start_clock(case, Clock.Stage.ACCEPT, now, sweep_batch)
    open_rows = [row for row in new if row.open]
    # Listeners hear about current matters only: a settled matter of past years is an archive.
    lap("clocks")
    _insert(Case, [row.case for row in open_rows])
    _insert(Case, [row.case for row in new if not row.open], signal=False)
    lap("insert cases")
    parties: dict[bool, list] = {True: [], False: []}
    for row in new:
        for person, role in dict.fromkeys(row.persons):  # get_or_create: one row per person and role
            parties[row.open].append((row.case.pk, person.pk, role))
    if post_save.has_listeners(Party):
        _insert(Party, [Party(case_id=c, person_id=p, role=r) for c, p, r in parties[True]])
    else:
        _copy_rows(Party, ["case_id", "person_id", "role"], parties[True])
    _copy_rows(Party, ["case_id", "person_id", "role"], parties[False])
    _insert(
        Assignment,
        [
            Assignment(case=row.case, unit=unit, lead=False, assigned_at=now, note="分流规则协办单位")
            for row in new
            for unit in row.assisting
        ],
    )
    actor = user if user is not None and user.is_authenticated else None
    entries, archived, links = [], [], []
    known = {}  # the numbers of related cases the database held before
    for chunk in _chunks({ref[1] for row in new for ref, _, _ in row.related if ref[0] == "db"}):
        known.update(Case.objects.filter(pk__in=chunk).values_list("pk", "number"))
    for row in new:
        case = row.case
        held = entries if row.open else archived
        routing = case.classification["routing"]
        held.append(
            TimelineEntry(
                case=case,
                at=case.reported_at,
                actor=actor,
                kind="reported",
                data={
                    "channel": case.channel,
                    "level": case.level,
                    "category": case.category,
                    "routing": routing,
                },
                ip=ip,
            )
        )
        if row.related:
            others = [_case_id(ref, new) for ref, _, _ in row.related]
            numbers = sorted(
                {new[ref[1]].case.number if ref[0] == "row" else known[ref[1]] for ref, _, _ in row.related}
            )
            links.extend(
                (case.pk, other, reason, score, now)
                for other, (_, reason, score) in zip(others, row.related, strict=True)
            )
            held.append(TimelineEntry(case=case, at=now, kind="linked", data={"numbers": numbers}))
        held.append(imports.imported_entry(case, user, ledger, row.sheet_row, at=now, ip=ip))
    lap("build timeline and links")
    # A new case's links are new rows: nothing to conflict with (intake's ignore_conflicts guards
    # against a concurrent intake linking the same pair, which cannot reach a case not yet written).
    link_columns = ["case_id", "other_id", "reason", "score", "created_at"]
    if connection.vendor == "postgresql":
        # COPY's text format written here (ids, a choice code, a float by its exact repr, one
        # time): psycopg's write_row costs several times more a row, and these are the most rows.
        stamp = now.isoformat()
        _copy_text(CaseLink, link_columns, (f"{c}\t{o}\t{r}\t{v!r}\t{stamp}\n" for c, o, r, v, _ in links))
    else:
        _copy_rows(CaseLink, link_columns, links)
    _insert(TimelineEntry, archived, signal=False)
    _insert(TimelineEntry, entries)
    _insert(Clock, sweep_batch.new_clocks)
    _copy_rows(
        TextSignature,
        ["case_id", "hashvalues"],
        [(row.case.pk, row.hashvalues.tobytes()) for row in new if row.hashvalues is not None],
    )
    band_columns = ["case_id", "band", "county", "reported_at"]
    if connection.vendor == "postgresql":  # 16 rows a case, in COPY's text format (see the links)
        _copy_text(
            TextBand,
            band_columns,
            (
                f"{row.case.pk}\t{band}\t{tail}"
                for row in new
                if row.bands
                for tail in (f"{row.case.region_id[:6]}\t{row.case.reported_at.isoformat()}\n",)
                for band in row.bands
            ),
        )
    else:
        _copy_rows(
            TextBand,
            band_columns,
            [
                (row.case.pk, band, row.case.region_id[:6], row.case.reported_at)
                for row in new
                for band in row.bands
            ],
        )
    lap("insert parties, links, timeline, clocks, text index")
    rules = list(SkipLevelRule.objects.filter(active=True))
    for row in open_rows:
        if row.case.risk >= risk.HIGH_RISK:
            case_actions._warn_high_risk(row.case)
        if any(skip_level_matches(rule, row.case) for rule in rules):
            fire_skip_level(row.case)
    lap("warnings and skip-level reports")


class _NewClocks:
    """What clocks.start asks of a batch: a limit lookup (deadlines.Limits: every rule read once,
    each answer kept for the whole sheet) and a list that receives the new clocks, written
    together."""

    def __init__(self):
        self.new_clocks: list[Clock] = []
        self.limit_for = deadlines.limits().limit_for
        self._times: dict[tuple, tuple[datetime, datetime]] = {}

    def times(self, limit: deadlines.Limit, start: datetime) -> tuple[datetime, datetime]:
        """(yellow, due) of a limit from a start, as clocks.start works them out: every new clock
        of an import starts at the same moment, so once per limit."""
        key = (limit, start)
        if key not in self._times:
            self._times[key] = (limit.yellow(start), limit.due(start))
        return self._times[key]


def _start_clock(case: Case, stage: str, now, batch: _NewClocks) -> None:
    from fengqiao.cases import clocks

    clocks.start(case, stage, now, batch=batch)


def _case_id(ref, new: list[_Row]) -> int:
    return ref[1] if ref[0] == "db" else new[ref[1]].case.pk


def import_ledger_bulk(ledger: str, file, user, ip: str | None = None) -> ImportResult:
    """Read the sheet (up to BULK_MAX_ROWS rows) and import it set-based."""
    if ledger != "cases":
        raise ImportRejected([RowError(0, "—", "批量导入只适用于矛盾纠纷排查化解台账")])
    rows = reading.read(
        file,
        imports.LAYOUTS[ledger],
        limit=BULK_MAX_ROWS,
        max_bytes=BULK_UPLOAD_BYTES,
        max_uncompressed=BULK_UNCOMPRESSED_BYTES,
    )
    return import_rows(ledger, rows, user, ip)
