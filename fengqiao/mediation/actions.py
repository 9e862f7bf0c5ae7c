"""The one write path for mediation and linkage. Each function validates, writes the rows, appends
the case's timeline entry and sends the notices in one transaction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q

from fengqiao import clock as wallclock
from fengqiao.accounts.models import Unit, User
from fengqiao.accounts.roles import Role
from fengqiao.cases.actions import _log, take_action
from fengqiao.cases.deadlines import LOCAL, add_days
from fengqiao.cases.models import Case
from fengqiao.cases.workflow import ActionRefused
from fengqiao.errors import FieldError
from fengqiao.notices.actions import notify_event
from fengqiao.regions import codes as region_codes

from . import notice_events
from .models import (
    Agreement,
    FollowUpVisit,
    JudicialConfirmation,
    Mediation,
    Mediator,
    MediatorChoice,
    Referral,
    Session,
)

CONFIRMATION_DAYS = 30  # 人民调解法 第三十三条: within 30 days of the agreement taking effect
CONFIRMATION_WARN_DAYS = 7
FOLLOW_UP_AFTER_DAYS = 1  # the first return visit: the day after the performance deadline
CENTRE_ROLES = frozenset({Role.ADMIN, Role.CENTRE_STAFF})


def _is_centre(user) -> bool:
    return user.is_superuser or user.role in CENTRE_ROLES


# ------------------------------------------------------------------------------------ directory


def ancestor_codes(code: str) -> list[str]:
    """The codes of a region and every region above it (a county mediator serves its townships)."""
    found = [code[:digits].ljust(12, "0") for digits in (2, 4, 6, 9, 12) if len(code) >= 12]
    found += [code[:digits] for digits in (15, 18, 21) if len(code) >= digits]
    return list(dict.fromkeys(found))


OPEN_LOAD = Q(mediations__outcome=Mediation.Outcome.OPEN)


def with_load(mediators):
    return mediators.annotate(load=Count("mediations", filter=OPEN_LOAD, distinct=True))


def suitable_mediators(case: Case):
    """Active, available mediators serving the case's place, whose specialities cover its category
    (no specialities = every kind of dispute) and who have room for another case; least loaded first."""
    candidates = with_load(
        Mediator.objects.filter(active=True, available=True, region_id__in=ancestor_codes(case.region_id))
    ).select_related("body", "region")
    suited = [
        mediator
        for mediator in candidates
        if (not mediator.specialities or case.category in mediator.specialities)
        and mediator.load < mediator.max_load
    ]
    return sorted(suited, key=lambda mediator: (mediator.load, mediator.name))


# ------------------------------------------------------------------------------------ choosing


def mediation_of(case: Case) -> Mediation:
    mediation, _ = Mediation.objects.get_or_create(case=case, defaults={"started_at": wallclock.now()})
    return mediation


def choose_mediator(case: Case, mediator: Mediator, *, by: str, user=None) -> MediatorChoice:
    """Propose `mediator` for the case: staff assign (by="staff") or the applicant picks one
    (by="portal" online, by="window" at the window); the mediator is asked to accept."""
    if by not in MediatorChoice.By.values:
        raise FieldError("chosen_by", "staff, portal or window")
    if by == MediatorChoice.By.STAFF and (user is None or not _is_centre(user)):
        raise ActionRefused("only centre staff assign a mediator", status=403)
    if mediator.pk not in {suited.pk for suited in suitable_mediators(case)}:
        raise FieldError("mediator", "not among the mediators suited to this case's category and place")
    with transaction.atomic():
        mediation = Mediation.objects.select_for_update().get(pk=mediation_of(case).pk)
        if mediation.outcome != Mediation.Outcome.OPEN:
            raise ActionRefused("the mediation has ended", status=409)
        if mediation.mediator_id is not None:
            raise ActionRefused("a mediator has already accepted this case", status=409)
        if mediation.choices.filter(state=MediatorChoice.State.PENDING).exists():
            raise ActionRefused("a chosen mediator has not answered yet", status=409)
        now = wallclock.now()
        choice = MediatorChoice.objects.create(
            mediation=mediation,
            mediator=mediator,
            chosen_by=by,
            chosen_by_user=user if user is not None and user.is_authenticated else None,
            chosen_at=now,
        )
        _log(
            case,
            user,
            "mediator_chosen",
            note=f"{MediatorChoice.By(by).label}:{mediator.name}",
            data={"mediator": mediator.pk, "by": by},
        )
        notify_event(
            notice_events.MEDIATOR_CHOSEN,
            _people_answering_for(mediator),
            case=case,
            chooser=MediatorChoice.By(by).label,
        )
    return choice


def _people_answering_for(mediator: Mediator):
    """Who answers for a mediator: their own account, else the members of their mediation body."""
    if mediator.user_id:
        return User.objects.filter(pk=mediator.user_id)
    if mediator.unit is not None:
        return User.objects.filter(unit=mediator.unit)
    return User.objects.none()


def may_respond(user, choice: MediatorChoice) -> bool:
    mediator = choice.mediator
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    if mediator.user_id:
        return mediator.user_id == user.pk
    unit = mediator.unit
    return user.role == Role.CENTRE_STAFF or (unit is not None and user.unit_id == unit.pk)


def respond(choice: MediatorChoice, user, *, accept: bool, reason: str = "") -> MediatorChoice:
    """The chosen mediator accepts (the mediation body's unit then holds the case) or declines with
    a reason (the case goes back to whoever chose, for another choice)."""
    if not may_respond(user, choice):
        raise ActionRefused("only the chosen mediator may answer", status=403)
    reason = reason.strip()
    if not accept and not reason:
        raise FieldError("reason", "give the reason for declining")
    with transaction.atomic():
        choice = (
            MediatorChoice.objects.select_for_update().select_related("mediation__case").get(pk=choice.pk)
        )
        if choice.state != MediatorChoice.State.PENDING:
            raise ActionRefused("this choice has already been answered", status=409)
        mediation, case = choice.mediation, choice.mediation.case
        now = wallclock.now()
        choice.responded_at, choice.responded_by, choice.reason = now, user, reason
        mediator = choice.mediator
        if not accept:
            choice.state = MediatorChoice.State.DECLINED
            choice.save()
            _log(case, user, "mediator_declined", note=reason, data={"mediator": mediator.pk})
            _notify_back(case, choice, accepted=False, note=reason)
            return choice
        choice.state = MediatorChoice.State.ACCEPTED
        choice.save()
        mediation.mediator = mediator
        mediation.save(update_fields=["mediator"])
        _log(case, user, "mediator_accepted", note=mediator.name, data={"mediator": mediator.pk})
        _hand_to_body(case, choice, mediator)
    return choice


def _hand_to_body(case: Case, choice: MediatorChoice, mediator: Mediator) -> None:
    """Staff who assigned the mediator dispatch the case to the mediation body's unit on the spot;
    for an applicant's own choice the centre holding the case is told to do it."""
    unit = mediator.unit
    if unit is None or case.handling_unit_id == unit.pk:
        return
    chooser = choice.chosen_by_user
    if chooser is not None and _is_centre(chooser):
        try:
            take_action(case, chooser, "dispatch", units=[unit.code], note=f"由调解员{mediator.name}调解")
            return
        except (ActionRefused, FieldError):
            pass  # the chooser can no longer dispatch it: the centre is told instead
    _notify_back(case, choice, accepted=True, unit=unit.name)


def _notify_back(
    case: Case, choice: MediatorChoice, *, accepted: bool, note: str = "", unit: str = ""
) -> None:
    chooser = choice.chosen_by_user
    if chooser is not None and chooser.role != Role.CITIZEN:
        people = User.objects.filter(pk=chooser.pk)
    else:
        people = centre_staff_nearest(case)
    notify_event(
        notice_events.MEDIATOR_ANSWERED,
        people,
        case=case,
        accepted=accepted,
        mediator=choice.mediator.name,
        unit=unit,
        note=note,
    )


def centre_staff_nearest(case: Case):
    """The centre staff of the lowest region above the case that has any (the village station
    often has no account; the township centre then answers)."""
    staff = User.objects.filter(
        role=Role.CENTRE_STAFF, is_active=True, region_id__in=ancestor_codes(case.region_id)
    )
    deepest = max((region for region in staff.values_list("region_id", flat=True)), default=None, key=_depth)
    return staff.filter(region_id=deepest) if deepest else staff


def _depth(code: str) -> int:
    return len(region_codes.significant_prefix(code))


# ------------------------------------------------------------------------------------ sessions


def may_mediate(user, mediation: Mediation) -> bool:
    if _is_centre(user):
        return True
    mediator = mediation.mediator
    if mediator is None:
        return False
    unit = mediator.unit
    return mediator.user_id == user.pk or (unit is not None and user.unit_id == unit.pk)


def _require_mediator(user, mediation: Mediation) -> None:
    if mediation.mediator_id is None:
        raise ActionRefused("no mediator has accepted this case yet", status=409)
    if not may_mediate(user, mediation):
        raise ActionRefused("only the case's mediator or the centre may do this", status=403)


def record_session(
    mediation: Mediation,
    user,
    *,
    held_at: datetime,
    participants: str,
    notes: str,
    outcome: str,
    place: str = "",
    video_link: str = "",
    next_step: str = "",
) -> Session:
    _require_mediator(user, mediation)
    if outcome not in Session.Outcome.values:
        raise FieldError("outcome", f"one of {', '.join(Session.Outcome.values)}")
    if not (place.strip() or video_link.strip()):
        raise FieldError("place", "give the place or the video link")
    if not participants.strip():
        raise FieldError("participants", "required")
    if not notes.strip():
        raise FieldError("notes", "required")
    if outcome == Session.Outcome.FAILED and not next_step.strip():
        raise FieldError("next_step", "say where the matter goes next (诉讼、仲裁、行政处理…)")
    if mediation.outcome != Mediation.Outcome.OPEN:
        raise ActionRefused("the mediation has ended", status=409)
    with transaction.atomic():
        session = Session.objects.create(
            mediation=mediation,
            held_at=held_at,
            place=place.strip(),
            video_link=video_link.strip(),
            participants=participants.strip(),
            notes=notes.strip(),
            outcome=outcome,
            next_step=next_step.strip(),
            recorded_by=user,
        )
        if outcome == Session.Outcome.FAILED:
            mediation.outcome, mediation.ended_at, mediation.next_step = (
                Mediation.Outcome.FAILED,
                wallclock.now(),
                next_step.strip(),
            )
            mediation.save(update_fields=["outcome", "ended_at", "next_step"])
        _log(
            mediation.case,
            user,
            "mediation_session",
            note=notes.strip()[:200],
            data={"session": session.pk, "outcome": outcome, "next_step": next_step.strip()},
        )
    return session


def record_agreement(
    mediation: Mediation,
    user,
    *,
    facts: str,
    terms: list[str],
    performance: str,
    perform_by: date,
    partial: bool = False,
) -> Agreement:
    """Write the agreement; it takes effect when signed (sign_agreement)."""
    _require_mediator(user, mediation)
    if mediation.outcome not in (Mediation.Outcome.OPEN,):
        raise ActionRefused("the mediation has ended", status=409)
    if hasattr(mediation, "agreement"):
        raise ActionRefused("the case already has an agreement", status=409)
    terms = [term.strip() for term in terms if term and term.strip()]
    if not facts.strip():
        raise FieldError("facts", "required")
    if not terms:
        raise FieldError("terms", "at least one term")
    if not performance.strip():
        raise FieldError("performance", "say how the terms are performed")
    now = wallclock.now()
    if perform_by < now.astimezone(LOCAL).date():
        raise FieldError("perform_by", "in the past")
    if not mediation.case.parties.exists():
        raise FieldError("parties", "the case has no parties to sign the agreement")
    with transaction.atomic():
        agreement = Agreement.objects.create(
            mediation=mediation,
            number=f"调协〔{now.astimezone(LOCAL):%Y}〕{mediation.case.number}",
            facts=facts.strip(),
            terms=terms,
            performance=performance.strip(),
            perform_by=perform_by,
            created_at=now,
            created_by=user,
        )
        mediation.outcome = Mediation.Outcome.PARTIAL if partial else Mediation.Outcome.AGREEMENT
        mediation.save(update_fields=["outcome"])
        _log(
            mediation.case,
            user,
            "agreement_drafted",
            data={"agreement": agreement.number, "terms": len(terms)},
        )
    return agreement


def sign_agreement(agreement: Agreement, user) -> Agreement:
    """The parties and the mediator have signed: the agreement takes effect, the 30-day window for
    judicial confirmation opens and the first return visit is scheduled."""
    mediation = agreement.mediation
    _require_mediator(user, mediation)
    if agreement.signed_at is not None:
        raise ActionRefused("the agreement is already signed", status=409)
    now = wallclock.now()
    with transaction.atomic():
        agreement.signed_at = now
        agreement.signed_by_parties = agreement.signed_by_mediator = True
        agreement.save(update_fields=["signed_at", "signed_by_parties", "signed_by_mediator"])
        due = add_days(now, CONFIRMATION_DAYS)
        JudicialConfirmation.objects.create(
            agreement=agreement,
            court=court_for(mediation.case),
            opens_at=now,
            warn_at=due - timedelta(days=CONFIRMATION_WARN_DAYS),
            due_at=due,
        )
        visit_day = agreement.perform_by + timedelta(days=FOLLOW_UP_AFTER_DAYS)
        FollowUpVisit.objects.create(mediation=mediation, due_at=datetime.combine(visit_day, time(9), LOCAL))
        mediation.ended_at = now
        mediation.save(update_fields=["ended_at"])
        _log(
            mediation.case,
            user,
            "agreement_signed",
            data={"agreement": agreement.number, "confirmation_due": due.isoformat()},
        )
    return agreement


def court_for(case: Case) -> Unit | None:
    return (
        Unit.objects.filter(department=Unit.Department.COURT, region_id__in=ancestor_codes(case.region_id))
        .order_by("-region_id")
        .first()
    )


# ------------------------------------------------------------------------------ judicial confirmation


def apply_for_confirmation(confirmation: JudicialConfirmation, user) -> JudicialConfirmation:
    mediation = confirmation.agreement.mediation
    _require_mediator(user, mediation)
    now = wallclock.now()
    if confirmation.state != JudicialConfirmation.State.OPEN:
        raise ActionRefused(f"judicial confirmation is {confirmation.state}", status=409)
    if now > confirmation.due_at:
        raise ActionRefused("the 30 days for judicial confirmation have passed", status=409)
    confirmation.state, confirmation.applied_at = JudicialConfirmation.State.APPLIED, now
    confirmation.save(update_fields=["state", "applied_at"])
    _log(mediation.case, user, "judicial_confirmation_applied", data={"court": str(confirmation.court or "")})
    return confirmation


def decide_confirmation(confirmation: JudicialConfirmation, user, *, confirmed: bool, note: str = "") -> None:
    _require_mediator(user, confirmation.agreement.mediation)
    if confirmation.state != JudicialConfirmation.State.APPLIED:
        raise ActionRefused("no application is waiting for the court's ruling", status=409)
    confirmation.state = (
        JudicialConfirmation.State.CONFIRMED if confirmed else JudicialConfirmation.State.REFUSED
    )
    confirmation.decided_at, confirmation.note = wallclock.now(), note
    confirmation.save(update_fields=["state", "decided_at", "note"])
    _log(
        confirmation.agreement.mediation.case, user, f"judicial_confirmation_{confirmation.state}", note=note
    )


def sweep_confirmations(at: datetime) -> int:
    """Warn the mediator once when the 30-day window nears its end; mark it lapsed when it has passed.
    Idempotent: each row changes once."""
    changed = 0
    open_rows = JudicialConfirmation.objects.filter(state=JudicialConfirmation.State.OPEN).select_related(
        "agreement__mediation__case", "agreement__mediation__mediator"
    )
    for confirmation in open_rows.filter(due_at__lte=at):
        with transaction.atomic():
            updated = JudicialConfirmation.objects.filter(
                pk=confirmation.pk, state=JudicialConfirmation.State.OPEN
            ).update(state=JudicialConfirmation.State.LAPSED)
            if updated:
                _log(
                    confirmation.agreement.mediation.case,
                    None,
                    "judicial_confirmation_lapsed",
                    at=confirmation.due_at,
                )
                changed += 1
    for confirmation in open_rows.filter(due_at__gt=at, warn_at__lte=at, warned_at__isnull=True):
        with transaction.atomic():
            if JudicialConfirmation.objects.filter(pk=confirmation.pk, warned_at__isnull=True).update(
                warned_at=at
            ):
                case = confirmation.agreement.mediation.case
                due = f"{confirmation.due_at.astimezone(LOCAL):%Y-%m-%d %H:%M}"
                body = f"请于 {due} 前申请司法确认"
                notify_event(
                    notice_events.CONFIRMATION_DUE,
                    _people_answering_for(confirmation.agreement.mediation.mediator),
                    case=case,
                    due_at=due,
                )
                _log(case, None, "judicial_confirmation_warning", note=body, at=confirmation.warn_at)
                changed += 1
    return changed


# ------------------------------------------------------------------------------------ follow-up


def record_visit(visit: FollowUpVisit, user, *, fulfilment: str, note: str = "") -> FollowUpVisit:
    """A return visit: full, partial or no performance. Anything short of full schedules the next visit in 30 days."""
    _require_mediator(user, visit.mediation)
    if fulfilment not in FollowUpVisit.Fulfilment.values:
        raise FieldError("fulfilment", "full, partial or none")
    if visit.visited_at is not None:
        raise ActionRefused("this visit is already recorded", status=409)
    now = wallclock.now()
    with transaction.atomic():
        visit.visited_at, visit.visited_by, visit.fulfilment, visit.note = now, user, fulfilment, note.strip()
        visit.save()
        if fulfilment != FollowUpVisit.Fulfilment.FULL:
            FollowUpVisit.objects.create(mediation=visit.mediation, due_at=add_days(now, 30))
        _log(
            visit.mediation.case, user, "mediation_visit", note=note.strip(), data={"fulfilment": fulfilment}
        )
    return visit


# ------------------------------------------------------------------------------------ linkage


def refer(
    *,
    kind: str,
    sender: Unit,
    receiver: Unit,
    summary: str,
    user=None,
    case: Case | None = None,
    region_code=None,
) -> Referral:
    """Record a referral between institutions (the court to mediation before filing, a police
    dispute call to mediation, the petition bureau to mediation, …)."""
    if kind not in Referral.Kind.values:
        raise FieldError("kind", f"one of {', '.join(Referral.Kind.values)}")
    if sender.pk == receiver.pk:
        raise FieldError("receiver", "the same unit as the sender")
    if not summary.strip():
        raise FieldError("summary", "required")
    region_code = region_code or (case.region_id if case is not None else receiver.region_id)
    referral = Referral.objects.create(
        kind=kind,
        case=case,
        sender=sender,
        receiver=receiver,
        region_id=region_code,
        summary=summary.strip(),
        sent_at=wallclock.now(),
        created_by=user if user is not None and user.is_authenticated else None,
    )
    if case is not None:
        _log(case, user, "referral", note=summary.strip(), data={"kind": kind, "to": receiver.name})
    notify_event(
        notice_events.REFERRAL_RECEIVED,
        User.objects.filter(unit=receiver),
        case=case,
        unit=receiver.name,
        kind=referral.get_kind_display(),
        sender=sender.name,
        summary=summary.strip(),
    )
    return referral


def close_referral(referral: Referral, user, *, outcome: str, note: str = "") -> Referral:
    if outcome not in (Referral.Outcome.SETTLED, Referral.Outcome.FAILED, Referral.Outcome.RETURNED):
        raise FieldError("outcome", "settled, failed or returned")
    if referral.outcome != Referral.Outcome.PENDING:
        raise ActionRefused("the referral is already closed", status=409)
    if not (_is_centre(user) or user.unit_id in (referral.receiver_id, referral.sender_id)):
        raise ActionRefused("only the receiving unit or the centre closes a referral", status=403)
    now = wallclock.now()
    referral.outcome, referral.closed_at, referral.result_note = outcome, now, note.strip()
    referral.received_at = referral.received_at or now
    referral.save()
    if referral.case_id:
        _log(
            referral.case,
            user,
            "referral_closed",
            note=note,
            data={"kind": referral.kind, "outcome": outcome},
        )
    return referral


def receive_referral(referral: Referral, user) -> Referral:
    """The receiving unit signs for a referral (接收); closing it later records the outcome."""
    if referral.outcome != Referral.Outcome.PENDING or referral.received_at is not None:
        raise ActionRefused("the referral has already been received", status=409)
    if not (_is_centre(user) or user.unit_id == referral.receiver_id):
        raise ActionRefused("only the receiving unit or the centre signs for a referral", status=403)
    referral.received_at = wallclock.now()
    referral.save(update_fields=["received_at"])
    if referral.case_id:
        _log(referral.case, user, "referral_received", data={"kind": referral.kind})
    return referral


# ------------------------------------------------------------------------------------ availability


def may_manage_mediator(user, mediator: Mediator) -> bool:
    """The mediator themself, a member of their mediation body, or the centre."""
    if _is_centre(user):
        return True
    unit = mediator.unit
    return mediator.user_id == user.pk or (
        user.role == Role.MEDIATOR and unit is not None and user.unit_id == unit.pk
    )


def set_availability(mediator: Mediator, user, *, available: bool) -> Mediator:
    """暂停接案 / 恢复接案: an unavailable mediator is offered to nobody (staff or applicants);
    the cases they already hold stay with them."""
    if not may_manage_mediator(user, mediator):
        raise ActionRefused("only the mediator, their mediation body or the centre may do this", status=403)
    if mediator.available != available:
        Mediator.objects.filter(pk=mediator.pk).update(available=available)
        mediator.available = available
    return mediator
