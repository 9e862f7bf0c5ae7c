"""The one write path for cases. Every function validates, changes the rows and appends the
timeline entry in one transaction; pages, API, Open311, imports and the sweep all call these."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.signals import post_save

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit
from fengqiao.accounts.roles import Role
from fengqiao.accounts.scoping import can_see_region
from fengqiao.errors import FieldError
from fengqiao.regions import codes as region_codes
from fengqiao.regions import locate as grid_locate
from fengqiao.regions.models import Region

from . import clocks, deadlines, workflow
from .codes import (
    DEFAULT_TRACK,
    LEVEL_ORDER,
    LEVEL_REGION_KIND,
    REGION_KIND_LEVEL,
    Category,
    Status,
    Track,
    next_level,
)
from .models import (
    Assignment,
    Case,
    CaseLink,
    Clock,
    DeadlineRule,
    ExtensionRequest,
    Instruction,
    Party,
    TimelineEntry,
)
from .notice_events import EXTENSION_REQUESTED, URGED
from .numbering import next_number
from .workflow import ActionRefused


class IntakeError(FieldError):
    """Input that cannot become a case; `field` names what is wrong."""


@dataclass
class PartyInput:
    name: str
    role: str
    phone: str = ""
    id_number: str = ""


@dataclass
class Intake:
    channel: str
    description: str
    title: str = ""
    occurred_at: datetime | None = None
    lat: float | None = None
    lng: float | None = None
    address: str = ""
    region_code: str | None = None
    category: str | None = None
    parties: list[PartyInput] = field(default_factory=list)
    client_id: uuid.UUID | None = None


# ---------------------------------------------------------------------------------------- rows


_SELECTS: dict = {}


def rows_where(model, where: str, params, tail: str = "") -> list:
    """The `model` instances of the rows matching a hand-written WHERE clause (`tail`: ORDER BY,
    FOR UPDATE…), as the ORM would give them: every concrete field, through the same converters.
    Intake's few fixed lookups use it: building and compiling a queryset costs more CPU (0.2–0.4 ms
    each) than the lookup itself costs PostgreSQL. tests/test_intake_response.py compares both."""
    from django.db import connection

    key = (model, connection.vendor)
    if key not in _SELECTS:
        fields = model._meta.concrete_fields
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        table = connection.ops.quote_name(model._meta.db_table)
        converters = []
        for index, model_field in enumerate(fields):
            column = model_field.get_col(model._meta.db_table)
            found = connection.ops.get_db_converters(column) + model_field.get_db_converters(connection)
            if found:
                converters.append((index, column, found))
        _SELECTS[key] = (f"SELECT {columns} FROM {table} WHERE ", [f.attname for f in fields], converters)
    head, names, converters = _SELECTS[key]
    with connection.cursor() as cursor:
        cursor.execute(head + where + tail, params)
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = list(row)
        for index, column, functions in converters:
            for function in functions:
                values[index] = function(values[index], column, connection)
        found.append(model.from_db(connection.alias, names, values))
    return found


# ---------------------------------------------------------------------------------------- places


def region_code_at(code: str, level: str) -> str:
    """The code of the region whose centre handles `level` for a place with this code."""
    digits = region_codes.KIND_DIGITS[LEVEL_REGION_KIND[level]]
    return code[:digits].ljust(12, "0")


def centre_for(region_code: str, level: str) -> Unit | None:
    return Unit.objects.filter(
        region_id=region_code_at(region_code, level), kind=Unit.Kind.CENTRE, active=True
    ).first()


def level_of_user(user) -> str | None:
    return REGION_KIND_LEVEL.get(user.region.kind) if user.region_id else None


def _resolve_place(intake: Intake, actor) -> tuple[Region, str | None]:
    grid_code = None
    if intake.lat is not None and intake.lng is not None:
        grid_code = grid_locate.locate(intake.lat, intake.lng)
    if intake.region_code:
        if not region_codes.is_valid(intake.region_code):
            raise IntakeError("region_code", "not a region code")
        code = intake.region_code
        if grid_code and region_codes.in_subtree(grid_code, code):
            code = grid_code
        elif grid_code:
            grid_code = None  # the stated region wins over a position outside it
    elif grid_code:
        code = grid_code
    elif actor is not None and actor.region_id:
        code = actor.region_id
    else:
        raise IntakeError("region_code", "give region_code or a location inside a grid")
    found = rows_where(Region, "code = %s", [code])
    region = found[0] if found else None
    if region is None:
        raise IntakeError("region_code", "unknown region")
    if actor is not None and not can_see_region(actor, region.code):
        field_name = "location" if code == grid_code and not intake.region_code else "region_code"
        raise IntakeError(field_name, "outside your region")
    if grid_code is None and region.kind in ("grid", "compound", "building"):
        grid_code = region.code
    return region, grid_code


def _initial_level(region: Region, actor) -> str:
    """Where a new matter is handled first: by the centre that registered it, else at the lowest
    level of its place (小事不出村). Triage may route it elsewhere."""
    region_level = REGION_KIND_LEVEL[region.kind]
    if actor is not None and actor.role in (Role.CENTRE_STAFF, Role.ADMIN):
        actor_level = level_of_user(actor)
        if actor_level and LEVEL_ORDER.index(actor_level) > LEVEL_ORDER.index(region_level):
            return actor_level
    return region_level


# ---------------------------------------------------------------------------------------- intake


def create_case_written(intake: Intake, actor=None, ip: str | None = None):
    """create_case, and for a new case what was written with it (presenters.Written, its rows as
    stored: presenters.case_dict answers from it without reading the case back); None otherwise."""
    case, created = create_case(intake, actor, ip)
    return case, created, getattr(case, "_intake_written", None) if created else None


def create_case(intake: Intake, actor=None, ip: str | None = None) -> tuple[Case, bool]:
    """Create a case; (case, True). With a client_id already used: (that case, False), nothing written.
    A new case carries what was written with it as `_intake_written` (see create_case_written)."""
    if intake.client_id is not None:
        existing = _case_with_client_id(intake.client_id)
        if existing is not None:
            return existing, False
    if not intake.description or not intake.description.strip():
        raise IntakeError("description", "required")
    region, grid_code = _resolve_place(intake, actor)
    now = wallclock.now()
    number = None
    if not transaction.get_connection().in_atomic_block:
        # The county's number counter is one row every intake there updates: taken inside the
        # intake's transaction, its lock would be held through all the work below and make a
        # county's intakes wait for each other. Taken in its own short transaction, a number is
        # only lost (a gap, never a duplicate) when the intake then fails or loses a client_id race.
        # One statement in autocommit mode is that transaction, without a BEGIN and a COMMIT sent.
        number = next_number(region.code, now)
    try:
        with transaction.atomic(), _TimelineCollector() as timeline:
            case, written = _create_case(intake, actor, ip, region, grid_code, now, number)
    except IntegrityError:
        if intake.client_id is None:
            raise
        existing = Case.objects.filter(client_id=intake.client_id).first()
        if existing is None:
            raise
        return existing, False
    from .presenters import as_stored

    written.timeline = [as_stored(entry) for entry in timeline.entries if entry.case_id == case.pk]
    as_stored(case)
    for row in (*written.parties, *written.clocks, *written.assignments):
        as_stored(row)
    case._intake_written = written
    return case, True


def _case_with_client_id(client_id: uuid.UUID) -> Case | None:
    """Case.objects.filter(client_id=…).first() (client_id is unique) without a queryset."""
    from django.db import connection

    prepared = Case._meta.get_field("client_id").get_db_prep_value(client_id, connection)
    found = rows_where(Case, "client_id = %s", [prepared])
    return found[0] if found else None


class _TimelineCollector:
    """The timeline entries saved in this thread while it is open (by intake itself, and by any
    receiver of TimelineEntry's post_save, e.g. the crisis path), for intake's answer."""

    _local = threading.local()

    def __enter__(self):
        self.entries: list[TimelineEntry] = []
        stack = self._local.__dict__.setdefault("stack", [])
        stack.append(self.entries)
        return self

    def __exit__(self, *exc_info):
        self._local.stack.pop()
        return False

    @classmethod
    def saved(cls, sender, instance, created, raw=False, **kwargs):
        if created and not raw:
            for entries in getattr(cls._local, "stack", ()):
                entries.append(instance)


post_save.connect(_TimelineCollector.saved, sender=TimelineEntry, dispatch_uid="cases_intake_timeline")


def _create_case(intake: Intake, actor, ip, region: Region, grid_code, now, number: str | None):
    from fengqiao.people.actions import find_or_create_people
    from fengqiao.triage import service as triage

    from .presenters import Written

    classification = _classify(intake)
    category = intake.category or classification["category"]
    needs_triage = bool(classification.get("needs_review"))
    if needs_triage:
        # Too unsure to route blind: the centre where it was registered reads it first.
        level = _initial_level(region, actor)
        track, lead, assisting = DEFAULT_TRACK[Category(category)], centre_for(region.code, level), []
        classification["routing"] = {"rule": "人工研判", "reason": "分类置信度低,转人工研判后再分流"}
    else:
        route = triage.routing_for(category, region)
        level, track, lead, assisting = route.level, route.track, route.lead_unit, route.assisting_units
        classification["routing"] = {"rule": route.rule, "reason": route.reason}
    case = Case(
        number=number or next_number(region.code, now),
        client_id=intake.client_id,
        channel=intake.channel,
        title=intake.title.strip() or _title_from(intake.description),
        description=intake.description.strip(),
        category=category,
        track=track,
        level=level,
        status=Status.REPORTED,
        region=region,
        grid_code=grid_code,
        address=intake.address,
        lat=intake.lat,
        lng=intake.lng,
        occurred_at=intake.occurred_at,
        reported_at=now,
        handling_unit=lead or centre_for(region.code, level),
        created_by=actor if actor is not None and actor.is_authenticated else None,
        classification=classification,
        needs_triage=needs_triage,
    )
    # The people, the risk and the clocks before the case's INSERT, so that one INSERT writes the
    # case with its risk and deadline (the risk's counts leave the case itself out, so they are
    # those of the stored case; the handling clock's limit depends on the risk).
    person_ids, birth_dates = [], []
    people = find_or_create_people(
        [(party.name, party.phone, party.id_number) for party in intake.parties], region_code=region.code
    )
    parties: dict[tuple[int, str], Party] = {}
    for party, person in zip(intake.parties, people, strict=True):
        # The case is new, so it has no parties yet: one row per (person, role), as get_or_create gave.
        parties.setdefault((person.pk, party.role), Party(case=case, person=person, role=party.role))
        person_ids.append(person.pk)
        if party.id_number:
            birth_dates.append(_birth_date(party.id_number))
    scored = triage.risk_of_new(case, person_ids, [born for born in birth_dates if born])
    case.risk, case.risk_reasons = scored.score, scored.reasons
    new_clocks = _NewClocks()
    if case.category != Category.PETITION:
        clocks.start(case, Clock.Stage.HANDLE, now, batch=new_clocks)
    clocks.start(case, Clock.Stage.ACCEPT, now, batch=new_clocks)
    case.save(force_insert=True)
    written = Written(parties=list(parties.values()), clocks=new_clocks.new_clocks)
    if parties:
        Party.objects.bulk_create(written.parties)
    Clock.objects.bulk_create(written.clocks)  # one INSERT for both, in the same order
    for unit in assisting:
        written.assignments.append(
            Assignment.objects.create(
                case=case, unit=unit, lead=False, assigned_at=now, note="分流规则协办单位"
            )
        )
    _log(
        case,
        actor,
        "reported",
        ip=ip,
        data={
            "channel": case.channel,
            "level": level,
            "category": category,
            "routing": classification["routing"],
        },
    )
    written.related = triage.relate_new(case, person_ids)
    if written.related:
        _log(case, None, "linked", data={"numbers": written.related})
    if scored.high:
        _warn_high_risk(case)
    from . import skiplevel

    skiplevel.fire(case)
    return case, written


class _NewClocks:
    """What clocks.start needs of a batch to hold a new case's clocks for one INSERT: the limits
    of every stage read in one statement (deadlines.limit_for reads one stage at a time;
    tests/test_intake_response.py checks that both give the same limits)."""

    def __init__(self):
        self.new_clocks: list[Clock] = []
        self._rules: dict | None = None

    def limit_for(self, stage, category, level, unit_id):
        if category == Category.PETITION and stage in deadlines.PETITION_LIMITS:
            return deadlines.PETITION_LIMITS[stage]
        if self._rules is None:
            self._rules = {}
            # deadlines.limit_for's filter for every stage (rows in the same, unordered, order).
            where = "category IN (%s, '') AND level IN (%s, '') AND (unit_id IS NULL OR unit_id = %s)"
            for rule in rows_where(DeadlineRule, where, [category, level, unit_id]):
                self._rules.setdefault(rule.stage, []).append(rule)
            self._key = (category, level, unit_id)
        if self._key != (category, level, unit_id):  # not intake's case: one stage at a time
            return deadlines.limit_for(stage, category, level, unit_id)

        def specificity(rule):  # as deadlines.limit_for
            return (
                rule.unit_id is not None,
                bool(rule.category) and bool(rule.level),
                bool(rule.level),
                bool(rule.category),
            )

        best = max(self._rules.get(stage, []), key=specificity, default=None)
        if best is None:
            return deadlines.DEFAULTS[stage]
        yellow = best.yellow_after if best.yellow_after is not None else best.amount * 7 // 10
        return deadlines.Limit(best.amount, best.counting, min(yellow, best.amount), str(best))

    def row(self, model, **values):
        return model(**values)  # a model instance, for bulk_create


def _title_from(description: str) -> str:
    """The first clause of the description, at most 30 characters."""
    text = description.strip()
    for mark in "。!?;\n":
        head = text.split(mark)[0]
        if 4 <= len(head) < len(text):
            text = head
    return text[:30]


def _birth_date(id_number: str):
    from stdnum.cn import ric

    try:
        return ric.get_birth_date(id_number)
    except Exception:  # a valid checksum with an odd date: no age signal, no failure
        return None


def _warn_high_risk(case: Case) -> None:
    from fengqiao.notices.actions import notify_event, responsible_people

    body = ";".join(case.risk_reasons)
    sent = notify_event(
        "warning", responsible_people(case), case=case, risk=case.risk, reasons=case.risk_reasons
    )
    _log(case, None, "risk_warning", note=body, data={"risk": case.risk, "notified": sent})


def _classify(intake: Intake) -> dict:
    if intake.category:
        return {
            "category": intake.category,
            "confidence": 1.0,
            "reasons": ["登记人选择的类别"],
            "source": "staff",
        }
    from fengqiao.triage.classify import classify

    result = classify(intake.description, channel=intake.channel)
    return {
        "category": result.category,
        "confidence": round(result.confidence, 3),
        "reasons": list(result.reasons),
        "top": [[code, round(p, 3)] for code, p in result.top],
        "needs_review": result.needs_review,
        "source": "model",
    }


def _log(
    case: Case, actor, kind: str, note: str = "", data: dict | None = None, ip=None, at=None, batch=None
) -> None:
    entry = TimelineEntry(
        case=case,
        at=at or wallclock.now(),
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        note=note,
        data=data or {},
        ip=ip,
    )
    if batch is not None:
        batch.entries.append(entry)  # written (in this order) when the sweep's batch is flushed
    else:
        entry.save(force_insert=True)


# ---------------------------------------------------------------------------------------- actions


# Apps that can hold a case open (unfinished meeting tasks, emergency steps…) register a function
# case -> reason it may not close yet, or None.
CLOSE_GATES: list = []


def holder_unit_ids(case: Case) -> set[int]:
    held = set(
        case.assignments.filter(state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED]).values_list(
            "unit_id", flat=True
        )
    )
    if case.handling_unit_id:
        held.add(case.handling_unit_id)
    return held


def may_take(case: Case, user, action: str) -> bool:
    try:
        _authorise(case, user, action)
    except ActionRefused:
        return False
    return True


def available_actions(case: Case, user, holders: set[int] | None = None) -> list[str]:
    """The actions the user may take on the case now. `holders`: the holding units if known
    (holder_unit_ids), else read once for all the actions asked about."""
    holders: list[set[int]] = [holders] if holders is not None else []

    def allowed(action: str) -> bool:
        try:
            _authorise(case, user, action, holders)
        except ActionRefused:
            return False
        return True

    return [name for name in workflow.available_actions(case.status, user.role) if allowed(name)]


def _holders(case: Case, memo: list | None) -> set[int]:
    if memo is None:
        return holder_unit_ids(case)
    if not memo:
        memo.append(holder_unit_ids(case))
    return memo[0]


def _authorise(case: Case, user, action: str, holders: list | None = None) -> workflow.Transition:
    role = Role.ADMIN if user.is_superuser else user.role
    transition = workflow.check(action, case.status, role)
    # Rules of the matter itself hold for everyone, admins included.
    if action == "extend" and case.track != Track.PETITION:
        raise ActionRefused("only petitions take a direct extension", status=409)
    if action == "extend" and case.extended:
        raise ActionRefused("a petition may be extended only once", status=409)
    if role == Role.ADMIN:
        return transition
    if transition.holder_only:
        if user.unit_id is None or user.unit_id not in _holders(case, holders):
            raise ActionRefused(f"only the unit holding the case may {action} it", status=403)
    elif transition.roles <= workflow.CENTRE:
        user_level = level_of_user(user)
        if user_level is None or LEVEL_ORDER.index(user_level) < LEVEL_ORDER.index(case.level):
            raise ActionRefused(f"the case is handled at {case.level} level, above yours", status=403)
    if action == "verify" and case.resolved_by_id == user.pk:
        raise ActionRefused("the case must be verified by someone other than who resolved it", status=403)
    if case.merged_into_id is not None:
        raise ActionRefused("the case was merged into another; work on that one", status=409)
    if (
        action in ("start", "dispatch")
        and case.status == Status.REPORTED
        and case.category == Category.PETITION
    ):
        raise ActionRefused("a petition needs its acceptance decision before handling", status=409)
    if action == "close":
        for gate in CLOSE_GATES:
            reason = gate(case)
            if reason:
                raise ActionRefused(reason, status=409)
    if action == "escalate" and next_level(case.level) is None:
        raise ActionRefused("the case is already at city level", status=409)
    return transition


def take_action(case: Case, user, action: str, *, note: str = "", ip: str | None = None, **params) -> Case:
    """Apply `action` to the case for `user`; ActionRefused (403/409/422) says why not."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=case.pk)
        _authorise(case, user, action)
        before = case.status
        handler = HANDLERS[action]
        data = handler(case, user, note=note.strip(), **params) or {}
        case.status = workflow.next_status(action, case.status)
        case.save()
        _log(case, user, action, note=note.strip(), ip=ip, data={"from": before, "to": case.status, **data})
    return case


def _require(value, field_name: str, reason: str = "required"):
    if value in (None, "", []):
        raise FieldError(field_name, reason)
    return value


def _accept(case, user, note, **params):
    now = wallclock.now()
    clocks.stop(case, now, Clock.Stage.ACCEPT)
    if case.category == Category.PETITION:
        clocks.start(case, Clock.Stage.HANDLE, now)


def _reject(case, user, note, **params):
    _require(note, "note", "give the reason for not accepting")
    clocks.stop(case, wallclock.now(), cancelled=True)


def dispatchable_units(case: Case, user):
    """Units in the dispatcher's subtree, and units above the case's place (county departments
    answering a township's whistle: 中心吹哨、部门报到)."""
    ancestors = [region_code_at(case.region_id, level) for level in LEVEL_ORDER if case.region_id]
    scope = Q(region_id__in=ancestors)
    if user.region_id:
        scope |= region_codes.subtree_q("region_id", user.region_id)
    return Unit.objects.filter(scope, active=True)


def _dispatch(case, user, note, units=None, lead=None, **params):
    codes_given = [code for code in (units or []) if code]
    if lead and lead not in codes_given:
        codes_given.insert(0, lead)
    _require(codes_given, "units", "name at least one unit")
    found = {unit.code: unit for unit in dispatchable_units(case, user).filter(code__in=codes_given)}
    missing = [code for code in codes_given if code not in found]
    if missing:
        raise FieldError("units", f"unknown or out of reach: {', '.join(missing)}")
    lead_code = lead or codes_given[0]
    now = wallclock.now()
    case.assignments.filter(state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED]).update(
        state=Assignment.State.WITHDRAWN, responded_at=now
    )
    for code in codes_given:
        Assignment.objects.create(
            case=case, unit=found[code], lead=code == lead_code, note=note, assigned_at=now, assigned_by=user
        )
    case.handling_unit = found[lead_code]
    if len(codes_given) > 1:
        case.track = Track.JOINT
    clocks.stop(case, now, Clock.Stage.ACCEPT)  # dispatching is the holder's answer, in time or late
    clocks.carry(case, case.handling_unit)
    clocks.start(case, Clock.Stage.ACCEPT, now, unit=case.handling_unit)
    _notify_units(case, [found[code] for code in codes_given], "new_work", actor=user, note=note)
    return {"units": codes_given, "lead": lead_code, "unit_names": [found[code].name for code in codes_given]}


def _start(case, user, note, **params):
    now = wallclock.now()
    case.assignments.filter(unit_id=user.unit_id, state=Assignment.State.PENDING).update(
        state=Assignment.State.ACCEPTED, responded_at=now
    )
    clocks.stop(case, now, Clock.Stage.ACCEPT)


def _notify_units(case: Case, units, event: str, **context) -> None:
    """Tell the members of `units` about `event` (a notices event code) in its template's words."""
    from fengqiao.accounts.models import User
    from fengqiao.notices.actions import notify_event

    members = User.objects.filter(unit__in=units, is_active=True)
    notify_event(event, members, case=case, **context)


def _return(case, user, note, **params):
    _require(note, "note", "give the reason for returning the case")
    case.assignments.filter(
        unit_id=user.unit_id, state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED]
    ).update(state=Assignment.State.RETURNED, responded_at=wallclock.now())
    case.handling_unit = centre_for(case.region_id, case.level)
    case.returns += 1
    clocks.stop(case, wallclock.now(), Clock.Stage.ACCEPT)
    clocks.carry(case, case.handling_unit)
    if case.handling_unit is not None:
        _notify_units(case, [case.handling_unit], "returned", actor=user, unit=user.unit, note=note)
    return {"returned_by_unit": user.unit.code if user.unit else None, "returns": case.returns}


def escalate(
    case: Case, user, note: str = "", at: datetime | None = None, automatic: bool = False, batch=None
) -> dict:
    """Raise the case one level: the next level's centre holds it and a new handling clock starts.
    With a sweep `batch` (sweep.py: non-petitions only) the rows are written when it is flushed."""
    at = at or wallclock.now()
    new_level = next_level(case.level)
    old_level = case.level
    petition = case.category == Category.PETITION
    # A petition's statutory limits run on whoever holds it; other cases get the next level's own.
    if petition:
        clocks.stop(case, at, Clock.Stage.ACCEPT, Clock.Stage.VERIFY, cancelled=True, batch=batch)
    else:
        clocks.stop(case, at, cancelled=True, batch=batch)  # the sweep has already closed the breached one
    if batch is not None:
        batch.withdrawn[case.pk] = at
    else:
        case.assignments.filter(state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED]).update(
            state=Assignment.State.WITHDRAWN, responded_at=at
        )
    case.level = new_level
    case.handling_unit = (batch.centre_for if batch is not None else centre_for)(case.region_id, new_level)
    case.escalations += 1
    if case.status in (Status.DISPATCHED, Status.IN_PROGRESS):
        case.status = Status.ACCEPTED
    if petition:
        clocks.carry(case, case.handling_unit, Clock.Stage.HANDLE)
        if case.status == Status.REPORTED:
            clocks.carry(case, case.handling_unit, Clock.Stage.ACCEPT)
    else:
        clocks.start(case, Clock.Stage.HANDLE, at, batch=batch)
    if not (petition and case.status == Status.REPORTED):
        clocks.start(case, Clock.Stage.ACCEPT, at, batch=batch)
    return {"from_level": old_level, "to_level": new_level, "automatic": automatic}


def _escalate(case, user, note, **params):
    _require(note, "note", "give the reason for escalating")
    return escalate(case, user, note=note)


def _resolve(case, user, note, **params):
    _require(note, "note", "describe how the matter was settled")
    now = wallclock.now()
    case.resolved_at = now
    case.resolved_by = user
    clocks.stop(case, now, Clock.Stage.HANDLE, Clock.Stage.ACCEPT)
    clocks.start(case, Clock.Stage.VERIFY, now, unit=centre_for(case.region_id, case.level))
    case.assignments.filter(state__in=[Assignment.State.PENDING, Assignment.State.ACCEPTED]).update(
        state=Assignment.State.DONE, responded_at=now
    )
    return {"handling_unit": case.handling_unit.code if case.handling_unit else None}


def _redo(case, user, note, **params):
    _require(note, "note", "say what is still to be done")
    last = case.clocks.filter(stage=Clock.Stage.HANDLE).order_by("-started_at", "-id").first()
    now = wallclock.now()
    clocks.stop(case, now, Clock.Stage.VERIFY)
    # Failing verification does not buy time: the handling limit runs on from where it stood.
    clocks.start(case, Clock.Stage.HANDLE, now, due_at=last.due_at if last is not None else now)
    case.resolved_at = None


def _verify(case, user, note, **params):
    clocks.stop(case, wallclock.now(), Clock.Stage.VERIFY)


def _close(case, user, note, satisfaction=None, **params):
    if satisfaction is not None and satisfaction not in (1, 2, 3, 4, 5):
        raise FieldError("satisfaction", "a rating from 1 to 5")
    case.satisfaction = satisfaction
    case.closed_at = wallclock.now()
    follow_up = schedule_follow_up(case)
    return {"satisfaction": satisfaction, "follow_up_at": follow_up.due_at.isoformat() if follow_up else None}


def _reopen(case, user, note, **params):
    _require(note, "note", "give the reason for reopening")
    now = wallclock.now()
    case.closed_at = None
    case.resolved_at = None
    case.resolved_by = None
    case.handling_unit = centre_for(case.region_id, case.level)
    clocks.stop(case, now, cancelled=True)
    if case.category != Category.PETITION:
        clocks.start(case, Clock.Stage.HANDLE, now)
    clocks.start(case, Clock.Stage.ACCEPT, now)


def _extend(case, user, note, days=None, **params):
    _require(note, "note", "give the reason for the extension")
    if not isinstance(days, int) or not 1 <= days <= deadlines.PETITION_MAX_EXTENSION_DAYS:
        raise FieldError("days", f"from 1 to {deadlines.PETITION_MAX_EXTENSION_DAYS}")
    clock = clocks.running(case, Clock.Stage.HANDLE).first()
    if clock is None:
        raise ActionRefused("only a petition being handled can be extended", status=409)
    due = clocks.extend(case, clock, days)
    case.extended = True
    return {"days": days, "deadline_at": due.isoformat()}


def _reclassify(case, user, note, category=None, **params):
    """Staff settle the category (the human triage queue, or an override of the model): the
    override is kept as training data and a case not yet under way is routed afresh."""
    from fengqiao.triage.models import TriageOverride
    from fengqiao.triage.service import routing_for

    if category not in Category.values:
        raise FieldError("category", "one of the category codes")
    predicted = case.classification.get("category", case.category)
    if category != predicted:
        TriageOverride.objects.create(
            case=case,
            user=user,
            at=wallclock.now(),
            predicted=predicted,
            chosen=category,
            confidence=case.classification.get("confidence"),
            text=case.description,
            note=note,
        )
    before = {"category": case.category, "level": case.level, "unit": case.handling_unit_id}
    case.category = category
    case.needs_triage = False
    data = {"from_category": before["category"], "to_category": category}
    if case.status in (Status.REPORTED, Status.ACCEPTED) and not case.assignments.exists():
        route = routing_for(category, case.region)
        case.level, case.track = route.level, route.track
        case.handling_unit = route.lead_unit or centre_for(case.region_id, route.level)
        data["routing"] = {"rule": route.rule, "reason": route.reason}
        if (case.level, case.handling_unit_id) != (before["level"], before["unit"]):
            now = wallclock.now()
            clocks.stop(case, now, cancelled=True)
            if case.category != Category.PETITION:
                clocks.start(case, Clock.Stage.HANDLE, now)
            clocks.start(case, Clock.Stage.ACCEPT, now)
    return data


def _merge(case, user, note, target=None, **params):
    """A duplicate joins the case it repeats: it stops counting, its clocks stop, both timelines
    stay and the surviving case shows them together."""
    from fengqiao.accounts.scoping import visible_cases

    survivor = visible_cases(user).filter(number=target).first() if target else None
    if survivor is None or survivor.pk == case.pk:
        raise FieldError("target", "the number of another case you can see")
    if survivor.merged_into_id is not None:
        raise FieldError("target", "that case was itself merged")
    case.merged_into = survivor
    clocks.stop(case, wallclock.now(), cancelled=True)
    CaseLink.objects.get_or_create(case=case, other=survivor, reason=CaseLink.Reason.MERGED)
    _log(survivor, user, "merged", note=note, data={"merged": case.number})
    return {"into": survivor.number}


def _request_extension(case, user, note, days=None, **params):
    _require(note, "note", "give the reason for more time")
    if not isinstance(days, int) or not 1 <= days <= 366:
        raise FieldError("days", "from 1 to 366")
    clock = clocks.running(case, Clock.Stage.HANDLE).first()
    if clock is None:
        raise ActionRefused("no handling limit is running", status=409)
    if case.extension_requests.filter(state=ExtensionRequest.State.PENDING).exists():
        raise ActionRefused("an extension request is already waiting for a decision", status=409)
    request = ExtensionRequest.objects.create(
        case=case,
        clock=clock,
        unit=user.unit,
        requested_by=user,
        requested_at=wallclock.now(),
        days=days,
        reason=note,
    )
    centre = centre_for(case.region_id, case.level)
    if centre is not None:
        _notify_units(case, [centre], EXTENSION_REQUESTED, actor=user, unit=user.unit, days=days, note=note)
    return {"request": request.pk, "days": days}


def _decide_extension(case, user, note, days=None, decision=None, **params):
    """Grant up to the days asked (a petition: once, at most 30), or refuse; with the reason."""
    request = case.extension_requests.filter(state=ExtensionRequest.State.PENDING).first()
    if request is None:
        raise ActionRefused("no extension request is waiting", status=409)
    if decision not in ("grant", "refuse"):
        raise FieldError("decision", "grant or refuse")
    _require(note, "note", "give the reason for the decision")
    request.decided_by, request.decided_at, request.decision_note = user, wallclock.now(), note
    data = {"request": request.pk, "decision": decision, "asked": request.days}
    if decision == "grant":
        granted = days if days is not None else request.days
        if not isinstance(granted, int) or not 1 <= granted <= request.days:
            raise FieldError("days", f"from 1 to the {request.days} days asked")
        if case.category == Category.PETITION:
            if granted > deadlines.PETITION_MAX_EXTENSION_DAYS:
                raise FieldError(
                    "days",
                    f"a petition may be extended by at most {deadlines.PETITION_MAX_EXTENSION_DAYS} days",
                )
            if case.extended:
                raise ActionRefused("a petition may be extended only once", status=409)
        clock = clocks.running(case, Clock.Stage.HANDLE).first() or request.clock
        due = clocks.extend(case, clock, granted)
        case.extended = True
        request.state, request.granted_days = ExtensionRequest.State.GRANTED, granted
        data.update(granted=granted, deadline_at=due.isoformat())
    else:
        request.state = ExtensionRequest.State.REFUSED
    request.save()
    if request.unit_id:
        _notify_units(
            case,
            [request.unit],
            "extension_decided",
            actor=user,
            granted=decision == "grant",
            days=request.granted_days or 0,
            note=note,
        )
    return data


def _instruct(case, user, note, **params):
    _require(note, "note", "write the instruction")
    Instruction.objects.create(case=case, author=user, at=wallclock.now(), text=note)
    holders = list(Unit.objects.filter(pk__in=holder_unit_ids(case)))
    _notify_units(case, holders, "instruction", actor=user, note=note)
    return {"author": str(user)}


def mark_urgent(case: Case) -> list[dict]:
    """加急 on a case locked by the caller's transaction: the running clocks keep the admin-set
    share of their time and the skip-level rules that wait for urgency fire. The clocks changed
    (none when the case was urgent already). The caller saves the case."""
    if case.urgent:
        return []
    from . import skiplevel

    case.urgent = True
    changed = clocks.make_urgent(case)
    skiplevel.fire(case)
    return changed


def _urge(case, user, note, **params):
    if case.urgent:
        raise ActionRefused("the case is already marked urgent", status=409)
    changed = mark_urgent(case)
    holders = list(Unit.objects.filter(pk__in=holder_unit_ids(case)))
    _notify_units(case, holders, URGED, actor=user, note=note)
    return {"clocks": changed}


def _pin(case, user, note, **params):
    case.pinned = True


def _unpin(case, user, note, **params):
    case.pinned = False


def _record_follow_up(case, user, note, settled=None, **params):
    """Staff record the applicant's answer given on the phone (the portal link records it too)."""
    from . import followups

    if settled not in (True, False):
        raise FieldError("settled", "true or false")
    follow_up = case.follow_ups.filter(answered_at__isnull=True).order_by("-due_at").first()
    if follow_up is None:
        follow_up = followups.schedule(case)
    follow_up.answered_at, follow_up.settled, follow_up.answer, follow_up.answered_by = (
        wallclock.now(),
        settled,
        note,
        user,
    )
    follow_up.save()
    if not settled:
        _reopen_for_follow_up(case, note)
    return {"settled": settled}


def _reopen_for_follow_up(case: Case, note: str) -> None:
    now = wallclock.now()
    case.status = Status.ACCEPTED
    case.closed_at = case.resolved_at = None
    case.resolved_by = None
    case.handling_unit = centre_for(case.region_id, case.level)
    clocks.stop(case, now, cancelled=True)
    clocks.start(case, Clock.Stage.HANDLE, now)
    clocks.start(case, Clock.Stage.ACCEPT, now)


def reopen_after_follow_up(follow_up, user, note: str) -> Case:
    """The applicant says the matter is not settled: the case reopens, on the timeline."""
    with transaction.atomic():
        case = Case.objects.select_for_update().get(pk=follow_up.case_id)
        if case.status != Status.CLOSED:
            return case
        before = case.status
        _reopen_for_follow_up(case, note)
        case.save()
        _log(
            case,
            user,
            "reopen",
            note=note or "回访反映未解决",
            data={"from": before, "to": case.status, "follow_up": follow_up.pk},
        )
    return case


def schedule_follow_up(case: Case):
    from . import followups

    return followups.schedule(case)


def mark_read(case: Case, user) -> bool:
    """The first time a member of a unit the case was dispatched to opens it (已阅)."""
    if not user.is_authenticated or not user.unit_id:
        return False
    now = wallclock.now()
    updated = (
        case.assignments.filter(unit_id=user.unit_id, read_at__isnull=True)
        .exclude(state__in=[Assignment.State.WITHDRAWN, Assignment.State.RETURNED])
        .update(read_at=now)
    )
    if updated:
        _log(case, user, "read", data={"unit": user.unit.name})
    return bool(updated)


HANDLERS = {
    "accept": _accept,
    "reject": _reject,
    "dispatch": _dispatch,
    "start": _start,
    "return": _return,
    "escalate": _escalate,
    "resolve": _resolve,
    "redo": _redo,
    "verify": _verify,
    "close": _close,
    "reopen": _reopen,
    "extend": _extend,
    "reclassify": _reclassify,
    "merge": _merge,
    "request_extension": _request_extension,
    "decide_extension": _decide_extension,
    "instruct": _instruct,
    "urge": _urge,
    "pin": _pin,
    "unpin": _unpin,
    "record_follow_up": _record_follow_up,
}
assert set(HANDLERS) == set(workflow.TRANSITIONS)


def reveal_parties(case: Case, user, ip: str | None = None, purpose: str = "") -> None:
    """Record that `user` is shown the case's parties unmasked (one audit row per person and one
    timeline entry); ActionRefused(403) if the role may never see them."""
    from fengqiao.people.actions import record_access
    from fengqiao.people.masking import may_unmask

    if not may_unmask(user):
        raise ActionRefused("your role may not see unmasked personal data", status=403)
    people = [party.person for party in case.parties.select_related("person")]
    for person in people:
        record_access(user, person, ["phone", "id_number"], "case", case.number, purpose=purpose, ip=ip)
    _log(case, user, "personal_data_viewed", ip=ip, data={"people": len(people), "purpose": purpose})
