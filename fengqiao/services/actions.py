"""Every write of the services: consultations, legal aid, the roster, the village advisers,
counselling sessions, screenings and the crisis-intervention path. Pages, the API, the demo and the
sweep all come through here; each function checks who may do it and writes in one transaction.

Refusals are FieldErrors naming what is wrong: 403 for a role that may not, 409 for a step that
does not fit the record's state, 422 for bad input.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.utils import timezone

from fengqiao import clock as wallclock
from fengqiao.accounts.scoping import access_case, can_see_region
from fengqiao.errors import FieldError
from fengqiao.people.actions import find_or_create_person
from fengqiao.people.validation import InvalidPersonalData
from fengqiao.regions.models import Region

from . import scoring
from .models import (
    Consultation,
    CounsellingSession,
    Crisis,
    DutyShift,
    FollowUp,
    LegalAidApplication,
    LegalTopic,
    NoteAccess,
    Provider,
    Screening,
    VillageAdviser,
)
from .selectors import (
    is_counsellor,
    may_decide_aid,
    may_manage,
    may_read_notes,
    may_see_legal,
    may_see_psych,
    provider_of,
    serving_q,
    visible_providers,
)

# After a crisis opens: follow up within a day, then at three days, a week and a month.
FOLLOW_UP_AFTER = (timedelta(days=1), timedelta(days=3), timedelta(days=7), timedelta(days=30))
# Words in a case that make it a crisis case whatever its category (self-harm and suicide).
CRISIS_WORDS = (
    "自杀",
    "轻生",
    "寻死",
    "不想活",
    "活着没意思",
    "结束生命",
    "跳楼",
    "跳河",
    "割腕",
    "喝农药",
    "服毒",
    "自残",
    "自伤",
)


def _forbid(reason: str):
    raise FieldError("user", reason, 403)


def _region(user, code: str | None) -> Region:
    """The region a record belongs to: the one given (inside the user's subtree) or the user's own."""
    code = code or user.region_id
    if not code or not can_see_region(user, code):
        raise FieldError("region_code", "unknown region or outside your area")
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise FieldError("region_code", "unknown region or outside your area")
    return region


def _person(data: dict | None, region: Region, field: str, required: bool = True):
    data = data or {}
    if not (data.get("name") or "").strip():
        if required:
            raise FieldError(f"{field}.name", "required")
        return None
    try:
        return find_or_create_person(
            data["name"],
            phone=data.get("phone") or "",
            id_number=data.get("id_number") or "",
            region_code=region.code,
        )
    except InvalidPersonalData as error:
        raise FieldError(f"{field}.{error.field}", error.reason) from None


def _case(user, number: str | None):
    if not number:
        return None
    try:
        return access_case(user, number)
    except Exception:
        raise FieldError("case", "no such case") from None


def _provider(user, pk, kinds, field: str) -> Provider:
    provider = visible_providers(user).filter(pk=pk, kind__in=kinds, active=True).first() if pk else None
    if provider is None:
        raise FieldError(field, "no such provider serving your area")
    return provider


def _choice(value, choices, field: str):
    if value not in choices.values:
        raise FieldError(field, f"one of {', '.join(choices.values)}")
    return value


# ------------------------------------------------------------------------------------ legal


@transaction.atomic
def record_consultation(
    user,
    *,
    topic: str,
    question: str,
    answer: str = "",
    person: dict | None = None,
    region_code: str | None = None,
    channel: str = Consultation.Channel.WINDOW,
    provider_id: int | None = None,
    referral: str = Consultation.Referral.NONE,
    referral_note: str = "",
    case_number: str | None = None,
    asked_at: datetime | None = None,
) -> Consultation:
    """Record a consultation; a referral to legal aid files the application at once."""
    if not may_see_legal(user):
        _forbid("this role does not record legal consultations")
    if not (question or "").strip():
        raise FieldError("question", "required")
    _choice(topic, LegalTopic, "topic")
    _choice(channel, Consultation.Channel, "channel")
    _choice(referral, Consultation.Referral, "referral")
    region = _region(user, region_code)
    provider = provider_of(user)
    if provider_id:
        provider = _provider(user, provider_id, Provider.LEGAL_KINDS, "provider_id")
    elif provider is not None and provider.kind not in Provider.LEGAL_KINDS:
        provider = None
    consultation = Consultation.objects.create(
        region=region,
        person=_person(person, region, "person", required=referral == Consultation.Referral.LEGAL_AID),
        channel=channel,
        topic=topic,
        question=question.strip(),
        answer=(answer or "").strip(),
        provider=provider,
        referral=referral,
        referral_note=referral_note or "",
        case=_case(user, case_number),
        asked_at=asked_at or wallclock.now(),
        recorded_by=user,
    )
    if referral == Consultation.Referral.LEGAL_AID:
        _file_application(
            user, consultation.person, region, topic, consultation.question, consultation.case, consultation
        )
    return consultation


def _file_application(user, applicant, region, topic, matter, case, consultation=None) -> LegalAidApplication:
    now = wallclock.now()
    return LegalAidApplication.objects.create(
        region=region,
        applicant=applicant,
        topic=topic,
        matter=matter,
        case=case,
        consultation=consultation,
        applied_at=now,
        decision_due=now + timedelta(days=LegalAidApplication.DECISION_DAYS),
        recorded_by=user,
    )


@transaction.atomic
def apply_legal_aid(
    user,
    *,
    applicant: dict,
    topic: str,
    matter: str,
    region_code: str | None = None,
    case_number: str | None = None,
) -> LegalAidApplication:
    if not may_see_legal(user):
        _forbid("this role does not handle legal aid")
    _choice(topic, LegalTopic, "topic")
    if not (matter or "").strip():
        raise FieldError("matter", "required")
    region = _region(user, region_code)
    person = _person(applicant, region, "applicant")
    return _file_application(user, person, region, topic, matter.strip(), _case(user, case_number))


def _lock(application: LegalAidApplication) -> LegalAidApplication:
    return LegalAidApplication.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def decide_legal_aid(user, application, *, grant: bool, note: str = "") -> LegalAidApplication:
    if not may_decide_aid(user):
        _forbid("this role does not decide legal aid")
    application = _lock(application)
    if application.status != LegalAidApplication.Status.SUBMITTED:
        raise FieldError("status", f"already decided ({application.get_status_display()})", 409)
    if not grant and not (note or "").strip():
        raise FieldError("note", "a refusal states its reason")
    now = wallclock.now()
    application.status = LegalAidApplication.Status.GRANTED if grant else LegalAidApplication.Status.REFUSED
    application.decided_at = now
    application.decision_note = (note or "").strip()
    if grant:
        application.assignment_due = now + timedelta(days=LegalAidApplication.APPOINTMENT_DAYS)
    application.overdue_notified_at = None  # the next limit (the appointment) gets its own reminder
    application.save()
    return application


@transaction.atomic
def assign_legal_aid(user, application, *, lawyer_id: int) -> LegalAidApplication:
    from fengqiao.notices.actions import notify_event

    if not may_decide_aid(user):
        _forbid("this role does not appoint legal-aid lawyers")
    application = _lock(application)
    if application.status != LegalAidApplication.Status.GRANTED:
        raise FieldError("status", "only a granted application gets a lawyer", 409)
    lawyer = _provider(user, lawyer_id, Provider.LEGAL_KINDS, "lawyer_id")
    application.lawyer = lawyer
    application.assigned_at = wallclock.now()
    application.status = LegalAidApplication.Status.ASSIGNED
    application.save()
    if lawyer.user_id:
        notify_event(
            "legal_aid_assigned",
            [lawyer.user],
            actor=user.display_name or user.username,
            subject=f"法律援助 #{application.pk}",
            topic=application.get_topic_display(),
        )
    return application


@transaction.atomic
def conclude_legal_aid(user, application, *, outcome: str, note: str = "") -> LegalAidApplication:
    _choice(outcome, LegalAidApplication.Outcome, "outcome")
    application = _lock(application)
    lawyer = provider_of(user)
    if not may_decide_aid(user) and (lawyer is None or lawyer.pk != application.lawyer_id):
        _forbid("the appointed lawyer or the aid agency concludes legal aid")
    if application.status != LegalAidApplication.Status.ASSIGNED:
        raise FieldError("status", "only an assigned application is concluded", 409)
    application.status = LegalAidApplication.Status.CONCLUDED
    application.outcome = outcome
    application.outcome_note = (note or "").strip()
    application.concluded_at = wallclock.now()
    application.save()
    return application


@transaction.atomic
def add_provider(
    user,
    *,
    kind: str,
    name: str,
    region_code: str | None = None,
    username: str | None = None,
    organisation: str = "",
    licence_number: str = "",
    phone: str = "",
) -> Provider:
    """Add a provider; with `username`, that account becomes a lawyer or counsellor (the platform
    has no such roles). Only an account inside the user's area, without a profile yet."""
    from fengqiao.accounts.models import User

    if not may_manage(user):
        _forbid("only admins and centre staff keep the directory")
    _choice(kind, Provider.Kind, "kind")
    if not (name or "").strip():
        raise FieldError("name", "required")
    region = _region(user, region_code)
    account = None
    if username:
        account = User.objects.filter(username=username, is_active=True).first()
        if account is None or not account.region_id or not can_see_region(user, account.region_id):
            raise FieldError("username", "no such account in your area")
        if Provider.objects.filter(user=account).exists():
            raise FieldError("username", "this account already has a provider profile", 409)
    return Provider.objects.create(
        kind=kind,
        name=name.strip(),
        region=region,
        user=account,
        organisation=organisation or "",
        licence_number=licence_number or "",
        phone=phone or "",
    )


@transaction.atomic
def add_shift(
    user,
    *,
    provider_id: int,
    place: str,
    starts_at: datetime,
    ends_at: datetime,
    region_code: str | None = None,
) -> DutyShift:
    if not may_manage(user):
        _forbid("only admins and centre staff keep the duty roster")
    provider = _provider(user, provider_id, Provider.Kind.values, "provider_id")
    if ends_at <= starts_at:
        raise FieldError("ends_at", "ends after it starts")
    if ends_at - starts_at > timedelta(days=7):
        raise FieldError("ends_at", "a shift lasts at most seven days")
    if not (place or "").strip():
        raise FieldError("place", "required")
    region = _region(user, region_code)
    return DutyShift.objects.create(
        provider=provider, region=region, place=place.strip(), starts_at=starts_at, ends_at=ends_at
    )


@transaction.atomic
def set_village_adviser(
    user, *, region_code: str, post: str, name: str, organisation: str = "", phone: str = "", provider_id=None
) -> VillageAdviser:
    """Name the holder of one of a village's four posts (replacing the previous holder)."""
    if not may_manage(user):
        _forbid("only admins and centre staff keep the village advisers")
    _choice(post, VillageAdviser.Post, "post")
    region = _region(user, region_code)
    if region.kind not in ("village",):
        raise FieldError("region_code", "the three officials and one lawyer belong to a village or community")
    if not (name or "").strip():
        raise FieldError("name", "required")
    provider = None
    if provider_id:
        provider = _provider(user, provider_id, Provider.LEGAL_KINDS, "provider_id")
    adviser, _ = VillageAdviser.objects.update_or_create(
        region=region,
        post=post,
        defaults={
            "name": name.strip(),
            "organisation": organisation or "",
            "phone": phone or "",
            "provider": provider,
            "since": timezone.localdate(wallclock.now()),
        },
    )
    return adviser


# ------------------------------------------------------------------------------------ psychological


@transaction.atomic
def record_session(
    user,
    *,
    person: dict,
    issue: str,
    notes: str,
    kind: str = CounsellingSession.Kind.INDIVIDUAL,
    minutes: int = 50,
    held_at: datetime | None = None,
    region_code: str | None = None,
    case_number: str | None = None,
    crisis: Crisis | None = None,
) -> CounsellingSession:
    """Only a counsellor records a session (its notes are theirs)."""
    if not is_counsellor(user):
        _forbid("only counsellors record counselling sessions")
    _choice(issue, CounsellingSession.Issue, "issue")
    _choice(kind, CounsellingSession.Kind, "kind")
    if not (notes or "").strip():
        raise FieldError("notes", "required")
    if not 1 <= int(minutes) <= 600:
        raise FieldError("minutes", "between 1 and 600")
    region = _region(user, region_code)
    return CounsellingSession.objects.create(
        region=region,
        person=_person(person, region, "person"),
        counsellor=provider_of(user),
        kind=kind,
        issue=issue,
        held_at=held_at or wallclock.now(),
        minutes=minutes,
        notes=notes.strip(),
        case=_case(user, case_number),
        crisis=crisis,
    )


def read_notes(user, session: CounsellingSession, *, via: str, ip: str | None = None) -> str:
    """The session's notes for a counsellor, with the audit row; PermissionDenied-like 403 otherwise."""
    if not may_read_notes(user):
        _forbid("only counsellors read session notes")
    NoteAccess.objects.create(user=user, session=session, via=via, ip=ip or None)
    return session.notes


@transaction.atomic
def record_screening(
    user,
    *,
    person: dict,
    instrument: str,
    answers: list,
    region_code: str | None = None,
    case_number: str | None = None,
    administered_at: datetime | None = None,
) -> Screening:
    """Score and store a screening; a crisis score opens the crisis path at once."""
    if not may_see_psych(user):
        _forbid("this role does not administer psychological screenings")
    try:
        result = scoring.score(instrument, answers)
    except scoring.InvalidAnswers as error:
        field = "instrument" if instrument not in scoring.INSTRUMENTS else "answers"
        raise FieldError(field, str(error)) from None
    region = _region(user, region_code)
    subject = _person(person, region, "person")
    case = _case(user, case_number)
    screening = Screening.objects.create(
        region=region,
        person=subject,
        instrument=instrument,
        answers=list(result.answers),
        score=result.score,
        band=result.band.code,
        positive=result.positive,
        case=case,
        administered_at=administered_at or wallclock.now(),
        administered_by=user,
    )
    if result.crisis:
        screening.crisis = open_crisis(
            region=region,
            person=subject,
            case=case,
            source=Crisis.Source.SCREENING,
            reasons=list(result.crisis_reasons),
            actor=user,
        )
        screening.save(update_fields=["crisis"])
    return screening


def counsellors_on_duty(region_code: str, at: datetime) -> list[Provider]:
    """The counsellors whose shift covers `at` at a place serving the region (its own or above)."""
    shifts = (
        DutyShift.objects.filter(
            serving_q(region_code),
            starts_at__lte=at,
            ends_at__gt=at,
            provider__kind=Provider.Kind.COUNSELLOR,
            provider__active=True,
        )
        .select_related("provider__user")
        .order_by("-region_id", "starts_at")  # the nearest place first
    )
    return list(dict.fromkeys(shift.provider for shift in shifts))


def counsellors_serving(region_code: str) -> list[Provider]:
    return list(
        Provider.objects.filter(serving_q(region_code), kind=Provider.Kind.COUNSELLOR, active=True)
        .select_related("user")
        .order_by("-region_id", "name")
    )


@transaction.atomic
def open_crisis(*, region, person=None, case=None, source: str, reasons: list[str], actor=None) -> Crisis:
    """Open a crisis intervention, tell the counsellor on duty at once (or, when nobody is on duty,
    every counsellor serving the area) and schedule the follow-ups. One per case: a case already
    in crisis returns its intervention."""
    from fengqiao.notices.actions import notify_event

    if case is not None:
        existing = Crisis.objects.filter(case=case).first()
        if existing is not None:
            return existing
    now = wallclock.now()
    on_duty = counsellors_on_duty(region.code, now)
    counsellors = on_duty or counsellors_serving(region.code)
    try:
        with transaction.atomic():
            crisis = Crisis.objects.create(
                region=region,
                person=person,
                case=case,
                source=source,
                reasons=reasons,
                counsellor=counsellors[0] if counsellors else None,
                on_duty=bool(on_duty),
                opened_at=now,
                opened_by=actor if actor is not None and actor.is_authenticated else None,
            )
    except IntegrityError:  # the same case flagged twice at once
        return Crisis.objects.get(case=case)
    FollowUp.objects.bulk_create(FollowUp(crisis=crisis, due_at=now + after) for after in FOLLOW_UP_AFTER)
    recipients = [provider.user for provider in counsellors if provider.user_id]
    notify_event(
        "crisis",
        recipients,
        case=case,
        subject=f"危机干预 #{crisis.pk}",
        who=person.masked_name if person is not None else "",
        reasons=reasons,
        place=region.name,
        actor=(actor.display_name or actor.username) if actor is not None and actor.is_authenticated else "",
    )
    crisis.notified = [user.username for user in recipients]
    crisis.save(update_fields=["notified"])
    if case is not None:
        from fengqiao.cases.models import TimelineEntry

        TimelineEntry.objects.create(
            case=case,
            at=now,
            kind="crisis_opened",
            note=";".join(reasons),
            data={"crisis": crisis.pk, "notified": crisis.notified, "on_duty": crisis.on_duty},
        )
    return crisis


def declare_crisis(
    user, *, case_number: str | None = None, person: dict | None = None, reason: str, region_code=None
):
    """Staff open the crisis path by hand, for a case or a person."""
    if not may_see_psych(user):
        _forbid("this role does not open crisis interventions")
    if not (reason or "").strip():
        raise FieldError("reason", "required")
    case = _case(user, case_number)
    region = case.region if case is not None and not region_code else _region(user, region_code)
    subject = _person(person, region, "person", required=case is None)
    if subject is None and case is not None:
        party = case.parties.select_related("person").order_by("pk").first()
        subject = party.person if party else None
    return open_crisis(
        region=region,
        person=subject,
        case=case,
        source=Crisis.Source.MANUAL,
        reasons=[reason.strip()],
        actor=user,
    )


def _counsellor_on(user, crisis: Crisis):
    del crisis  # any counsellor serving the area may step in, not only the one first notified
    if not is_counsellor(user):
        _forbid("only counsellors follow up and close crisis interventions")


@transaction.atomic
def complete_follow_up(user, follow_up: FollowUp, *, note: str) -> FollowUp:
    _counsellor_on(user, follow_up.crisis)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.done_at is not None:
        raise FieldError("follow_up", "already done", 409)
    if not (note or "").strip():
        raise FieldError("note", "required")
    follow_up.done_at = wallclock.now()
    follow_up.done_by = user
    follow_up.note = note.strip()
    follow_up.save()
    return follow_up


@transaction.atomic
def close_crisis(user, crisis: Crisis, *, note: str) -> Crisis:
    _counsellor_on(user, crisis)
    crisis = Crisis.objects.select_for_update().get(pk=crisis.pk)
    if crisis.status != Crisis.Status.OPEN:
        raise FieldError("status", "already closed", 409)
    if not (note or "").strip():
        raise FieldError("note", "required")
    crisis.status = Crisis.Status.CLOSED
    crisis.closed_at = wallclock.now()
    crisis.closing_note = note.strip()
    crisis.save()
    return crisis


def reveal_contact(user, crisis: Crisis, *, ip: str | None = None) -> dict:
    """The full phone number of the person in crisis, for a counsellor who must call them now;
    written to people.AccessLog like every unmasking."""
    from django.core.exceptions import PermissionDenied

    from fengqiao.people.actions import reveal

    if not is_counsellor(user):
        _forbid("only counsellors unmask the contact of a person in crisis")
    if crisis.person is None:
        raise FieldError("person", "this intervention has no person on file", 409)
    try:
        return reveal(
            user,
            crisis.person,
            ["phone"],
            object_type="crisis",
            object_id=crisis.pk,
            purpose="心理危机干预联系当事人",
            ip=ip,
        )
    except PermissionDenied:
        _forbid("this role may not see unmasked personal data")


def sweep_follow_ups(at: datetime) -> int:
    """Remind the responsible counsellor (else every counsellor serving the area) of each follow-up
    of an open crisis that has fallen due; once per follow-up, so running it twice changes nothing."""
    from fengqiao.notices.actions import notify_event

    reminded = 0
    due = FollowUp.objects.filter(
        done_at__isnull=True, reminded_at__isnull=True, due_at__lte=at, crisis__status=Crisis.Status.OPEN
    ).select_related("crisis__counsellor__user", "crisis__region", "crisis__case", "crisis__person")
    for follow_up in due[:500]:
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=follow_up.pk, reminded_at__isnull=True).update(
                reminded_at=at
            )
            if not claimed:
                continue
            crisis = follow_up.crisis
            counsellors = [crisis.counsellor] if crisis.counsellor else counsellors_serving(crisis.region_id)
            notify_event(
                "crisis_follow_up",
                [provider.user for provider in counsellors if provider.user_id],
                case=crisis.case,
                subject=f"危机干预 #{crisis.pk}",
                who=crisis.person.masked_name if crisis.person else "",
                due_at=wallclock_local(follow_up.due_at),
            )
            reminded += 1
    return reminded


def sweep_legal_aid(at: datetime) -> int:
    """Tell the county justice bureau (the legal-aid agency) and whoever filed it, once, about each
    application still undecided past its 7 days or still without a lawyer past its 3 days."""
    from django.db.models import Q

    from fengqiao.accounts.models import User
    from fengqiao.accounts.standard_units import department_code
    from fengqiao.notices.actions import notify_event

    late = LegalAidApplication.objects.filter(
        Q(status=LegalAidApplication.Status.SUBMITTED, decision_due__lte=at)
        | Q(status=LegalAidApplication.Status.GRANTED, assignment_due__lte=at),
        overdue_notified_at__isnull=True,
    ).select_related("recorded_by")
    told = 0
    for application in late[:500]:
        with transaction.atomic():
            if not LegalAidApplication.objects.filter(
                pk=application.pk, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=at):
                continue
            bureau = User.objects.filter(
                unit__code=department_code(application.region_id[:6].ljust(12, "0"), "justice"),
                is_active=True,
            )
            undecided = application.status == LegalAidApplication.Status.SUBMITTED
            notify_event(
                "legal_aid_overdue",
                [*bureau, application.recorded_by],
                subject=f"法律援助申请 #{application.pk}",
                step="审查决定" if undecided else "指派承办律师",
                due_at=wallclock_local(application.decision_due if undecided else application.assignment_due),
            )
            told += 1
    return told


def wallclock_local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# ------------------------------------------------------------------------------------ crisis cases


def is_crisis_text(text: str) -> bool:
    return any(word in (text or "") for word in CRISIS_WORDS)


def on_case_timeline(sender, instance, created, **kwargs):
    """A crisis case opens the crisis path at once:

    - a case whose report speaks of suicide or self-harm, the moment it is registered (the
      "reported" timeline entry is written inside create_case's transaction, after the parties);
    - a psychological-support case that staff mark urgent (加急, the "urge" action).
    """
    if not created or kwargs.get("raw") or instance.kind not in ("reported", "urge"):
        return
    case = instance.case
    text = f"{case.title} {case.description}"
    if instance.kind == "reported":
        words = [word for word in CRISIS_WORDS if word in text]
        if not words:
            return
        reasons = [f"事项涉及{'、'.join(words)}"]
    else:
        if case.category != "psych_support" and case.track != "psychological":
            return
        reasons = ["心理援助事项被加急" + (f":{instance.note}" if instance.note else "")]
    party = case.parties.select_related("person").order_by("pk").first()
    open_crisis(
        region=case.region,
        person=party.person if party else None,
        case=case,
        source=Crisis.Source.CASE,
        reasons=reasons,
        actor=instance.actor,
    )


def connect_signals():
    from fengqiao.cases.models import TimelineEntry

    post_save.connect(on_case_timeline, sender=TimelineEntry, dispatch_uid="services_crisis_case")
