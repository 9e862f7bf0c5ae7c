"""Legal and psychological services in the JSON API, scoped by region like everything else (a
record outside the caller's area, or of a kind their role may not see, answers 404). Session notes
come back only to counsellors, and each time they do the read is logged."""

from datetime import date, datetime, time, timedelta

from django.http import Http404
from ninja import Field, Query, Router, Schema

from fengqiao import clock as wallclock
from fengqiao.accounts.scoping import can_see_region
from fengqiao.cases.deadlines import LOCAL
from fengqiao.errors import FieldError
from fengqiao.schemas import Moment

from . import actions, scoring, stats
from .models import Consultation, CounsellingSession, Crisis, VillageAdviser
from .selectors import (
    get_or_404,
    may_read_notes,
    may_see_legal,
    may_see_psych,
    may_see_services,
    visible_aid_applications,
    visible_consultations,
    visible_crises,
    visible_providers,
    visible_screenings,
    visible_sessions,
    visible_shifts,
    visible_village_advisers,
)

router = Router(tags=["services"])
LIST_LIMIT = 200


class PeriodFilters(Schema):
    from_: date | None = Field(None, alias="from")
    to: date | None = None


class PersonIn(Schema):
    name: str = Field(..., max_length=50)
    phone: str = Field("", max_length=30)
    id_number: str = Field("", max_length=30)


def person_dict(person) -> dict | None:
    if person is None:
        return None
    return {
        "id": person.pk,
        "name": person.name,
        "phone": person.masked_phone,
        "id_number": person.masked_id_number,
    }


def provider_dict(provider) -> dict | None:
    if provider is None:
        return None
    return {
        "id": provider.pk,
        "kind": provider.kind,
        "name": provider.name,
        "organisation": provider.organisation,
        "region_code": provider.region_id,
        "phone": provider.phone,
        "username": provider.user.username if provider.user_id else None,
        "active": provider.active,
    }


def _require(allowed: bool):
    if not allowed:
        raise FieldError("user", "this role may not see these records", 403)


def _period(request, start: date | None, end: date | None, region: str | None):
    region = region or request.user.region_id
    if not region or not can_see_region(request.user, region):
        raise FieldError("region", "unknown region or outside your area", 404)
    end = end or wallclock.now().astimezone(LOCAL).date()
    start = start or end - timedelta(days=364)
    if start > end:
        raise FieldError("from", "after to")
    return (
        region,
        datetime.combine(start, time(0), tzinfo=LOCAL),
        datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL),
    )


def _in_region(queryset, region: str | None, field="region_id"):
    if region:
        from fengqiao.regions import codes

        if not codes.is_valid(region):
            raise FieldError("region", "not a region code")
        queryset = queryset.filter(codes.subtree_q(field, region))
    return queryset


# ------------------------------------------------------------------------------ directory and roster


@router.get(
    "/services/providers",
    response=list[dict],
    summary="Lawyers, legal workers and counsellors serving the area",
)
def list_providers(request, kind: str | None = None):
    _require(may_see_services(request.user))
    providers = visible_providers(request.user).filter(active=True)
    if kind:
        providers = providers.filter(kind=kind)
    return [provider_dict(p) for p in providers]


def shift_dict(shift) -> dict:
    return {
        "id": shift.pk,
        "provider": provider_dict(shift.provider),
        "place": shift.place,
        "region_code": shift.region_id,
        "starts_at": shift.starts_at,
        "ends_at": shift.ends_at,
    }


@router.get(
    "/services/roster",
    response=list[dict],
    summary="The duty roster between two dates (default: the next 7 days)",
)
def roster(request, filters: Query[PeriodFilters], kind: str | None = None):
    _require(may_see_services(request.user))
    start, end = filters.from_, filters.to
    start = start or wallclock.now().astimezone(LOCAL).date()
    end = end or start + timedelta(days=6)
    if end < start or (end - start).days > 62:
        raise FieldError("to", "between from and 62 days after it")
    shifts = visible_shifts(request.user).filter(
        starts_at__lt=datetime.combine(end + timedelta(days=1), time(0), tzinfo=LOCAL),
        ends_at__gt=datetime.combine(start, time(0), tzinfo=LOCAL),
    )
    if kind:
        shifts = shifts.filter(provider__kind=kind)
    return [shift_dict(s) for s in shifts[:1000]]


@router.get("/services/on-duty", response=list[dict], summary="Who is on duty now (or at `at`)")
def on_duty(request, at: Moment | None = None, kind: str | None = None):
    _require(may_see_services(request.user))
    at = at or wallclock.now()
    shifts = visible_shifts(request.user).filter(starts_at__lte=at, ends_at__gt=at)
    if kind:
        shifts = shifts.filter(provider__kind=kind)
    return [shift_dict(s) for s in shifts]


class ShiftIn(Schema):
    provider_id: int
    place: str = Field(..., max_length=100)
    starts_at: Moment
    ends_at: Moment
    region_code: str | None = Field(None, max_length=21)


@router.post("/services/roster", response={201: dict}, summary="Put a provider on duty")
def add_shift(request, payload: ShiftIn):
    return 201, shift_dict(actions.add_shift(request.user, **payload.dict()))


def village_dict(region, advisers: list) -> dict:
    posts = {post: None for post in VillageAdviser.Post.values}
    for adviser in advisers:
        posts[adviser.post] = {
            "name": adviser.name,
            "organisation": adviser.organisation,
            "phone": adviser.phone,
            "provider_id": adviser.provider_id,
            "since": adviser.since,
        }
    return {
        "region_code": region.code,
        "name": region.name,
        "posts": posts,
        "complete": all(posts.values()),
    }


def villages_with_advisers(user, region: str | None = None) -> list[dict]:
    from fengqiao.accounts.scoping import visible_regions

    villages = _in_region(visible_regions(user).filter(kind="village"), region, "code").order_by("code")
    by_village: dict[str, list] = {}
    for adviser in _in_region(visible_village_advisers(user), region):
        by_village.setdefault(adviser.region_id, []).append(adviser)
    return [village_dict(village, by_village.get(village.code, [])) for village in villages]


@router.get(
    "/services/village-advisers",
    response=list[dict],
    summary="The three officials and one lawyer of each village",
)
def village_advisers(request, region: str | None = None):
    _require(may_see_services(request.user))
    return villages_with_advisers(request.user, region)


class AdviserIn(Schema):
    region_code: str = Field(..., max_length=21)
    post: str = Field(..., description="judge | prosecutor | police | lawyer")
    name: str = Field(..., max_length=50)
    organisation: str = Field("", max_length=100)
    phone: str = Field("", max_length=20)
    provider_id: int | None = None


@router.post(
    "/services/village-advisers", response=dict, summary="Name the holder of one of a village's four posts"
)
def set_village_adviser(request, payload: AdviserIn):
    adviser = actions.set_village_adviser(request.user, **payload.dict())
    advisers = list(visible_village_advisers(request.user).filter(region_id=adviser.region_id))
    return village_dict(adviser.region, advisers)


# ------------------------------------------------------------------------------ legal


def consultation_dict(c) -> dict:
    application = getattr(c, "aid_application", None)
    return {
        "id": c.pk,
        "region_code": c.region_id,
        "person": person_dict(c.person),
        "channel": c.channel,
        "topic": c.topic,
        "question": c.question,
        "answer": c.answer,
        "provider": provider_dict(c.provider),
        "referral": c.referral,
        "referral_note": c.referral_note,
        "case": c.case.number if c.case_id else None,
        "aid_application": application.pk if application else None,
        "asked_at": c.asked_at,
    }


class ConsultationIn(Schema):
    topic: str
    question: str = Field(..., max_length=5000)
    answer: str = Field("", max_length=5000)
    person: PersonIn | None = None
    region_code: str | None = Field(None, max_length=21)
    channel: str = Consultation.Channel.WINDOW
    provider_id: int | None = None
    referral: str = Consultation.Referral.NONE
    referral_note: str = Field("", max_length=200)
    case_number: str | None = Field(None, max_length=32)
    asked_at: Moment | None = None


@router.get("/services/consultations", response=list[dict], summary="Legal consultations, newest first")
def list_consultations(request, region: str | None = None, topic: str | None = None):
    _require(may_see_legal(request.user))
    rows = _in_region(visible_consultations(request.user), region)
    if topic:
        rows = rows.filter(topic=topic)
    return [consultation_dict(c) for c in rows[:LIST_LIMIT]]


@router.post("/services/consultations", response={201: dict}, summary="Record a legal consultation")
def record_consultation(request, payload: ConsultationIn):
    data = payload.dict()
    consultation = actions.record_consultation(request.user, **data)
    return 201, consultation_dict(consultation)


@router.get("/services/consultations/{consultation_id}", response=dict)
def get_consultation(request, consultation_id: int):
    return consultation_dict(get_or_404(visible_consultations(request.user), consultation_id))


def aid_dict(a) -> dict:
    return {
        "id": a.pk,
        "region_code": a.region_id,
        "applicant": person_dict(a.applicant),
        "topic": a.topic,
        "matter": a.matter,
        "case": a.case.number if a.case_id else None,
        "consultation": a.consultation_id,
        "status": a.status,
        "applied_at": a.applied_at,
        "decision_due": a.decision_due,
        "decided_at": a.decided_at,
        "decision_note": a.decision_note,
        "decision_overdue": a.decided_at is None and wallclock.now() > a.decision_due,
        "lawyer": provider_dict(a.lawyer),
        "assignment_due": a.assignment_due,
        "assigned_at": a.assigned_at,
        "outcome": a.outcome or None,
        "outcome_note": a.outcome_note,
        "concluded_at": a.concluded_at,
    }


class AidIn(Schema):
    applicant: PersonIn
    topic: str
    matter: str = Field(..., max_length=5000)
    region_code: str | None = Field(None, max_length=21)
    case_number: str | None = Field(None, max_length=32)


class DecisionIn(Schema):
    grant: bool
    note: str = Field("", max_length=300)


class AssignmentIn(Schema):
    lawyer_id: int


class ConclusionIn(Schema):
    outcome: str
    note: str = Field("", max_length=5000)


@router.get("/services/legal-aid", response=list[dict], summary="Legal-aid applications, newest first")
def list_aid(request, region: str | None = None, status: str | None = None):
    _require(may_see_legal(request.user))
    rows = _in_region(visible_aid_applications(request.user), region)
    if status:
        rows = rows.filter(status=status)
    return [aid_dict(a) for a in rows[:LIST_LIMIT]]


@router.post("/services/legal-aid", response={201: dict}, summary="File a legal-aid application")
def apply_aid(request, payload: AidIn):
    return 201, aid_dict(actions.apply_legal_aid(request.user, **payload.dict()))


@router.get("/services/legal-aid/{application_id}", response=dict)
def get_aid(request, application_id: int):
    return aid_dict(get_or_404(visible_aid_applications(request.user), application_id))


@router.post(
    "/services/legal-aid/{application_id}/decision", response=dict, summary="Grant or refuse legal aid"
)
def decide_aid(request, application_id: int, payload: DecisionIn):
    application = get_or_404(visible_aid_applications(request.user), application_id)
    return aid_dict(actions.decide_legal_aid(request.user, application, **payload.dict()))


@router.post("/services/legal-aid/{application_id}/assignment", response=dict, summary="Appoint the lawyer")
def assign_aid(request, application_id: int, payload: AssignmentIn):
    application = get_or_404(visible_aid_applications(request.user), application_id)
    return aid_dict(actions.assign_legal_aid(request.user, application, **payload.dict()))


@router.post("/services/legal-aid/{application_id}/conclusion", response=dict, summary="Record the outcome")
def conclude_aid(request, application_id: int, payload: ConclusionIn):
    application = get_or_404(visible_aid_applications(request.user), application_id)
    return aid_dict(actions.conclude_legal_aid(request.user, application, **payload.dict()))


# ------------------------------------------------------------------------------ psychological


def session_dict(s, notes: str | None = None) -> dict:
    return {
        "id": s.pk,
        "region_code": s.region_id,
        "person": person_dict(s.person),
        "counsellor": provider_dict(s.counsellor),
        "kind": s.kind,
        "issue": s.issue,
        "held_at": s.held_at,
        "minutes": s.minutes,
        "case": s.case.number if s.case_id else None,
        "crisis": s.crisis_id,
        "notes": notes,
    }


class SessionIn(Schema):
    person: PersonIn
    issue: str
    notes: str = Field(..., max_length=20000)
    kind: str = CounsellingSession.Kind.INDIVIDUAL
    minutes: int = Field(50, ge=1, le=600)
    held_at: Moment | None = None
    region_code: str | None = Field(None, max_length=21)
    case_number: str | None = Field(None, max_length=32)
    crisis_id: int | None = None


@router.get("/services/sessions", response=list[dict], summary="Counselling sessions (without their notes)")
def list_sessions(request, region: str | None = None):
    _require(may_see_psych(request.user))
    return [session_dict(s) for s in _in_region(visible_sessions(request.user), region)[:LIST_LIMIT]]


@router.post(
    "/services/sessions", response={201: dict}, summary="Record a counselling session (counsellors only)"
)
def record_session(request, payload: SessionIn):
    data = payload.dict()
    crisis_id = data.pop("crisis_id")
    if crisis_id is not None:
        data["crisis"] = visible_crises(request.user).filter(pk=crisis_id).first()
        if data["crisis"] is None:
            raise FieldError("crisis_id", "no such crisis intervention")
    session = actions.record_session(request.user, **data)
    return 201, session_dict(session, notes=session.notes)


@router.get(
    "/services/sessions/{session_id}",
    response=dict,
    summary="A session; its notes only for counsellors, each read logged",
)
def get_session(request, session_id: int):
    session = get_or_404(visible_sessions(request.user), session_id)
    notes = None
    if may_read_notes(request.user):
        notes = actions.read_notes(request.user, session, via="api", ip=request.META.get("REMOTE_ADDR"))
    return session_dict(session, notes=notes)


@router.get(
    "/services/instruments", response=list[dict], summary="The screening instruments: items, answers, bands"
)
def instruments(request):
    _require(may_see_services(request.user))
    return [
        {
            "code": i.code,
            "name": i.name,
            "prompt": i.prompt,
            "items": list(i.items),
            "answers": [{"value": v, "label": label} for v, label in scoring.ANSWER_CHOICES],
            "bands": [{"code": b.code, "label": b.label, "from": b.low, "to": b.high} for b in i.bands],
            "cut_off": scoring.CUT_OFF,
            "crisis_from": i.crisis_from,
            "risk_item": i.risk_item,
        }
        for i in scoring.INSTRUMENTS.values()
    ]


def screening_dict(s) -> dict:
    return {
        "id": s.pk,
        "region_code": s.region_id,
        "person": person_dict(s.person),
        "instrument": s.instrument,
        "answers": s.answers,
        "score": s.score,
        "band": s.band,
        "band_label": s.band_label,
        "positive": s.positive,
        "crisis": s.crisis_id,
        "case": s.case.number if s.case_id else None,
        "administered_at": s.administered_at,
    }


class ScreeningIn(Schema):
    person: PersonIn
    instrument: str = Field(..., description="phq9 | gad7")
    answers: list[int] = Field(..., max_length=20)
    region_code: str | None = Field(None, max_length=21)
    case_number: str | None = Field(None, max_length=32)


@router.get("/services/screenings", response=list[dict], summary="Screenings, newest first")
def list_screenings(
    request, region: str | None = None, instrument: str | None = None, positive: bool | None = None
):
    _require(may_see_psych(request.user))
    rows = _in_region(visible_screenings(request.user), region).select_related("case")
    if instrument:
        rows = rows.filter(instrument=instrument)
    if positive is not None:
        rows = rows.filter(positive=positive)
    return [screening_dict(s) for s in rows[:LIST_LIMIT]]


@router.post(
    "/services/screenings",
    response={201: dict},
    summary="Score a PHQ-9 or GAD-7; a crisis score notifies the counsellor on duty at once",
)
def record_screening(request, payload: ScreeningIn):
    return 201, screening_dict(actions.record_screening(request.user, **payload.dict()))


@router.get("/services/screenings/{screening_id}", response=dict)
def get_screening(request, screening_id: int):
    return screening_dict(get_or_404(visible_screenings(request.user).select_related("case"), screening_id))


def crisis_dict(c, with_follow_ups: bool = True) -> dict:
    data = {
        "id": c.pk,
        "region_code": c.region_id,
        "person": person_dict(c.person),
        "case": c.case.number if c.case_id else None,
        "source": c.source,
        "reasons": c.reasons,
        "status": c.status,
        "counsellor": provider_dict(c.counsellor),
        "notified": c.notified,
        "on_duty": c.on_duty,
        "opened_at": c.opened_at,
        "closed_at": c.closed_at,
        "closing_note": c.closing_note,
    }
    if with_follow_ups:
        now = wallclock.now()
        data["follow_ups"] = [
            {
                "id": f.pk,
                "due_at": f.due_at,
                "done_at": f.done_at,
                "note": f.note,
                "overdue": f.done_at is None and f.due_at < now and c.status == Crisis.Status.OPEN,
            }
            for f in c.follow_ups.all()
        ]
    return data


class CrisisIn(Schema):
    reason: str = Field(..., max_length=500)
    case_number: str | None = Field(None, max_length=32)
    person: PersonIn | None = None
    region_code: str | None = Field(None, max_length=21)


class NoteIn(Schema):
    note: str = Field(..., max_length=5000)


@router.get("/services/crises", response=list[dict], summary="Crisis interventions, newest first")
def list_crises(request, region: str | None = None, status: str | None = None):
    _require(may_see_psych(request.user))
    rows = _in_region(visible_crises(request.user), region)
    if status:
        rows = rows.filter(status=status)
    return [crisis_dict(c, with_follow_ups=False) for c in rows[:LIST_LIMIT]]


@router.post("/services/crises", response={201: dict}, summary="Open the crisis path for a case or a person")
def declare_crisis(request, payload: CrisisIn):
    data = payload.dict()
    return 201, crisis_dict(actions.declare_crisis(request.user, **data))


@router.get("/services/crises/{crisis_id}", response=dict)
def get_crisis(request, crisis_id: int):
    return crisis_dict(get_or_404(visible_crises(request.user), crisis_id))


@router.post(
    "/services/crises/{crisis_id}/follow-ups/{follow_up_id}", response=dict, summary="Record a follow-up"
)
def complete_follow_up(request, crisis_id: int, follow_up_id: int, payload: NoteIn):
    crisis = get_or_404(visible_crises(request.user), crisis_id)
    follow_up = crisis.follow_ups.filter(pk=follow_up_id).first()
    if follow_up is None:
        raise Http404("no such follow-up")
    actions.complete_follow_up(request.user, follow_up, note=payload.note)
    return crisis_dict(crisis)


@router.post(
    "/services/crises/{crisis_id}/contact",
    response=dict,
    summary="The unmasked phone of the person in crisis (counsellors; logged in the access log)",
)
def crisis_contact(request, crisis_id: int):
    crisis = get_or_404(visible_crises(request.user), crisis_id)
    return actions.reveal_contact(request.user, crisis, ip=request.META.get("REMOTE_ADDR"))


@router.post("/services/crises/{crisis_id}/close", response=dict, summary="Close a crisis intervention")
def close_crisis(request, crisis_id: int, payload: NoteIn):
    crisis = get_or_404(visible_crises(request.user), crisis_id)
    return crisis_dict(actions.close_crisis(request.user, crisis, note=payload.note))


# ------------------------------------------------------------------------------ figures


@router.get("/services/stats", response=dict, summary="Figures of the legal and psychological services")
def service_stats(
    request,
    filters: Query[PeriodFilters],
    region: str | None = None,
):
    _require(may_see_services(request.user))
    code, since, until = _period(request, filters.from_, filters.to, region)
    return stats.figures(code, since, until)


class ProviderIn(Schema):
    kind: str = Field(..., description="lawyer | legal_worker | counsellor")
    name: str = Field(..., max_length=50)
    region_code: str | None = Field(None, max_length=21)
    username: str | None = Field(
        None, max_length=150, description="the platform account this makes a lawyer or counsellor"
    )
    organisation: str = Field("", max_length=100)
    licence_number: str = Field("", max_length=40)
    phone: str = Field("", max_length=20)


@router.post("/services/providers", response={201: dict}, summary="Add a lawyer, legal worker or counsellor")
def add_provider(request, payload: ProviderIn):
    return 201, provider_dict(actions.add_provider(request.user, **payload.dict()))
