"""Follow-up after closing (回访): N days after a case closes its applicant is asked whether the
matter is really settled, by SMS with a link to a public page, or by staff on the phone. "No"
reopens the case and counts against the unit that closed it."""

import secrets
from datetime import datetime, timedelta

from django.db import transaction

from fengqiao import clock as wallclock

from .models import Case, FollowUp, UrgencyRule


def schedule(case: Case) -> FollowUp:
    days = UrgencyRule.current().follow_up_days
    return FollowUp.objects.create(
        case=case,
        unit=case.handling_unit,
        due_at=case.closed_at + timedelta(days=days),
        token=secrets.token_urlsafe(32),
    )


def applicant_phone(case: Case) -> str:
    party = case.parties.filter(role="applicant").select_related("person").first()
    return party.person.phone if party else ""


def ask_due(at: datetime) -> int:
    """The sweeper: ask every follow-up that has come due (once)."""
    from .actions import _log

    asked = 0
    for follow_up in FollowUp.objects.filter(asked_at__isnull=True, due_at__lte=at).select_related("case")[
        :1000
    ]:
        with transaction.atomic():
            claimed = FollowUp.objects.filter(pk=follow_up.pk, asked_at__isnull=True).update(asked_at=at)
            if not claimed:
                continue
            case = follow_up.case
            sent = _ask_applicant(case, follow_up)
            _log(case, None, "follow_up_asked", at=at, data={"by_sms": sent})
            asked += 1
    return asked


def _ask_applicant(case: Case, follow_up: FollowUp) -> bool:
    """The centre that closed the case is asked to call the applicant (with the link to read out or
    send). True when a message went to the applicant directly."""
    from fengqiao.notices.actions import notify
    from fengqiao.notices.models import Notice

    from .actions import centre_for

    centre = centre_for(case.region_id, case.level)
    staff = centre.members.filter(is_active=True) if centre else []
    notify(
        staff,
        Notice.Kind.NEW_WORK,
        f"回访:{case.number}",
        f"请回访申请人,回访页面 /follow-up/{follow_up.token}/",
        case=case,
    )
    return False


def answer(follow_up: FollowUp, settled: bool, note: str = "", user=None) -> Case:
    """Record the applicant's answer; "not settled" reopens the case (the unit that closed it is
    held to account in the evaluation through this row)."""
    from .actions import reopen_after_follow_up

    with transaction.atomic():
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
        if follow_up.answered_at is not None:
            return follow_up.case
        follow_up.answered_at = wallclock.now()
        follow_up.settled = settled
        follow_up.answer = note
        follow_up.answered_by = user if user is not None and user.is_authenticated else None
        follow_up.save()
        return reopen_after_follow_up(follow_up, user, note) if not settled else follow_up.case
